"""Security-tie score: the part of a nation's alignment that formal ties explain.

One definition, used twice: by the data builder for the starting alignment (docs/initial_alignment.md,
``alignment = 0.6 * vote score + 0.4 * tie score``) and by the model when a membership event changes
a nation's ties (its disposition moves by ``0.4 * change in tie score``, docs/ODD.md section 7.4).

On each side only the strongest tie counts (a NATO member is nearly always an EU member and a US
treaty ally too: summing would count one alliance three times); the two sides then add, so a state
with ties to both (Pakistan: a Major Non-NATO Ally and an SCO member) nets out toward the middle:

    tie_i = clip( min(-tau_i, -0.75 eu_i, e_i, 0) + max(levels of China-side ties held, 0), -1, 1)

tau_i is the US security tie (1 NATO / Five Eyes / treaty ally / Compact state; 0.5 Rio Treaty
party or Major Non-NATO Ally), e_i a documented extra tie (India, Taiwan).
"""

from __future__ import annotations

import numpy as np

#: Weight of the vote score and of the tie score in a starting alignment.
W_VOTES = 0.6
W_TIES = 0.4

#: US-side level of EU membership for states outside NATO (Austria, Ireland, Cyprus, Malta; Finland
#: and Sweden before their NATO accession).
EU_TIE = -0.75

#: China-side tie levels by membership.
CHINA_TIE_LEVELS: dict[str, float] = {
    "un_charter_friends": 1.0,  # Group of Friends in Defense of the UN Charter (2021)
    "csto": 0.75,  # Russia-led collective-security treaty
    "sco_member": 0.5,
    "brics": 0.25,
    "sco_observer": 0.25,
    "sco_dialogue_partner": 0.1,
    "bri_mou": 0.1,  # Belt and Road cooperation document: economic, ~150 signatories, weak
}

#: SCO membership strength (sim.world.world.ROLE_STRENGTH) -> China-side tie level.
SCO_LEVEL_BY_STRENGTH: dict[float, float] = {1.0: 0.5, 0.5: 0.25, 0.25: 0.1}

#: Security ties the tables have no column for (docs/initial_alignment.md, section 5).
EXTRA_US_TIES: dict[str, float] = {
    # Quad member, US "Major Defense Partner" (2016), party to the four US foundational defence
    # agreements (2002-2020): more than an MNNA, less than a treaty ally.
    "IND": -0.75,
    # Taiwan Relations Act (1979) and continuous US arms sales: a de-facto security guarantee.
    "TWN": -1.0,
}


def sco_level(strength: np.ndarray) -> np.ndarray:
    """China-side level of an SCO role given its membership strength (0 when not in the SCO)."""
    out = np.zeros_like(strength, dtype=float)
    for value, level in SCO_LEVEL_BY_STRENGTH.items():
        out[np.isclose(strength, value)] = level
    return out


def tie_score(
    *,
    security_tie: np.ndarray,
    eu: np.ndarray,
    extra_us: np.ndarray,
    csto: np.ndarray,
    sco_strength: np.ndarray,
    brics: np.ndarray,
    un_charter_friends: np.ndarray,
    bri_mou: np.ndarray,
) -> np.ndarray:
    """Tie score in [-1, 1] per nation (all arguments are per-nation arrays; flags as 0/1)."""
    us_side = np.minimum.reduce(
        [
            -np.asarray(security_tie, dtype=float),
            EU_TIE * (np.asarray(eu, dtype=float) > 0),
            np.minimum(np.asarray(extra_us, dtype=float), 0.0),
            np.zeros(len(security_tie)),
        ]
    )
    levels = CHINA_TIE_LEVELS
    china_side = np.maximum.reduce(
        [
            levels["un_charter_friends"] * (np.asarray(un_charter_friends, dtype=float) > 0),
            levels["csto"] * (np.asarray(csto, dtype=float) > 0),
            sco_level(np.asarray(sco_strength, dtype=float)),
            levels["brics"] * (np.asarray(brics, dtype=float) > 0),
            levels["bri_mou"] * (np.asarray(bri_mou, dtype=float) > 0),
            np.zeros(len(security_tie)),
        ]
    )
    return np.clip(us_side + china_side, -1.0, 1.0)


def extra_us_ties(iso3: np.ndarray) -> np.ndarray:
    """The documented extra US-side ties as a per-nation array (0 where none)."""
    return np.array([EXTRA_US_TIES.get(str(code), 0.0) for code in iso3])

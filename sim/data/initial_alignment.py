"""Each nation's starting position on the US (-1) <-> China (+1) axis.

Why: UNGA votes alone (``sim.data.unga``) measure how a state votes relative to the
typical UN member, the US and China; they cannot see alliances, and on their own they
leave almost every Gulf, Asian and African state between the median and China. Formal
security ties are the other half of the evidence: a NATO member does not start a cyber
contest neutral, whatever it votes on Palestine. So the starting alignment is a weighted
sum of the vote score and a *tie score*, both in [-1, 1]:

    alignment = clip(w_votes * vote + w_ties * tie, -1, 1),   USA := -1, CHN := +1

with the weights, the tie levels and the fallback for polities without votes documented
(and their consequences counted) in ``docs/initial_alignment.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

W_VOTES = 0.6
W_TIES = 0.4

# Strength of a tie to the US (negative) and to China / Russia (positive). On each side
# only the *strongest* tie counts (NATO members are nearly all EU members and US treaty
# allies too: summing would count one alliance three times); the two sides then add, so
# a state with ties to both (Pakistan: MNNA and SCO) nets out towards the middle.
US_TIES: dict[str, float] = {
    "five_eyes": -1.0,  # intelligence-sharing core
    "nato": -1.0,  # collective defence (Art. 5)
    "us_treaty_ally": -1.0,  # bilateral/ANZUS treaties (JPN, KOR, PHL, THA, AUS); see RIO
    "eu": -0.75,  # EU members outside NATO (AUT, IRL, CYP, MLT; FIN, SWE at 2023-01-01)
    "us_mnna": -0.5,  # Major Non-NATO Ally: arms and cooperation, no defence commitment
}
# The us_treaty_ally flag also covers the Rio Treaty (1947) parties of Latin America and
# the Caribbean. That pact is dormant (Mexico left in 2004, ALBA states in 2012-13) and
# gives no basing or intelligence ties, so it counts like an MNNA, not like NATO.
RIO_TREATY_TIE = -0.5
RIO_SUBREGION = "Latin America and the Caribbean"

CHINA_TIES: dict[str, float] = {
    "un_charter_friends": 1.0,  # Group of Friends in Defense of the UN Charter (2021)
    "csto": 0.75,  # Russia-led collective-security treaty
    "sco_member": 0.5,  # Shanghai Cooperation Organisation, full member
    "brics": 0.25,
    "sco_observer": 0.25,
    "sco_dialogue_partner": 0.1,
    "bri_mou": 0.1,  # Belt and Road MoU: economic, signed by ~150 states, a weak signal
}

# Security ties the nations table has no column for (documented one by one).
EXTRA_TIES: dict[str, float] = {
    # Quad member, US "Major Defense Partner" (2016) and party to all four US
    # "foundational" defence agreements (GSOMIA 2002, LEMOA 2016, COMCASA 2018, BECA
    # 2020): more than an MNNA, less than a treaty ally. Nets India's SCO flag (+0.5)
    # to -0.25, so that it starts as the hedger it is rather than in China's camp.
    "IND": -0.75,
    # Taiwan Relations Act (1979) and continuous US arms sales: a de-facto security
    # guarantee stronger than its MNNA status.
    "TWN": -1.0,
}

ANCHORS: dict[str, float] = {"USA": -1.0, "CHN": 1.0}


def tie_score(
    nations: pd.DataFrame,
    *,
    us_ties: Mapping[str, float] = US_TIES,
    china_ties: Mapping[str, float] = CHINA_TIES,
    extra: Mapping[str, float] = EXTRA_TIES,
    rio_tie: float = RIO_TREATY_TIE,
) -> pd.Series:
    """Security-tie score in [-1, 1] per nation (indexed by iso3).

    ``tie = min(US-side tie levels held, 0) + max(China-side tie levels held, 0)``,
    then ``extra`` ties are folded into the US side (the strongest still wins), and the
    sum is clipped to [-1, 1].
    """
    n = _by_iso3(nations)
    us_levels = {}
    for col, level in us_ties.items():
        held = n[col].astype(bool)
        if col == "us_treaty_ally":
            rio = (n["subregion"] == RIO_SUBREGION) & ~n["nato"].astype(bool)
            us_levels[col] = np.where(held, np.where(rio, rio_tie, level), 0.0)
        else:
            us_levels[col] = np.where(held, level, 0.0)
    cn_levels = {
        col: np.where(n[col].astype(bool), level, 0.0) for col, level in china_ties.items()
    }
    extra_s = pd.Series(extra, dtype=float).reindex(n.index).fillna(0.0)
    us_levels["extra"] = np.minimum(extra_s.to_numpy(), 0.0)
    cn_levels["extra"] = np.maximum(extra_s.to_numpy(), 0.0)
    us = pd.DataFrame(us_levels, index=n.index).min(axis=1)
    cn = pd.DataFrame(cn_levels, index=n.index).max(axis=1)
    return (us + cn).clip(-1.0, 1.0).rename("tie_score")


def vote_component(
    nations: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    column: str = "unga_alignment",
    min_votes: int = 100,
) -> tuple[pd.Series, pd.Series]:
    """Vote score per nation, with a fallback where there are no (or too few) votes.

    Fallback, in order: mean ``column`` of the UN members with votes in the same
    *subregion*, then in the same *region*, then 0 (the median UN member). The bloc
    leaders (USA, CHN) are left out of these means: they are the anchors of the scale,
    not neighbours to imitate (otherwise Taiwan would inherit half of China's +1).
    Returns ``(value, source)`` with source in {"votes", "subregion", "region", "none"}.
    """
    n = _by_iso3(nations)
    s = scores.reindex(n.index)
    has = s[column].notna() & (s["unga_n_votes"].fillna(0) >= min_votes)
    value = s[column].where(has)
    source = pd.Series(np.where(has, "votes", "none"), index=n.index, dtype=object)
    donors = has & ~n.index.isin(list(ANCHORS))
    for level in ("subregion", "region"):
        means = value[donors].groupby(n.loc[donors, level]).mean()
        fill = value.isna() & n[level].map(means).notna()
        value[fill] = n.loc[fill, level].map(means)
        source[fill] = level
    value = value.fillna(0.0)
    return value.rename("vote_component"), source.rename("vote_source")


def initial_alignment(
    nations: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    w_votes: float = W_VOTES,
    w_ties: float = W_TIES,
    anchors: Mapping[str, float] = ANCHORS,
    min_votes: int = 100,
) -> pd.Series:
    """Starting alignment in [-1, 1] per nation: US camp < -0.3 < middle < +0.3 < China camp.

    ``nations`` has the columns of ``sim/data/nations.csv`` (iso3, region, subregion and
    the 0/1 membership flags); ``scores`` is :func:`sim.data.unga.vote_scores`.
    ``alignment = clip(w_votes * vote + w_ties * tie, -1, 1)``, then the bloc leaders are
    set to their anchors (USA -1, CHN +1) by definition. Returned in the row order of
    ``nations``, indexed by iso3, named ``alignment``.
    """
    vote, _ = vote_component(nations, scores, min_votes=min_votes)
    tie = tie_score(nations)
    out = (w_votes * vote + w_ties * tie).clip(-1.0, 1.0)
    for iso3, value in anchors.items():
        if iso3 in out.index:
            out[iso3] = value
    return out.rename("alignment")


def alignment_table(nations: pd.DataFrame, scores: pd.DataFrame, **kwargs: float) -> pd.DataFrame:
    """Alignment with its ingredients side by side (for docs, checks and debugging)."""
    n = _by_iso3(nations)
    min_votes = int(kwargs.get("min_votes", 100))
    vote, source = vote_component(nations, scores, min_votes=min_votes)
    return pd.DataFrame(
        {
            "name": n["name"],
            "vote_component": vote,
            "vote_source": source,
            "tie_score": tie_score(nations),
            "non_intervention": scores["non_intervention"].reindex(n.index),
            "alignment": initial_alignment(nations, scores, **kwargs),
        }
    )


def bloc_counts(alignment: pd.Series, threshold: float = 0.3) -> dict[str, int]:
    """Number of nations in the US camp (< -t), the middle, and the China camp (> +t)."""
    return {
        "us": int((alignment < -threshold).sum()),
        "middle": int(alignment.between(-threshold, threshold).sum()),
        "china": int((alignment > threshold).sum()),
    }


def _by_iso3(nations: pd.DataFrame) -> pd.DataFrame:
    """The nations frame indexed by iso3 (accepts it either as a column or the index)."""
    if "iso3" in nations.columns:
        return nations.set_index("iso3")
    return nations.rename_axis("iso3")

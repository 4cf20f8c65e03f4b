"""The static world the dynamics run on: nations' attributes and memberships as arrays.

The nations table (``sim/data/nations.csv``, documented in ``docs/data.md``) is read once and
turned into plain numpy arrays indexed by row, so the kernel never touches pandas. Memberships
are kept as a *strength* matrix (nations x organisations): full members count 1, looser roles
less, suspended members 0 (they do not sit in the organisation's meetings while suspended).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from sim.world import ties
from sim.world.driver_history import DriverHistory, driver_history
from sim.world.organisations import ORGANISATIONS

#: Membership strength by role. An SCO observer attends summits but does not vote; a dialogue
#: partner joins only selected meetings. Values are an assumption, see docs/ODD.md.
ROLE_STRENGTH: dict[str, float] = {"member": 1.0, "observer": 0.5, "dialogue_partner": 0.25}

#: Security tie of a full US ally (the ``security_tie`` column: 1 treaty ally / NATO / Five
#: Eyes, 0.5 Rio Treaty party or Major Non-NATO Ally; see docs/data.md).
TREATY_TIE = 1.0

LEADERS = ("USA", "CHN")
VETO_HOLDERS = ("USA", "GBR", "FRA", "RUS", "CHN")
DPRK = "PRK"


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float) if column in frame else np.zeros(len(frame))


def sco_strength(frame: pd.DataFrame) -> np.ndarray:
    """SCO membership strength per nation from the table's three role flags (ROLE_STRENGTH;
    a nation holding several flags counts at its strongest role)."""
    return np.maximum.reduce(
        [_flag(frame, f"sco_{role}") * strength for role, strength in ROLE_STRENGTH.items()]
    )


def membership_from_frame(frame: pd.DataFrame) -> np.ndarray:
    """Nations x organisations strength matrix from the table's 0/1 membership columns."""
    n = len(frame)
    strength = np.zeros((n, len(ORGANISATIONS)))
    simple = ["brics", "five_eyes", "nato", "eu", "asean", "gcc", "csto", "nam"]
    for org in simple:
        strength[:, ORGANISATIONS.index(org)] = _flag(frame, org)
    strength[:, ORGANISATIONS.index("sco")] = sco_strength(frame)
    strength[:, ORGANISATIONS.index("african_union")] = _flag(frame, "african_union") * (
        1.0 - _flag(frame, "au_suspended")
    )
    strength[:, ORGANISATIONS.index("arab_league")] = _flag(frame, "arab_league") * (
        1.0 - _flag(frame, "arab_league_suspended")
    )
    alliance = _flag(frame, "security_tie").copy()
    alliance[(frame["iso3"] == "USA").to_numpy()] = 1.0
    strength[:, ORGANISATIONS.index("us_alliance")] = alliance
    return strength


@dataclass(frozen=True)
class World:
    """Static attributes of the nations, one row per nation, in the table's order.

    "Static" within a run except through events (joins, leaves, recognition switches), which
    replace the world with a modified copy. A world built for a date (``start``) also carries
    the observed drivers known on that date (``history``: Chinese finance, US sanctions, the
    allocation rules fitted for the date; sim.world.driver_history); a world without a date
    has no drivers (no Chinese flows, no pressure units).
    """

    iso3: np.ndarray
    name: np.ndarray
    region: np.ndarray
    subregion: np.ndarray  # the region used for peer ties (M49 intermediate region)
    population: np.ndarray
    gdp_usd: np.ndarray  # nominal GDP, current USD (dependence and GDP shares)
    digital_gap: np.ndarray
    priority: np.ndarray  # 1.0 for African or Arab states (Digital Silk Road focus)
    security_tie: np.ndarray  # tau: 0, 0.5 (Rio Treaty / MNNA) or 1 (treaty ally, NATO, ...)
    non_intervention: np.ndarray  # n(0) in [0, 1], from UNGA votes (docs/initial_alignment.md)
    alignment: np.ndarray  # x(0) in [-1, 1]: observed starting alignment
    membership: np.ndarray  # (n, len(ORGANISATIONS)) strength in [0, 1]
    recognises_taiwan: np.ndarray  # bool: diplomatic recognition of the Republic of China
    un_charter_friends: np.ndarray  # bool: Group of Friends in Defense of the UN Charter
    bri_mou: np.ndarray  # bool: a Belt and Road cooperation document signed
    un_member: np.ndarray  # bool: a UN member state (may sit on the Security Council)
    index: dict[str, int] = field(repr=False)
    start: dt.date | None = None  # the date of step 0
    history: DriverHistory | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.iso3)

    @cached_property
    def gdp_bn(self) -> np.ndarray:
        """Nominal GDP in USD billions: the unit of the investment budget and stock."""
        return self.gdp_usd / 1e9

    @cached_property
    def leader_mask(self) -> np.ndarray:
        return np.isin(self.iso3, LEADERS)

    @cached_property
    def veto_mask(self) -> np.ndarray:
        return np.isin(self.iso3, VETO_HOLDERS)

    def column(self, organisation: str) -> np.ndarray:
        """Membership strength of every nation in one organisation."""
        return self.membership[:, ORGANISATIONS.index(organisation)]

    def tie_score(self) -> np.ndarray:
        """The security-tie score of every nation under the current memberships (sim.world.ties)."""
        return ties.tie_score(
            security_tie=self.security_tie,
            eu=self.column("eu"),
            extra_us=ties.extra_us_ties(self.iso3),
            csto=self.column("csto"),
            sco_strength=self.column("sco"),
            brics=self.column("brics"),
            un_charter_friends=self.un_charter_friends,
            bri_mou=self.bri_mou,
        )

    def idx(self, iso3: str) -> int:
        """Row of a nation; KeyError names the unknown code."""
        try:
            return self.index[iso3]
        except KeyError:
            raise KeyError(f"unknown nation code {iso3!r}") from None

    def with_membership(self, membership: np.ndarray) -> World:
        """A copy with changed memberships (events: joins, leaves)."""
        return replace(self, membership=membership)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        start: dt.date | str | None = None,
        *,
        drivers: pd.DataFrame | None = None,
        positions: pd.DataFrame | None = None,
    ) -> World:
        """Build from a nations table (see docs/data.md for the columns it needs).

        With ``start`` the world carries the drivers known on that date, from the committed
        drivers and positions tables or from ``drivers`` / ``positions`` (tables of the same
        columns: synthetic worlds in tests). Nations absent from the drivers table get none.
        """
        frame = frame.reset_index(drop=True)
        if isinstance(start, str):
            start = dt.date.fromisoformat(start)
        peer_region = "intermediate_region" if "intermediate_region" in frame else "subregion"
        priority = np.maximum(_flag(frame, "african"), _flag(frame, "arab_state"))
        iso3 = frame["iso3"].to_numpy(dtype=str)
        gdp = frame["gdp_usd"].to_numpy(dtype=float)
        return cls(
            iso3=iso3,
            name=frame["name"].to_numpy(dtype=str),
            region=frame["region"].to_numpy(dtype=str),
            subregion=frame[peer_region].to_numpy(dtype=str),
            population=frame["population"].to_numpy(dtype=float),
            gdp_usd=gdp,
            digital_gap=np.clip(frame["digital_gap"].to_numpy(dtype=float), 0.0, 1.0),
            priority=priority,
            security_tie=frame["security_tie"].to_numpy(dtype=float),
            non_intervention=np.clip(frame["non_intervention"].to_numpy(dtype=float), 0.0, 1.0),
            alignment=np.clip(frame["alignment_initial"].to_numpy(dtype=float), -1.0, 1.0),
            membership=membership_from_frame(frame),
            recognises_taiwan=_flag(frame, "recognises_taiwan") > 0,
            un_charter_friends=_flag(frame, "un_charter_friends") > 0,
            bri_mou=_flag(frame, "bri_mou") > 0,
            un_member=(
                frame["un_status"].astype(str).to_numpy() == "member"
                if "un_status" in frame
                else np.ones(len(frame), dtype=bool)
            ),
            index={code: i for i, code in enumerate(iso3)},
            start=start,
            history=(
                None
                if start is None
                else driver_history(iso3, start, drivers=drivers, positions=positions)
            ),
        )

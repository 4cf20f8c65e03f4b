"""Load the embedded nations dataset (``sim/data/nations.csv``, baseline 2023-01-01).

Pandas only. Column documentation: ``docs/data.md``; rebuild with
``uv run python -m sim.world.build_nations``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim import paths

NATIONS_CSV = paths.DATA_DIR / "nations.csv"

MEMBERSHIP_COLUMNS: tuple[str, ...] = (
    "brics",
    "sco_member",
    "sco_observer",
    "sco_dialogue_partner",
    "five_eyes",
    "nato",
    "eu",
    "african_union",
    "au_suspended",
    "arab_league",
    "arab_league_suspended",
    "asean",
    "gcc",
    "csto",
    "us_treaty_ally",
    "us_mnna",
    "nam",
    "bri_mou",
    "un_charter_friends",
    "p5",
)
FLAG_COLUMNS: tuple[str, ...] = (*MEMBERSHIP_COLUMNS, "recognises_taiwan", "arab_state", "african")

_STRING_COLUMNS = (
    "iso3",
    "iso2",
    "name",
    "un_status",
    "region",
    "subregion",
    "intermediate_region",
)
_DTYPES: dict[str, str] = {
    **dict.fromkeys(_STRING_COLUMNS, "string"),
    "population": "int64",
    "gdp_usd": "float64",
    "gdp_ppp_usd": "float64",
    "internet_users_pct": "float64",
    "lat": "float64",
    "lon": "float64",
    "digital_gap": "float64",
    "security_tie": "float64",
    "unga_n_votes": "int64",
    "unga_agree_us": "float64",
    "unga_agree_china": "float64",
    "unga_alignment": "float64",
    "non_intervention": "float64",
    "alignment_initial": "float64",
    **dict.fromkeys(FLAG_COLUMNS, "int8"),
}


def load_nations(path: Path | None = None) -> pd.DataFrame:
    """Read nations.csv with explicit dtypes; 0/1 flag columns are returned as bool.

    The frame keeps the file's row order (sorted by iso3) and a default RangeIndex.
    """
    df = pd.read_csv(path or NATIONS_CSV, dtype=_DTYPES, keep_default_na=False, na_values=[""])
    if "recognises_taiwan" not in df:  # tables written before the column existed
        df["recognises_taiwan"] = 0
    for col in FLAG_COLUMNS:
        df[col] = df[col].astype(bool)
    return df

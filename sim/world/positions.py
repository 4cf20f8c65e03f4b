"""Read ``sim/data/positions_by_year.csv``: UN-vote positions and GDP as each 1 January knew them.

Why a reader of its own: the allocation rules of every dated world read this table, and a
world of date D may see only the rows of dates on or before D (``positions_known_at``). Built
by ``sim/world/build_positions.py``; units and source in docs/data.md ("Positions by year").
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sim import paths

POSITIONS_PATH = paths.DATA_DIR / "positions_by_year.csv"


@lru_cache(maxsize=2)
def _load(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(
            f"positions table not found: {path} "
            "(build it: uv run python -m sim.world.build_positions)"
        )
    return pd.read_csv(
        path, comment="#", keep_default_na=False, na_values=[""], dtype={"iso3": str}
    )


def load_positions(path: Path | str = POSITIONS_PATH) -> pd.DataFrame:
    """The table as committed: iso3, year (the row is the world of Y-01-01), unga_alignment,
    gdp_usd (a copy)."""
    return _load(Path(path)).copy()


def positions_known_at(start: dt.date | str, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows a world starting on ``start`` may see: the worlds of 1 January Y <= start."""
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    table = load_positions() if table is None else table
    known = table["year"].map(lambda y: dt.date(int(y), 1, 1) <= start)
    return table.loc[known].reset_index(drop=True)

"""Read the observed drivers table (`sim/data/drivers.csv`), whole or as known on a date.

Why a reader of its own: the table is the one input of the panel study and, later, of worlds
driven by what happened; both must read it the same way (Namibia's ``NA`` is a code, not a
missing value) and a world starting on date D must see only the years whose data were complete
before D. Built by ``sim/world/build_drivers.py``; units and sources in docs/data.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sim import paths

DRIVERS_PATH = paths.DATA_DIR / "drivers.csv"

#: Columns measured per US fiscal year: the value of year Y covers 1 Oct Y-1 .. 30 Sep Y.
FISCAL_YEAR_COLUMNS = ("us_aid_obligations_usd_2022",)


def load_drivers(path: Path | str = DRIVERS_PATH) -> pd.DataFrame:
    """The table as committed: iso3 (str), year (int), driver columns (float; bri_join_date str)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"drivers table not found: {path} (build it: uv run python -m sim.world.build_drivers)"
        )
    table = pd.read_csv(
        path,
        comment="#",
        keep_default_na=False,
        na_values=[""],
        dtype={"iso3": str, "bri_join_date": str},
    )
    table["bri_join_date"] = table["bri_join_date"].fillna("")
    return table


def complete_on(column: str, year: int) -> dt.date:
    """The first day on which the value of ``column`` for ``year`` is complete: the day after
    the period it covers ends (1 Oct of Y for a fiscal-year column, 1 Jan of Y+1 otherwise).
    Publication came later (docs/data.md gives each source's release); a world uses event time."""
    if column in FISCAL_YEAR_COLUMNS:
        return dt.date(year, 10, 1)
    return dt.date(year + 1, 1, 1)


def drivers_known_at(start: dt.date | str, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table as a world starting on ``start`` may see it: every value whose period was not
    complete before ``start`` is set missing (so a world never sees its own future), and a
    Belt and Road signing date on or after ``start`` is blanked."""
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    table = load_drivers() if table is None else table.copy()
    for column in table.columns.drop(["iso3", "year", "bri_join_date"]):
        complete = table["year"].map(lambda y, c=column: complete_on(c, int(y)) <= start)
        table.loc[~complete, column] = float("nan")
    later = table["bri_join_date"].map(lambda d: d != "" and dt.date.fromisoformat(d) >= start)
    table.loc[later, "bri_join_date"] = ""
    return table

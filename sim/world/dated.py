"""The nations table as of any date from 2011-01-01 to 2023-01-01, from data up to that date only.

Why: a model that is only ever started in 2023 cannot be tested against history. Starting it at an
earlier date needs the world as it was then — who belonged to what, who recognised Taiwan, how
large and connected each economy was, how each state had voted so far — and nothing from later,
or a hindcast would be told the answer (docs/data.md, "The world at a date").

The table has the columns of ``sim/data/nations.csv`` (so ``sim.world.world.World.from_frame`` builds a
world from it), including ``recognises_taiwan``:

* geography (names, regions, capitals) is time-invariant and read from nations.csv;
* memberships, Taiwan recognition and the nations present come from the dated history tables
  (``sim.world.dated_tables``);
* population, nominal and PPP GDP and internet use are the yearly series interpolated to the date
  (``sim.world.dated_tables.attributes_at``);
* vote scores and the non-intervention score are the method of docs/initial_alignment.md applied
  to the roll calls held *before* the date (``sim.world.unga.vote_scores(before=...)``);
* the starting alignment is ``clip(0.6 vote + 0.4 tie, -1, 1)`` with the tie score of sim/world/ties.py
  on the memberships at the date (the same definition the model uses when ties change).

The earliest date is 2011-01-01: the vote record shipped here starts with the 65th session
(September-December 2010), and a world without any vote before its date has no alignment.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import pandas as pd

from sim.world.nations import FLAG_COLUMNS, load_nations

EARLIEST = date(2011, 1, 1)
LATEST = date(2023, 1, 1)
#: Last date the observed series moves with votes (the record ends with session 74, 2019):
#: nothing after it can be scored (sim.history.hindcast) or fitted (sim.history.calibrate).
OBSERVED_UNTIL = date(2020, 1, 1)


def check_date(when: date) -> date:
    """The date itself, or ValueError naming the allowed range."""
    if not EARLIEST <= when <= LATEST:
        raise ValueError(
            f"start {when.isoformat()} is outside {EARLIEST.isoformat()}..{LATEST.isoformat()} "
            "(the vote record starts in the autumn of 2010; the embedded data end on 2023-01-01)"
        )
    return when


@lru_cache(maxsize=32)
def _nations_at(when: date) -> pd.DataFrame:
    from sim.world.build_nations import build_frame

    if when == LATEST:
        return load_nations()  # the embedded table is the world on 2023-01-01 (a test checks)
    frame = build_frame(at=check_date(when))
    for column in FLAG_COLUMNS:
        frame[column] = frame[column].astype(bool)
    return frame


def nations_at(when: date | str) -> pd.DataFrame:
    """The nations table as of ``when`` (a copy; cached per date)."""
    if isinstance(when, str):
        when = date.fromisoformat(when)
    return _nations_at(when).copy()


def observed_alignment(dates: list[date]) -> pd.DataFrame:
    """Observed alignment (dates x iso3): the starting alignment of the world at each date.

    This is the series a hindcast is judged against: the model started at date A is compared at
    date B with what the same measurement, applied to the data up to B, says. Nations absent at a
    date (South Sudan before July 2011) are NaN.
    """
    rows = {d: nations_at(d).set_index("iso3")["alignment_initial"] for d in dates}
    return pd.DataFrame(rows).T.sort_index(axis=1)


__all__ = [
    "EARLIEST",
    "LATEST",
    "check_date",
    "nations_at",
    "observed_alignment",
]

"""Build ``sim/data/positions_by_year.csv``: each polity's UN-vote position and nominal GDP as the
world of 1 January Y knew them, Y = 2011..2023.

Why a table of its own: the allocation rules (``sim.world.allocation``) regress who got Chinese
money and US sanctions in year t on the state's position at the end of year t-1, and that
position must be a measure known on 1 January t from the votes before it (never an ideal point
estimated jointly with later sessions). ``sim.world.dated.nations_at(D)`` gives exactly that
(``unga_alignment``: the vote scaling of docs/initial_alignment.md on the roll calls held
before D), but building thirteen dated worlds takes about half a minute; a world of date D
fits its rules in milliseconds from this table instead (the rows of the dates <= D only).

Columns: ``iso3``, ``year`` (Y: the row is the world of Y-01-01), ``unga_alignment`` (in
[-1, 1], US -1, China +1), ``gdp_usd`` (nominal, current USD: the last full year before the
date, ``sim.world.dated_tables.attributes_at``). Rebuild (about 30 s):

    uv run python -m sim.world.build_positions

``tests/test_allocation.py`` checks that rows equal the dated worlds.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pandas as pd

from sim.world.dated import EARLIEST, LATEST, nations_at
from sim.world.positions import POSITIONS_PATH

HEADER = (
    "# Each polity's UN-vote position (unga_alignment, votes before 1 January Y) and nominal GDP\n"
    "# (last full year before the date) as the world of Y-01-01 knew them: sim/world/dated.py.\n"
    "# Built by sim/world/build_positions.py; used by the allocation rules (docs/mechanisms.md).\n"
)


def yearly_dates() -> list[date]:
    return [date(y, 1, 1) for y in range(EARLIEST.year, LATEST.year + 1)]


def build_table(dates: list[date] | None = None) -> pd.DataFrame:
    """The rows of every dated world (long format: iso3, year, unga_alignment, gdp_usd)."""
    frames = []
    for when in dates or yearly_dates():
        world = nations_at(when)
        frames.append(
            pd.DataFrame(
                {
                    "iso3": world["iso3"].to_numpy(),
                    "year": when.year,
                    "unga_alignment": world["unga_alignment"].to_numpy(dtype=float),
                    "gdp_usd": world["gdp_usd"].to_numpy(dtype=float),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["year", "iso3"], kind="stable").reset_index(drop=True)


def to_csv_text(table: pd.DataFrame) -> str:
    return HEADER + table.to_csv(index=False, float_format="%.10g", lineterminator="\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Rebuild sim/data/positions_by_year.csv")
    parser.add_argument("--out", type=Path, default=POSITIONS_PATH)
    args = parser.parse_args(argv)
    table = build_table()
    args.out.write_text(to_csv_text(table))
    print(f"wrote {args.out} ({len(table)} rows, {table['year'].nunique()} dates)")


if __name__ == "__main__":
    main()

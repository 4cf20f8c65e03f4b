"""The dated tables: memberships, Taiwan recognition and yearly attributes as of any date.

Why: to start the model at a date before 2023, the world must be rebuilt as it stood then from
data known by then (docs/data.md, "The world at a date"). This module answers "what held on date
D?" from the raw files; ``sim.data.build_nations`` turns the answers into a nations table.

Rules (each stated in docs/data.md):

* A membership row is in force on D when ``since <= D < until``. A ``since`` given only as a year
  or year-month counts from the *end* of that period (``2019`` -> 2020-01-01), so a world never
  sees a change that may have happened after its date; a blank ``since`` means held before 2010.
  Belt and Road documents without a recorded date count from 2022-03-31, the date by which the
  source list had them all (the same conservative rule).
* While a ``suspended_member`` row is in force it replaces the member row of that organisation.
* Yearly attributes on D are those of the last full year before D (the 2022 value on 2023-01-01):
  a year's population, GDP or internet share is not known until that year is over. Gaps inside a
  series are filled linearly between the neighbouring observed years; a series ending early is
  carried forward from its last observation; a nation without any observation in the series
  falls back to its value in the 2023 table (documented per nation in docs/data.md).
"""

from __future__ import annotations

import io
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

RAW_DIR = Path(__file__).resolve().parent / "raw"
HISTORY_DIR = RAW_DIR / "history"

#: Belt and Road documents with no recorded date count from here (see the module docstring).
BRI_UNDATED_FROM = date(2022, 3, 31)
#: South Sudan's independence: it is not in the world before this date.
NATION_SINCE: dict[str, date] = {"SSD": date(2011, 7, 9)}


def read_table(path: Path) -> pd.DataFrame:
    """A raw CSV without its ``#`` comment lines, every column as text."""
    text = path.read_text(encoding="utf-8")
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


def effective_date(text: str, *, blank: date | None = None) -> date | None:
    """The first day a dated fact is known to hold: ISO dates as they are, a bare year or
    year-month from the first day after that period (``blank`` for an empty cell)."""
    text = text.strip()
    if not text:
        return blank
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        year, month = parts
        return date(year + month // 12, month % 12 + 1, 1)
    return date(parts[0] + 1, 1, 1)


@lru_cache(maxsize=1)
def membership_rows(raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """All membership rows, current and ended, with parsed ``start`` / ``end`` dates."""
    current = read_table(raw_dir / "memberships.csv").assign(until="")
    ended = read_table(raw_dir / "history" / "membership_changes.csv")
    rows = pd.concat([current, ended], ignore_index=True)
    undated_bri = (rows["organisation"] == "bri") & (rows["since"].str.strip() == "")
    rows["start"] = [
        effective_date(s, blank=BRI_UNDATED_FROM if bri else date.min)
        for s, bri in zip(rows["since"], undated_bri, strict=True)
    ]
    rows["end"] = [effective_date(u, blank=date.max) for u in rows["until"]]
    return rows


def membership_rows_at(when: date, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """The membership rows in force on ``when`` (columns iso3, organisation, role, ...)."""
    rows = membership_rows(raw_dir)
    live = rows[(rows["start"] <= when) & (when < rows["end"])]
    suspended = live.loc[live["role"] == "suspended_member", ["iso3", "organisation"]]
    key = live["iso3"] + "|" + live["organisation"]
    replaced = key.isin(suspended["iso3"] + "|" + suspended["organisation"]) & (
        live["role"] == "member"
    )
    return live[~replaced].reset_index(drop=True)


def taiwan_recognisers_at(when: date, raw_dir: Path = RAW_DIR) -> set[str]:
    """UN member states recognising the Republic of China (Taiwan) on ``when``."""
    table = read_table(raw_dir / "history" / "taiwan_recognition.csv")
    out = set()
    for row in table.itertuples(index=False):
        start = effective_date(row.since, blank=date.min)
        end = effective_date(row.until, blank=date.max)
        if start <= when < end:
            out.add(row.iso3)
    return out


def nations_present_at(when: date, nations: list[str]) -> list[str]:
    """The nations of the table that existed on ``when``."""
    return [code for code in nations if NATION_SINCE.get(code, date.min) <= when]


@lru_cache(maxsize=4)
def yearly_series(name: str, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """One yearly attribute (years x iso3), gaps filled as the module docstring says.

    ``name`` is one of population, gdp_usd, internet_users_pct.
    """
    files = {
        "population": "population_wb.csv",
        "gdp_usd": "gdp_nominal_wb.csv",
        "internet_users_pct": "internet_itu_yearly.csv",
    }
    table = read_table(raw_dir / "history" / files[name])
    wide = (
        table.assign(year=table["year"].astype(int), value=table[name].astype(float))
        .pivot(index="year", columns="iso3", values="value")
        .sort_index()
    )
    # linear inside gaps, carried forward after the last observation; nothing before the first
    return wide.interpolate(method="index", limit_area="inside").ffill()


def attribute_at(name: str, when: date, nations: list[str], raw_dir: Path = RAW_DIR) -> pd.Series:
    """``name`` per nation on ``when``: the value of the last full year before it (NaN where the
    series has no observation up to that year; the caller applies the 2023 fallback)."""
    series = yearly_series(name, raw_dir)
    year = when.year - 1
    known = series.loc[series.index <= year]
    if known.empty:
        return pd.Series(np.nan, index=nations, name=name)
    return known.iloc[-1].reindex(nations).rename(name)

"""The observed drivers a world of date D carries, and the full record a conditional run reads.

Why: the model's Chinese investment and US pressure come from what happened (docs/ODD.md 7.1,
7.2). A world of date D may know only the years complete before D (``drivers_known_at``):
``DriverHistory`` holds, per nation of the world, Chinese official finance by year (for the
stock built before D and the lag of the allocation rule), US sanction cases in force (the lag
of the US rule), Belt and Road membership and the allocation rules fitted for D. Years that had
begun before D but are not in the record (2022 for AidData, which ends in 2021; the months of
D's own year before a mid-year D) are filled by the rules of D from the positions known then,
so the stock has no hole and the first rule year has a lag.

``DriverRecord`` is the whole table, 2000-2022, for the nations of a world: the *observed*
schedule of a conditional run (``driver_source: observed``) reads it for the years of the run,
the one place data after D enters a run (its outputs say so). It is deliberately not part of
``World``.

Missing values (docs/data.md, "Observed drivers"): Chinese finance is 0 for a state outside
AidData's scope (high-income states, China, Kosovo) and for a state's years before it existed;
sanctions before 2013 are unknown (NaN here; the schedule says how they are handled).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from sim.world.allocation import AllocationRules, rules_at
from sim.world.drivers import drivers_known_at, load_drivers
from sim.world.positions import positions_known_at

FIRST_YEAR = 2000
FINANCE = "china_finance_usd_2021"
SANCTIONS = "us_sanctions_cases"


def last_year_begun(start: dt.date) -> int:
    """The last calendar year with a month before ``start``'s month: the history's last year
    (a world of 1 January D has the years up to D-1; of 1 July D, up to D)."""
    return start.year if start.month > 1 else start.year - 1


def months_before(start: dt.date, year: int) -> int:
    """How many months of ``year`` lie before the month of ``start`` (0..12)."""
    if year < start.year:
        return 12
    if year == start.year:
        return start.month - 1
    return 0


@dataclass(frozen=True)
class DriverHistory:
    """What a world of date ``start`` knows of the drivers, per nation (rows in the world's
    order) and year (``years``, FIRST_YEAR .. the last year begun before ``start``).

    finance_bn: Chinese official finance, USD bn (constant 2021) per year; 0 outside
        AidData's scope; years in ``finance_imputed`` are the rule's expected flow.
    finance_lag: the rule-scale value (log1p of USD million) of the last year: the observed
        value's, or the rule's own log prediction for an imputed year (the lag of the next).
    in_scope: in AidData's scope (some finance value known): the rule applies only to these.
    sanctions: US sanction cases in force per year; NaN where unknown (before 2013, the US,
        a world dated before 2014 knows none); years in ``sanctions_imputed`` from the rule.
    bri: Belt and Road membership at the end of the last complete year (missing -> 0).
    rules: the allocation rules fitted for ``start``.
    """

    start: dt.date
    years: np.ndarray
    finance_bn: np.ndarray
    finance_lag: np.ndarray
    finance_imputed: tuple[int, ...]
    in_scope: np.ndarray
    sanctions: np.ndarray
    sanctions_imputed: tuple[int, ...]
    bri: np.ndarray
    rules: AllocationRules

    @property
    def last_year(self) -> int:
        return int(self.years[-1])

    def column(self, year: int) -> int:
        return int(year - self.years[0])

    def sanctions_lag(self) -> np.ndarray:
        """Cases in force in the last year (NaN: unknown)."""
        return self.sanctions[:, -1]


def _wide(known: pd.DataFrame, column: str, iso3: np.ndarray, years: np.ndarray) -> np.ndarray:
    wide = known.pivot(index="iso3", columns="year", values=column)
    return wide.reindex(index=list(iso3), columns=list(years)).to_numpy(dtype=float, copy=True)


def _by_year(positions: pd.DataFrame, column: str, iso3: np.ndarray, year: int) -> np.ndarray:
    at = positions[positions["year"] == year].set_index("iso3")[column]
    return at.reindex(list(iso3)).to_numpy(dtype=float)


def _last_known_year(values: np.ndarray, years: np.ndarray) -> int | None:
    known = np.flatnonzero(~np.isnan(values).all(axis=0))
    return int(years[known[-1]]) if len(known) else None


def build_history(
    iso3: np.ndarray,
    start: dt.date,
    drivers: pd.DataFrame | None = None,
    positions: pd.DataFrame | None = None,
) -> DriverHistory:
    """The history of the nations ``iso3`` as a world of date ``start`` knows it."""
    known = drivers_known_at(start, drivers)
    seen = positions_known_at(start, positions)
    rules = rules_at(start, drivers, positions)
    last = last_year_begun(start)
    years = np.arange(FIRST_YEAR, last + 1)
    n = len(iso3)

    finance_usd = _wide(known, FINANCE, iso3, years)
    in_scope = ~np.isnan(finance_usd).all(axis=1)
    finance_m = np.nan_to_num(finance_usd / 1e6)  # missing -> 0 (docs/data.md)
    log_m = np.log1p(finance_m)
    bri = _wide(known, "bri_member", iso3, years)

    def regressors(year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        position = _by_year(seen, "unga_alignment", iso3, year)
        log_gdp = np.log(_by_year(seen, "gdp_usd", iso3, year) / 1e9)
        previous = bri[:, year - 1 - FIRST_YEAR] if year - 1 >= FIRST_YEAR else np.zeros(n)
        return position, log_gdp, np.nan_to_num(previous)

    finance_imputed = []
    last_finance = _last_known_year(finance_usd[in_scope], years) if in_scope.any() else None
    for year in years:
        if last_finance is None or year <= last_finance or year == FIRST_YEAR:
            continue
        j = year - FIRST_YEAR
        position, log_gdp, member = regressors(int(year))
        prediction = rules.china_log(log_m[:, j - 1], position, log_gdp, member)
        expected = rules.china_usd_m(prediction)
        # A state without a known position or GDP that year keeps last year's flow.
        unknown = np.isnan(prediction)
        log_m[:, j] = np.where(in_scope, np.where(unknown, log_m[:, j - 1], prediction), 0.0)
        finance_m[:, j] = np.where(in_scope, np.where(unknown, finance_m[:, j - 1], expected), 0.0)
        finance_imputed.append(int(year))

    sanctions = _wide(known, SANCTIONS, iso3, years)
    sanctions_imputed = []
    last_sanctions = _last_known_year(sanctions, years)
    for year in years:
        if last_sanctions is None or year <= last_sanctions:
            continue
        j = year - FIRST_YEAR
        position, _, _ = regressors(int(year))
        lag = sanctions[:, j - 1]
        prediction = rules.us_cases(lag, position)
        sanctions[:, j] = np.where(np.isnan(position), lag, prediction)
        sanctions_imputed.append(int(year))

    last_bri = bri[:, : max(0, start.year - FIRST_YEAR)]
    membership = last_bri[:, -1] if last_bri.shape[1] else np.zeros(n)
    return DriverHistory(
        start=start,
        years=years,
        finance_bn=finance_m / 1e3,
        finance_lag=log_m[:, -1] if len(years) else np.zeros(n),
        finance_imputed=tuple(finance_imputed),
        in_scope=in_scope,
        sanctions=sanctions,
        sanctions_imputed=tuple(sanctions_imputed),
        bri=np.nan_to_num(membership),
        rules=rules,
    )


@lru_cache(maxsize=32)
def _committed_history(iso3: tuple[str, ...], start: dt.date) -> DriverHistory:
    return build_history(np.asarray(iso3), start)


def driver_history(
    iso3: np.ndarray,
    start: dt.date | str,
    drivers: pd.DataFrame | None = None,
    positions: pd.DataFrame | None = None,
) -> DriverHistory:
    """``build_history`` (cached per nations and date for the committed tables)."""
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    if drivers is None and positions is None:
        return _committed_history(tuple(str(c) for c in iso3), start)
    return build_history(np.asarray(iso3), start, drivers, positions)


@dataclass(frozen=True)
class DriverRecord:
    """The observed drivers of every year the table covers, for the nations of a world.

    finance_bn (n, years) USD bn, 0 where missing; ``finance_years`` the years with any value
    (2000-2021). sanctions (n, years) cases in force, 0 where missing; ``sanctions_years`` the
    years with any value (2013-2022).
    """

    years: np.ndarray
    finance_bn: np.ndarray
    finance_years: tuple[int, int] | None
    sanctions: np.ndarray
    sanctions_years: tuple[int, int] | None

    def column(self, year: int) -> int:
        return int(year - self.years[0])


def _span(values: np.ndarray, years: np.ndarray) -> tuple[int, int] | None:
    known = np.flatnonzero(~np.isnan(values).all(axis=0))
    return (int(years[known[0]]), int(years[known[-1]])) if len(known) else None


def build_record(iso3: np.ndarray, drivers: pd.DataFrame | None = None) -> DriverRecord:
    table = load_drivers() if drivers is None else drivers
    years = np.arange(FIRST_YEAR, int(table["year"].max()) + 1)
    finance = _wide(table, FINANCE, iso3, years)
    sanctions = _wide(table, SANCTIONS, iso3, years)
    # The spans are the table's, not the world's nations': a world of a few states without
    # finance still knows the record ran to 2021.
    every = table["iso3"].unique()
    return DriverRecord(
        years=years,
        finance_bn=np.nan_to_num(finance / 1e9),
        finance_years=_span(_wide(table, FINANCE, every, years), years),
        sanctions=np.nan_to_num(sanctions),
        sanctions_years=_span(_wide(table, SANCTIONS, every, years), years),
    )


@lru_cache(maxsize=8)
def _committed_record(iso3: tuple[str, ...]) -> DriverRecord:
    return build_record(np.asarray(iso3))


def driver_record(iso3: np.ndarray, drivers: pd.DataFrame | None = None) -> DriverRecord:
    """``build_record`` (cached per nations for the committed table)."""
    if drivers is None:
        return _committed_record(tuple(str(c) for c in iso3))
    return build_record(np.asarray(iso3), drivers)

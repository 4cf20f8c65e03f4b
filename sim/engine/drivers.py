"""The drivers of a run: Chinese investment and US pressure, step by step, from what happened
or from the allocation rules (docs/ODD.md 7.1, 7.2).

Why a schedule outside the kernel: the kernel (``sim.engine.dynamics.step``) consumes, each
month, an investment flow (USD bn, before the ``china_budget`` multiplier) and pressure units
(before ``us_pressure_budget``) per nation. Where they come from changes only once a year:

* calendar year Y of the run is taken from the observed record when ``driver_source`` is
  'observed' and the record covers Y (Chinese finance 2000-2021; US sanction cases 2013-2022,
  and a year before 2013 gets the 2013 count: the earliest observation, a lower bound on the
  cases then in force). A run doing so is *conditional on observed drivers*: the one place
  data after the start date enters a run (``describe`` says so in every run's manifest);
* otherwise from the allocation rules fitted for the world's date (``World.history.rules``),
  evaluated at the first step of Y with the model's own current alignment (per column) and the
  previous year's flow of the run: money follows positions, a feedback;
* a year that began before the start date (a world of 1 July) keeps the flow its history
  gave it (observed, or the rule's from the positions known on 1 January).

China finances nothing in a state while it recognises Taipei (docs/ODD.md 7.1): the flow of
every month is masked by the current world's recognition, so a ``recognition`` event acts from
its month (the rule's own yearly chain is not interrupted by it).

The legacy targeting strategies split the same yearly total by their old weights
(``sim.engine.dynamics.investment_targets`` / ``pressure_targets``), also once a year.
Everything is computed at year boundaries; a step between them returns cached arrays. The
rule is evaluated column by column on contiguous vectors, so a column of a stack gets the bits
of the same run alone (transcendental functions may round differently on 2-D arrays).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from sim.engine import dynamics
from sim.engine.stock import MONTHS
from sim.world.driver_history import DriverRecord, driver_record
from sim.world.world import World


def calendar_year(start: dt.date, step: int) -> int:
    """The calendar year of the month step ``step`` (>= 1) covers: step 1 is the month of
    ``start``."""
    return start.year + (start.month - 1 + step - 1) // MONTHS


def _by_column(function, x: np.ndarray, *arrays: np.ndarray) -> np.ndarray:
    """``function(x, *arrays)`` on one run, or column by column (each on contiguous vectors) of
    a stack: arrays may be (n,) (shared) or (n, R)."""
    if x.ndim == 1:
        return function(x, *arrays)
    out = np.empty(x.shape)
    for r in range(x.shape[1]):
        columns = [a if a.ndim == 1 else np.ascontiguousarray(a[:, r]) for a in arrays]
        out[:, r] = function(np.ascontiguousarray(x[:, r]), *columns)
    return out


def _total(values: np.ndarray) -> Any:
    """A yearly total per column, summed as a 1-D run sums (a float, or (R,) for a stack)."""
    return values.sum() if values.ndim == 1 else dynamics._column_sums(values)


class DriverSchedule:
    """Investment flows and pressure units of every step of one run (or stack of runs).

    ``at(step, x, world, params, prepared)`` returns (flow, units): the Chinese investment of
    that month in USD bn and the US pressure units, per nation, before the budget multipliers;
    (n,) while every column shares them, (n, R) once they depend on each column's alignment.
    """

    def __init__(self, world: World, record: DriverRecord | None = None) -> None:
        history = world.history
        self.history = history
        self.start = world.start
        if history is not None and record is None:
            record = driver_record(world.iso3)
        self.record = record
        n = world.n
        self.log_gdp = np.log(world.gdp_bn)
        self.year: int | None = None
        self.flow = np.zeros(n)  # this year's monthly flow, before the recognition mask
        self.units = np.zeros(n)
        self.masked = self.flow  # this month's flow
        self._recognition: np.ndarray | None = None  # the mask's world array
        if history is None:
            return
        self.china_lag: np.ndarray = history.finance_lag.copy()  # log1p(USD m) of last year
        self.us_lag: np.ndarray = history.sanctions_lag().copy()  # cases (NaN: unknown)

    # --- per step ---------------------------------------------------------------------------
    def at(
        self,
        step: int,
        x: np.ndarray,
        world: World,
        params: Any,
        prepared: dynamics.Prepared,
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.history is None or self.start is None:
            return self.masked, self.units  # a world without a date: no drivers
        year = calendar_year(self.start, step)
        if year != self.year:
            self.year = year
            nonleader = prepared.nonleader  # the leaders get neither flows nor pressure
            finance = self.china_year(year, x, world, params)
            finance = finance * (nonleader if finance.ndim == 1 else nonleader[:, None])
            units = self.us_year(year, x, world, params)
            units = units * (nonleader if units.ndim == 1 else nonleader[:, None])
            if params.china_targeting != "observed":  # the same total, split the legacy way
                weights = dynamics.investment_targets(x, world, params, prepared)
                finance = _total(finance) * dynamics._share(weights)
            if params.us_targeting != "observed":
                weights = dynamics.pressure_targets(x, world, params, prepared)
                units = _total(units) * dynamics._share(weights)
            self.flow = finance / MONTHS
            self.units = units
            self._recognition = None
        if world.recognises_taiwan is not self._recognition:  # events replace the array
            self._recognition = world.recognises_taiwan
            eligible = (~world.recognises_taiwan).astype(float)
            self.masked = self.flow * (eligible if self.flow.ndim == 1 else eligible[:, None])
        return self.masked, self.units

    # --- one calendar year --------------------------------------------------------------------
    def from_record(self, params: Any, covered: tuple[int, int] | None, year: int) -> bool:
        return params.driver_source == "observed" and covered is not None and year <= covered[1]

    def china_year(self, year: int, x: np.ndarray, world: World, params: Any) -> np.ndarray:
        """Chinese official finance of ``year`` per nation, USD bn (each state's own, before
        any legacy split); updates the rule's lag."""
        history, record = self.history, self.record
        assert history is not None
        if record is not None and self.from_record(params, record.finance_years, year):
            j = record.column(year)
            finance = record.finance_bn[:, j] if j >= 0 else np.zeros(world.n)
            self.china_lag = np.log1p(finance * 1e3)
            return finance
        if year <= history.last_year:  # begun before the start: the history's flow
            return history.finance_bn[:, history.column(year)]
        rules = history.rules
        eligible = history.in_scope.astype(float)

        def rule(position, lag):
            prediction = rules.china_log(lag, position, self.log_gdp, history.bri)
            return prediction * eligible  # no flow, and a zero lag, outside AidData's scope

        log_prediction = _by_column(rule, x, self.china_lag)
        self.china_lag = log_prediction
        return _by_column(lambda p: rules.china_usd_m(p) * eligible, log_prediction) / 1e3

    def us_year(self, year: int, x: np.ndarray, world: World, params: Any) -> np.ndarray:
        """US sanction cases in force on each nation in ``year`` (each state's own); updates
        the rule's lag. Unknown (a world dated before 2014 in 'rules' mode) counts as none."""
        history, record = self.history, self.record
        assert history is not None
        if record is not None and self.from_record(params, record.sanctions_years, year):
            first = record.sanctions_years[0]  # type: ignore[index]
            units = record.sanctions[:, record.column(max(year, first))]
            self.us_lag = units
            return units
        if year <= history.last_year:
            return np.nan_to_num(history.sanctions[:, history.column(year)])
        rules = history.rules
        prediction = _by_column(lambda position, lag: rules.us_cases(lag, position), x, self.us_lag)
        self.us_lag = prediction
        return np.nan_to_num(prediction)


def describe(world: World, params: Any, steps: int, record: DriverRecord | None = None) -> dict:
    """Where a run's drivers come from, for its manifest: the source, the years taken from the
    observed record (data after the start date: the run is then conditional on observed
    drivers), the rules' fitting date and samples."""
    history = world.history
    if history is None or world.start is None:
        return {"driver_source": params.driver_source, "drivers": "none (a world without a date)"}
    record = record or driver_record(world.iso3)
    first, last = calendar_year(world.start, 1), calendar_year(world.start, max(steps, 1))
    observed: dict[str, list[int] | None] = {}
    for name, covered in (
        ("china_finance", record.finance_years),
        ("us_sanctions", record.sanctions_years),
    ):
        years = [
            y
            for y in range(first, last + 1)
            if params.driver_source == "observed" and covered is not None and y <= covered[1]
        ]
        observed[name] = [years[0], years[-1]] if years else None
    conditional = any(observed.values())
    by_rule = any(
        span is None or span[1] < last for span in observed.values()
    )  # some year of the run beyond the record (or no record at all)
    rules = history.rules
    block = {
        "driver_source": params.driver_source,
        "conditional_on_observed_drivers": bool(conditional),
        "observed_years_in_run": observed,
        "rules_fitted_at": rules.fitted_at.isoformat(),
        "rules": {
            "china": {"kind": rules.china.kind, "years": rules.china.years},
            "us": {"kind": rules.us.kind, "years": rules.us.years},
        },
        "history_imputed_years": {
            "china_finance": list(history.finance_imputed),
            "us_sanctions": list(history.sanctions_imputed),
        },
    }
    if conditional:
        parts = [
            f"{label} {span[0]}-{span[1]}"
            for label, span in (
                ("Chinese official finance", observed["china_finance"]),
                ("US sanction cases", observed["us_sanctions"]),
            )
            if span
        ]
        block["statement"] = (
            "conditional on observed drivers: " + ", ".join(parts) + " taken from the record "
            "(data after the start date)"
        )
        if by_rule:
            block["statement"] += (
                "; beyond the record, the allocation rules fitted on data before "
                f"{rules.fitted_at.isoformat()}"
            )
    else:
        block["statement"] = (
            f"drivers from the allocation rules fitted on data before "
            f"{rules.fitted_at.isoformat()} (nothing after the start date)"
        )
    return block

"""The drivers of a world and of a run (sim/world/driver_history.py, sim/engine/drivers.py,
sim/engine/stock.py): known results by hand, what a dated world may see, the multipliers, and
the observed schedule against the observed table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sim.engine import dynamics
from sim.engine.drivers import calendar_year, describe
from sim.engine.params import ModelParams
from sim.engine.simulation import Simulation
from sim.world.dated import nations_at
from sim.world.drivers import load_drivers
from sim.world.positions import load_positions
from sim.world.world import World
from tests.synthetic import synthetic_drivers, synthetic_nations, synthetic_positions


def two_year_world(start: str = "2016-01-01", depreciation: float = 0.01):
    """A synthetic world whose one recipient (X00) got USD 12 bn in 2014 and 24 bn in 2015 and
    nothing in any other year; everybody else nothing."""
    frame = synthetic_nations(8, seed=1)
    drivers = synthetic_drivers(frame, seed=2, out_of_scope=0.0)
    scope = drivers["china_finance_usd_2021"].notna()
    drivers.loc[scope, "china_finance_usd_2021"] = 0.0
    for year, usd in ((2014, 12e9), (2015, 24e9)):
        drivers.loc[(drivers.iso3 == "X00") & (drivers.year == year), "china_finance_usd_2021"] = (
            usd
        )
    world = World.from_frame(frame, start, drivers=drivers, positions=synthetic_positions(frame))
    params = ModelParams(infrastructure_depreciation=depreciation)
    return world, params, drivers


def test_initial_stock_of_a_hand_computed_two_year_history():
    """USD 1 bn a month through 2014 and 2 bn a month through 2015, 1 % depreciation a month,
    start 1 January 2016: K = 2 (1 - q^12) / d + q^12 (1 - q^12) / d with q = 0.99, d = 0.01."""
    world, params, _ = two_year_world()
    state = dynamics.initial_state(world, params)
    q = 0.99
    expected = 2 * (1 - q**12) / 0.01 + q**12 * (1 - q**12) / 0.01
    x00 = world.idx("X00")
    assert state.stock[x00] == pytest.approx(expected, rel=1e-12)
    assert np.delete(state.stock, x00).sum() == 0.0
    # without depreciation the stock is the plain sum, and a replicate block repeats it
    world, params, _ = two_year_world(depreciation=0.0)
    block = dynamics.initial_state(world, params, replicates=3)
    assert np.allclose(block.stock[x00], 36.0, rtol=1e-14)


def test_initial_stock_counts_only_the_months_before_a_mid_year_start():
    """On 1 April 2015 the world knows 2014 (USD 12 bn); January-March 2015 are not in the record
    on that date and are imputed by the rule: eight states are too few to fit one, so the
    persistence rule, USD 1 bn a month: K = 12 + 3."""
    world, params, _ = two_year_world(start="2015-04-01", depreciation=0.0)
    history = world.history
    assert history.finance_imputed == (2015,)
    assert world.history.rules.china.kind == "persistence"
    x00 = world.idx("X00")
    assert history.finance_bn[x00, history.column(2015)] == pytest.approx(12.0, rel=1e-13)
    stock = dynamics.initial_state(world, params).stock[x00]
    assert stock == pytest.approx(15.0, rel=1e-13)


def _altered(table: pd.DataFrame, from_year: int) -> pd.DataFrame:
    out = table.copy()
    later = out["year"] >= from_year
    for column in ("china_finance_usd_2021", "us_sanctions_cases", "bri_member"):
        out.loc[later, column] = out.loc[later, column] * 3 + 1
    out.loc[later, "bri_join_date"] = ""
    return out


@pytest.mark.parametrize("start", ["2016-01-01", "2016-07-01", "2023-01-01"])
def test_a_world_is_unchanged_when_drivers_of_years_from_its_date_change(start):
    when = dt.date.fromisoformat(start)
    frame = nations_at(when)
    drivers, positions = load_drivers(), load_positions()
    altered_positions = positions.copy()
    altered_positions.loc[altered_positions["year"] > when.year, "unga_alignment"] = 0.0
    a = World.from_frame(frame, start, drivers=drivers, positions=positions).history
    b = World.from_frame(
        frame, start, drivers=_altered(drivers, when.year), positions=altered_positions
    ).history
    assert a.rules == b.rules
    for name in ("years", "finance_bn", "finance_lag", "in_scope", "sanctions", "bri"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    # the last complete year does enter: the test can see a change
    c = World.from_frame(
        frame, start, drivers=_altered(drivers, when.year - 1), positions=positions
    ).history
    assert not (
        np.array_equal(a.finance_bn, c.finance_bn)
        and np.array_equal(a.sanctions, c.sanctions, equal_nan=True)
    )


def test_the_2023_world_fills_2022_with_the_rule_and_knows_sanctions_to_2022():
    world = World.from_frame(nations_at("2023-01-01"), "2023-01-01")
    history = world.history
    assert history.years[0] == 2000 and history.last_year == 2022
    assert history.finance_imputed == (2022,) and history.sanctions_imputed == ()
    assert not np.isnan(history.sanctions[:, history.column(2022)][~world.leader_mask]).all()
    assert np.isnan(history.sanctions[:, history.column(2012)]).all()  # not in the record
    # outside AidData's scope (high-income states): no finance, no rule
    deu = world.idx("DEU")
    assert not history.in_scope[deu] and history.finance_bn[deu].sum() == 0.0


def _stock_increments(sim: Simulation, steps: int) -> np.ndarray:
    out = []
    keep = 1.0 - sim.params.infrastructure_depreciation
    for _ in range(steps):
        before = sim.state.stock.copy()
        sim.step()
        out.append(sim.state.stock - keep * before)
    return np.array(out)


@pytest.mark.parametrize(("start", "source"), [("2016-01-01", "observed"), ("2023-01-01", "rules")])
def test_china_budget_two_doubles_the_flow(start, source):
    world = World.from_frame(nations_at(start), start)
    runs = {}
    for budget in (1.0, 2.0):
        params = ModelParams(china_budget=budget, driver_source=source)
        runs[budget] = _stock_increments(
            Simulation(world, params, [], np.random.default_rng(0)), 12
        )
    assert runs[1.0].sum() > 10  # USD bn over the year
    # (increments are differences of stocks of up to hundreds of USD bn: rounding ~1e-13)
    assert np.allclose(runs[2.0], 2 * runs[1.0], rtol=1e-9, atol=1e-10)


def test_us_pressure_budget_scales_the_units():
    world = World.from_frame(nations_at("2016-01-01"), "2016-01-01")
    sim = Simulation(world, ModelParams(us_pressure_budget=2.0), [], np.random.default_rng(0))
    _, units = sim.drivers.at(1, sim.state.alignment, world, sim.params, sim.prepared)
    cases = load_drivers().query("year == 2016").set_index("iso3")["us_sanctions_cases"]
    expected = cases.reindex(world.iso3).fillna(0.0).to_numpy(copy=True)
    expected[world.leader_mask] = 0.0
    assert np.array_equal(units, expected)
    effect = sim.params.pressure_pull * 2 * units / (2 * units + sim.params.pressure_half)
    sim.step()
    push = np.abs(sim.contributions[1])
    assert push[units == 0].max() == 0.0 and (push[units > 0] > 0).all()
    assert (push <= effect * 2 + 1e-15).all()


def test_observed_schedule_reproduces_each_nations_observed_year_over_12_steps():
    """Started on 1 January 2016 without depreciation, twelve steps add exactly each nation's
    AidData 2016 total to its stock; the pressure units are its 2016 sanction cases."""
    world = World.from_frame(nations_at("2016-01-01"), "2016-01-01")
    params = ModelParams(infrastructure_depreciation=0.0)
    sim = Simulation(world, params, [], np.random.default_rng(0))
    stock0 = sim.state.stock.copy()
    for _ in range(12):
        sim.step()
    table = load_drivers().query("year == 2016").set_index("iso3")
    observed = (
        table["china_finance_usd_2021"].reindex(world.iso3).fillna(0.0).to_numpy(copy=True) / 1e9
    )
    observed[world.leader_mask | world.recognises_taiwan] = 0.0
    assert np.allclose(sim.state.stock - stock0, observed, rtol=1e-12, atol=1e-12)
    assert observed.sum() > 100  # USD bn: the real 2016
    assert calendar_year(world.start, 12) == 2016 and calendar_year(world.start, 13) == 2017
    # the 13th step is 2017's
    sim.step()
    table = load_drivers().query("year == 2017").set_index("iso3")
    observed = (
        table["china_finance_usd_2021"].reindex(world.iso3).fillna(0.0).to_numpy(copy=True) / 1e9
    )
    observed[world.leader_mask | world.recognises_taiwan] = 0.0
    assert np.allclose(sim.drivers.masked, observed / 12, rtol=1e-12, atol=1e-15)


def test_sanctions_before_2013_take_the_2013_count_when_observed_and_are_unknown_to_rules():
    world = World.from_frame(nations_at("2012-01-01"), "2012-01-01")
    cases = load_drivers().query("year == 2013").set_index("iso3")["us_sanctions_cases"]
    expected = cases.reindex(world.iso3).fillna(0.0).to_numpy(copy=True)
    expected[world.leader_mask] = 0.0
    observed = Simulation(world, ModelParams(), [], np.random.default_rng(0))
    _, units = observed.drivers.at(
        1, observed.state.alignment, world, observed.params, observed.prepared
    )
    assert np.array_equal(units, expected) and units.sum() > 50
    rules = Simulation(world, ModelParams(driver_source="rules"), [], np.random.default_rng(0))
    _, units = rules.drivers.at(1, rules.state.alignment, world, rules.params, rules.prepared)
    assert units.sum() == 0.0  # a world of 2012 knows no sanction year


def test_the_rule_reads_each_runs_own_alignment_once_a_year():
    """From 2023 the flows come from the rule: a run pushed toward China in its first year gets
    more Chinese money in its second (the rule's position coefficient is positive), not before."""
    world = World.from_frame(nations_at("2023-01-01"), "2023-01-01")
    params = ModelParams(driver_source="rules", noise_sd=0.0)
    plain = Simulation(world, params, [], np.random.default_rng(0))
    leaning = Simulation(world, params, [], np.random.default_rng(0))
    leaning.state.alignment = np.minimum(leaning.state.alignment + 0.3, 1.0)
    leaning.state.alignment[world.leader_mask] = world.alignment[world.leader_mask]
    first = [
        s.drivers.at(1, s.state.alignment, world, s.params, s.prepared)[0].copy()
        for s in (plain, leaning)
    ]
    assert (first[1] >= first[0]).all() and first[1].sum() > first[0].sum()
    for s in (plain, leaning):
        for _ in range(11):
            s.step()
        assert np.array_equal(
            s.drivers.masked, s.drivers.at(12, s.state.alignment, world, s.params, s.prepared)[0]
        )  # no change within the year


def test_describe_says_when_a_run_is_conditional_on_observed_drivers():
    world = World.from_frame(nations_at("2016-01-01"), "2016-01-01")
    block = describe(world, ModelParams(), 48)
    assert block["conditional_on_observed_drivers"] is True
    assert block["observed_years_in_run"] == {
        "china_finance": [2016, 2019],
        "us_sanctions": [2016, 2019],
    }
    assert block["statement"].startswith("conditional on observed drivers")
    forecast = describe(world, ModelParams(driver_source="rules"), 48)
    assert forecast["conditional_on_observed_drivers"] is False
    world = World.from_frame(nations_at("2023-01-01"), "2023-01-01")
    assert describe(world, ModelParams(), 120)["conditional_on_observed_drivers"] is False


def test_a_world_without_a_date_has_no_drivers():
    frame = synthetic_nations(10, seed=3)
    world = World.from_frame(frame)
    assert world.start is None and world.history is None
    sim = Simulation(world, ModelParams(), [], np.random.default_rng(0))
    assert sim.state.stock.sum() == 0.0
    sim.step()
    assert sim.state.stock.sum() == 0.0 and not sim.contributions[1].any()

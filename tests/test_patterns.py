"""Patterns the model must hold on the real world (pattern-oriented modelling, Grimm et al. 2005):
the null run keeps its starting picture, and the two drivers push the way their names say.

These are properties, not fitted numbers: they must hold for any seed and, for the drivers, for
any budget, which is why hypothesis picks the budgets.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine import dynamics
from sim.engine.events import Sanction
from sim.engine.metrics import assign_blocs
from sim.engine.params import ModelParams
from sim.engine.simulation import Simulation
from sim.inputs.scenario import load_scenario
from sim.mesa.model import CyberBlocModel

SEEDS = range(1, 11)
TEN_YEARS = 120


def run_stacked(params: ModelParams, steps: int, seeds=SEEDS, world=None) -> Simulation:
    """The scenario's world stepped for ``steps`` months, one column per seed."""
    model = CyberBlocModel(params=params, rng=0)
    sim = Simulation(world or model.world, params, (), [np.random.default_rng(s) for s in seeds])
    for _ in range(steps):
        sim.step()
    return sim


def test_null_run_keeps_its_starting_pattern_over_ten_years_for_every_seed():
    """No investment, no pressure: >= 90% of nations keep their starting bloc and no hard-liner
    (|x| > 0.8) moves by more than 0.2, in each of ten seeds (docs/ODD.md, null pattern)."""
    scenario = load_scenario("null")
    params = scenario.scenario.parameters
    sim = run_stacked(params, TEN_YEARS)
    x0 = sim.world.alignment
    start = assign_blocs(x0, params.us_bloc_threshold, params.china_bloc_threshold)
    end = sim.blocs
    kept = (end == start[:, None]).mean(axis=0)
    assert kept.min() >= 0.90, kept
    hard = np.abs(x0) > 0.8
    assert hard.sum() >= 10  # the test means something: there are hard-liners on both sides
    moved = np.abs(sim.state.alignment[hard] - x0[hard, None])
    assert moved.max() <= 0.2, moved.max()


def _targeted_mean(budget: float, seed: int) -> float:
    params = ModelParams(china_budget=budget, us_pressure_budget=0.0, noise_sd=0.0)
    world = CyberBlocModel(params=params, rng=seed).world
    sim = Simulation(world, params, (), np.random.default_rng(seed))
    for _ in range(24):
        sim.step()
    targeted = dynamics.investment_base(world, params) > 0
    return float(sim.state.alignment[targeted].mean())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    low=st.floats(0.0, 40.0),
    extra=st.floats(0.5, 40.0),
    seed=st.integers(0, 2**16),
)
def test_more_chinese_budget_never_lowers_the_mean_alignment_of_targeted_nations(low, extra, seed):
    assert _targeted_mean(low + extra, seed) >= _targeted_mean(low, seed) - 1e-12


def _non_backlash_mean(intensity: float, seed: int) -> float:
    """Mean alignment after two years of sanctions of ``intensity`` on every nation whose
    backlash stays below one half (norm < 0.4 with no perceived US threat, so
    push = b n - (1 - b n)(1 + lambda tau) < 0): pressure on them can only pull toward the US."""
    params = ModelParams(china_budget=0.0, us_pressure_budget=0.0, noise_sd=0.0)
    world = CyberBlocModel(params=params, rng=seed).world
    calm = (world.non_intervention < 0.4) & ~world.leader_mask
    events = (
        [
            Sanction(step=1, target=code, intensity=intensity, duration=24, threat_increase=0.0)
            for code in world.iso3[calm]
        ]
        if intensity > 0
        else []
    )
    sim = Simulation(world, params, events, np.random.default_rng(seed))
    for _ in range(24):
        sim.step()
    return float(sim.state.alignment[calm].mean())


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    low=st.floats(0.0, 5.0),
    extra=st.floats(0.05, 5.0),
    seed=st.integers(0, 2**16),
)
def test_more_us_pressure_never_raises_the_mean_alignment_of_non_backlash_nations(low, extra, seed):
    assert _non_backlash_mean(low + extra, seed) <= _non_backlash_mean(low, seed) + 1e-12

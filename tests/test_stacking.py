"""Many parameter sets in one array (issue 9, section 1): every column of a stack with R
different parameter sets is bit-identical to the same set and seed run alone, events included;
the kernel's view keeps scalars where the sets agree; categorical parameters are grouped."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.ensemble import run_stacked, yearly_steps
from sim.engine.events import (
    AttributionClaim,
    JoinOrganisation,
    Sanction,
    ScaleParameter,
    SetOrgWeight,
    SetParameter,
)
from sim.engine.params import ModelParams
from sim.engine.simulation import Simulation
from sim.engine.stacking import ColumnParams, group_columns, stack_params
from sim.mesa.model import CyberBlocModel
from sim.world.world import World
from tests.synthetic import FLAGS, synthetic_nations

STATE = ("alignment", "stock", "threat_us", "threat_china", "norm")

#: A scheduled set, a scale (acts on each column's own value), a network weight, a membership
#: that moves anchors, a sanction and an attribution claim.
EVENTS = [
    SetParameter(step=5, parameter="pressure_pull", value=0.05),
    ScaleParameter(step=7, parameter="china_budget", factor=2.0),
    SetOrgWeight(step=9, organisation="sco", weight=2.5),
    JoinOrganisation(step=11, nation="RUS", organisation="nato"),
    Sanction(step=12, target="PRK", intensity=2.0, duration=3),
    AttributionClaim(step=13, accuser="china", magnitude=0.4),
    ScaleParameter(step=20, parameter="region_weight", factor=3.0),
]


@pytest.fixture(scope="module")
def real_world() -> World:
    return CyberBlocModel(rng=0, collect_agent_data=False).world


def varied_sets(count: int, seed: int = 5) -> list[ModelParams]:
    """Parameter sets differing in rates, budgets, network weights, thresholds and in whether
    the norm's investment term is on (a branch in the kernel)."""
    rng = np.random.default_rng(seed)
    sets = []
    for r in range(count):
        sets.append(
            ModelParams(
                china_budget=float(rng.uniform(0.2, 4.0)),
                china_market_weight=float(rng.uniform(0.0, 1.0)),
                china_priority_weight=float(rng.uniform(1.0, 5.0)),
                china_allied_access=float(rng.uniform(0.0, 1.0)),
                us_pressure_budget=float(rng.uniform(0.1, 3.0)),
                infrastructure_depreciation=float(rng.uniform(0.005, 0.02)),
                security_tie_gain=float(rng.uniform(0.0, 2.0)),
                backlash_strength=float(rng.uniform(0.0, 1.0)),
                peer_weight=float(rng.uniform(0.01, 0.05)),
                stubbornness=float(rng.uniform(0.01, 0.05)),
                norm_investment_pull=(0.0, 0.02)[r % 2],
                threat_decay=float(rng.uniform(0.0, 0.05)),
                initial_us_threat=float(rng.uniform(0.0, 1.0)),
                noise_sd=float(rng.uniform(0.0, 0.02)),
                us_bloc_threshold=float(rng.uniform(-0.5, -0.2)),
                region_weight=(0.5, 1.0, 0.5)[r % 3],
                org_weights={"brics": (1.0, 2.0)[r % 2], "nam": float(rng.uniform(0.0, 0.2))},
            )
        )
    return sets


def assert_columns_equal_alone(world, sets, events, steps, reference=None, seeds=None):
    seeds = seeds if seeds is not None else list(range(100, 100 + len(sets)))
    stacked = Simulation(
        world, sets, events, [np.random.default_rng(s) for s in seeds], reference=reference
    )
    alone = [
        Simulation(
            world,
            p,
            events,
            np.random.default_rng(s),
            reference=p if reference == "own" else reference,
        )
        for p, s in zip(sets, seeds, strict=True)
    ]
    for _ in range(steps):
        stacked.step()
        for single in alone:
            single.step()
    for r, single in enumerate(alone):
        for name in STATE:
            assert np.array_equal(getattr(stacked.state, name)[:, r], getattr(single.state, name))
        assert np.array_equal(stacked.contributions[:, :, r], single.contributions)
        assert np.array_equal(stacked.blocs[:, r], single.blocs)
        assert stacked.column_params(r) == single.params
    return stacked, alone


@pytest.mark.parametrize("reference", [None, "own"])
def test_each_column_equals_its_parameter_set_run_alone(real_world, reference):
    """120 months on the real (dense) network, 8 different sets, every event kind that touches
    parameters, anchors or the network."""
    stacked, alone = assert_columns_equal_alone(
        real_world, varied_sets(8), EVENTS, 120, reference=reference
    )
    # The stack really carried different runs: the sets, and so the outcomes, differ.
    finals = np.stack([s.state.alignment for s in alone], axis=1)
    assert np.ptp(finals, axis=1).max() > 0.05
    assert isinstance(stacked.params, ColumnParams)
    if reference == "own":  # per-column anchors
        assert stacked.anchors.disposition.shape == (real_world.n, 8)


def test_each_column_equals_alone_on_a_sparse_network():
    """The synthetic world's network is sparse: the sparse mat-vec path, per network group."""
    frame = synthetic_nations(40, seed=2)
    for flag in FLAGS:  # few ties: sub-regions of three and the US alliance system only
        if flag not in ("us_treaty_ally", "us_mnna"):
            frame[flag] = 0
    frame["subregion"] = [f"S{i // 3}" for i in range(len(frame))]
    world = World.from_frame(frame)
    stacked, _ = assert_columns_equal_alone(
        world, varied_sets(5, seed=9), EVENTS, 60, reference="own"
    )
    assert all(operator.dense_ties is None for operator in stacked.peers.operators)


@pytest.mark.parametrize(
    ("source", "china", "us"),
    [("rules", "observed", "observed"), ("observed", "swing", "drifting")],
)
def test_columns_equal_alone_when_the_drivers_follow_each_columns_alignment(source, china, us):
    """A world of mid-2016: the record (or the rule) from July 2016, the rule from 2022 on,
    evaluated every January with each column's own alignment; the legacy splits also read it.
    The stock of 2000-2016 depreciates at each column's own rate."""
    from sim.world.dated import nations_at

    world = World.from_frame(nations_at("2016-07-01"), start="2016-07-01")
    sets = [
        p.replace(driver_source=source, china_targeting=china, us_targeting=us)
        for p in varied_sets(4, seed=2)
    ]
    stacked, alone = assert_columns_equal_alone(world, sets, EVENTS, 90, reference="own")
    assert stacked.state.stock.shape == (world.n, 4)
    assert stacked.drivers.flow.shape == (world.n, 4)  # per column: each its own alignment
    finals = np.stack([s.state.stock for s in alone], axis=1)
    assert np.ptp(finals, axis=1).max() > 0.1


def test_per_column_confidence_bounds(real_world):
    sets = [
        p.replace(confidence_bound=b) for p, b in zip(varied_sets(3), (0.4, 0.8, 1.5), strict=True)
    ]
    stacked, _ = assert_columns_equal_alone(real_world, sets, EVENTS[:3], 15, reference="own")
    assert stacked.params.confidence_bound.shape == (1, 3)


def test_scale_event_acts_on_each_columns_own_value(real_world):
    sets = [ModelParams(china_budget=1.0), ModelParams(china_budget=3.0)]
    sim = Simulation(
        real_world,
        sets,
        [ScaleParameter(step=1, parameter="china_budget", factor=2.0)],
        [np.random.default_rng(0), np.random.default_rng(1)],
    )
    sim.step()
    assert [sim.column_params(r).china_budget for r in range(2)] == [2.0, 6.0]
    assert np.array_equal(sim.params.china_budget, [[2.0, 6.0]])


def test_column_params_keep_scalars_where_the_sets_agree():
    default_noise = ModelParams().noise_sd
    sets = [ModelParams(china_budget=1.0), ModelParams(china_budget=2.0, noise_sd=default_noise)]
    view = stack_params(sets)
    assert isinstance(view, ColumnParams)
    assert view.varying == ("china_budget",)
    assert np.array_equal(view.china_budget, [[1.0, 2.0]])
    assert isinstance(view.noise_sd, float) and view.noise_sd == default_noise
    # Identical sets are no stack of parameters at all: the plain replicate block.
    assert stack_params([sets[0], ModelParams(china_budget=1.0)]) is sets[0]
    with pytest.raises(AttributeError, match="org_weights differ"):
        _ = stack_params([ModelParams(), ModelParams(org_weights={"nato": 9.0})]).org_weights


def test_categorical_parameters_are_grouped_not_mixed(real_world):
    sets = [
        ModelParams(us_targeting="allies"),
        ModelParams(us_targeting="drifting", china_budget=2.0),
        ModelParams(us_targeting="allies", china_budget=3.0),
        ModelParams(confidence_bound=0.5),
    ]
    assert group_columns(sets) == [[0, 2], [1], [3]]
    with pytest.raises(ValueError, match="categorical"):
        ColumnParams(sets[:2])
    with pytest.raises(ValueError, match="categorical"):
        Simulation(real_world, sets[:2], [], [np.random.default_rng(0), np.random.default_rng(1)])


def test_run_stacked_matches_runs_alone_in_the_callers_order(real_world):
    """The calibration entry point: mixed strategies (grouped internally), dicts of changes,
    blocks smaller than the population; each run as if alone under its own anchors."""
    sets = varied_sets(5, seed=1)
    population = [
        sets[0],
        {"china_budget": 0.5, "us_targeting": "swing"},
        sets[1],
        {"peer_weight": 0.04, "us_targeting": "swing"},
        sets[2],
    ]
    seeds = [7, 8, 9, 10, 11]
    out = run_stacked(real_world, population, seeds, 30, events=EVENTS[:4], stack=2)
    assert out.shape == (len(yearly_steps(30)), real_world.n, 5) == (3, real_world.n, 5)
    for r, (candidate, seed) in enumerate(zip(population, seeds, strict=True)):
        p = candidate if isinstance(candidate, ModelParams) else ModelParams(**candidate)
        single = Simulation(real_world, p, EVENTS[:4], np.random.default_rng(seed), reference=p)
        expected = [single.state.alignment.copy()]
        for step in range(1, 31):
            single.step()
            if step % 12 == 0:
                expected.append(single.state.alignment.copy())
        assert np.array_equal(out[:, :, r], np.stack(expected))


def test_run_stacked_rejects_mismatched_inputs(real_world):
    with pytest.raises(ValueError, match="seeds"):
        run_stacked(real_world, [ModelParams()], [1, 2], 12)
    with pytest.raises(ValueError, match="ascending"):
        run_stacked(real_world, [ModelParams()], [1], 12, record=[12, 6])


def test_parameter_ensemble_equals_each_member_run_alone(real_world):
    """Validation's ensemble (``sim.history.hindcast.parameter_ensemble``, now one stack through
    ``run_stacked``) against an independent reference: each member stepped alone as a plain 1-D
    ``Simulation`` under its own anchors, with its own generator."""
    from datetime import date

    from sim.history.hindcast import parameter_ensemble
    from sim.studies.sweep.seeds import run_seed

    sets = varied_sets(4, seed=3)
    start, dates = date(2023, 1, 1), [date(2024, 1, 1), date(2025, 7, 1)]
    ensemble = parameter_ensemble(real_world, start, dates, sets, seed=4)
    assert ensemble.shape == (2, real_world.n, 4)
    for m, p in enumerate(sets):
        alone = Simulation(real_world, p, [], np.random.default_rng(run_seed(4, 1, m)), p)
        expected = []
        for step in range(1, 31):
            alone.step()
            if step in (12, 30):
                expected.append(alone.state.alignment.copy())
        assert np.array_equal(ensemble[:, :, m], np.stack(expected))


def test_hindcast_replicates_equal_the_model_run_alone_per_seed():
    """The hindcast ensemble of ``run.py run`` (replicates of one set with the scenario's
    events, stacked) against the Mesa model run once per seed, which never stacks."""
    from datetime import date

    from sim.history import hindcast
    from sim.studies.sweep.seeds import run_seed
    from sim.world.dated import nations_at

    start = date(2016, 1, 1)
    nations = nations_at(start)
    params = ModelParams(noise_sd=0.01, china_budget=2.0)
    events = [SetParameter(step=3, parameter="pressure_pull", value=0.05), EVENTS[4]]
    scored = hindcast.hindcast(
        World.from_frame(nations, start=start),
        start,
        params,
        steps=24,
        events=events,
        master_seed=6,
        replicates=3,
    )
    assert scored is not None and scored.ensemble.shape[-1] == 3
    for r in range(3):
        model = CyberBlocModel(
            params=params,
            nations=nations,
            events=events,
            rng=run_seed(6, 0, r),
            collect_agent_data=False,
            baseline_date=start.isoformat(),
        )
        expected = []
        for step in range(1, 25):
            model.step()
            if step in (12, 24):
                expected.append(model.sim.state.alignment.copy())
        assert np.array_equal(scored.ensemble[..., r], np.stack(expected))
    assert not np.array_equal(scored.ensemble[..., 0], scored.ensemble[..., 1])

"""Known results of the update kernel: DeGroot consensus, the Friedkin-Johnsen equilibrium,
investment targeting, backlash, threat decay, bounds and reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from sim.engine import dynamics
from sim.engine.events import AttributionClaim, JoinOrganisation, ScaleParameter, SetOrgWeight
from sim.mesa.model import CyberBlocModel
from tests.synthetic import synthetic_drivers, synthetic_nations, synthetic_positions

#: No drivers: no new flows, no pressure, and no pull from the stock built before the start.
QUIET = dict(
    china_budget=0.0,
    us_pressure_budget=0.0,
    investment_pull=0.0,
    pressure_pull=0.0,
    stubbornness=0.0,
    noise_sd=0.0,
    fixed_leaders=False,
)


def connected_nations(n: int = 25, seed: int = 3):
    """Synthetic world where everyone shares NAM: the tie graph is strongly connected."""
    frame = synthetic_nations(n, seed)
    frame["nam"] = 1
    return frame


def test_peers_alone_reach_degroot_consensus():
    model = CyberBlocModel(nations=connected_nations(), rng=0, peer_weight=0.5, **QUIET)
    W = model.peers.normalised.toarray()
    x0 = model.state.alignment.copy()
    values, vectors = scipy.linalg.eig(W.T)
    pi = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
    pi = pi / pi.sum()
    for _ in range(3000):
        model.step()
    assert np.allclose(model.state.alignment, pi @ x0, atol=1e-10)
    # consensus is a weighted average, not the plain mean (the network matters)
    assert abs(pi @ x0 - x0.mean()) > 1e-3


def test_stubbornness_reaches_friedkin_johnsen_equilibrium():
    alpha, sigma = 0.3, 0.1
    params = {**QUIET, "stubbornness": sigma}
    model = CyberBlocModel(nations=connected_nations(), rng=0, peer_weight=alpha, **params)
    W = model.peers.normalised.toarray()
    u = model.sim.anchors.disposition
    lam = alpha / (alpha + sigma)
    expected = np.linalg.solve(np.eye(len(u)) - lam * W, (1 - lam) * u)
    for _ in range(2000):
        model.step()
    assert np.allclose(model.state.alignment, expected, atol=1e-10)
    assert not np.allclose(expected, u, atol=1e-3)  # peers did move the equilibrium
    # these rates differ from the reference (default) ones, so the observed start is not it
    assert not np.allclose(expected, model.world.alignment, atol=1e-3)


def test_real_2023_world_is_the_friedkin_johnsen_fixed_point_of_the_defaults():
    """With the production defaults on the real network and no drivers or noise, the anchors make
    the observed 2023 alignments and norms the fixed point x* = (I - Lambda W)^-1 (I - Lambda) u
    (fixed leaders enter as constant rows: the US and China keep x = -1, +1)."""
    model = CyberBlocModel(
        rng=0, china_budget=0.0, us_pressure_budget=0.0, investment_pull=0.0, noise_sd=0.0
    )
    p = model.params
    W = model.peers.normalised.toarray()
    u = model.sim.anchors.disposition.copy()
    x0 = model.world.alignment
    leaders = model.world.leader_mask
    lam = p.peer_weight / (p.peer_weight + p.stubbornness)
    # fixed leaders: their rows are x_i = x_i(0); the others solve x = Lambda W x + (1-Lambda) u
    A = np.eye(len(u)) - lam * W
    b = (1 - lam) * u
    A[leaders] = 0.0
    A[leaders, leaders] = 1.0
    b[leaders] = x0[leaders]
    fixed_point = np.linalg.solve(A, b)
    assert np.allclose(fixed_point, x0, atol=1e-9)
    for _ in range(240):
        model.step()
    assert np.allclose(model.state.alignment, x0, atol=1e-9)
    assert np.allclose(model.state.norm, model.world.non_intervention, atol=1e-9)
    # the anchors are not the observed values themselves: peers pull hard-liners inward
    prk = model.world.idx("PRK")
    assert u[prk] > x0[prk] + 0.3


def _drivers_from(frame, year, finance_usd, cases=0.0):
    """A drivers table with no finance before ``year`` and ``finance_usd`` a year from it (the
    states in AidData's scope: all but the leaders), ``cases`` sanction cases on every state."""
    table = synthetic_drivers(frame, seed=1, out_of_scope=0.0)
    scope = table["china_finance_usd_2021"].notna()
    table.loc[scope, "china_finance_usd_2021"] = np.where(
        table.loc[scope, "year"] >= year, finance_usd, 0.0
    )
    known = table["us_sanctions_cases"].notna()
    table.loc[known, "us_sanctions_cases"] = cases
    return table


def test_investment_moves_targets_toward_china_and_leaves_isolated_untargeted_alone():
    """Legacy targeting splits the observed yearly total; a state recognising Taiwan and tied
    to nobody gets nothing and does not move."""
    frame = synthetic_nations(20, seed=5)
    isolated = frame.index[-1]
    flags = [c for c in frame.columns if frame[c].isin([0, 1]).all() and c not in ("digital_gap",)]
    frame.loc[isolated, flags] = 0
    frame.loc[isolated, ["subregion", "digital_gap", "security_tie"]] = ["Nowhere", 0.0, 0.0]
    frame.loc[isolated, "recognises_taiwan"] = 1  # no investment while it recognises Taiwan
    drivers = _drivers_from(frame, 2016, 60e9)
    moved = {}
    for peer_weight in (0.0, 0.05):
        params = {**QUIET, "china_budget": 1.0, "investment_pull": 0.0056}
        params["peer_weight"] = peer_weight
        params |= {"fixed_leaders": True, "china_targeting": "africa_arab_need"}
        model = CyberBlocModel(
            nations=frame,
            rng=0,
            baseline_date="2016-01-01",
            drivers=drivers,
            positions=synthetic_positions(frame),
            **params,
        )
        assert model.state.stock.sum() == 0.0  # nothing before 2016
        x0 = model.state.alignment.copy()
        for _ in range(24):
            model.step()
        moved[peer_weight] = model.state.alignment - x0
        targeted = dynamics.investment_targets(x0, model.world, model.params) > 0
        assert model.state.stock[isolated] == 0.0
        assert model.state.stock[targeted].min() > 0
        # untargeted and unconnected: nothing reaches it, even with peers on
        assert moved[peer_weight][isolated] == 0.0
    assert targeted.sum() >= 15
    assert (moved[0.0][targeted] > 0).all()
    assert (moved[0.0][~targeted] == 0).all()


def test_investment_pull_formula_one_step():
    """One step of the observed flow: the stock takes China's budget x this year's finance / 12
    on top of the depreciated stock, and the pull is the ODD's formula of it."""
    frame = synthetic_nations(10, seed=1)
    params = {**QUIET, "china_budget": 2.0, "investment_pull": 0.0056, "peer_weight": 0.0}
    drivers = synthetic_drivers(frame, seed=3)
    model = CyberBlocModel(
        nations=frame,
        rng=0,
        baseline_date="2016-01-01",
        drivers=drivers,
        positions=synthetic_positions(frame),
        **params,
    )
    p, w, s0 = model.params, model.world, model.state.copy()
    model.step()
    year = drivers[drivers["year"] == 2016].set_index("iso3")["china_finance_usd_2021"]
    flow = year.reindex(w.iso3).fillna(0.0).to_numpy() / 1e9 / 12
    flow[w.leader_mask | w.recognises_taiwan] = 0.0  # nothing while recognising Taipei
    stock = (1 - p.infrastructure_depreciation) * s0.stock + p.china_budget * flow
    assert s0.stock.sum() > 0  # the finance of 2000-2015
    dep = stock / w.gdp_bn
    expected = (
        p.investment_pull
        * dep
        / (dep + p.dependence_half)
        * (1 - s0.alignment)
        / (1 + p.china_threat_damping * s0.threat_china)
    )
    assert np.allclose(model.contributions[0], expected, rtol=0, atol=1e-15)
    assert np.allclose(model.state.stock, stock, rtol=1e-14, atol=0)


@pytest.mark.parametrize(("non_intervention", "direction"), [(0.0, -1), (1.0, +1)])
def test_pressure_pulls_toward_us_or_backfires_on_non_interventionists(non_intervention, direction):
    frame = synthetic_nations(12, seed=2)
    frame["non_intervention"] = non_intervention
    frame["alignment_initial"] = frame["alignment_initial"].clip(-0.2, 0.2)
    frame.loc[frame.iso3 == "USA", "alignment_initial"] = -1.0
    frame.loc[frame.iso3 == "CHN", "alignment_initial"] = 1.0
    params = {**QUIET, "pressure_pull": 0.0092, "backlash_strength": 1.0, "peer_weight": 0.0}
    params |= {"us_pressure_budget": 1.0, "fixed_leaders": True}
    model = CyberBlocModel(
        nations=frame,
        rng=0,
        initial_us_threat=0.0,
        baseline_date="2016-01-01",
        drivers=_drivers_from(frame, 2016, 0.0, cases=2.0),
        positions=synthetic_positions(frame),
        **params,
    )
    model.step()
    pressured = ~model.world.leader_mask
    assert pressured.sum() > 5
    assert (np.sign(model.contributions[1][pressured]) == direction).all()
    assert (model.contributions[1][~pressured] == 0).all()


def test_threat_decays_geometrically_and_attribution_lands_on_believers():
    frame = synthetic_nations(15, seed=4)
    claim = AttributionClaim(step=1, accuser="china", magnitude=0.4)
    model = CyberBlocModel(nations=frame, rng=0, events=[claim], threat_decay=0.1, **QUIET)
    x0, t0 = model.state.alignment.copy(), model.state.threat_us.copy()
    model.step()
    expected = 0.9 * (t0 + 0.4 * (1 + x0) / 2)
    assert np.allclose(model.state.threat_us, expected)
    for _ in range(9):
        model.step()
    assert np.allclose(model.state.threat_us, expected * 0.9**9)
    more_china = x0 > np.median(x0)
    assert model.state.threat_us[more_china].mean() > model.state.threat_us[~more_china].mean()


def test_scores_stay_in_bounds_under_extreme_settings():
    model = CyberBlocModel(
        nations=synthetic_nations(40, seed=9),
        rng=11,
        noise_sd=0.8,
        china_budget=100.0,  # the upper bound
        investment_pull=1.0,
        us_pressure_budget=100.0,
        pressure_pull=1.0,
        security_tie_gain=5.0,
        backlash_strength=3.0,
    )
    for _ in range(50):
        model.step()
        assert np.all(np.abs(model.state.alignment) <= 1.0)


def _run(seed, steps=30, **kw):
    model = CyberBlocModel(nations=synthetic_nations(30), rng=seed, **kw)
    for _ in range(steps):
        model.step()
    return np.array(model.history.alignment)


def test_same_seed_same_results_different_seed_different_results():
    assert np.array_equal(_run(7), _run(7))
    assert not np.array_equal(_run(7), _run(8))


def test_events_change_network_parameters_and_membership():
    frame = synthetic_nations(20, seed=6)
    events = [
        SetOrgWeight(step=1, organisation="brics", weight=9.0),
        ScaleParameter(step=2, parameter="china_budget", factor=2.0),
        JoinOrganisation(step=3, nation="GBR", organisation="sco", role="observer"),
    ]
    model = CyberBlocModel(nations=frame, rng=0, events=events)
    ties_before = model.ties.toarray()
    model.step()
    assert model.params.org_weights["brics"] == 9.0
    assert not np.array_equal(model.ties.toarray(), ties_before)
    budget = model.params.china_budget
    model.step()
    assert model.params.china_budget == 2 * budget
    model.step()
    gbr = model.world.idx("GBR")
    assert model.world.membership[gbr, model.world.membership.shape[1] - 1] >= 0  # shape intact
    from sim.engine.params import ORGANISATIONS

    assert model.world.membership[gbr, ORGANISATIONS.index("sco")] == 0.5


@pytest.mark.parametrize("bound", [None, 0.6])
def test_stacked_replicates_match_single_runs_bit_for_bit(bound):
    """The kernel on (n, R) arrays gives each column exactly the numbers of a 1-D run."""
    model = CyberBlocModel(rng=0, confidence_bound=bound)  # the real, dense network
    world, params, peers = model.world, model.params, model.peers
    R = 4
    rng = np.random.default_rng(1)
    noises = rng.normal(0, 0.01, size=(20, world.n, R))
    stacked = dynamics.initial_state(world, params, replicates=R)
    singles = [dynamics.initial_state(world, params) for _ in range(R)]
    flow = rng.uniform(0.0, 0.5, world.n)  # USD bn a month
    units = rng.integers(0, 4, world.n).astype(float)
    for t in range(20):
        stacked, _ = dynamics.step(stacked, world, params, peers, noises[t], flow, units)
        singles = [
            dynamics.step(s, world, params, peers, noises[t][:, r], flow, units)[0]
            for r, s in enumerate(singles)
        ]
    for r in range(R):
        assert np.array_equal(stacked.alignment[:, r], singles[r].alignment)
        assert np.array_equal(stacked.stock[:, r], singles[r].stock)


def test_simulation_with_stacked_generators_equals_separate_runs():
    """A sweep's stacked replicates reproduce single runs bit for bit, events and noise included."""
    from sim.engine.events import Sanction
    from sim.engine.simulation import Simulation

    template = CyberBlocModel(rng=0, collect_agent_data=False)
    world, params = template.world, template.params
    events = [
        SetOrgWeight(step=3, organisation="brics", weight=3.0),
        Sanction(step=5, target="IRN", intensity=2.0, duration=3),
        AttributionClaim(step=7, accuser="china", magnitude=0.5),
    ]
    seeds = [11, 12, 13]
    stacked = Simulation(world, params, events, [np.random.default_rng(s) for s in seeds])
    singles = [Simulation(world, params, events, np.random.default_rng(s)) for s in seeds]
    for _ in range(30):
        stacked.step()
        for single in singles:
            single.step()
    for r, single in enumerate(singles):
        assert np.array_equal(stacked.state.alignment[:, r], single.state.alignment)
        assert np.array_equal(stacked.state.threat_us[:, r], single.state.threat_us)

"""Metrics: formula values on inputs whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.engine.metrics import (
    assign_blocs,
    bimodality_coefficient,
    bloc_shares,
    emergent_blocs,
    esteban_ray,
    joint_response,
    switches,
)
from sim.engine.stance import StanceModel, at_least


def test_assign_blocs_thresholds_inclusive():
    x = np.array([-1.0, -0.3, -0.29, 0.0, 0.29, 0.3, 1.0])
    assert assign_blocs(x, -0.3, 0.3).tolist() == [-1, -1, 0, 0, 0, 1, 1]


def test_bloc_shares_sum_to_one_and_count():
    blocs = np.array([-1, -1, 0, 1])
    out = bloc_shares(
        blocs, population=np.array([1.0, 1.0, 2.0, 4.0]), gdp=np.array([5.0, 3.0, 1.0, 1.0])
    )
    assert (out["us_count"], out["nonaligned_count"], out["china_count"]) == (2, 1, 1)
    assert out["china_pop_share"] == 0.5
    assert out["us_gdp_share"] == 0.8
    assert sum(out[f"{b}_pop_share"] for b in ("us", "nonaligned", "china")) == pytest.approx(1.0)


def test_esteban_ray_extremes():
    assert esteban_ray(np.zeros(50)) == 0.0
    assert esteban_ray(np.r_[-np.ones(50), np.ones(50)]) == pytest.approx(1.0)
    # two groups nearer the middle are less polarised; unequal groups too
    assert esteban_ray(np.r_[-0.5 * np.ones(50), 0.5 * np.ones(50)]) < 0.6
    assert esteban_ray(np.r_[-np.ones(90), np.ones(10)]) < esteban_ray(
        np.r_[-np.ones(50), np.ones(50)]
    )


def test_esteban_ray_matches_direct_formula():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 193)
    counts, edges = np.histogram(x, bins=20, range=(-1, 1))
    pi, y = counts / 193, (edges[:-1] + edges[1:]) / 2
    direct = sum(pi[i] ** 2.6 * pi[j] * abs(y[i] - y[j]) for i in range(20) for j in range(20))
    maximum = 2 * 0.5**2.6 * 0.5 * (y[-1] - y[0])
    assert esteban_ray(x) == pytest.approx(direct / maximum, rel=1e-12)


def test_bimodality_coefficient_formula_and_shapes():
    rng = np.random.default_rng(1)
    x = rng.normal(size=500)
    n, g, k = len(x), stats.skew(x, bias=False), stats.kurtosis(x, bias=False)
    assert bimodality_coefficient(x) == pytest.approx(
        (g**2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    )
    assert bimodality_coefficient(x) < 5 / 9  # normal: unimodal, BC about 1/3
    two_peaks = np.r_[rng.normal(-0.7, 0.05, 250), rng.normal(0.7, 0.05, 250)]
    assert bimodality_coefficient(two_peaks) > 5 / 9
    assert np.isnan(bimodality_coefficient(np.ones(10)))


@pytest.mark.parametrize(
    ("centres", "expected"), [((0.0,), 1), ((-0.7, 0.7), 2), ((-0.8, 0.0, 0.8), 3)]
)
def test_emergent_blocs_count_separated_clusters(centres, expected):
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(c, 0.05, 60) for c in centres])
    found = emergent_blocs(np.clip(x, -1, 1), bandwidth=0.1)
    assert len(found.sizes) == expected
    assert found.sizes.sum() == len(x)
    assert np.allclose(np.sort(found.centres), centres, atol=0.05)


def test_emergent_blocs_ignore_tiny_outlier_groups():
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(0.0, 0.05, 190), [0.9, 0.95]]
    assert len(emergent_blocs(x, bandwidth=0.1).sizes) == 1


STANCE = StanceModel(
    alignment=-2.0,
    norm=-3.0,
    target_tie=-4.0,
    cut_no=-2.0,
    cut_abstain=1.0,
    target_effects={"PRK": 0.5, "IRN": -0.5},
)


def test_stance_probabilities_are_the_ordered_logit_formula():
    x, n, t = np.array([-1.0, 0.2, 1.0]), np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.1, 0.3])
    no, abstain, yes = STANCE.probabilities(x, n, t, "PRK")
    eta = -2.0 * x - 3.0 * n - 4.0 * t + 0.5
    logistic = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    assert np.allclose(no, logistic(-2.0 - eta))
    assert np.allclose(yes, 1.0 - logistic(1.0 - eta))
    assert np.allclose(no + abstain + yes, 1.0)
    assert (abstain > 0).all()
    # a target without recorded votes gets the mean target effect (0 here)
    no_new, _, _ = STANCE.probabilities(x, n, t, "XYZ")
    assert np.allclose(no_new, logistic(-2.0 - (eta - 0.5)))


def test_poisson_binomial_tail_matches_enumeration():
    p = np.array([0.1, 0.5, 0.9, 0.3])
    outcomes = np.array(np.meshgrid(*[[0, 1]] * 4)).reshape(4, -1).T
    weights = np.prod(np.where(outcomes == 1, p, 1 - p), axis=1)
    for k in range(5):
        assert at_least(p, k) == pytest.approx(weights[outcomes.sum(axis=1) >= k].sum())


def test_joint_response_expected_backing_and_security_council_outcome():
    iso3 = np.array(["USA", "GBR", "CHN", "RUS", "FRA", "PRK", "IND"])
    x = np.array([-1.0, -0.8, 1.0, 0.7, -0.6, 1.0, 0.0])
    norm = np.array([0.0, 0.1, 0.9, 0.9, 0.1, 1.0, 0.6])
    tie = np.zeros(7)
    gdp = np.array([25.0, 3.0, 18.0, 2.0, 3.0, 0.02, 3.0])
    veto = np.isin(iso3, ["USA", "GBR", "FRA", "RUS", "CHN"])
    out = joint_response(x, norm, tie, gdp, iso3, veto, target="PRK", stance=STANCE)
    no, _, yes = STANCE.probabilities(x, norm, tie, "PRK")
    others = iso3 != "PRK"
    assert out.support[~others] == 0.0  # the target never backs a measure against itself
    assert out.share_nations == pytest.approx(yes[others].mean())
    assert out.share_gdp == pytest.approx((yes * gdp)[others].sum() / gdp[others].sum())
    assert out.veto_holders == ("USA", "GBR", "CHN", "RUS", "FRA")
    assert np.allclose(out.veto_probabilities, no[veto])
    assert out.likely_vetoes == ("CHN", "RUS")
    # pass = no veto, and >= 9 yes among the 5 permanent (given no veto) and 10 elected (IND's)
    permanent_yes = yes[veto] / (1 - no[veto])
    expected = np.prod(1 - no[veto]) * at_least(np.r_[permanent_yes, [yes[6]] * 10], 9)
    assert out.pass_probability == pytest.approx(expected)
    assert out.pass_probability < 0.05
    # with everyone but the target turned toward the US side, the resolution becomes passable
    friendly = joint_response(
        np.where(others, -0.8, x), np.where(others, 0.0, norm), tie, gdp, iso3, veto, "PRK", STANCE
    )
    assert friendly.pass_probability > 0.5 and friendly.likely_vetoes == ()


def test_switches():
    assert switches(np.array([-1, 0, 1, 0]), np.array([-1, 1, 1, -1])) == 2


def test_binned_density_matches_the_direct_kernel_sum():
    from sim.engine.metrics import _binned_density

    rng = np.random.default_rng(4)
    x = np.clip(rng.normal(0.1, 0.4, 196), -1, 1)
    grid = np.linspace(-1, 1, 401)
    direct = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / 0.1) ** 2).sum(axis=1)
    assert np.abs(_binned_density(x, 0.1, 401) - direct).max() < 1e-3 * direct.max()


def test_elected_council_seats_come_from_un_members_only():
    """Palestine, Taiwan and Kosovo cannot sit on the Security Council: changing their stances
    must not change the pass probability."""
    from sim.mesa.model import CyberBlocModel

    model = CyberBlocModel(rng=0)
    sim = model.sim
    base = sim.joint_response().pass_probability
    for code in ("PSE", "TWN", "XKX"):
        sim.state.alignment[sim.world.idx(code)] = -1.0
        sim.state.norm[sim.world.idx(code)] = 0.0
    assert sim.joint_response().pass_probability == base
    sim.state.alignment[sim.world.idx("IND")] = -1.0  # a UN member's stance does count
    sim.state.norm[sim.world.idx("IND")] = 0.0
    assert sim.joint_response().pass_probability != base

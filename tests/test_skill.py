"""Known values of the forecast scores and baselines (sim/history/skill.py)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from sim.history import skill


def test_rmse_and_rank_correlation_known_values():
    assert skill.rmse(np.array([0.0, 0.0, 3.0]), np.array([0.0, 4.0, 3.0])) == np.sqrt(16 / 3)
    assert skill.rank_correlation(np.array([1, 2, 3.0]), np.array([10, 20, 30.0])) == 1.0
    assert skill.rank_correlation(np.array([1, 2, 3.0]), np.array([3, 2, 1.0])) == -1.0
    # persistence predicts no change: no ranking, no rank skill
    assert np.isnan(skill.rank_correlation(np.zeros(3), np.array([1, 2, 3.0])))
    # missing observations are left out
    assert skill.rmse(np.array([1.0, 5.0]), np.array([1.0, np.nan])) == 0.0


def test_crps_of_a_point_is_its_absolute_error_and_of_two_members_the_textbook_value():
    obs = np.array([0.0, 1.0])
    assert np.isclose(skill.crps(np.array([0.5, 1.0]), obs), 0.25)
    # CRPS = E|X - y| - E|X - X'| / 2 = 1 - 0.5 for members {-1, 1} around y = 0
    assert np.isclose(skill.crps(np.array([[-1.0, 1.0]]), np.array([0.0])), 0.5)


def test_crps_equals_the_integral_of_the_squared_cdf_difference():
    """An independent route: CRPS(F, y) = integral of (F(x) - 1{x >= y})^2 dx with F the
    ensemble's step CDF, integrated exactly between the sorted members and y. A hand case:
    members {0, 1, 3}, y = 2: (1/3)^2 * 1 + (2/3)^2 * 1 + (1 - 2/3)^2 * 1 = 6/9."""
    assert np.isclose(skill.crps(np.array([[0.0, 1.0, 3.0]]), np.array([2.0])), 6 / 9)
    rng = np.random.default_rng(4)
    members, observed = rng.normal(size=(5, 7)), rng.normal(size=5)
    exact = []
    for row, y in zip(members, observed, strict=True):
        points = np.sort(np.append(row, y))
        total = 0.0
        for a, b in itertools.pairwise(points):
            cdf = np.mean(row <= a)
            total += (cdf - float(a >= y)) ** 2 * (b - a)
        exact.append(total)
    assert np.isclose(skill.crps(members, observed), np.mean(exact))
    # a missing observation is left out, not scored as zero
    observed[2] = np.nan
    assert np.isclose(skill.crps(members, observed), np.mean(np.delete(exact, 2)))


def test_coverage_counts_observations_inside_the_central_interval():
    members = np.tile(np.linspace(-1, 1, 101), (4, 1))
    obs = np.array([0.0, 0.85, 0.95, -2.0])
    assert skill.coverage(members, obs, 0.9) == 0.5  # 0 and 0.85 inside [-0.9, 0.9]


def test_skill_against_baseline():
    assert skill.skill(0.5, 1.0) == 0.5
    assert skill.skill(2.0, 1.0) == -1.0


def test_baselines_extend_history_as_defined():
    history = np.array([[0.0, 0.5, np.nan], [0.1, 0.5, 0.2], [0.2, 0.5, np.nan]])
    assert np.array_equal(
        skill.persistence(history[-1], 2), np.tile(history[-1], (2, 1)), equal_nan=True
    )
    trend = skill.linear_trend(history, np.array([1.0, 2.0, 3.0]))
    assert np.allclose(trend[:, 0], [0.3, 0.4, 0.5])
    assert np.allclose(trend[:, 1], 0.5)
    assert np.allclose(trend[:, 2], 0.2)  # one observed year: carried forward
    groups = np.array(["a", "a", "b"])
    drift = skill.regional_drift(history, groups, np.array([1.0, 2.0]))
    # region a: mean yearly change of nations 0 (0.1) and 1 (0.0) = 0.05; nation 2 has none
    assert np.allclose(drift[:, 0], [0.25, 0.3])
    assert np.allclose(drift[:, 1], [0.55, 0.6])
    assert np.isnan(drift[:, 2]).all()  # no last value to start from
    # fractional horizons lie on the same lines
    assert np.allclose(skill.linear_trend(history, np.array([0.5]))[0, 0], 0.25)
    assert np.allclose(skill.regional_drift(history, groups, np.array([0.5]))[0, 0], 0.225)


def test_rank_correlation_treats_forecasts_equal_up_to_rounding_as_ties():
    # a regional drift: every nation moves by the same 0.1, but (start + 0.1) - start is not
    # exactly 0.1 for every start, so unrounded ranks would order float noise
    start = np.array([0.1, 0.7, -0.33, 0.2, 0.9])
    change = (start + 0.1) - start
    assert np.ptp(change) > 0  # the noise is really there
    observed = np.array([5.0, 1.0, 4.0, 2.0, 3.0])
    assert np.isnan(skill.rank_correlation(change, observed))  # all tied: no ranking
    two_regions = np.where(np.arange(5) < 2, change, change + 0.05)
    expected = stats.spearmanr([0, 0, 1, 1, 1], observed).statistic
    assert skill.rank_correlation(two_regions, observed) == pytest.approx(expected)


def test_mean_reversion_recovers_a_known_rate_and_extrapolates_it():
    """A history made by exact reversion at kappa = 0.2 toward a common mean that itself moves
    (every nation shifted by +0.05 a year: the common part the rate must ignore)."""
    start = np.array([-0.6, -0.1, 0.3, 0.8])
    rows = [start]
    for _ in range(4):
        previous = rows[-1]
        rows.append(previous - 0.2 * (previous - previous.mean()) + 0.05)
    history = np.array(rows)
    assert skill.reversion_rate(history) == pytest.approx(0.2)
    forecast = skill.mean_reversion(history, np.array([1.0, 2.0]))
    centre = history[-1].mean()
    gap = history[-1] - centre
    assert forecast[0] == pytest.approx(centre + 0.8 * gap)
    assert forecast[1] == pytest.approx(centre + 0.64 * gap)
    # no history to learn from: persistence
    assert skill.reversion_rate(history[-1:]) == 0.0
    assert np.allclose(skill.mean_reversion(history[-1:], np.array([3.0]))[0], history[-1])
    # a missing nation-year is left out of the fit, not read as zero
    holed = history.copy()
    holed[2, 1] = np.nan
    assert skill.reversion_rate(holed) == pytest.approx(0.2, abs=0.05)

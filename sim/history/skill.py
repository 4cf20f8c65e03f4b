"""Scores of a forecast against what happened, and the simple baselines it must beat.

Why a module of its own: the hindcast (issue "dynamics that hold up against history"), the
validation table and the forecasts all judge predictions the same way, so the scores are written
once. Conventions follow docs/validation.md and /shared/guides/validation.md:

* level scores compare predicted and observed alignment per nation at a date;
* change scores compare predicted and observed *changes since the start*, which is where a model
  earns its keep (persistence predicts no change and is hard to beat on levels);
* skill = 1 - score(model) / score(baseline): > 0 beats the baseline, < 0 loses to it;
* ensembles are scored with the CRPS (continuous ranked probability score; Gneiting & Raftery
  2007), computed by ``scoringrules`` (its energy-form estimator,
  E|X - y| - E|X - X'| / 2 over the members), and interval coverage.

Everything is a pure function of arrays: rows are nations, an optional last axis ensemble members.
"""

from __future__ import annotations

import numpy as np


def rmse(predicted: np.ndarray, observed: np.ndarray) -> float:
    """Root-mean-square error over the nations with an observation."""
    predicted, observed = _pair(predicted, observed)
    return float(np.sqrt(np.mean((predicted - observed) ** 2)))


def rank_correlation(predicted: np.ndarray, observed: np.ndarray) -> float:
    """Spearman's rank correlation (NaN when either side is constant, e.g. persistence's zero
    changes: a forecast with no ranking has no rank skill).

    Values are rounded to 1e-9 first: forecasts that are equal in exact arithmetic (a regional
    drift moves every nation of a region by the same amount) differ by float rounding once a start
    value is subtracted, and ranking that noise made the score depend on summation order.
    """
    predicted, observed = _pair(predicted, observed)
    predicted, observed = np.round(predicted, 9), np.round(observed, 9)
    if np.ptp(predicted) == 0.0 or np.ptp(observed) == 0.0:
        return float("nan")
    from scipy import stats  # here: scipy.stats costs 0.35 s of start-up for every command

    return float(stats.spearmanr(predicted, observed).statistic)


def crps(ensemble: np.ndarray, observed: np.ndarray) -> float:
    """Mean CRPS of an ensemble forecast (nations x members) against observations (nations).

    With one member the CRPS is the absolute error, so point forecasts (the baselines) are
    scored on the same scale as ensembles.
    """
    ensemble = np.asarray(ensemble, dtype=float)
    if ensemble.ndim == 1:
        ensemble = ensemble[:, None]
    observed = np.asarray(observed, dtype=float)
    keep = ~np.isnan(observed)
    import scoringrules  # here: 0.4 s of import, paid only by commands that score

    scores = scoringrules.crps_ensemble(observed[keep], ensemble[keep], m_axis=-1, estimator="nrg")
    return float(np.mean(scores))


def coverage(ensemble: np.ndarray, observed: np.ndarray, level: float) -> float:
    """Share of observations inside the ensemble's central ``level`` interval (e.g. 0.9)."""
    ensemble = np.asarray(ensemble, dtype=float)
    observed = np.asarray(observed, dtype=float)
    keep = ~np.isnan(observed)
    lo, hi = np.quantile(ensemble[keep], [(1 - level) / 2, (1 + level) / 2], axis=-1)
    inside = (observed[keep] >= lo) & (observed[keep] <= hi)
    return float(inside.mean())


def skill(score: float, baseline_score: float) -> float:
    """1 - score / baseline: the share of the baseline's error the forecast removes."""
    if baseline_score == 0.0:
        return float("nan")
    return 1.0 - score / baseline_score


def persistence(start: np.ndarray, horizons: int) -> np.ndarray:
    """No change: every later date predicted at the start value (horizons x nations)."""
    return np.repeat(np.asarray(start, dtype=float)[None, :], horizons, axis=0)


def linear_trend(history: np.ndarray, horizons: np.ndarray) -> np.ndarray:
    """Each nation's least-squares line through its yearly history (years x nations, last row =
    the start), extended to ``horizons`` (years ahead, may be fractional): horizons x nations.

    Nations with fewer than two observed years keep their last value.
    """
    history = np.asarray(history, dtype=float)
    ahead = np.asarray(horizons, dtype=float)
    years = np.arange(-(len(history) - 1), 1, dtype=float)  # start at 0
    out = np.empty((len(ahead), history.shape[1]))
    for i in range(history.shape[1]):
        seen = ~np.isnan(history[:, i])
        if seen.sum() < 2:
            out[:, i] = history[seen, i][-1] if seen.any() else np.nan
            continue
        slope, intercept = np.polyfit(years[seen], history[seen, i], 1)
        out[:, i] = intercept + slope * ahead
    return np.clip(out, -1.0, 1.0)


def regional_drift(history: np.ndarray, groups: np.ndarray, horizons: np.ndarray) -> np.ndarray:
    """A regional random walk with drift: each nation starts at its own last value and moves by
    its region's mean yearly change over the history, to ``horizons`` years ahead."""
    history = np.asarray(history, dtype=float)
    ahead = np.asarray(horizons, dtype=float)[:, None]
    drift = np.zeros(history.shape[1])
    if len(history) >= 2:
        steps = np.diff(history, axis=0)
        seen = (~np.isnan(steps)).sum(axis=0)
        yearly = np.where(seen > 0, np.nansum(steps, axis=0) / np.maximum(seen, 1), np.nan)
        for group in np.unique(groups):
            members = (groups == group) & np.isfinite(yearly)
            if members.any():
                drift[groups == group] = yearly[members].mean()
    return np.clip(history[-1][None, :] + ahead * drift[None, :], -1.0, 1.0)


def reversion_rate(history: np.ndarray) -> float:
    """The yearly rate kappa at which nations close their gap to the cross-section mean, fitted on
    a history (years x nations) by pooled least squares through the origin:

        x_i(t+1) - x_i(t) = -kappa (x_i(t) - xbar(t)) + e_i(t),   xbar(t) the mean of year t

    (the changes' common part, every nation moving together, is what the cross-section mean
    absorbs). 0 when the history has fewer than two years; kappa may come out negative
    (divergence), which the forecast then extrapolates as it was seen."""
    history = np.asarray(history, dtype=float)
    if len(history) < 2:
        return 0.0
    gap = history[:-1] - np.nanmean(history[:-1], axis=1, keepdims=True)
    step = np.diff(history, axis=0) - np.nanmean(np.diff(history, axis=0), axis=1, keepdims=True)
    keep = np.isfinite(gap) & np.isfinite(step)
    denominator = float((gap[keep] ** 2).sum())
    if denominator == 0.0:
        return 0.0
    return float(-(gap[keep] * step[keep]).sum() / denominator)


def mean_reversion(history: np.ndarray, horizons: np.ndarray) -> np.ndarray:
    """Each nation drifts toward the cross-section mean of the start at the rate seen before
    it (``reversion_rate`` of ``history``, years x nations, last row = the start):

        xhat_i(h) = xbar(0) + (x_i(0) - xbar(0)) (1 - kappa)^h

    horizons (years ahead, may be fractional) x nations; the baseline the validation guide asks
    for beside persistence (a state's distance from the pack shrinks, nothing else moves)."""
    history = np.asarray(history, dtype=float)
    ahead = np.asarray(horizons, dtype=float)[:, None]
    kappa = reversion_rate(history)
    start = history[-1]
    centre = np.nanmean(start)
    factor = np.power(max(1.0 - kappa, 0.0), ahead)
    return np.clip(centre + (start[None, :] - centre) * factor, -1.0, 1.0)


def _pair(predicted: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    predicted = np.asarray(predicted, dtype=float).ravel()
    observed = np.asarray(observed, dtype=float).ravel()
    keep = ~(np.isnan(predicted) | np.isnan(observed))
    return predicted[keep], observed[keep]

"""The posterior of a calibration as parameter values: the base parameters it perturbs, draws
by weight, and the weighted median that becomes a default. Shared by the calibration run, its
validation, the forecasts and the figures, so each reads the posterior the same way."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.params import ModelParams
from sim.inputs.calibration import Calibration


def base_parameters(spec: Calibration) -> ModelParams:
    """The parameters of the calibration's base scenario: what every candidate changes."""
    from sim.inputs.scenario import load_scenario

    return load_scenario(spec.base).scenario.parameters


def draws(posterior: pd.DataFrame, names: list[str], count: int, seed: int) -> list[dict]:
    """``count`` parameter sets drawn from the weighted posterior."""
    rng = np.random.default_rng(seed)
    weights = posterior["weight"].to_numpy() / posterior["weight"].sum()
    rows = rng.choice(len(posterior), size=count, p=weights)
    return [{n: float(posterior.at[r, n]) for n in names} for r in rows]


def point_estimate(posterior: pd.DataFrame, names: list[str]) -> dict[str, float]:
    """The weighted median of each parameter's marginal posterior: the point estimate that
    becomes a default (sim/engine/params.py). Why the median: it is invariant to the log scale of the
    rate priors, and a skewed marginal (a rate piled near its lower bound) keeps its bulk."""
    weights = posterior["weight"].to_numpy(dtype=float)
    out = {}
    for name in names:
        values = posterior[name].to_numpy(dtype=float)
        order = np.argsort(values, kind="stable")
        cumulative = np.cumsum(weights[order]) / weights.sum()
        out[name] = float(values[order][np.searchsorted(cumulative, 0.5)])
    return out


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels: list[float]) -> np.ndarray:
    """Quantiles of a weighted sample: the first value whose cumulative weight reaches each
    level (values sorted ascending, weights normalised)."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return values[order][np.searchsorted(cumulative, levels)]


def posterior_summary(posterior: pd.DataFrame, spec: Calibration) -> pd.DataFrame:
    """One row per fitted parameter: its prior (in words), the weighted posterior mean and the
    5% and 95% weighted quantiles (the 90% interval ``calibrate`` prints)."""
    weights = posterior["weight"].to_numpy()
    rows = []
    for name, prior in spec.priors.items():
        values = posterior[name].to_numpy()
        lo, hi = weighted_quantiles(values, weights, [0.05, 0.95])
        rows.append(
            {
                "parameter": name,
                "prior": f"{prior.distribution} [{prior.low:g}, {prior.high:g}]",
                "mean": float(np.average(values, weights=weights)),
                "p05": float(lo),
                "p95": float(hi),
            }
        )
    return pd.DataFrame(rows, columns=["parameter", "prior", "mean", "p05", "p95"])

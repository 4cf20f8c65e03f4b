"""Figures of a calibration: marginal posteriors against priors, the most correlated pairs, and
the posterior-predictive hindcast of the training window by region and for named nations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.history.calibrate.posterior import draws
from sim.history.calibrate.target import Target
from sim.history.hindcast import Hindcast
from sim.inputs.calibration import Calibration
from sim.present.figures.hindcast import region_figure

NAMED = ("RUS", "IND", "BRA", "ZAF", "NGA", "EGY", "SAU", "TUR", "IDN", "PHL")
DRAWS = 60


def _figure(width: float, height: float):
    """A Figure without pyplot (nothing global kept alive) whose layout keeps every title and
    label clear of the other panels."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _save(fig, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110)


def marginals(spec: Calibration, posterior: pd.DataFrame, path: Path) -> None:
    _save(marginals_figure(spec, posterior), path)


def marginals_figure(spec: Calibration, posterior: pd.DataFrame):
    """Each parameter's weighted posterior histogram against its prior density."""
    from sim.present.viz.colors import NO_BLOC

    names = list(spec.priors)
    fig = _figure(3.0 * len(names), 2.8)
    axes = fig.subplots(1, len(names), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        prior = spec.priors[name]
        log = prior.distribution == "loguniform"
        edges = (
            np.geomspace(prior.low, prior.high, 21)
            if log
            else np.linspace(prior.low, prior.high, 21)
        )
        ax.hist(
            posterior[name],
            bins=edges,
            weights=posterior["weight"],
            density=True,
            color=NO_BLOC,  # a parameter is no side's: not blue
            alpha=0.8,
            label="posterior",
        )
        width = np.log(prior.high / prior.low) if log else prior.high - prior.low
        grid = (
            np.geomspace(prior.low, prior.high, 100)
            if log
            else np.linspace(prior.low, prior.high, 100)
        )
        density = 1 / (grid * width) if log else np.full_like(grid, 1 / width)
        ax.plot(grid, density, color="#dd8452", label="prior")
        if log:
            ax.set_xscale("log")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"{spec.name}: marginal posteriors (bars) against priors (line)", fontsize=10)
    return fig


def pairs(spec: Calibration, posterior: pd.DataFrame, path: Path, top: int = 3) -> None:
    _save(pairs_figure(spec, posterior, top), path)


def pairs_figure(spec: Calibration, posterior: pd.DataFrame, top: int = 3):
    """Scatter plots of the ``top`` most correlated parameter pairs (weighted correlation)."""
    from sim.present.viz.colors import NO_BLOC

    names = list(spec.priors)
    pairs_found = []
    w = posterior["weight"].to_numpy()
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            c = np.cov(posterior[a], posterior[b], aweights=w)
            r = c[0, 1] / np.sqrt(c[0, 0] * c[1, 1]) if c[0, 0] > 0 and c[1, 1] > 0 else 0.0
            pairs_found.append((abs(r), r, a, b))
    chosen = sorted(pairs_found, reverse=True)[:top] or []
    fig = _figure(max(3.2 * len(chosen), 4.8), 3.0)  # one panel: still room for the title
    axes = fig.subplots(1, max(len(chosen), 1), squeeze=False)
    for ax, (_, r, a, b) in zip(axes[0], chosen, strict=False):
        ax.scatter(posterior[a], posterior[b], s=8 + 200 * w / w.max(), alpha=0.5, color=NO_BLOC)
        ax.set_xlabel(a, fontsize=8)
        ax.set_ylabel(b, fontsize=8)
        ax.set_title(f"r = {r:+.2f}", fontsize=9)
        ax.tick_params(labelsize=7)
    fig.suptitle("Most correlated parameter pairs in the posterior", fontsize=10)
    return fig


def predictive(spec: Calibration, posterior: pd.DataFrame, target: Target, path: Path) -> None:
    """Posterior-predictive changes since the window's start: regions and named nations."""
    sims = np.stack(
        [
            target.simulate(theta, 1)[..., 0]
            for theta in draws(posterior, list(spec.priors), DRAWS, spec.seed)
        ],
        axis=-1,
    )  # dates x scored x draws
    _save(predictive_figure(spec.name, target, sims), path)


def predictive_figure(name: str, target: Target, sims: np.ndarray):
    """The figure of ``predictive`` from simulated changes ``sims`` (dates x scored x draws).
    Observed changes in OBSERVED (near-black: the observed history is neither side's)."""
    from sim.present.viz.colors import OBSERVED

    when = [target.start, *target.dates]
    regions = np.unique(target.regions)
    iso3 = target.world.iso3[target.scored]
    named = [c for c in NAMED if c in set(iso3)]
    fig = _figure(16, 6.5)
    axes = fig.subplots(2, max(len(regions), len(named) // 2), squeeze=False)
    for ax, region in zip(axes[0], regions, strict=False):
        rows = target.regions == region
        sim_mean = sims[:, rows, :].mean(axis=1)
        lo, hi = np.quantile(sim_mean, [0.05, 0.95], axis=1)
        obs = target.observed_change[:, rows].mean(axis=1)
        ax.fill_between(
            when, [0, *lo], [0, *hi], color="#999999", alpha=0.4, label="posterior 5-95%"
        )
        ax.plot(when, [0, *obs], "o-", color=OBSERVED, label="observed", gid="observed")
        ax.axhline(0, color="#555555", lw=0.8, ls=":")
        ax.set_title(f"{region}: mean change", fontsize=9)
        ax.tick_params(labelsize=7, axis="both")
        ax.tick_params(axis="x", labelrotation=45)
    for ax, code in zip(axes[1], named[: axes.shape[1]], strict=False):
        col = int(np.flatnonzero(iso3 == code)[0])
        lo, hi = np.quantile(sims[:, col, :], [0.05, 0.95], axis=1)
        ax.fill_between(when, [0, *lo], [0, *hi], color="#999999", alpha=0.4)
        ax.plot(when, [0, *target.observed_change[:, col]], "o-", color=OBSERVED, gid="observed")
        ax.axhline(0, color="#555555", lw=0.8, ls=":")
        ax.set_title(f"{code}: change", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.tick_params(axis="x", labelrotation=45)
    axes[0][0].legend(fontsize=7)
    axes[0][0].set_ylabel("alignment change (China +)")
    fig.suptitle(f"{name}: posterior predictive vs observed, {target.start}..{target.dates[-1]}")
    return fig


def figures(spec: Calibration, folder: Path, posterior: pd.DataFrame, target: Target) -> None:
    marginals(spec, posterior, folder / "marginals.png")
    if len(spec.priors) > 1:
        pairs(spec, posterior, folder / "pairs.png")
    predictive(spec, posterior, target, folder / "predictive.png")


def write_figures(
    spec: Calibration,
    folder: Path,
    posterior: pd.DataFrame,
    target: Target,
    validation: Hindcast | None,
) -> None:
    """Every figure of a finished calibration (``run_calibration(figures=write_figures)``): the
    posterior's and, with a validation window, the held-out hindcast by region."""
    figures(spec, folder, posterior, target)
    if validation is not None:
        region_figure(validation, folder / "validation_regions.png")

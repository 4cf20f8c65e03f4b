"""Figures of a hindcast: observed against simulated mean alignment by region."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.history.hindcast import Hindcast


def region_figure(result: Hindcast, path: Path) -> Path:
    """Write ``regions_figure`` as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = regions_figure(result)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=120)
    return path


def regions_figure(result: Hindcast):
    """Observed vs simulated mean alignment by region over the scored dates (with the model's
    5-95% band across replicates and persistence), one panel per region. Observed history in
    OBSERVED (near-black, no side's colour), the model in NO_BLOC (a region is no bloc)."""
    from matplotlib.figure import Figure

    from sim.present.viz.colors import NO_BLOC, OBSERVED

    regions = sorted(set(result.region))
    fig = Figure(figsize=(3.2 * len(regions), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(regions), sharey=True))
    when = [result.start, *result.dates]
    keep = result.scored
    for ax, region in zip(axes, regions, strict=True):
        rows = keep & (result.region == region)
        start = result.initial[rows].mean()
        obs_mean = [start, *np.nanmean(result.observed[:, rows], axis=1)]
        member_means = result.ensemble[:, rows, :].mean(axis=1)  # dates x replicates
        mean = [start, *member_means.mean(axis=1)]
        lo = [start, *np.quantile(member_means, 0.05, axis=1)]
        hi = [start, *np.quantile(member_means, 0.95, axis=1)]
        ax.fill_between(when, lo, hi, color=NO_BLOC, alpha=0.2, lw=0, label="model 5-95%")
        ax.plot(when, mean, color=NO_BLOC, label="model mean", gid="model")
        ax.plot(when, obs_mean, "o-", color=OBSERVED, label="observed", gid="observed")
        ax.axhline(start, color="#999999", ls=":", lw=1, label="persistence")
        ax.set_title(f"{region} ({int(rows.sum())})", fontsize=10)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    axes[0].set_ylabel("mean alignment (US -1 ... China +1)")
    axes[-1].legend(fontsize=7, loc="best")
    fig.suptitle(f"Hindcast from {result.start.isoformat()}: observed vs simulated by region")
    return fig

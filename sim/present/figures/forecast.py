"""Figure of a forecast: the outcomes' median and 50%/90% bands every 1 January."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.studies.forecast import Forecast


def figure(result: Forecast, path: Path, title: str) -> None:
    """Write ``forecast_figure`` as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = forecast_figure(result, title)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110)


#: (outcome, bloc key) of the bloc-size panel: each bloc in its own colour (sim.present.viz.colors).
BLOC_SERIES = (
    ("china_bloc_count", "china"),
    ("us_bloc_count", "us"),
    ("nonaligned_bloc_count", "nonaligned"),
)


def _bands(ax, when, q: pd.DataFrame, name: str, colour: str, label: str, gid: str) -> None:
    """90% and 50% intervals shaded, the median as a line (gid: what the series is)."""
    ax.fill_between(when, q[("q05", name)], q[("q95", name)], color=colour, alpha=0.15, lw=0)
    ax.fill_between(when, q[("q25", name)], q[("q75", name)], color=colour, alpha=0.3, lw=0)
    ax.plot(when, q[("q50", name)], color=colour, label=label, gid=gid)


def forecast_figure(result: Forecast, title: str):
    """Bloc sizes (each bloc in its colour: China-led red, US-led blue, non-aligned grey), the
    joint-response support and the Security Council pass probability (no bloc's: NO_BLOC), as
    medians with 50% and 90% intervals. Matplotlib without pyplot: nothing global kept alive."""
    from dataclasses import replace

    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from sim.present.viz.colors import BLOC_COLOURS as BY_CODE
    from sim.present.viz.colors import BLOC_KEYS, BLOC_LABELS, NO_BLOC

    colours = {key: BY_CODE[code] for code, key in BLOC_KEYS.items()}
    labels = {key: BLOC_LABELS[code] for code, key in BLOC_KEYS.items()}
    members = result.outcomes
    counts = members["china_bloc_count"] + members["us_bloc_count"]
    members = members.assign(nonaligned_bloc_count=len(result.iso3) - counts)
    q = replace(result, outcomes=members).quantiles()
    when = pd.to_datetime(q.index)
    fig = Figure(figsize=(13, 3.8), layout="constrained")  # titles never overlap a panel
    axes = fig.subplots(1, 3)
    for name, key in BLOC_SERIES:
        _bands(axes[0], when, q, name, colours[key], labels[key], key)
    axes[0].set_title("bloc size (nations)", fontsize=10)
    axes[0].legend(fontsize=7, loc="upper left")
    others = [
        ("joint_response_support", "joint-response support (share)"),
        ("unsc_pass_probability", "Security Council pass probability"),
    ]
    for ax, (name, label) in zip(axes[1:], others, strict=True):
        _bands(ax, when, q, name, NO_BLOC, "median", name)
        ax.set_title(label, fontsize=10)
    for ax in axes:
        ax.tick_params(labelsize=8)
    intervals = [
        Patch(color=NO_BLOC, alpha=0.15, label="90% interval"),
        Patch(color=NO_BLOC, alpha=0.3, label="50% interval"),
    ]
    axes[1].legend(handles=[*axes[1].get_legend_handles_labels()[0], *intervals], fontsize=7)
    fig.suptitle(title, fontsize=10)
    return fig

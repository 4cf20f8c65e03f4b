"""Figure of a comparison: each scenario's outcomes over time with their ranges, one fixed colour
per scenario (never the blocs' blue or red)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

#: One fixed colour per library scenario, wherever and in whatever order it is drawn; none is
#: the US-led bloc's blue or the China-led bloc's red (those mean the blocs in every figure).
SCENARIO_COLOURS = {
    "baseline": "#333333",
    "null": "#999999",
    "us_max_pressure": "#2a9d8f",
    "us_max_pressure_no_backlash": "#80cdc1",
    "digital_silk_road_surge": "#e9a23b",
    "brics_cyber_agenda": "#6d597a",
    "brics_enlargement": "#b5838d",
    "sco_expansion": "#8c6d31",
    "five_eyes_cohesion": "#4d9221",
    "nato_nordic_accession": "#a6d96a",
    "dprk_joint_response": "#c51b7d",
    "bounded_confidence": "#7570b3",
    "hindcast": "#66a61e",
}


#: Other scenarios: a colour picked by a checksum of the name (stable across runs).
PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#a6761d", "#666666", "#e6ab02")


def scenario_colour(name: str) -> str:
    """The colour a scenario is drawn in, in every comparison figure."""
    import zlib

    return SCENARIO_COLOURS.get(name) or PALETTE[zlib.crc32(name.encode()) % len(PALETTE)]


def figure(table: pd.DataFrame, path: Path, interval: str = "across seeds") -> None:
    """Bands over time, one colour per scenario, for the bloc size and the joint response."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = compare_figure(table, interval)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110)


def compare_figure(table: pd.DataFrame, interval: str = "across seeds"):
    """The figure of ``figure`` (matplotlib without pyplot: nothing global kept alive)."""
    from matplotlib.figure import Figure

    panels = [
        ("china_bloc_count", "China-led bloc (nations)"),
        ("china_bloc_gdp_share", "China-led bloc, share of world GDP"),
        ("joint_response_support", "joint-response support (share of nations)"),
    ]
    fig = Figure(figsize=(14, 3.8), layout="constrained")
    axes = fig.subplots(1, 3)
    for name, rows in table.groupby("scenario", sort=False):
        colour = scenario_colour(str(name))
        when = pd.to_datetime(rows["date"])
        for ax, (outcome, _) in zip(axes, panels, strict=True):
            ax.fill_between(
                when, rows[f"{outcome}_lo"], rows[f"{outcome}_hi"], color=colour, alpha=0.2
            )
            ax.plot(when, rows[f"{outcome}_mean"], color=colour, label=str(name), gid=str(name))
    for ax, (_, label) in zip(axes, panels, strict=True):
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("date", fontsize=8)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Scenarios compared: mean and 95% range {interval}", fontsize=10)
    return fig

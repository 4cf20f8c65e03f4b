"""Compare scenarios with intervals: each scenario run for N seeds, outcomes every 1 January.

Why: a single seed printed as a result says nothing about what is noise. ``run.py compare A B
--replicates N`` steps each scenario's N seeds as one stacked array (sim.simulation: same
parameters, one generator per column, seeds from the scenario's seed and the replicate number
as in sweeps), and reports the mean and the 2.5-97.5% range across seeds of the China-led and
US-led bloc sizes, the China-led bloc's GDP share, the joint-response support and the Security
Council pass probability. Parameter uncertainty is not included: ``forecast`` draws parameters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.metrics import assign_blocs
from sim.scenario import ResolvedScenario
from sim.simulation import Simulation
from sim.sweep.seeds import run_generator
from sim.world import World

OUTCOMES = (
    "china_bloc_count",
    "us_bloc_count",
    "china_bloc_gdp_share",
    "joint_response_support",
    "unsc_pass_probability",
)
#: One fixed colour per scenario position (the same order gives the same colours everywhere).
PALETTE = ("#8c1c13", "#1f4e9c", "#2a9d8f", "#e9a23b", "#6d597a", "#555555", "#b5838d")


def run_replicates(resolved: ResolvedScenario, replicates: int) -> pd.DataFrame:
    """One row per (replicate, date) with the OUTCOMES."""
    s = resolved.scenario
    world = World.from_frame(resolved.nations)
    rngs = [run_generator(s.seed, 0, r) for r in range(replicates)]
    sim = Simulation(world, s.parameters, s.events, rngs)
    steps = sorted({*range(0, s.steps + 1, 12), s.steps})
    start = np.datetime64(s.start.isoformat()[:7], "M")
    rows = []
    for step in steps:
        while sim.step_index < step:
            sim.step()
        p = sim.params
        blocs = assign_blocs(sim.state.alignment, p.us_bloc_threshold, p.china_bloc_threshold)
        gdp = sim.world.gdp_usd
        when = str((start + step).astype("datetime64[D]"))
        for r in range(replicates):
            response = sim.joint_response(r)
            column = blocs[:, r]
            rows.append(
                {
                    "scenario": s.name,
                    "replicate": r,
                    "date": when,
                    "china_bloc_count": int((column == 1).sum()),
                    "us_bloc_count": int((column == -1).sum()),
                    "china_bloc_gdp_share": float(gdp[column == 1].sum() / gdp.sum()),
                    "joint_response_support": response.share_nations,
                    "unsc_pass_probability": response.pass_probability,
                }
            )
    return pd.DataFrame(rows)


def summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and date: mean, 2.5% and 97.5% of each outcome across replicates."""
    grouped = runs.groupby(["scenario", "date"], sort=False)[list(OUTCOMES)]
    out = pd.concat(
        {"mean": grouped.mean(), "lo": grouped.quantile(0.025), "hi": grouped.quantile(0.975)},
        axis=1,
    )
    out.columns = [f"{outcome}_{stat}" for stat, outcome in out.columns]
    return out.reset_index()


def figure(table: pd.DataFrame, path: Path) -> None:
    """Bands over time, one colour per scenario, for the bloc size and the joint response."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("china_bloc_count", "China-led bloc (nations)"),
        ("china_bloc_gdp_share", "China-led bloc, share of world GDP"),
        ("joint_response_support", "joint-response support (share of nations)"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    for i, (name, rows) in enumerate(table.groupby("scenario", sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        when = pd.to_datetime(rows["date"])
        for ax, (outcome, _) in zip(axes, panels, strict=True):
            ax.fill_between(
                when, rows[f"{outcome}_lo"], rows[f"{outcome}_hi"], color=colour, alpha=0.2
            )
            ax.plot(when, rows[f"{outcome}_mean"], color=colour, label=str(name))
    for ax, (_, label) in zip(axes, panels, strict=True):
        ax.set_title(label, fontsize=10)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=7)
    fig.suptitle("Scenarios compared: mean and 95% range across seeds", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

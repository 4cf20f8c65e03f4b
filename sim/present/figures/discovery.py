"""Scenario discovery's files: the peeling trajectory, the chosen box, its summary and the
coverage-density trade-off figure."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sim.studies.sweep.discovery import Discovery


def write_discovery(result: Discovery, folder: Path) -> list[Path]:
    """peeling_trajectory.csv, box.csv, discovery.json (the condition and the chosen box's
    coverage and density) and the trade-off figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "peeling_trajectory.csv", folder / "box.csv", folder / "tradeoff.png"]
    result.trajectory.to_csv(paths[0], index_label="step")
    result.box.to_csv(paths[1], index_label="parameter")
    step = result.trajectory.iloc[result.chosen]
    summary = {  # what the box answers, for readers of the folder (run.py report shows it)
        "condition": result.condition,
        "cases": result.cases,
        "runs": result.runs,
        "chosen_step": result.chosen,
        "coverage": float(step["coverage"]),
        "density": float(step["density"]),
    }
    (folder / "discovery.json").write_text(json.dumps(summary, indent=2) + "\n")
    paths.append(folder / "discovery.json")
    fig = tradeoff_figure(result)
    FigureCanvasAgg(fig)
    fig.savefig(paths[2], dpi=110)
    return paths


def tradeoff_figure(result: Discovery):
    """PRIM's peeling trajectory (coverage against density), the reported box ringed."""
    from matplotlib.colors import BoundaryNorm
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5, 4.2), layout="constrained")
    ax = fig.subplots()
    # a count: one colour per whole number, ticks on whole numbers (not 0.25, 0.5, ...)
    top = int(result.trajectory["res_dim"].max())
    norm = BoundaryNorm(np.arange(-0.5, top + 1.5), 256)
    points = ax.scatter(
        result.trajectory["coverage"],
        result.trajectory["density"],
        c=result.trajectory["res_dim"],
        cmap="viridis",
        norm=norm,
    )
    chosen = result.trajectory.iloc[result.chosen]
    ax.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=120,
        facecolors="none",
        edgecolors="black",  # a highlight, not the China-led bloc's red
        label="box reported",
    )
    fig.colorbar(points, ax=ax, ticks=range(top + 1), label="inputs the box restricts")
    ax.set_xlabel("coverage (share of cases inside the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_title(f"PRIM peeling trajectory: {result.condition}", fontsize=10)
    ax.legend(fontsize=8)
    return fig

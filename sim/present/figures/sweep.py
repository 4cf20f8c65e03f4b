"""Figures of a sweep's analysis: response curves or heatmaps per outcome, scatter panels for
sampled designs, the scenarios side by side, and the sensitivity indices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.studies.sweep.analysis import AnalysisReport


def analysis_figures(
    report: AnalysisReport,
    kind: str,
    names: list[str],
    outcomes: list[str],
    factor: list[str],
    parameters: list[str],
) -> list[Path]:
    """Every figure of an analysis (``analyze(figures=analysis_figures)``), into the report's
    folder: per outcome without a scenario factor; with one, the scenarios side by side and each
    scenario's own figures in ``figures/<scenario>/``."""
    target, points = report.folder, report.points
    if not factor:
        return write_figures(target / "figures", kind, points, names, outcomes, report)
    files = [_save(scenario_figure(report.scenarios, outcomes), target / "scenarios.png")]
    for label in factor:
        within = points[points["scenario"] == label].drop(columns="scenario")
        if not parameters or within.empty:
            continue
        indices = report.sensitivity
        own = AnalysisReport(target, within, None, report.method)
        if indices is not None and not indices.empty:
            own.sensitivity = indices[indices["scenario"] == label]
        files += write_figures(target / "figures" / label, kind, within, parameters, outcomes, own)
    return files


# --- figures ----------------------------------------------------------------------------------------
def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def _numeric(points: pd.DataFrame, name: str) -> bool:
    return pd.api.types.is_numeric_dtype(points[name]) and not pd.api.types.is_bool_dtype(
        points[name]
    )


def write_figures(
    folder: Path,
    kind: str,
    points: pd.DataFrame,
    names: list[str],
    outcomes: list[str],
    report: AnalysisReport,
) -> list[Path]:
    """Response curves or heatmaps per outcome, and the sensitivity bar chart."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for outcome in outcomes:
        frame = points[points["outcome"] == outcome]
        if frame["mean"].isna().all():
            continue
        if kind in ("grid", "points"):
            files.append(
                _save(response_curves(frame, names, outcome), folder / f"response_{outcome}.png")
            )
            numeric = [n for n in names if _numeric(frame, n)]
            if (
                kind == "grid"
                and len(numeric) >= 2
                and frame[numeric[0]].nunique() > 1
                and frame[numeric[1]].nunique() > 1
            ):
                files.append(
                    _save(
                        heatmap(frame, numeric[0], numeric[1], outcome),
                        folder / f"heatmap_{outcome}.png",
                    )
                )
        else:
            files.append(
                _save(scatter_panels(frame, names, outcome), folder / f"response_{outcome}.png")
            )
    if report.sensitivity is not None and not report.sensitivity.empty:
        files.append(
            _save(
                sensitivity_bars(report.sensitivity, report.method or ""),
                folder / "sensitivity.png",
            )
        )
    return files


def response_curves(frame: pd.DataFrame, names: list[str], outcome: str) -> Figure:
    """Outcome against each parameter, with the 95% confidence band of the mean.

    The first parameter gets one line per level of the second (an interaction plot) when the
    second has few levels; every other panel averages the point means over the other
    parameters (a main-effect curve)."""
    fig = Figure(figsize=(4.4 * max(1, len(names)), 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, max(1, len(names)), squeeze=False)[0])
    numeric = [name for name in names if _numeric(frame, name)]
    by_level = (
        numeric[1]
        if len(numeric) >= 2 and numeric[0] == names[0] and 1 < frame[numeric[1]].nunique() <= 8
        else None
    )
    from matplotlib import colormaps

    from sim.present.viz.colors import outcome_colour

    # levels of a parameter are ordered, not sides: a sequential palette, never blue against red
    colours = colormaps["viridis"](np.linspace(0.0, 0.85, 8))
    colour = outcome_colour(outcome)  # red only for a China-led bloc's outcome, blue for US-led
    for k, (ax, name) in enumerate(zip(axes, names, strict=False)):
        if k == 0 and by_level is not None:
            for colour, (level, group) in zip(
                colours, frame.groupby(by_level, sort=True), strict=False
            ):
                line = group.groupby(name, sort=True)[["mean", "ci95_low", "ci95_high"]].mean()
                x = line.index.to_numpy()
                ax.fill_between(x, line["ci95_low"], line["ci95_high"], color=colour, alpha=0.2)
                ax.plot(
                    x, line["mean"], marker="o", ms=3, color=colour, label=f"{by_level}={level:g}"
                )
            ax.legend(fontsize=7, loc="best")
        else:
            line = frame.groupby(name, sort=True)[["mean", "ci95_low", "ci95_high"]].mean()
            x = line.index.to_numpy()
            if _numeric(frame, name):
                ax.fill_between(x, line["ci95_low"], line["ci95_high"], color=colour, alpha=0.3)
                ax.plot(x, line["mean"], marker="o", color=colour, gid=f"mean-{name}")
            else:
                positions = np.arange(len(x))
                ax.errorbar(
                    positions,
                    line["mean"],
                    yerr=[line["mean"] - line["ci95_low"], line["ci95_high"] - line["mean"]],
                    fmt="o",
                    color=colour,
                )
                ax.set_xticks(positions, [str(v) for v in x], rotation=30)
            if len(names) > 1:
                ax.set_title("mean over the other parameters", fontsize=8)
        ax.set_xlabel(name)
        ax.set_ylabel(outcome)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{outcome} at the final step: mean and 95% CI over replicates")
    return fig


#: A share this large is what the studies ask about ("a third of world GDP"): the grid heatmap
#: of a share draws where it is crossed.
SHARE_CONTOUR = 1 / 3


def outcome_colours(outcome: str, values: np.ndarray) -> tuple[str, Any]:
    """Colour map and norm for an outcome: the US-led bloc's in blues, the China-led bloc's in
    reds (never the reverse), alignment-like outcomes diverging around 0, others neutral."""
    from matplotlib.colors import TwoSlopeNorm

    if outcome.startswith("us_"):
        return "Blues", None
    if outcome.startswith("china_"):
        return "Reds", None
    if "alignment" in outcome:
        finite = values[np.isfinite(values)]
        bound = max(float(np.abs(finite).max()) if finite.size else 1.0, 1e-9)
        return "RdBu_r", TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound)
    return "viridis", None


def heatmap(frame: pd.DataFrame, x: str, y: str, outcome: str) -> Figure:
    """Mean outcome over two grid parameters (averaged over any others); for a share, the
    contour where it crosses one third."""
    table = frame.pivot_table(index=y, columns=x, values="mean", aggfunc="mean").sort_index()
    fig = Figure(figsize=(6.2, 4.6), layout="constrained")
    ax = fig.subplots()
    values = table.to_numpy()
    cmap, norm = outcome_colours(outcome, values)
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, norm=norm)
    if outcome.endswith("_share") and np.nanmin(values) < SHARE_CONTOUR < np.nanmax(values):
        lines = ax.contour(values, levels=[SHARE_CONTOUR], colors="black", linewidths=1.5)
        ax.clabel(lines, fmt={SHARE_CONTOUR: "1/3"}, fontsize=8)
    ax.set_xticks(range(len(table.columns)), [f"{v:g}" for v in table.columns], rotation=45)
    ax.set_yticks(range(len(table.index)), [f"{v:g}" for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value) and table.size <= 150:
            dark = (
                image.norm(value) > 0.6 if cmap != "RdBu_r" else abs(image.norm(value) - 0.5) > 0.3
            )
            ax.text(
                j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                color="white" if dark else "black",
            )  # fmt: skip
    fig.colorbar(image, ax=ax, label=f"mean {outcome}")
    ax.set_title(f"{outcome} (final step, mean over replicates)")
    return fig


def _panel_grid(count: int, width: float, height: float, **kwargs: Any) -> tuple[Figure, list]:
    """A figure with ``count`` panels, at most three per row."""
    columns = min(3, count)
    rows = -(-count // columns)
    fig = Figure(figsize=(width * columns, height * rows))
    axes = fig.subplots(rows, columns, squeeze=False, **kwargs).ravel()
    for ax in axes[count:]:
        ax.set_visible(False)
    return fig, list(axes[:count])


def scatter_panels(frame: pd.DataFrame, names: list[str], outcome: str) -> Figure:
    """Sampled designs: each point's mean against each parameter, with a binned-mean line."""
    from sim.present.viz.colors import outcome_colour

    colour = outcome_colour(outcome)
    fig, axes = _panel_grid(len(names), 3.8, 3.0, sharey=True)
    for ax, name in zip(axes, names, strict=True):
        x, y = frame[name].to_numpy(), frame["mean"].to_numpy()
        ax.scatter(x, y, s=5, alpha=0.25, color=colour, linewidths=0)
        if _numeric(frame, name) and len(np.unique(x)) > 10:
            edges = np.quantile(x, np.linspace(0, 1, 11))
            index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, 9)
            centres = [x[index == b].mean() for b in range(10) if (index == b).any()]
            means = [np.nanmean(y[index == b]) for b in range(10) if (index == b).any()]
            ax.plot(centres, means, color=colour, lw=2.5, label="binned mean", gid="binned")
        ax.set_xlabel(name)
        ax.set_ylabel(outcome)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{outcome} at the final step: design points' replicate means")
    fig.tight_layout()
    return fig


def scenario_figure(table: pd.DataFrame, outcomes: list[str]) -> Figure:
    """Each scenario's mean (dot) and middle-95% range of runs (bar), one panel per outcome."""
    from sim.present.figures.compare import scenario_colour

    labels = list(dict.fromkeys(table["scenario"]))
    fig, axes = _panel_grid(len(outcomes), 3.6, 0.4 * len(labels) + 1.4, sharey=True)
    y = np.arange(len(labels))
    for ax, outcome in zip(axes, outcomes, strict=True):
        frame = table[table["outcome"] == outcome].set_index("scenario").reindex(labels)
        for k, label in enumerate(labels):
            colour = scenario_colour(str(label))
            ax.plot([frame.at[label, "p2_5"], frame.at[label, "p97_5"]], [k, k], color=colour)
            ax.plot(frame.at[label, "mean"], k, "o", color=colour)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_title(outcome, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle("Scenarios: mean and middle 95% of runs at the final step")
    fig.tight_layout()
    return fig


def sensitivity_bars(indices: pd.DataFrame, method: str) -> Figure:
    """Sobol S1/ST (or Morris mu*/sigma) per parameter with 95% half-widths, one panel per
    outcome."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    parameters = list(dict.fromkeys(indices["parameter"]))
    fig, axes = _panel_grid(len(outcomes), 4.2, 0.35 * len(parameters) + 1.4, sharey=True)
    from sim.present.viz.colors import NO_BLOC, NO_BLOC_LIGHT

    first, second = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
    y = np.arange(len(parameters))
    for ax, outcome in zip(axes, outcomes, strict=True):
        frame = indices[indices["outcome"] == outcome].set_index("parameter").reindex(parameters)
        errors: dict[str, Any] = {
            column: frame[f"{column}_conf"]
            for column in (first, second)
            if f"{column}_conf" in frame
        }
        ax.barh(
            y - 0.2, frame[first], height=0.4, xerr=errors.get(first), label=first, color=NO_BLOC
        )
        ax.barh(
            y + 0.2,
            frame[second],
            height=0.4,
            xerr=errors.get(second),
            label=second,
            color=NO_BLOC_LIGHT,  # indices are no side's
        )
        ax.set_yticks(y, parameters)
        ax.invert_yaxis()
        ax.set_title(outcome, fontsize=9)
        ax.axvline(0.0, color="black", lw=0.5)
        ax.grid(axis="x", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(
        "Sobol indices: first-order S1 and total ST (95% bootstrap half-widths)"
        if method == "sobol"
        else "Morris screening: mu* and sigma (unit-scaled inputs)"
    )
    fig.tight_layout()
    return fig

"""``run.py analyze SWEEP_DIR``: aggregates per design point, sensitivity indices, figures.

Written to ``SWEEP_DIR/_analysis/`` (or ``--out``):

- ``points.csv`` / ``points.parquet`` — one row per design point and outcome (final step):
  the point's parameter values, ``n`` (successful replicates), ``mean``, ``sd`` (ddof = 1),
  ``p2_5`` / ``p97_5`` (the interval holding the middle 95% of replicates: how far single runs
  spread) and ``ci95_low`` / ``ci95_high`` (Student-t 95% confidence interval of the mean: how
  well the replicates pin the point's expected outcome down).
- ``series.parquet`` — the same statistics per point and kept step, if the sweep kept metrics
  every k steps.
- ``sobol.csv`` (sobol designs) — first-order ``S1`` and total ``ST`` indices with 95%
  bootstrap half-widths per outcome and parameter (SALib.analyze.sobol), computed on each point's
  replicate mean; second-order ``S2`` in ``sobol_second_order.csv`` when the design has them.
- ``morris.csv`` (morris designs) — ``mu``, ``mu_star`` (with 95% half-width) and ``sigma``
  (SALib.analyze.morris) on the unit-scaled inputs: an elementary effect is the change of the
  outcome per full range of the parameter, so effects compare across parameters.
- ``figures/`` — response curves (mean with 95% CI band) or heatmaps over the swept parameters,
  scatter plots of point means for sampled designs, and a sensitivity bar chart.

Sensitivity indices need every point of the design: if runs are missing or failed, the indices
are skipped with a note (finish the sweep first) while tables and figures use what exists.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.studies.sweep.spec import SweepError
from sim.studies.sweep.store import ANALYSIS, SweepStore, write_text_atomic

STATISTICS = ("n", "mean", "sd", "p2_5", "p97_5", "ci95_low", "ci95_high")


@dataclass
class AnalysisReport:
    """What ``analyze`` wrote and found."""

    folder: Path
    points: pd.DataFrame
    sensitivity: pd.DataFrame | None
    method: str | None
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    runs: int = 0
    expected_runs: int = 0
    scenarios: pd.DataFrame | None = None  # per scenario and outcome, with a scenario factor
    outcomes: list[str] = field(default_factory=list)  # the ones indices and figures are for


def load_runs(
    folder: Path, final_only: bool = True, columns: list[str] | None = None
) -> pd.DataFrame:
    """The results table of a sweep folder (what ``pandas.read_parquet(folder)`` gives)."""
    if not any(Path(folder).glob("part-*.parquet")):
        return pd.DataFrame()
    frame = pd.read_parquet(folder, columns=columns)
    if final_only and "final" in frame:
        frame = frame[frame["final"]]
    return frame.sort_values(["point", "replicate", "step"]).reset_index(drop=True)


def summarise_replicates(values: pd.Series) -> dict[str, float]:
    """n, mean, sd, 2.5/97.5 percentiles and the t-based 95% CI of the mean of one point."""
    x = values.dropna().to_numpy(dtype=float)
    n = len(x)
    if n == 0:
        return dict.fromkeys(STATISTICS, np.nan) | {"n": 0}
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else np.nan
    low, high = np.percentile(x, [2.5, 97.5])
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)) if n > 1 else np.nan
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "p2_5": float(low),
        "p97_5": float(high),
        "ci95_low": mean - half,
        "ci95_high": mean + half,
    }


def aggregate(
    runs: pd.DataFrame, names: list[str], outcomes: list[str], by: tuple[str, ...] = ("point",)
) -> pd.DataFrame:
    """Long table: one row per group (design point, optionally step) and outcome, with the
    statistics of ``summarise_replicates`` computed for all groups at once."""
    columns = [*by, *names, "outcome", *STATISTICS]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    groups = runs.groupby(list(by), sort=True)
    values = groups[outcomes]
    stacked = {
        "n": values.count(),
        "mean": values.mean(),
        "sd": values.std(ddof=1),
        "p2_5": values.quantile(0.025),
        "p97_5": values.quantile(0.975),
    }
    long = pd.concat(
        {name: frame.stack(future_stack=True) for name, frame in stacked.items()}, axis=1
    )
    long.index = long.index.set_names([*by, "outcome"])
    n = long["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
        half = t * long["sd"].to_numpy() / np.sqrt(n)
    long["ci95_low"] = long["mean"] - half
    long["ci95_high"] = long["mean"] + half
    long = long.reset_index()
    ident = groups[names].first().reset_index() if names else groups.size().reset_index()[list(by)]
    frame = ident.merge(long, on=list(by), how="right")
    frame["n"] = frame["n"].astype(int)
    order = {name: k for k, name in enumerate(outcomes)}
    frame = frame.sort_values(
        [*by, "outcome"], key=lambda c: c.map(order) if c.name == "outcome" else c
    )
    return frame[columns].reset_index(drop=True)


def point_means(runs: pd.DataFrame, outcome: str, points: int) -> np.ndarray:
    """Replicate mean per design point, NaN where a point has no successful run."""
    means = runs.groupby("point")[outcome].mean()
    return means.reindex(range(points)).to_numpy(dtype=float)


def sobol_indices(
    design: pd.DataFrame,
    runs: pd.DataFrame,
    names: list[str],
    outcomes: list[str],
    second_order: bool,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """S1, ST (and S2) per outcome from the point means, in Saltelli's design order."""
    from SALib.analyze import sobol

    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    rows, second = [], []
    for outcome in outcomes:
        y = point_means(runs, outcome, len(design))
        if np.isnan(y).any() or np.ptp(y) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = sobol.analyze(problem, y, calc_second_order=second_order, seed=seed)
        for k, name in enumerate(names):
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "S1": result["S1"][k],
                    "S1_conf": result["S1_conf"][k],
                    "ST": result["ST"][k],
                    "ST_conf": result["ST_conf"][k],
                }
            )
            if second_order:
                for j in range(k + 1, len(names)):
                    second.append(
                        {
                            "outcome": outcome,
                            "parameter": name,
                            "other": names[j],
                            "S2": result["S2"][k, j],
                            "S2_conf": result["S2_conf"][k, j],
                        }
                    )
    return pd.DataFrame(rows), (pd.DataFrame(second) if second_order else None)


def morris_indices(
    design: pd.DataFrame,
    runs: pd.DataFrame,
    names: list[str],
    outcomes: list[str],
    levels: int,
    seed: int,
) -> pd.DataFrame:
    """mu, mu*, sigma per outcome and parameter (unit-scaled inputs)."""
    from SALib.analyze import morris

    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = design[[f"u_{name}" for name in names]].to_numpy(dtype=float)
    rows = []
    for outcome in outcomes:
        y = point_means(runs, outcome, len(design))
        if np.isnan(y).any():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = morris.analyze(problem, unit, y, num_levels=levels, seed=seed)
        for k, name in enumerate(names):
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "mu": result["mu"][k],
                    "mu_star": result["mu_star"][k],
                    "mu_star_conf": result["mu_star_conf"][k],
                    "sigma": result["sigma"][k],
                }
            )
    return pd.DataFrame(rows)


#: Draws an analysis's figures and returns the files written: (report, design kind, parameter
#: names, outcomes, scenario factor, parameters within a scenario). The command passes
#: ``sim.present.figures.sweep.analysis_figures``; the statistics need no figure code.
AnalysisFigures = Callable[
    ["AnalysisReport", str, list[str], list[str], list[str], list[str]], list[Path]
]


def analyze(
    folder: Path,
    outcomes: list[str] | None = None,
    out: Path | None = None,
    figures: AnalysisFigures | None = None,
) -> AnalysisReport:
    """Write the analysis of a sweep folder; works on a partial sweep too (with notes)."""
    store = SweepStore.open_existing(folder)
    manifest = store.manifest
    names = [p["name"] for p in manifest["design"]["parameters"]]
    kept = manifest["outputs"]["metrics"]
    chosen = outcomes or manifest["analysis"]["outcomes"]
    unknown = [o for o in chosen if o not in kept]
    if unknown:
        raise SweepError(
            f"--outcome {unknown[0]}: not kept by this sweep (kept: {', '.join(kept)})"
        )
    target = Path(out) if out is not None else store.folder / ANALYSIS
    target.mkdir(parents=True, exist_ok=True)
    design = store.design()
    runs = load_runs(store.folder, final_only=True)
    expected = manifest["design"]["runs"]
    report = AnalysisReport(
        target,
        pd.DataFrame(),
        None,
        None,
        runs=len(runs),
        expected_runs=expected,
        outcomes=list(chosen),
    )
    if len(runs) < expected:
        failed = len(store.failures())
        report.notes.append(
            f"{len(runs)} of {expected} runs have results ({failed} failed, "
            f"{expected - len(runs) - failed} missing)"
        )

    points = aggregate(runs, names, list(kept))
    report.points = points
    report.files += _write_table(points, target / "points")
    if manifest["outputs"].get("every"):
        series = aggregate(
            load_runs(store.folder, final_only=False), names, list(kept), by=("point", "step")
        )
        series.to_parquet(target / "series.parquet", index=False)
        report.files.append(target / "series.parquet")

    kind = manifest["design"]["kind"]
    seed = manifest["seeds"]["design_seed"] % 2**32
    factor = [entry["name"] for entry in manifest.get("scenarios", [])]
    parameters = [n for n in names if n != "scenario"] if factor else names
    if factor:
        report.scenarios = scenario_table(runs, list(kept), factor)
        report.files += _write_table(report.scenarios, target / "scenarios")
    # The design's own analyses, within each scenario (one pass without a scenario factor).
    per_point = int(manifest["design"].get("scenario_points") or len(design))
    sensitivity, pairs_all = [], []
    for k, label in enumerate(factor or [None]):
        sub_design, sub_runs = _within(design, runs, k * per_point, per_point)
        on = f" (scenario {label})" if label else ""
        complete = not sub_runs.empty and sub_runs["point"].nunique() == per_point
        if kind in ("sobol", "morris") and not complete:
            report.notes.append(f"{kind} indices need results for every design point{on}; skipped")
            continue
        if kind == "sobol":
            second_order = bool(manifest["sweep"]["design"].get("second_order"))
            first, pairs = sobol_indices(
                sub_design, sub_runs, parameters, chosen, second_order, seed
            )
            report.method = "sobol"
        elif kind == "morris":
            levels = int(manifest["sweep"]["design"]["levels"])
            first = morris_indices(sub_design, sub_runs, parameters, chosen, levels, seed)
            pairs, report.method = None, "morris"
        else:
            continue
        sensitivity.append(_labelled(first, label))
        if pairs is not None:
            pairs_all.append(_labelled(pairs, label))
    if sensitivity:
        report.sensitivity = pd.concat(sensitivity, ignore_index=True)
        report.files += _write_table(report.sensitivity, target / report.method, parquet=False)
        if pairs_all:
            second = pd.concat(pairs_all, ignore_index=True)
            report.files += _write_table(second, target / "sobol_second_order", parquet=False)
    if figures is not None and not points.empty:
        report.files += figures(report, kind, names, chosen, factor, parameters)
    write_text_atomic(
        json.dumps(
            {"outcomes": chosen, "notes": report.notes, "files": [str(f) for f in report.files]},
            indent=2,
        ),
        target / "analysis.json",
    )
    return report


def scenario_table(runs: pd.DataFrame, outcomes: list[str], order: list[str]) -> pd.DataFrame:
    """One row per scenario and outcome over all its runs (every design point and replicate,
    final step): n, mean, sd, the middle-95% range and the 95% CI of the mean; scenarios in
    the sweep file's order."""
    table = aggregate(runs, [], outcomes, by=("scenario",))
    rank = {name: k for k, name in enumerate(order)}
    table = table.sort_values(
        ["scenario", "outcome"],
        key=lambda c: c.map(rank) if c.name == "scenario" else c.map(outcomes.index),
    )
    return table.reset_index(drop=True)


def _within(
    design: pd.DataFrame, runs: pd.DataFrame, first: int, count: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One scenario's design rows and runs, renumbered 0..count-1 as if it ran alone."""
    sub_design = design[(design["point"] >= first) & (design["point"] < first + count)].copy()
    sub_design["point"] -= first
    sub_runs = runs[(runs["point"] >= first) & (runs["point"] < first + count)].copy()
    sub_runs["point"] -= first
    return sub_design.reset_index(drop=True), sub_runs.reset_index(drop=True)


def _labelled(frame: pd.DataFrame, label: str | None) -> pd.DataFrame:
    if label is not None:
        frame.insert(0, "scenario", label)
    return frame


def _write_table(frame: pd.DataFrame, stem: Path, parquet: bool = True) -> list[Path]:
    frame.to_csv(stem.with_suffix(".csv"), index=False)
    written = [stem.with_suffix(".csv")]
    if parquet:
        frame.to_parquet(stem.with_suffix(".parquet"), index=False)
        written.append(stem.with_suffix(".parquet"))
    return written

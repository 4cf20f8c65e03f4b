"""Compare scenarios with intervals: each scenario run for N seeds, outcomes every 1 January.

Why: a single seed printed as a result says nothing about what is noise. ``run.py compare A B
--replicates N`` runs a sweep with the scenarios as its factor (``sim.studies``): every core,
stacked runs, and replicate r of every scenario on the same seed (``run_seed(master, 0, r)``,
master = the first scenario's seed; common random numbers, so differences between scenarios
are not seed noise). It reports the mean and the 2.5-97.5% range across seeds of the China-led
and US-led bloc sizes, the China-led bloc's GDP share, the joint-response support and the
Security Council pass probability.

Those ranges are seed noise of one parameter set. With ``--draws D`` the comparison is
posterior-predictive instead (``compare_forecasts``): every scenario is run as a forecast
ensemble (``sim.forecast``) of D parameter sets drawn from the calibration posterior x N seeds,
and every scenario gets the same D draws and the same member seeds (master = the first
scenario's seed), so a difference between scenarios is the scenarios', not the draws'.
Posterior parameters that a scenario sets itself stay at its values (``held_fixed``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.scenario import ResolvedScenario
from sim.studies import Study, dated, run_study

#: The compared outcomes and the sweep metric (sim.metrics) each one is.
OUTCOME_METRICS = {
    "china_bloc_count": "china_count",
    "us_bloc_count": "us_count",
    "china_bloc_gdp_share": "china_gdp_share",
    "joint_response_support": "sanction_support_share",
    "unsc_pass_probability": "unsc_pass_probability",
}
OUTCOMES = tuple(OUTCOME_METRICS)
#: How the outcomes are named in tables a reader sees.
OUTCOME_LABELS = {
    "china_bloc_count": "China-led bloc (nations)",
    "us_bloc_count": "US-led bloc (nations)",
    "china_bloc_gdp_share": "China-led bloc, GDP share",
    "joint_response_support": "joint-response support",
    "unsc_pass_probability": "UNSC pass probability",
}
COUNTS = ("china_bloc_count", "us_bloc_count")
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


def study(resolved: Sequence[ResolvedScenario], replicates: int) -> Study:
    """The sweep a comparison runs: the scenarios as a factor, yearly metrics."""
    return Study(
        name="compare",
        question="How do these scenarios differ, seed noise included?",
        scenarios=tuple(r.path for r in resolved),
        replicates=replicates,
        seed=resolved[0].scenario.seed,
        metrics=tuple(dict.fromkeys(OUTCOME_METRICS.values())),
        every=12,
        factor=True,
    )


def compare_runs(
    resolved: Sequence[ResolvedScenario],
    replicates: int,
    folder: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    **hooks: Any,
) -> pd.DataFrame:
    """One row per (scenario, replicate, date) with the OUTCOMES, run through the sweep engine
    in ``folder``."""
    runs = run_study(study(resolved, replicates), folder, workers, scheduler, **hooks)
    out = pd.DataFrame(
        {
            "scenario": runs["scenario"].astype(str),
            "replicate": runs["replicate"].astype(int),
            "seed": runs["seed"],
            "date": dated(runs, resolved),
        }
    )
    for outcome, metric in OUTCOME_METRICS.items():
        out[outcome] = runs[metric].astype(int if outcome in COUNTS else float)
    return in_scenario_order(out, resolved)


def in_scenario_order(out: pd.DataFrame, resolved: Sequence[ResolvedScenario]) -> pd.DataFrame:
    """Rows by scenario (in the order given), date, replicate."""
    order = {r.scenario.name: k for k, r in enumerate(resolved)}
    out = out.sort_values(
        ["scenario", "date", "replicate"],
        key=lambda c: c.map(order) if c.name == "scenario" else c,
        kind="stable",
    )
    return out.reset_index(drop=True)


@dataclass
class PosteriorComparison:
    """Rows as ``compare_runs`` (replicate = forecast member) plus draw and seed index; the
    posterior's SHA-256 and, per scenario, the posterior parameters it holds fixed."""

    runs: pd.DataFrame
    posterior_sha256: str
    held_fixed: dict[str, list[str]]


def compare_forecasts(
    resolved: Sequence[ResolvedScenario],
    draws: int,
    seeds: int,
    posterior_path: Path | None = None,
    on_member: Callable[[int], None] | None = None,
) -> PosteriorComparison:
    """Every scenario as a posterior-predictive ensemble (draws x seeds members) with common
    random numbers: the same parameter draws and member seeds, keyed by the first scenario's
    seed, in every scenario."""
    from sim import forecast as fc

    master = resolved[0].scenario.seed
    frames, held, sha = [], {}, ""
    for r in resolved:
        result = fc.forecast(
            r,
            draws,
            posterior_path or fc.POSTERIOR,
            on_member=on_member,
            seeds=seeds,
            master_seed=master,
        )
        o = result.outcomes
        frame = pd.DataFrame(
            {
                "scenario": r.scenario.name,
                "replicate": o["member"].astype(int),
                "draw": o["draw"].astype(int),
                "seed_index": o["seed_index"].astype(int),
                "seed": o["seed"],
                "date": o["date"],
            }
        )
        for outcome in OUTCOMES:
            frame[outcome] = o[outcome].astype(int if outcome in COUNTS else float)
        frames.append(frame)
        held[r.scenario.name] = list(result.held_fixed)
        sha = result.posterior_sha256
    return PosteriorComparison(in_scenario_order(pd.concat(frames), resolved), sha, held)


def run_replicates(
    resolved: ResolvedScenario, replicates: int, workers: int | None = 1
) -> pd.DataFrame:
    """One scenario's replicate rows (a comparison of one), in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        return compare_runs([resolved], replicates, Path(folder), workers)


def summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and date: mean, 2.5% and 97.5% of each outcome across replicates."""
    grouped = runs.groupby(["scenario", "date"], sort=False)[list(OUTCOMES)]
    out = pd.concat(
        {"mean": grouped.mean(), "lo": grouped.quantile(0.025), "hi": grouped.quantile(0.975)},
        axis=1,
    )
    out.columns = [f"{outcome}_{stat}" for stat, outcome in out.columns]
    return out.reset_index()


def default_posterior() -> Path:
    """The posterior ``--draws`` samples unless told otherwise (the 2011-2019 fit)."""
    from sim.forecast import POSTERIOR

    return POSTERIOR


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

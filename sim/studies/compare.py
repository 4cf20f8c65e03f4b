"""Compare scenarios with intervals: each scenario run for N seeds, outcomes every 1 January.

Why: a single seed printed as a result says nothing about what is noise. ``run.py compare A B
--replicates N`` runs a sweep with the scenarios as its factor (``sim.studies.replicates``): every core,
stacked runs, and replicate r of every scenario on the same seed (``run_seed(master, 0, r)``,
master = the first scenario's seed; common random numbers, so differences between scenarios
are not seed noise). It reports the mean and the 2.5-97.5% range across seeds of the China-led
and US-led bloc sizes, the China-led bloc's GDP share, the joint-response support and the
Security Council pass probability.

Those ranges are seed noise of one parameter set. With ``--draws D`` the comparison is
posterior-predictive instead (``compare_forecasts``): every scenario is run as a forecast
ensemble (``sim.studies.forecast``) of D parameter sets drawn from the calibration posterior x N seeds,
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

from sim.engine.metrics import METRIC_LABELS
from sim.inputs.scenario import ResolvedScenario
from sim.studies.replicates import Study, dated, run_study

#: The compared outcomes and the sweep metric (sim.engine.metrics) each one is.
OUTCOME_METRICS = {
    "china_bloc_count": "china_count",
    "us_bloc_count": "us_count",
    "china_bloc_gdp_share": "china_gdp_share",
    "joint_response_support": "sanction_support_share",
    "unsc_pass_probability": "unsc_pass_probability",
}
OUTCOMES = tuple(OUTCOME_METRICS)
#: How the outcomes are named in tables a reader sees: the metrics' own labels (one table).
OUTCOME_LABELS = {outcome: METRIC_LABELS[metric] for outcome, metric in OUTCOME_METRICS.items()}
COUNTS = ("china_bloc_count", "us_bloc_count")


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
    from sim.studies import forecast as fc

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
    from sim.studies.forecast import POSTERIOR

    return POSTERIOR


def interval_kind(draws: int) -> str:
    """Short name of a comparison's intervals, for figure titles."""
    return "over posterior draws x seeds" if draws else "across seeds"


@dataclass
class Comparison:
    """The runs of a comparison and what their intervals mean, for its table and manifest."""

    runs: pd.DataFrame
    interval: str  # what a range spans, in words (manifest, report, printed table)
    provenance: dict[str, Any]  # manifest entries: parameter set, seeds rule, posterior


def seed_comparison(
    resolved: Sequence[ResolvedScenario],
    seeds: int,
    folder: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    on_start: Callable[[Any], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Every scenario for ``seeds`` seeds of its own parameters (the sweep lands in
    ``folder/sweep``): ranges are seed noise only."""
    from sim.inputs.provenance import DEFAULTS, parameter_set

    runs = compare_runs(
        resolved, seeds, folder, workers, scheduler, on_start=on_start, on_progress=on_progress
    )
    master = resolved[0].scenario.seed
    return Comparison(
        runs,
        f"seed noise: {seeds} seeds of each scenario's own parameters",
        {
            "parameter_set": parameter_set(DEFAULTS),
            "seeds": "replicate r of every scenario: run_seed(master, 0, r), master = "
            f"{master} (sim.studies.sweep.seeds); sweep folder: sweep/",
        },
    )


def posterior_comparison(
    resolved: Sequence[ResolvedScenario],
    draws: int,
    seeds: int,
    posterior_path: Path,
    on_member: Callable[[int], None] | None = None,
) -> Comparison:
    """Every scenario over the same ``draws`` posterior draws x ``seeds`` seeds: ranges hold
    parameter uncertainty too."""
    from sim.inputs.provenance import POSTERIOR_DRAWS, parameter_set
    from sim.studies.forecast import member_seed_rule

    master = resolved[0].scenario.seed
    result = compare_forecasts(resolved, draws, seeds, posterior_path, on_member)
    return Comparison(
        result.runs,
        f"posterior-predictive: {draws} posterior draws x {seeds} seeds = "
        f"{draws * seeds} members per scenario, the same draws and seeds in every scenario",
        {
            "draws": draws,
            "posterior": str(posterior_path),
            "posterior_sha256": result.posterior_sha256,
            "held_fixed": result.held_fixed,
            "parameter_set": parameter_set(POSTERIOR_DRAWS, posterior=posterior_path),
            "seeds": f"{member_seed_rule('master')}, master = {master} "
            "(sim.studies.forecast.member_seed); draws keyed by master",
        },
    )

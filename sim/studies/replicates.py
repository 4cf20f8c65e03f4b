"""Replicate studies through the sweep engine: ``run --replicates`` and ``compare``.

Why: a study of seeds is a sweep with one design point per scenario, so it should get what
sweeps get — every core (or a Dask cluster), stacked runs, seeds derived by run identity
(``sim.studies.sweep.seeds``), so the numbers do not depend on the worker count, and a results folder
with its manifest. These commands write a sweep file (kept in their output folder for
provenance) and hand it to ``sim.studies.sweep.driver``:

- ``compare A B ...``: ``scenarios: [A, B, ...]`` crossed with a one-point grid; replicate r of
  every scenario runs with seed ``run_seed(master, 0, r)`` (common random numbers), the master
  being the first scenario's ``seed``.
- ``run A --replicates N``: ``base: A`` with the command's overrides as ``fixed``; replicate r
  has seed ``run_seed(seed, 0, r)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.inputs.scenario import ResolvedScenario

#: Statistics of a replicate summary: the middle 95% of runs and the 95% CI of the mean.
SUMMARY_COLUMNS = ("outcome", "n", "mean", "sd", "p2_5", "p97_5", "ci95_low", "ci95_high")


@dataclass(frozen=True)
class Study:
    """What a study asks of the engine."""

    name: str
    scenarios: tuple[Path, ...]  # one file: a base scenario; several: the scenario factor
    replicates: int
    seed: int
    metrics: tuple[str, ...] | None = None  # None: all
    every: int | None = None
    fixed: tuple[tuple[str, Any], ...] = ()
    question: str = "replicate study"
    factor: bool = False  # scenarios as a factor (compare), even with one scenario

    def sweep_text(self) -> str:
        """The sweep file of this study (YAML)."""
        body: dict[str, Any] = {"name": self.name, "question": self.question}
        files = [str(Path(p).resolve()) for p in self.scenarios]
        if len(files) == 1 and not self.factor:
            body["base"] = files[0]
        else:
            body["scenarios"] = files
        if self.fixed:
            body["fixed"] = dict(self.fixed)
        body |= {"design": "grid", "replicates": self.replicates, "seed": self.seed}
        outputs: dict[str, Any] = {"metrics": list(self.metrics) if self.metrics else "all"}
        if self.every:
            outputs["every"] = self.every
        body["outputs"] = outputs
        return yaml.safe_dump(body, sort_keys=False)


def run_study(
    study: Study,
    folder: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    on_start: Callable[[Any], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run the study as a sweep in ``folder`` and return its results table (every kept step,
    sorted by point, replicate and step). Raises SweepError on bad input, RuntimeError if runs
    failed (a replicate study with holes is not a result)."""
    from sim.studies.sweep.analysis import load_runs
    from sim.studies.sweep.driver import execute, prepare
    from sim.studies.sweep.spec import SweepError

    folder.mkdir(parents=True, exist_ok=True)
    sweep_file = folder / "study.yaml"
    sweep_file.write_text(study.sweep_text())
    prepared = prepare(sweep_file, folder / "sweep", workers, scheduler)
    if on_start is not None:
        on_start(prepared)
    report = execute(prepared, on_progress)
    if report.failed_total:
        first = report.failures.iloc[0]
        raise SweepError(
            f"{report.failed_total} of {report.total_runs} runs failed; first: "
            f"{first['error_type']}: {first['error']}"
        )
    return load_runs(folder / "sweep", final_only=False)


def dated(runs: pd.DataFrame, resolved: Sequence[ResolvedScenario]) -> pd.Series:
    """Calendar date (YYYY-MM-DD, first of the month) of each row from its scenario's start."""
    starts = {
        r.scenario.name: np.datetime64(r.scenario.start.isoformat()[:7], "M") for r in resolved
    }
    names = (
        runs["scenario"] if "scenario" in runs else pd.Series(resolved[0].scenario.name, runs.index)
    )
    months = np.array([starts[n] for n in names]) + runs["step"].to_numpy()
    return pd.Series(months.astype("datetime64[D]").astype(str), index=runs.index)


def replicate_summary(final: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per outcome across replicates: n, mean, sd, middle-95% range, 95% CI of the mean."""
    from sim.studies.sweep.analysis import summarise_replicates

    rows = [{"outcome": o, **summarise_replicates(final[o])} for o in outcomes]
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def replicate_study(
    resolved: ResolvedScenario,
    overrides: Sequence[str],
    master: int,
    replicates: int,
    workers: int | None = None,
    scheduler: str | None = None,
    on_start: Callable[[Any], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``run --replicates``: the scenario with the command's overrides (``path=value``; a seed
    override is replaced by the replicates' own seeds) for ``replicates`` seeds through the
    sweep engine, in a temporary folder. Returns the final-step table (one row per replicate,
    every metric) and its summary (``replicate_summary``)."""
    import tempfile

    from sim.engine.metrics import METRIC_NAMES

    fixed = []
    for assignment in overrides:
        path, _, text = assignment.partition("=")
        if path.strip() != "seed":
            fixed.append((path.strip(), yaml.safe_load(text)))
    study = Study(
        name="replicates",
        question=f"{resolved.scenario.name} over {replicates} seeds",
        scenarios=(resolved.path,),
        replicates=replicates,
        seed=master,
        fixed=tuple(fixed),
    )
    with tempfile.TemporaryDirectory(prefix="cyberbloc-replicates-") as folder:
        runs = run_study(study, Path(folder), workers, scheduler, on_start, on_progress)
    final = runs[runs["final"]].drop(columns=["point", "step", "final"]).reset_index(drop=True)
    return final, replicate_summary(final, METRIC_NAMES)

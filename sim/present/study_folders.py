"""The result folders of a forecast and of a comparison: tables, figure and manifest.

Each is written inside an ``atomic_dir`` (sim.present.outputs): a folder appears complete or not
at all. The numbers come from ``sim.studies`` (``forecast``, ``compare``); this module only
writes them down with where they came from.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.inputs.provenance import POSTERIOR_DRAWS, git_commit, package_versions, parameter_set
from sim.inputs.scenario import ResolvedScenario
from sim.present.figures import compare as compare_figures
from sim.present.figures import forecast as forecast_figures
from sim.present.outputs import atomic_dir
from sim.studies import compare as cmp
from sim.studies.forecast import Forecast, member_seed_rule


def write_forecast(
    result: Forecast,
    resolved: ResolvedScenario,
    target: Path,
    draws: int,
    seeds: int,
    posterior: Path,
) -> pd.DataFrame:
    """forecast.parquet (outcome quantiles per date), members.parquet, draws.parquet,
    nations.parquet, forecast.png and manifest.json into the new folder ``target``; returns
    the quantiles (dates x (statistic, outcome))."""
    quantiles = result.quantiles()
    with atomic_dir(target) as folder:
        flat = quantiles.copy()
        flat.columns = [f"{outcome}_{stat}" for stat, outcome in flat.columns]
        flat.reset_index().to_parquet(folder / "forecast.parquet", index=False)
        result.outcomes.to_parquet(folder / "members.parquet", index=False)
        if result.parameters is not None:
            result.parameters.to_parquet(folder / "draws.parquet", index=False)
        result.nation_quantiles().to_parquet(folder / "nations.parquet", index=False)
        forecast_figures.figure(
            result,
            folder / "forecast.png",
            f"{resolved.scenario.name}: {draws} draws x {seeds} seeds",
        )
        manifest = {
            "scenario": resolved.scenario.model_dump(mode="json"),
            "content_hash": resolved.content_hash,
            "draws": draws,
            "seeds": seeds,
            "members": draws * seeds,
            "member_seed_rule": member_seed_rule("scenario seed"),
            "posterior": str(posterior),
            "posterior_sha256": result.posterior_sha256,
            "held_fixed": list(result.held_fixed),
            "parameter_set": parameter_set(POSTERIOR_DRAWS, posterior=posterior),
            "drivers": resolved.drivers(),
            "versions": package_versions(),
            "git_commit": git_commit(),
            "command": sys.argv,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return quantiles


def write_comparison(
    folder: Path,
    comparison: cmp.Comparison,
    resolved: list[ResolvedScenario],
    seeds: int,
    draws: int,
) -> pd.DataFrame:
    """replicates.parquet, compare.parquet (per scenario and date: mean and 95% range),
    compare.png and manifest.json into ``folder`` (an open ``atomic_dir``); returns the
    summary table."""
    runs = comparison.runs
    table = cmp.summary(runs)
    runs.to_parquet(folder / "replicates.parquet", index=False)
    table.to_parquet(folder / "compare.parquet", index=False)
    compare_figures.figure(table, folder / "compare.png", cmp.interval_kind(draws))
    manifest: dict[str, Any] = {
        "scenarios": [r.scenario.model_dump(mode="json") for r in resolved],
        "content_hashes": [r.content_hash for r in resolved],
        "drivers": [r.drivers() for r in resolved],
        "replicates": seeds,
        "interval": comparison.interval,
        **comparison.provenance,
        # where the numbers came from, as a run's manifest records it (run.py report)
        "versions": package_versions(),
        "git_commit": git_commit(),
        "command": sys.argv,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return table

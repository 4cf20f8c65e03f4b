"""Every manifest names its parameter set (calibrated defaults or posterior draws) and the
calibration behind it: the posterior file's SHA-256 and the study's hashes (issue 9)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.inputs import provenance

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_calibration_is_named_by_independent_hashes():
    record = provenance.calibration_record()
    posterior = ROOT / "sim/data/posterior_2011_2019.parquet"
    study = ROOT / "scenarios/calibration/history_2011_2019.yaml"
    assert record["posterior"] == "sim/data/posterior_2011_2019.parquet"
    assert record["posterior_sha256"] == hashlib.sha256(posterior.read_bytes()).hexdigest()
    assert record["calibration_study"] == "scenarios/calibration/history_2011_2019.yaml"
    assert record["calibration_study_sha256"] == hashlib.sha256(study.read_bytes()).hexdigest()
    # the run that produced the shipped posterior recorded the same study content hash
    made = json.loads((ROOT / "docs/validation/history_2011_2019/manifest.json").read_text())
    assert record["calibration_hash"] == made["calibration_hash"]


def test_a_posterior_in_a_calibration_folder_names_that_calibration(tmp_path):
    pd.DataFrame({"noise_sd": [0.01], "weight": [1.0]}).to_parquet(tmp_path / "posterior.parquet")
    (tmp_path / "manifest.json").write_text(
        json.dumps({"calibration": {"name": "mine"}, "calibration_hash": "ab" * 32})
    )
    block = provenance.parameter_set(
        provenance.POSTERIOR_DRAWS, posterior=tmp_path / "posterior.parquet"
    )
    assert block["version"] == "posterior draws"
    assert block["calibration"]["calibration_study"] == "mine"
    assert block["calibration"]["calibration_hash"] == "ab" * 32
    with pytest.raises(ValueError, match="version"):
        provenance.parameter_set("tuned by eye")


def test_the_parameter_set_lists_what_the_scenario_changed():
    from sim.engine.params import ModelParams

    block = provenance.parameter_set(provenance.DEFAULTS, ModelParams(china_budget=9.0))
    assert block["version"] == "calibrated defaults" and block["changed"] == ["china_budget"]
    assert provenance.parameter_set(provenance.DEFAULTS, ModelParams())["changed"] == []


def shipped_sha() -> str:
    return hashlib.sha256((ROOT / "sim/data/posterior_2011_2019.parquet").read_bytes()).hexdigest()


def test_run_compare_and_forecast_manifests_carry_the_parameter_set(tmp_path):
    runner = CliRunner()
    commands = {
        "run": ["run", "baseline", "--steps", "2", "--no-figures"],
        "compare": ["compare", "baseline", "--replicates", "2"],
        "forecast": ["forecast", "baseline", "--draws", "2", "--seeds", "1"],
    }
    for name, command in commands.items():
        out = tmp_path / name
        result = runner.invoke(app, [*command, "--out", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
        manifest = json.loads((out / "manifest.json").read_text())
        block = manifest["parameter_set"]
        expected = "posterior draws" if name == "forecast" else "calibrated defaults"
        assert block["version"] == expected, name
        assert block["calibration"]["posterior_sha256"] == shipped_sha(), name
        assert len(block["calibration"]["calibration_hash"]) == 64, name
        assert {"numpy", "python"} <= set(manifest["versions"]), name


def test_sweep_manifest_carries_the_parameter_set(tmp_path):
    from tests.test_sweep import GRID, run_sweep, world, write_sweep

    folder = tmp_path / "w"
    folder.mkdir()
    sweep_world = world.__wrapped__(_Factory(folder))
    sweep = write_sweep(sweep_world, "prov", **GRID)
    run_sweep(sweep, tmp_path / "out", workers=1, chunk_runs=27)
    manifest = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    assert manifest["parameter_set"]["version"] == "calibrated defaults"
    assert manifest["parameter_set"]["calibration"]["posterior_sha256"] == shipped_sha()


class _Factory:
    """The sweep tests' world fixture wants a tmp_path_factory; hand it one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def mktemp(self, name: str) -> Path:
        path = self.folder / name
        path.mkdir()
        return path

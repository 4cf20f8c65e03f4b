"""One seed, one answer: a sweep's row and a single command-line run with the row's seed agree to
the last bit (replicates stacked in a sweep run the same arithmetic as a run alone)."""

from __future__ import annotations

import textwrap

import pandas as pd
from typer.testing import CliRunner

from sim.cli import app
from sim.inputs.scenario import DEFAULT_SCENARIO


def test_sweep_row_equals_single_run_with_its_seed(tmp_path):
    sweep = tmp_path / "tiny.yaml"
    sweep.write_text(
        textwrap.dedent(
            f"""
            name: tiny
            question: does a sweep row equal a run alone?
            base: {DEFAULT_SCENARIO}
            fixed: {{steps: 12}}
            vary:
              parameters.china_budget: {{values: [0.5, 2.0]}}
            design: grid
            replicates: 3
            seed: 7
            outputs: {{metrics: all}}
            """
        )
    )
    runner = CliRunner()
    result = runner.invoke(
        app, ["sweep", str(sweep), "--out", str(tmp_path / "sw"), "--workers", "1", "-q"]
    )
    assert result.exit_code == 0, result.output
    rows = pd.read_parquet(tmp_path / "sw")
    row = rows[(rows.point == 1) & (rows.replicate == 2) & rows.final].iloc[0]
    single = tmp_path / "single"
    args = [
        "run",
        "baseline",
        "--steps",
        "12",
        "--seed",
        str(int(row["seed"])),
        "--no-figures",
        "-q",
    ]
    args += ["--set", f"parameters.china_budget={row['china_budget']}", "--out", str(single)]
    assert runner.invoke(app, args).exit_code == 0
    final = pd.read_parquet(single / "model.parquet").iloc[-1]
    for metric in (
        "mean_alignment",
        "esteban_ray",
        "bimodality",
        "china_gdp_share",
        "china_stock_bn",
    ):
        assert row[metric] == final[metric], metric

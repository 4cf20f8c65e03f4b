"""Scenario comparison (issue 11 item 1): replicate ensembles per scenario, ranges, the command."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from sim import compare
from sim.cli import app
from sim.scenario import load_scenario


def short(tmp_path, name: str, extra: str = "") -> str:
    path = tmp_path / f"{name}.yaml"
    base = load_scenario("baseline").path
    path.write_text(f"extends: {base}\nname: {name}\nquestion: q\nsteps: 24\n{extra}")
    return str(path)


def test_replicates_start_equal_then_differ_and_ranges_bracket_the_mean(tmp_path):
    runs = compare.run_replicates(load_scenario(short(tmp_path, "a")), replicates=4)
    start = runs[runs["date"] == "2023-01-01"]
    assert start["china_bloc_count"].nunique() == 1
    end = runs[runs["date"] == "2025-01-01"]
    assert end["joint_response_support"].nunique() == 4
    table = compare.summary(runs)
    for outcome in compare.OUTCOMES:
        assert (table[f"{outcome}_lo"] <= table[f"{outcome}_mean"] + 1e-12).all()
        assert (table[f"{outcome}_mean"] <= table[f"{outcome}_hi"] + 1e-12).all()


def test_compare_command_tables_and_figure(tmp_path):
    a = short(tmp_path, "calm", "parameters: {china_budget: 0.0}\n")
    b = short(tmp_path, "surge", "parameters: {china_budget: 5.0}\n")
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", a, b, "--replicates", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "compare.parquet")
    assert list(table["scenario"].unique()) == ["calm", "surge"]
    end = table.groupby("scenario").tail(1).set_index("scenario")
    assert end.at["surge", "china_bloc_count_mean"] > end.at["calm", "china_bloc_count_mean"]
    assert (out / "compare.png").stat().st_size > 10_000
    bad = CliRunner().invoke(app, ["compare", "no_such_scenario"])
    assert bad.exit_code == 2

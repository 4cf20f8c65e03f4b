"""Scenario comparison (issue 11 item 1): replicate ensembles per scenario, ranges, the command."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from sim.cli import app
from sim.inputs.scenario import load_scenario
from sim.studies import compare


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


def posterior_file(tmp_path):
    """A three-point posterior over two calibrated parameters (one of zero weight)."""
    path = tmp_path / "posterior.parquet"
    pd.DataFrame(
        {
            "investment_pull": [0.01, 0.03, 0.2],
            "noise_sd": [0.0, 0.01, 0.02],
            "weight": [0.0, 0.5, 0.5],
        }
    ).to_parquet(path, index=False)
    return path


def test_posterior_comparison_shares_draws_and_seeds_and_each_member_is_its_own_run(tmp_path):
    """--draws: scenario B (its own seed differs) runs the same parameter draws and member seeds
    as A (common random numbers); each member equals its parameter set and seed run alone; a
    posterior parameter the scenario sets itself is held at the scenario's value."""
    import numpy as np

    from sim.engine.simulation import Simulation
    from sim.studies.forecast import member_seed

    a = load_scenario(short(tmp_path, "a"))
    b = load_scenario(short(tmp_path, "b", "seed: 99\nparameters: {investment_pull: 0.0}\n"))
    result = compare.compare_forecasts(
        [a, b], draws=3, seeds=2, posterior_path=posterior_file(tmp_path)
    )
    runs = result.runs
    assert list(runs["scenario"].unique()) == ["a", "b"]
    assert result.held_fixed == {"a": [], "b": ["investment_pull"]}
    per = {name: rows.reset_index(drop=True) for name, rows in runs.groupby("scenario")}
    for column in ("replicate", "draw", "seed_index", "seed", "date"):
        assert per["a"][column].tolist() == per["b"][column].tolist(), column
    master = a.scenario.seed
    assert per["b"]["seed"].iloc[0] == member_seed(master, 0, 0) != member_seed(99, 0, 0)
    # the draws by weight: the zero-weight point (noise 0) never appears, so members of one
    # draw differ by seed
    end = runs[runs["date"] == "2025-01-01"]
    assert end.groupby(["scenario", "draw"])["joint_response_support"].nunique().min() == 2
    # member 3 (draw 1, seed 1) of b, rebuilt by hand from the posterior file and the seed rule
    from sim.studies.forecast import draw_parameter_sets

    theta = draw_parameter_sets(pd.read_parquet(posterior_file(tmp_path)), 3, master)[1]
    params = b.scenario.parameters.replace(noise_sd=theta["noise_sd"])
    assert params.investment_pull == 0.0
    world = b.world()
    alone = Simulation(
        world, params, b.scenario.events, np.random.default_rng(member_seed(master, 1, 1)),
        reference=params,
    )  # fmt: skip
    for _ in range(24):
        alone.step()
    member = end[(end["scenario"] == "b") & (end["replicate"] == 3)].iloc[0]
    assert member["joint_response_support"] == alone.joint_response().share_nations


def test_compare_command_with_draws_records_the_interval_kind_and_posterior(tmp_path):
    import hashlib
    import json

    posterior = posterior_file(tmp_path)
    a, b = short(tmp_path, "calm", "parameters: {china_budget: 0.0}\n"), short(tmp_path, "surge")
    out = tmp_path / "cmp"
    args = ["compare", a, b, "--draws", "3", "--posterior", str(posterior), "--out", str(out)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "posterior-predictive" in result.output and "…" not in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["draws"] == 3 and manifest["replicates"] == 2
    assert manifest["interval"].startswith("posterior-predictive: 3 posterior draws x 2 seeds")
    assert manifest["posterior_sha256"] == hashlib.sha256(posterior.read_bytes()).hexdigest()
    assert manifest["parameter_set"]["version"] == "posterior draws"
    runs = pd.read_parquet(out / "replicates.parquet")
    assert len(runs) == 2 * 3 * 2 * 3  # scenarios x draws x seeds x dates
    # the table's numbers are the summary of those members
    end = pd.read_parquet(out / "compare.parquet").groupby("scenario").tail(1)
    calm = runs[(runs["scenario"] == "calm") & (runs["date"] == "2025-01-01")]
    mean = end.set_index("scenario").at["calm", "china_bloc_count_mean"]
    assert mean == calm["china_bloc_count"].mean()
    assert f"{mean:.3g}" in result.output


def test_compare_without_draws_is_seed_noise_and_bad_options_fail_in_one_line(tmp_path):
    import json

    a = short(tmp_path, "a")
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", a, "--replicates", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["interval"].startswith("seed noise: 2 seeds") and "draws" not in manifest
    expected = compare.run_replicates(load_scenario(a), replicates=2)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "replicates.parquet"), expected)
    for args, says in [
        (["--replicates", "1"], "at least 2 seeds"),
        (["--posterior", str(tmp_path / "p.parquet")], "only with --draws"),
        (["--draws", "2", "--posterior", str(tmp_path / "none.parquet")], "no such posterior"),
        (["--draws", "-1"], "greater than or equal to 0"),
    ]:
        bad = CliRunner().invoke(app, ["compare", a, *args])
        assert bad.exit_code == 2, (args, bad.output)
        assert says in bad.output, (args, bad.output)
        assert "Traceback" not in bad.output


def test_comparison_table_fits_80_columns_without_cutting_numbers():
    from rich.console import Console

    from sim.cli.studies import comparison_table

    rows = []
    for name in ("baseline", "us_max_pressure", "digital_silk_road_surge"):
        row = {"scenario": name, "date": "2033-01-01"}
        for outcome in compare.OUTCOMES:
            row |= {f"{outcome}_mean": 0.2491, f"{outcome}_lo": 0.2371, f"{outcome}_hi": 0.2533}
        rows.append(row)
    console = Console(width=80, record=True)
    console.print(comparison_table(pd.DataFrame(rows), "seed noise: 20 seeds"))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    assert text.count("0.237-0.253") == 3 * len(compare.OUTCOMES)

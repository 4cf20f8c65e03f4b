"""Studies (issue 11 items 1-2): scenarios as a sweep factor, compare and run --replicates
through the sweep engine.

All on the 30-nation synthetic world of tests/test_sweep.py, a few steps long.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.inputs.scenario import load_scenario
from sim.present.figures.sweep import analysis_figures
from sim.studies import compare
from sim.studies.sweep.analysis import analyze, load_runs
from sim.studies.sweep.driver import run_sweep
from sim.studies.sweep.seeds import run_seed
from sim.studies.sweep.spec import SCHEMA_PATH, SweepError, json_schema_text, load_sweep
from tests.test_sweep import world, write_sweep  # noqa: F401 - world is a fixture

GRID = {
    "vary": {
        "parameters.noise_sd": {"values": [0.01, 0.03]},
        "parameters.us_pressure_budget": {"values": [5.0, 12.0]},
    },
    "design": "grid",
    "replicates": 3,
    "outputs": {
        "metrics": ["china_count", "china_gdp_share", "esteban_ray", "mean_alignment"],
        "every": 3,
    },
}


@pytest.fixture(scope="module")
def scenarios(world: Path) -> Path:  # noqa: F811 - the imported fixture
    """Two more scenarios next to tiny.yaml: more Chinese money; other events and length."""
    (world / "tiny_push.yaml").write_text(
        "extends: tiny.yaml\nname: tiny_push\nparameters: {china_budget: 4.0}\n"
    )
    (world / "tiny_long.yaml").write_text(
        "extends: tiny.yaml\nname: tiny_long\nsteps: 9\n"
        "events: [{step: 2, kind: join, nation: FRA, organisation: brics}]\n"
    )
    return world


def with_scenarios(path: Path, scenarios: list[str] | None, base: str | None = None) -> Path:
    """Rewrite a sweep file written by ``write_sweep`` to use a scenario list (or another base)."""
    raw = yaml.safe_load(path.read_text())
    raw.pop("base")
    if scenarios is not None:
        raw["scenarios"] = scenarios
    if base is not None:
        raw["base"] = base
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def crossed(folder: Path, name: str = "crossed") -> Path:
    return with_scenarios(
        write_sweep(folder, name, **GRID), ["tiny.yaml", "tiny_push.yaml", "tiny_long.yaml"]
    )


def test_scenario_factor_crosses_the_design_and_each_scenario_equals_its_sweep_alone(
    scenarios: Path, tmp_path: Path
) -> None:
    report = run_sweep(crossed(scenarios), out=tmp_path / "x", workers=1)
    assert report.failed_total == 0
    final = load_runs(tmp_path / "x")
    # 4 design points x 3 scenarios x 3 replicates
    assert len(final) == 4 * 3 * 3
    assert list(dict.fromkeys(final["scenario"])) == ["tiny", "tiny_push", "tiny_long"]
    assert final.groupby("scenario").size().tolist() == [12, 12, 12]
    for k, (name, file) in enumerate(
        [("tiny", "tiny.yaml"), ("tiny_push", "tiny_push.yaml"), ("tiny_long", "tiny_long.yaml")]
    ):
        alone_file = with_scenarios(write_sweep(scenarios, f"alone_{name}", **GRID), None, file)
        run_sweep(alone_file, out=tmp_path / name, workers=1)
        alone = load_runs(tmp_path / name, final_only=False)
        mine = load_runs(tmp_path / "x", final_only=False)
        mine = mine[mine["scenario"] == name].copy()
        mine["point"] -= 4 * k
        mine = mine.drop(columns="scenario").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone[mine.columns], check_dtype=False)
    # common random numbers: the same design point and replicate has one seed in every scenario
    seeds = final.pivot_table(
        index=["noise_sd", "us_pressure_budget", "replicate"], columns="scenario", values="seed"
    )
    assert (seeds.nunique(axis=1) == 1).all()
    assert seeds.iloc[0, 0] == run_seed(11, 0, 0)
    # tiny_long runs 9 steps, the others 6
    assert set(final.groupby("scenario")["step"].first()) == {6, 9}


def test_analyze_compares_across_scenarios_and_analyses_within_each(
    scenarios: Path, tmp_path: Path
) -> None:
    run_sweep(crossed(scenarios, "analysed"), out=tmp_path / "a", workers=1)
    report = analyze(tmp_path / "a", figures=analysis_figures)
    runs = load_runs(tmp_path / "a")
    table = pd.read_csv(tmp_path / "a" / "_analysis" / "scenarios.csv")
    assert list(dict.fromkeys(table["scenario"])) == ["tiny", "tiny_push", "tiny_long"]
    for (name, outcome), row in table.set_index(["scenario", "outcome"]).iterrows():
        values = runs.loc[runs["scenario"] == name, outcome]
        assert row["n"] == len(values) == 12
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-12)
        assert row["p2_5"] == pytest.approx(np.percentile(values, 2.5), rel=1e-12)
        assert row["p97_5"] == pytest.approx(np.percentile(values, 97.5), rel=1e-12)
    # more Chinese money, nations lean further towards China
    means = table[table["outcome"] == "mean_alignment"].set_index("scenario")["mean"]
    assert means["tiny_push"] > means["tiny"]
    # the per-point table keeps the scenario; figures per scenario
    assert set(report.points["scenario"]) == {"tiny", "tiny_push", "tiny_long"}
    assert len(report.points) == 12 * len(report.points["outcome"].unique())
    for name in ("tiny", "tiny_push", "tiny_long"):
        assert (tmp_path / "a" / "_analysis" / "figures" / name).is_dir()
    assert (tmp_path / "a" / "_analysis" / "scenarios.png").stat().st_size > 5_000


def test_sobol_indices_are_computed_within_each_scenario(scenarios: Path, tmp_path: Path) -> None:
    body = {
        "vary": {
            "parameters.noise_sd": {"range": [0.0, 0.03]},
            "parameters.china_budget": {"range": [0.0, 4.0]},
        },
        "design": {"kind": "sobol", "samples": 8},
        "outputs": {"metrics": ["mean_alignment"]},
        "analysis": {"outcomes": ["mean_alignment"]},
    }
    path = with_scenarios(
        write_sweep(scenarios, "sobol_crossed", **body), ["tiny.yaml", "tiny_long.yaml"]
    )
    run_sweep(path, out=tmp_path / "s", workers=1)
    report = analyze(tmp_path / "s")
    assert report.method == "sobol"
    assert set(report.sensitivity["scenario"]) == {"tiny", "tiny_long"}
    # each scenario's indices equal those of its own sweep
    alone = with_scenarios(write_sweep(scenarios, "sobol_alone", **body), None, "tiny_long.yaml")
    run_sweep(alone, out=tmp_path / "alone", workers=1)
    own = analyze(tmp_path / "alone").sensitivity
    mine = report.sensitivity[report.sensitivity["scenario"] == "tiny_long"]
    np.testing.assert_allclose(mine["ST"].to_numpy(), own["ST"].to_numpy())
    # ... and differ from the other scenario's (9 steps and another event against 6)
    other = report.sensitivity[report.sensitivity["scenario"] == "tiny"]
    assert not np.allclose(other["ST"].to_numpy(), own["ST"].to_numpy())


@pytest.mark.parametrize(
    ("scenarios_value", "expected"),
    [
        (
            ["tiny.yaml", "no_such_scenario"],
            "scenarios.1: no_such_scenario: file not found (library scenarios: baseline",
        ),
        (["tiny.yaml", "tiny.yaml"], "scenarios.1: scenario name 'tiny' is already in the list"),
        ([], "scenarios: List should have at least 1 item"),
    ],
)
def test_bad_scenario_lists_fail_with_one_line(
    scenarios: Path, scenarios_value: list[str], expected: str
) -> None:
    path = with_scenarios(write_sweep(scenarios, "bad_list", **GRID), scenarios_value)
    with pytest.raises(SweepError, match=r"bad_list\.yaml:") as caught:
        load_sweep(path)
    assert expected in str(caught.value)
    result = CliRunner().invoke(app, ["sweep", str(path), "--workers", "1"])
    assert result.exit_code == 2
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), lines


def test_base_and_scenarios_together_are_refused(scenarios: Path) -> None:
    path = write_sweep(scenarios, "both", **GRID)
    raw = yaml.safe_load(path.read_text())
    raw["scenarios"] = ["tiny.yaml"]
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    with pytest.raises(SweepError, match=r"either 'base'.*or 'scenarios'"):
        load_sweep(path)


def test_compare_is_the_same_for_one_or_two_workers_and_uses_common_seeds(
    scenarios: Path, tmp_path: Path
) -> None:
    resolved = [load_scenario(scenarios / n) for n in ("tiny.yaml", "tiny_push.yaml")]
    one = compare.compare_runs(resolved, 4, tmp_path / "one", workers=1)
    two = compare.compare_runs(resolved, 4, tmp_path / "two", workers=2)
    pd.testing.assert_frame_equal(one, two)
    # one chunk per scenario, so two workers both get work
    status = json.loads((tmp_path / "two" / "sweep" / "_status.json").read_text())
    assert status["sessions"][-1]["chunk_runs"] == 4
    assert len(one) == 2 * 4 * 2  # scenarios x replicates x dates (step 0 and the final 6)
    end = one[one["date"] == one["date"].max()]
    assert end.groupby("replicate")["seed"].nunique().eq(1).all()
    assert sorted(end["seed"].unique()) == sorted(run_seed(1, 0, r) for r in range(4))
    # replicate 2 of tiny_push replayed alone as a single run gives the same final numbers
    single = load_scenario(scenarios / "tiny_push.yaml", [f"seed={run_seed(1, 0, 2)}"])
    model = single.build_model()
    for _ in range(single.scenario.steps):
        model.step()
    row = end[(end["scenario"] == "tiny_push") & (end["replicate"] == 2)].iloc[0]
    last = model.history.metrics[-1]
    assert row["china_bloc_count"] == last["china_count"]
    assert row["china_bloc_gdp_share"] == last["china_gdp_share"]
    assert row["joint_response_support"] == last["sanction_support_share"]


def test_run_replicates_table_is_the_mean_of_the_single_seed_runs(
    scenarios: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    tiny = str(scenarios / "tiny.yaml")
    out = tmp_path / "rep"
    args = ["--set", "parameters.china_budget=2.5", "--no-figures", "--workers", "1"]
    result = runner.invoke(app, ["run", tiny, "--replicates", "3", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    assert "mean (95% range) over 3 seeds" in " ".join(result.output.split())
    summary = pd.read_csv(out / "replicate_summary.csv").set_index("outcome")
    table = pd.read_parquet(out / "replicates.parquet")
    assert table["replicate"].tolist() == [0, 1, 2]
    finals = []
    for r in range(3):
        seed = run_seed(1, 0, r)
        assert table.at[r, "seed"] == seed
        single = tmp_path / f"single{r}"
        done = runner.invoke(
            app, ["run", tiny, "--seed", str(seed), "--out", str(single), *args[:3]]
        )
        assert done.exit_code == 0, done.output
        finals.append(pd.read_parquet(single / "model.parquet").iloc[-1])
    finals = pd.DataFrame(finals)
    for outcome in ("china_count", "china_gdp_share", "esteban_ray", "sanction_support_share"):
        assert summary.at[outcome, "mean"] == pytest.approx(finals[outcome].mean(), rel=1e-12)
        assert summary.at[outcome, "p2_5"] <= summary.at[outcome, "mean"]
    # the run's own files are replicate 0's
    model = pd.read_parquet(out / "model.parquet").iloc[-1]
    assert model["china_gdp_share"] == finals.iloc[0]["china_gdp_share"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"]["seed"] == run_seed(1, 0, 0)


def test_run_without_replicates_is_unchanged(scenarios: Path, tmp_path: Path) -> None:
    out = tmp_path / "plain"
    result = CliRunner().invoke(
        app, ["run", str(scenarios / "tiny.yaml"), "--out", str(out), "--no-figures"]
    )
    assert result.exit_code == 0, result.output
    assert "This is one run" in " ".join(result.output.split())
    assert not (out / "replicates.parquet").exists()


def test_sweep_json_schema_is_current_and_knows_scenarios() -> None:
    """docs/sweep.schema.json is generated (`run.py schema --sweep --out ...`)."""
    assert SCHEMA_PATH.read_text() == json_schema_text()
    schema = json.loads(json_schema_text())
    assert schema["properties"]["scenarios"]["anyOf"][0]["type"] == "array"
    result = CliRunner().invoke(app, ["schema", "--sweep"])
    assert result.exit_code == 0 and json.loads(result.output) == schema


def test_library_sweep_with_a_scenario_factor_loads_and_counts_its_runs() -> None:
    from sim.studies.sweep.design import build_design
    from sim.studies.sweep.driver import planned_runs

    loaded = load_sweep("budget_by_scenario")
    assert list(loaded.factor) == ["baseline", "us_max_pressure", "digital_silk_road_surge"]
    design = build_design(loaded.spec, list(loaded.factor))
    assert design.points == 4 * 3 and design.scenario_points == 4
    assert planned_runs(loaded.spec) == 4 * 3 * 10
    # the fixed horizon applies to every scenario
    assert {resolved.scenario.steps for resolved, _ in loaded.factor.values()} == {120}


def test_discovery_peels_the_scenario_factor_as_a_category(scenarios: Path, tmp_path: Path) -> None:
    """PRIM with the scenario as a categorical input: when the condition holds on one scenario's
    runs only, the box keeps that scenario (coverage and density 1), not a parameter range."""
    (scenarios / "tiny_hot.yaml").write_text(
        "extends: tiny.yaml\nname: tiny_hot\n"
        "parameters: {china_budget: 40.0, investment_pull: 0.2, china_targeting: uniform}\n"
    )  # the synthetic states have no driver history: the legacy split reaches all of them
    sweep = with_scenarios(
        write_sweep(
            scenarios,
            "discover_scenarios",
            vary={"parameters.us_pressure_budget": {"range": [0.0, 2.0]}},
            design={"kind": "lhs", "samples": 30},
            replicates=1,
            outputs={"metrics": ["china_count", "mean_alignment"]},
        ),
        ["tiny.yaml", "tiny_hot.yaml"],
    )
    run_sweep(sweep, out=tmp_path / "d", workers=1)
    runs = load_runs(tmp_path / "d")
    by = runs.groupby("scenario")["mean_alignment"]
    assert by.min()["tiny_hot"] > by.max()["tiny"]  # more Chinese money: every run further east
    threshold = float(by.max()["tiny"])
    result = CliRunner().invoke(
        app,
        ["analyze", str(tmp_path / "d"), "--no-figures", "--discover",
         f"mean_alignment > {threshold!r}"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "one of: tiny_hot" in result.output
    box = pd.read_csv(tmp_path / "d" / "_analysis" / "discovery" / "box.csv", index_col=0)
    assert list(box.index) == ["scenario"] and box.at["scenario", "values"] == "tiny_hot"
    about = json.loads((tmp_path / "d" / "_analysis" / "discovery" / "discovery.json").read_text())
    assert (about["cases"], about["runs"]) == (30, 60)
    assert about["coverage"] == 1.0 and about["density"] == 1.0

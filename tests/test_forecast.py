"""Forecasts: posterior draws by weight, reproducible ensembles, ordered quantiles, the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.inputs.scenario import load_scenario
from sim.studies import forecast


def tiny_posterior(tmp_path):
    frame = pd.DataFrame(
        {
            "investment_pull": [0.01, 0.05, 0.2],
            "noise_sd": [0.0, 0.01, 0.02],
            "weight": [0.0, 0.5, 0.5],
        }
    )
    path = tmp_path / "posterior.parquet"
    frame.to_parquet(path, index=False)
    return path


def test_draws_follow_the_weights():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "weight": [0.0, 0.25, 0.75]})
    drawn = [d["a"] for d in forecast.draw_parameter_sets(frame, 4000, seed=1)]
    assert 1.0 not in drawn
    assert np.mean(np.array(drawn) == 3.0) == pytest.approx(0.75, abs=0.03)


def test_ensemble_is_reproducible_and_quantiles_are_ordered(tmp_path):
    path = tiny_posterior(tmp_path)
    resolved = load_scenario("baseline", ["steps=24"])
    first = forecast.forecast(resolved, draws=4, posterior_path=path, seeds=1)
    again = forecast.forecast(resolved, draws=4, posterior_path=path, seeds=1)
    pd.testing.assert_frame_equal(first.outcomes, again.outcomes)
    assert first.dates == ["2023-01-01", "2024-01-01", "2025-01-01"]
    # members differ (different parameters and seeds), the start does not
    start = first.outcomes[first.outcomes["date"] == "2023-01-01"]
    assert start["china_bloc_count"].nunique() == 1
    assert not np.array_equal(first.alignment[0, -1], first.alignment[1, -1])
    q = first.quantiles()
    for outcome in ("china_bloc_count", "joint_response_support"):
        assert (q[("q05", outcome)] <= q[("q50", outcome)]).all()
        assert (q[("q50", outcome)] <= q[("q95", outcome)]).all()
    nations = first.nation_quantiles()
    assert len(nations) == 3 * len(first.iso3)
    assert nations["p_china_bloc"].between(0, 1).all()


def test_forecast_command_writes_quantiles_and_prints_intervals(tmp_path):
    out = tmp_path / "fc"
    result = CliRunner().invoke(
        app,
        ["forecast", "baseline", "--draws", "3", "--posterior", str(tiny_posterior(tmp_path)),
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "90% interval" in result.output
    table = pd.read_parquet(out / "forecast.parquet")
    assert {"china_bloc_count_q05", "china_bloc_count_q95", "date"} <= set(table.columns)
    assert (out / "forecast.png").exists() and (out / "manifest.json").exists()
    missing = CliRunner().invoke(app, ["forecast", "--posterior", str(tmp_path / "none.parquet")])
    assert missing.exit_code == 2 and "no such posterior" in missing.output


def test_members_are_draws_times_seeds_each_its_own_run(tmp_path):
    """Member (d, k): draw d's parameters with seed k. Same draw, different seeds differ (the
    noise); every member equals its parameter set and seed run alone (1-D Simulation, own
    anchors), so stacking the members changes nothing; quantiles pool all members."""
    from sim.engine.simulation import Simulation

    path = tiny_posterior(tmp_path)
    resolved = load_scenario("baseline", ["steps=24"])
    result = forecast.forecast(resolved, draws=3, posterior_path=path, seeds=2)
    assert result.alignment.shape[0] == 6 and (result.draws, result.seeds) == (3, 2)
    members = result.outcomes.drop_duplicates("member").set_index("member")
    assert list(members["draw"]) == [0, 0, 1, 1, 2, 2]
    assert list(members["seed_index"]) == [0, 1, 0, 1, 0, 1]
    assert members["seed"].nunique() == 6
    for d in range(3):
        assert not np.array_equal(result.alignment[2 * d, -1], result.alignment[2 * d + 1, -1])
    s = resolved.scenario
    world = resolved.world()
    for m in (1, 4):
        theta = result.parameters.drop(columns="draw").iloc[m // 2].to_dict()
        params = s.parameters.replace(**theta)
        rng = np.random.default_rng(forecast.member_seed(s.seed, m // 2, m % 2))
        alone = Simulation(world, params, s.events, rng, reference=params)
        for _ in range(24):
            alone.step()
        assert np.array_equal(result.alignment[m, -1], alone.state.alignment)
    final = result.outcomes[result.outcomes["date"] == result.dates[-1]]
    q = result.quantiles()
    assert (
        q.loc[result.dates[-1], ("q50", "china_bloc_count")] == final["china_bloc_count"].median()
    )
    assert "member" not in q.columns.get_level_values(1)
    # one more seed keeps the existing members: seeds are addressed by (draw, seed index)
    assert forecast.member_seed(s.seed, 1, 0) == members.at[2, "seed"]


def test_the_same_forecast_command_writes_identical_files(tmp_path):
    import json

    path = str(tiny_posterior(tmp_path))
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / name
        args = ["forecast", "baseline", "--draws", "3", "--seeds", "2", "--posterior", path]
        result = CliRunner().invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append(out)
    for name in ("forecast.parquet", "members.parquet", "nations.parquet", "draws.parquet"):
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name
    manifest = json.loads((outputs[0] / "manifest.json").read_text())
    assert (manifest["draws"], manifest["seeds"], manifest["members"]) == (3, 2, 6)
    assert len(pd.read_parquet(outputs[0] / "members.parquet")["member"].unique()) == 6

"""Hindcasts: scoring dates, the fit table's arithmetic on a hand-made case, and a real hindcast
scored against the shipped observed series."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sim.engine.params import ModelParams
from sim.history import hindcast
from sim.history.observed import observed
from sim.present.outputs import write_hindcast
from sim.world.dated import nations_at
from sim.world.world import World


def test_scoring_dates_are_the_first_januaries_inside_the_run_and_the_record():
    assert hindcast.scoring_dates(date(2013, 1, 1), 84) == [
        date(y, 1, 1) for y in range(2014, 2021)
    ]
    assert hindcast.scoring_dates(date(2016, 6, 1), 18) == [date(2017, 1, 1)]
    assert hindcast.scoring_dates(date(2019, 1, 1), 120) == [date(2020, 1, 1)]
    assert hindcast.scoring_dates(date(2023, 1, 1), 120) == []


def handmade() -> hindcast.Hindcast:
    iso3 = np.array(["USA", "CHN", "AAA", "BBB", "CCC"])
    initial = np.array([-1.0, 1.0, 0.0, 0.2, -0.2])
    observed_now = np.array([[-1.0, 1.0, 0.1, 0.4, -0.3]])
    ensemble = np.stack([observed_now, observed_now], axis=-1)  # a perfect two-member ensemble
    return hindcast.Hindcast(
        start=date(2015, 1, 1),
        dates=[date(2016, 1, 1)],
        iso3=iso3,
        region=np.array(["R"] * 5),
        initial=initial,
        observed=observed_now,
        ensemble=ensemble,
        baselines={"persistence": initial[None, :]},
    )


def test_fit_table_arithmetic_on_a_hand_made_hindcast():
    table = handmade().table()
    assert table.at["model", "rmse_level"] == 0.0
    assert table.at["model", "crps"] == 0.0
    assert table.at["model", "rank_corr_change"] == 1.0
    # persistence: errors 0.1, 0.2, 0.1 on the three scored nations (leaders left out)
    assert table.at["persistence", "rmse_level"] == pytest.approx(np.sqrt((0.01 + 0.04 + 0.01) / 3))
    assert table.at["persistence", "rmse_change"] == table.at["persistence", "rmse_level"]
    assert np.isnan(table.at["persistence", "rank_corr_change"])
    assert table.at["persistence", "skill_vs_persistence"] == 0.0
    assert table.at["model", "skill_vs_persistence"] == 1.0


@pytest.fixture(scope="module")
def result() -> hindcast.Hindcast:
    start = date(2016, 1, 1)
    world = World.from_frame(nations_at(start))
    return hindcast.hindcast(world, start, ModelParams(), steps=24, master_seed=3, replicates=4)


def test_real_hindcast_scores_against_the_observed_series(result):
    assert result.dates == [date(2017, 1, 1), date(2018, 1, 1)]
    assert result.ensemble.shape == (2, len(result.iso3), 4)
    # the shipped observed series is the starting alignment of the world of each date
    later = nations_at(date(2018, 1, 1)).set_index("iso3")["alignment_initial"]
    assert np.allclose(result.observed[1], later.reindex(result.iso3).to_numpy(), atol=1e-6)
    # replicates differ (noise), persistence is the start, the leaders are not scored
    assert not np.array_equal(result.ensemble[..., 0], result.ensemble[..., 1])
    assert np.array_equal(result.baselines["persistence"][0], result.initial)
    assert result.scored.sum() == len(result.iso3) - 2
    table = result.table()
    assert list(table.index) == ["model", "persistence", "trend", "regional drift"]
    assert (table["rmse_level"] > 0).all() and (table["rmse_level"] < 0.5).all()


def test_shipped_observed_table_matches_the_method_and_has_uncertainty():
    when = [date(2014, 1, 1), date(2020, 1, 1)]
    table = observed("alignment", when)
    for d in when:
        fresh = nations_at(d).set_index("iso3")["alignment_initial"]
        assert np.allclose(table.loc[d, fresh.index], fresh, atol=1e-6)
    se = observed("alignment_se", when)
    assert (se.loc[:, ["USA", "CHN"]] == 0).all().all()
    voters = se.drop(columns=["USA", "CHN", "PSE", "TWN", "XKX"], errors="ignore")
    assert (voters >= 0).all().all() and voters.median(axis=1).min() > 0.01
    # a zero error only where every resample clips the vote score at the China pole (+1)
    vote = observed("vote_score", when)
    zero = voters == 0
    assert (vote[zero.columns][zero] == 1.0).sum().sum() == zero.sum().sum()
    # fewer roll calls before 2014 than before 2020: wider intervals on average
    assert se.loc[when[0]].mean() > se.loc[when[1]].mean()


def test_outputs_of_a_hindcast_run(tmp_path, result):
    write_hindcast(result, tmp_path)
    fit = pd.read_csv(tmp_path / "hindcast_fit.csv", index_col=0)
    assert fit.loc["model", "rmse_level"] == pytest.approx(result.table().at["model", "rmse_level"])
    nations = pd.read_parquet(tmp_path / "hindcast_nations.parquet")
    assert len(nations) == 2 * len(result.iso3)
    assert (nations["model_q05"] <= nations["model_q95"]).all()
    assert (tmp_path / "hindcast_regions.png").stat().st_size > 10_000


def test_run_of_the_hindcast_scenario_prints_the_fit_table(tmp_path):
    from typer.testing import CliRunner

    from sim.cli import app

    out = tmp_path / "hc"
    result = CliRunner().invoke(
        app, ["run", "hindcast", "--steps", "24", "--no-figures", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Fit against the observed alignment" in result.output
    assert "persistence" in result.output
    assert (out / "hindcast_fit.csv").exists()

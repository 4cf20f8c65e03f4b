"""Per-session vote scores: the method recovers known positions, the bootstrap behaves, the shipped
table and doc are what the code computes, and the smoothed series reads nothing after its date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from sim.history import observed_votes as ov
from sim.world import unga


def synthetic_matrix(n_states: int, n_roll_calls: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Votes from known one-dimensional positions: latent a_j + b_j theta_i + noise, cut into
    no / abstain / yes; the US at the far left, China at the right, 5% of votes absent."""
    rng = np.random.default_rng(seed)
    names = ["USA", "CHN"] + [f"S{i:02d}" for i in range(n_states - 2)]
    theta = pd.Series(np.r_[-2.5, 1.8, rng.normal(0.3, 0.8, n_states - 2)], index=names)
    a = rng.normal(0, 0.5, n_roll_calls)
    b = rng.choice([-1.0, 1.0], n_roll_calls) * rng.uniform(0.5, 1.5, n_roll_calls)
    latent = a[None, :] + np.outer(theta, b) + rng.normal(0, 0.6, (n_states, n_roll_calls))
    votes = np.where(latent > 0.4, 1.0, np.where(latent < -0.4, -1.0, 0.0))
    votes[rng.random(votes.shape) < 0.05] = np.nan
    votes[:2] = np.where(np.isnan(votes[:2]), np.sign(latent[:2]), votes[:2])  # anchors vote
    return pd.DataFrame(votes, index=names, columns=range(n_roll_calls)), theta


def test_session_method_recovers_known_positions_and_anchors():
    matrix, theta = synthetic_matrix(80, 60, seed=1)
    got = ov.score(matrix)
    assert got["USA"] == -1.0 and got["CHN"] == 1.0
    assert spearmanr(got, theta).statistic > 0.9
    assert got.median() == pytest.approx(0.0, abs=0.01)  # even count: mean of two middles


def test_bootstrap_se_shrinks_with_more_roll_calls():
    few, _ = synthetic_matrix(60, 25, seed=2)
    many, _ = synthetic_matrix(60, 200, seed=2)
    se_few = ov.bootstrap(few, 60, np.random.default_rng(0)).std(axis=1).median()
    se_many = ov.bootstrap(many, 60, np.random.default_rng(0)).std(axis=1).median()
    assert se_many < 0.7 * se_few


def test_bootstrap_is_seeded_and_anchors_have_no_spread():
    matrix, _ = synthetic_matrix(40, 30, seed=3)
    one = ov.bootstrap(matrix, 20, np.random.default_rng(5))
    two = ov.bootstrap(matrix, 20, np.random.default_rng(5))
    pd.testing.assert_frame_equal(one, two)
    assert (one.loc["USA"] == -1).all() and (one.loc["CHN"] == 1).all()


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return ov.load_table()


def test_shipped_table_is_what_the_code_computes(shipped):
    fresh = ov.session_table(74).set_index("iso3")
    old = shipped[shipped["session"] == 74].set_index("iso3")
    assert list(fresh.index) == list(old.index)
    assert (fresh["n_votes"] == old["n_votes"]).all()
    for column in ("vote_score", "vote_score_se", "q05", "q95", "non_intervention"):
        assert np.allclose(fresh[column], old[column], atol=1.5e-6, equal_nan=True), column


def test_shipped_table_shape_and_anchors(shipped):
    assert list(shipped.columns) == list(ov.COLUMNS)
    assert sorted(shipped["session"].unique()) == list(ov.SESSIONS)
    assert ((shipped["year"] - shipped["session"]) == 2010 - 65).all()
    for _, rows in shipped.groupby("session"):
        rows = rows.set_index("iso3")
        assert rows.at["USA", "vote_score"] == -1.0 and rows.at["CHN", "vote_score"] == 1.0
        assert rows.loc[["USA", "CHN"], "vote_score_se"].eq(0).all()
        assert rows["vote_score"].median() == pytest.approx(0.0, abs=0.01)
    scored = shipped.dropna(subset=["vote_score"])
    assert scored["vote_score"].between(-1, 1).all()
    assert (scored["q05"] <= scored["q95"]).all()
    inside = (scored["q05"] <= scored["vote_score"] + 1e-9) & (
        scored["vote_score"] <= scored["q95"] + 1e-9
    )
    assert inside.mean() > 0.9
    assert (shipped.loc[shipped["vote_score"].isna(), "n_votes"] < ov.MIN_VOTES).all()


def test_session_non_intervention_is_the_share_of_no_and_half_abstain(shipped):
    roll_calls, votes = unga.load_votes()
    rcids = [
        r for r, (_, _) in unga.COUNTRY_HR_ROLL_CALLS.items() if roll_calls.at[r, "session"] == 70
    ]
    sub = votes[votes["rcid"].isin(rcids)]
    opposed = sub.groupby("iso3")["vote"].apply(
        lambda v: (v == "no").sum() + 0.5 * (v == "abstain").sum()
    )
    cast = sub.groupby("iso3").size()
    expected = (opposed / cast).where(cast >= 2)
    got = shipped[shipped["session"] == 70].set_index("iso3")["non_intervention"]
    assert np.allclose(got.reindex(expected.index), expected, atol=1e-6, equal_nan=True)
    assert got["PRK"] == 1.0 and got["GBR"] == 0.0


def test_smoothed_series_reads_nothing_after_its_date(shipped):
    # session 67 ended 2013-06-28; session 68 ran 2013-10-29 to 2014-09-09, so on 1 January 2014
    # it is under way: only its roll calls before the date may enter, not its shipped row
    when = date(2014, 1, 1)
    clean = ov.smoothed_vote_score(when, table=shipped)
    spoiled = shipped.copy()
    later = spoiled["session"] >= 68
    spoiled.loc[later, ["vote_score", "non_intervention"]] = 0.123
    pd.testing.assert_frame_equal(clean, ov.smoothed_vote_score(when, table=spoiled))
    assert clean.at["USA", "vote_score"] == pytest.approx(-1.0)
    assert clean["sessions"].max() == 4  # 65, 66, 67 and the first part of 68
    partial = ov.partial_session_row(68, when, shipped).set_index("iso3")
    full = shipped[shipped["session"] == 68].set_index("iso3")
    shared = full["vote_score"].reindex(partial.index)
    assert not np.allclose(partial["vote_score"], shared, atol=1e-3, equal_nan=True)


def test_partial_session_after_its_end_is_the_shipped_row(shipped):
    partial = ov.partial_session_row(68, date(2014, 12, 31), shipped).set_index("iso3")
    full = shipped[shipped["session"] == 68].set_index("iso3")
    assert np.allclose(
        partial["vote_score"],
        full["vote_score"].reindex(partial.index),
        atol=1.5e-6,
        equal_nan=True,
    )


def test_smoothed_weights_follow_the_half_life(shipped):
    when = date(2020, 1, 1)  # every session has ended
    one = ov.smoothed_vote_score(when, half_life=1e-6, table=shipped)["vote_score"]
    last = shipped[shipped["session"] == 74].set_index("iso3")["vote_score"]
    assert np.allclose(one.reindex(last.dropna().index), last.dropna(), atol=1e-9)
    flat = ov.smoothed_vote_score(when, half_life=1e9, table=shipped)["vote_score"]
    mean = shipped.groupby("iso3")["vote_score"].mean()
    assert np.allclose(flat, mean.reindex(flat.index), atol=1e-6)


def test_doc_numbers_are_what_the_code_computes(shipped):
    pooled = unga.vote_scores()["unga_alignment"]
    assert ov.DOC.read_text() == ov.report(shipped, pooled)
    per = ov.stability(shipped, pooled)
    # single sessions order states like the pooled score does
    assert (per["rho_pooled"] > 0.8).all()


def test_pooled_before_default_is_unchanged_and_cuts_later_votes():
    default = unga.vote_scores()
    far = unga.vote_scores(before=date(2030, 1, 1))
    pd.testing.assert_frame_equal(default, far)
    early = unga.vote_scores(before=date(2015, 1, 1))
    roll_calls, votes = unga.load_votes()
    kept = roll_calls.index[roll_calls["date"] < pd.Timestamp(2015, 1, 1)]
    counts = votes[votes["rcid"].isin(kept)].groupby("iso3").size()
    assert (early["unga_n_votes"] == counts.reindex(early.index)).all()
    assert early.loc[["USA", "CHN"], "unga_alignment"].tolist() == [-1.0, 1.0]

"""The stance model's fit: the estimator recovers known coefficients, the shipped JSON is the fit
of the shipped data, and no covariate is read from after the vote."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from sim.engine.stance import STANCE_FILE
from sim.history import stance_fit


def synthetic_votes(n: int = 6000, seed: int = 0) -> pd.DataFrame:
    """Votes drawn from the shipped formula with known coefficients."""
    rng = np.random.default_rng(seed)
    truth = {"alignment": -2.0, "norm": -5.0, "target_tie": -8.0, "cuts": (-4.0, -1.0)}
    effects = {"IRN": 0.0, "PRK": 1.5, "SYR": 2.0}
    table = pd.DataFrame(
        {
            "alignment": rng.uniform(-1, 1, n),
            "norm": rng.uniform(0, 1, n),
            "target_tie": rng.uniform(0, 0.2, n),
            "target": rng.choice(list(effects), n),
        }
    )
    eta = (
        truth["alignment"] * table["alignment"]
        + truth["norm"] * table["norm"]
        + truth["target_tie"] * table["target_tie"]
        + table["target"].map(effects)
    ).to_numpy()
    p_no = expit(truth["cuts"][0] - eta)
    p_no_or_abstain = expit(truth["cuts"][1] - eta)
    u = rng.random(n)
    table["outcome"] = np.where(u < p_no, 0, np.where(u < p_no_or_abstain, 1, 2))
    return table, truth, effects


def test_the_estimator_recovers_known_coefficients():
    table, truth, effects = synthetic_votes()
    fitted, _ = stance_fit.fit(table)
    c = fitted["coefficients"]
    assert c["alignment"] == pytest.approx(truth["alignment"], abs=0.3)
    assert c["norm"] == pytest.approx(truth["norm"], abs=0.5)
    assert c["target_tie"] == pytest.approx(truth["target_tie"], abs=2.5)
    assert c["cut_no"] == pytest.approx(truth["cuts"][0], abs=0.4)
    assert c["cut_abstain"] == pytest.approx(truth["cuts"][1], abs=0.3)
    for target, value in effects.items():
        assert c["target_effects"][target] == pytest.approx(value, abs=0.3)
    # the model's own formula (sim.engine.stance) gives the probabilities the data were drawn from
    prob = stance_fit.probabilities(c, table)
    assert np.allclose(prob.sum(axis=1), 1.0)
    assert stance_fit.scores(prob, table["outcome"].to_numpy())["accuracy"] > 0.6


@pytest.fixture(scope="module")
def votes() -> pd.DataFrame:
    return stance_fit.vote_table()


def test_shipped_coefficients_are_the_fit_of_the_shipped_data(votes):
    shipped = json.loads(STANCE_FILE.read_text())
    fresh, _ = stance_fit.fit(votes)
    for name in ("alignment", "norm", "target_tie", "cut_no", "cut_abstain"):
        assert shipped["coefficients"][name] == pytest.approx(fresh["coefficients"][name], abs=1e-6)
    assert shipped["fit"]["votes"] == len(votes)
    # China-aligned, non-interventionist states oppose: the signs the theory expects
    assert shipped["coefficients"]["alignment"] < 0 and shipped["coefficients"]["norm"] < 0


def test_covariates_are_lagged_and_the_target_does_not_vote_on_itself(votes):
    assert votes["session"].min() == 66  # session 65 has nothing earlier to lag on
    assert not (votes["iso3"] == votes["target"]).any()
    from sim.history.observed import observed

    first = votes.iloc[0]
    year = 2010 + int(first["session"]) - 65
    from datetime import date

    assert first["alignment"] == observed("alignment").at[date(year, 1, 1), first["iso3"]]


@pytest.mark.slow
def test_shipped_fit_reports_cut_errors_and_in_sample_baselines(votes):
    shipped = json.loads(STANCE_FILE.read_text())
    fresh, _ = stance_fit.fit(votes)
    for name in ("cut_no", "cut_abstain"):
        assert shipped["standard_errors"][name] == pytest.approx(
            fresh["standard_errors"][name], abs=1e-6
        )
        assert shipped["standard_errors"][name] > 0
    in_sample = stance_fit.in_sample(votes, shipped["coefficients"])
    for name, row in in_sample.iterrows():
        for score, value in row.items():
            assert shipped["fit"]["in_sample"][name][score] == pytest.approx(value, abs=1e-9)
    # a fitted model beats the marginal frequencies on the data it was fitted on
    assert in_sample.at["stance model", "brier"] < in_sample.at["frequencies", "brier"]


def test_per_session_variant_reads_only_votes_before_the_roll_call():
    from datetime import date

    from sim.history.observed_votes import smoothed_vote_score

    table = pd.DataFrame(
        {
            "rcid": [5575, 5575, 5575],  # A/RES/72/189 (Iran), 2017-12-19
            "iso3": ["USA", "CHN", "BRA"],
            "target": "IRN",
            "session": 72,
            "outcome": [2, 0, 1],
            "alignment": 9.0,
            "norm": 9.0,
            "target_tie": 0.0,
        }
    )
    variant = stance_fit.per_session_covariates(table).set_index("iso3")
    expected = smoothed_vote_score(date(2017, 12, 19))
    assert variant.at["USA", "alignment"] == pytest.approx(-1.0)
    assert variant.at["BRA", "alignment"] == pytest.approx(expected.at["BRA", "vote_score"])
    assert variant.at["CHN", "norm"] == pytest.approx(expected.at["CHN", "non_intervention"])
    later = smoothed_vote_score(date(2017, 12, 20))
    assert later.at["BRA", "non_intervention"] != variant.at["BRA", "norm"]  # the vote itself


@pytest.mark.slow
def test_held_out_scores_and_the_doc_are_the_shipped_numbers(votes):
    shipped = json.loads(STANCE_FILE.read_text())
    held_out = stance_fit.validate(votes)
    for name, row in held_out.iterrows():
        for score, value in row.items():
            assert shipped["fit"]["held_out"][name][score] == pytest.approx(value, abs=1e-9)
    doc = stance_fit.DOC.read_text()
    numbers = [
        *(v for k, v in shipped["coefficients"].items() if k != "target_effects"),
        *shipped["coefficients"]["target_effects"].values(),
        *shipped["standard_errors"].values(),
        *(
            value
            for block in ("held_out", "in_sample", "per_session_variant_held_out")
            for row in shipped["fit"][block].values()
            for value in row.values()
        ),
        shipped["fit"]["pseudo_r2"],
    ]
    missing = [f"{v:.3f}" for v in numbers if f"{v:.3f}" not in doc]
    assert not missing, f"docs/stance.md lacks {missing}: rerun python -m sim.history.stance_fit"

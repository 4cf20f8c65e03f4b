"""The panel study's estimator on synthetic panels with known coefficients, its lag, its stock,
and the conversion of yearly effects to the model's monthly rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine.params import ModelParams
from sim.history import mechanisms as panel_study
from sim.history import mechanisms_doc as panel_doc
from sim.world import build_drivers

YEARS = range(2000, 2022)


def synthetic_forward(beta: float, seed: int = 1, nations: int = 80):
    """dpos[i,t] = beta x[i,t-1] + a_i + g_t + e; x has nation-specific means correlated with a_i
    (so leaving out the nation effects would bias the estimate)."""
    rng = np.random.default_rng(seed)
    iso = [f"N{k:02d}" for k in range(nations)]
    alpha = rng.normal(0, 0.05, nations)
    gamma = {y: rng.normal(0, 0.05) for y in YEARS}
    xmean = 3 + 20 * alpha
    x = {(i, y): xmean[k] + rng.normal() for k, i in enumerate(iso) for y in YEARS}
    pos = {}
    for k, i in enumerate(iso):
        level = rng.normal()
        pos[(i, YEARS[0])] = level
        for y in YEARS[1:]:
            level += beta * x[(i, y - 1)] + alpha[k] + gamma[y] + rng.normal(0, 0.05)
            pos[(i, y)] = level
    positions = pd.Series(pos).unstack()
    positions.index.name = "iso3"
    features = pd.DataFrame(
        [(i, y, v) for (i, y), v in x.items()], columns=["iso3", "year", "driver"]
    )
    return positions, features


def test_forward_estimator_recovers_a_known_coefficient_with_fixed_effects():
    positions, features = synthetic_forward(beta=0.03)
    panel = panel_study.forward_panel(positions, features, lag=1)
    fit = panel_study.fit_fe(panel, "dpos", ["driver"])
    row = fit.table.loc["driver"]
    assert abs(row["coef"] - 0.03) < 3 * row["se"]  # within three clustered SEs of the truth
    assert row["coef"] == pytest.approx(0.03, abs=0.005)
    # Without nation effects the correlated a_i biases it (the reason for the fixed effects).
    pooled = panel_study.fit_fe(panel, "dpos", ["driver"], entity_effects=False)
    assert abs(pooled.table.loc["driver", "coef"] - 0.03) > 0.01


def test_the_lag_matters_a_driver_shifted_by_one_year_loses_the_effect():
    positions, features = synthetic_forward(beta=0.03, seed=2)
    right = panel_study.fit_fe(
        panel_study.forward_panel(positions, features, lag=1), "dpos", ["driver"]
    )
    wrong = panel_study.fit_fe(
        panel_study.forward_panel(positions, features, lag=0), "dpos", ["driver"]
    )
    too_far = panel_study.fit_fe(
        panel_study.forward_panel(positions, features, lag=2), "dpos", ["driver"]
    )
    assert right.table.loc["driver", "low"] > 0.02
    for fit in (wrong, too_far):
        row = fit.table.loc["driver"]
        assert abs(row["coef"]) < 0.006 and row["low"] < 0.03 - 0.01


def test_forward_panel_pairs_the_change_with_last_years_driver():
    positions = pd.DataFrame(
        {2004: [1.0], 2005: [1.5], 2006: [1.25]}, index=pd.Index(["AAA"], name="iso3")
    )
    features = pd.DataFrame(
        {"iso3": ["AAA"] * 3, "year": [2004, 2005, 2006], "driver": [10.0, 20.0, 30.0]}
    )
    panel = panel_study.forward_panel(positions, features).set_index("year")
    assert list(panel.index) == [2005, 2006]
    assert panel.loc[2005, "dpos"] == pytest.approx(0.5) and panel.loc[2005, "driver"] == 10.0
    assert panel.loc[2006, "dpos"] == pytest.approx(-0.25) and panel.loc[2006, "driver"] == 20.0


def test_reverse_estimator_recovers_a_known_coefficient():
    """x[i,t] = delta p[i,t-1] + a_i + g_t + u: does money follow last year's position?"""
    rng = np.random.default_rng(3)
    iso = [f"N{k:02d}" for k in range(80)]
    positions = pd.DataFrame(
        np.cumsum(rng.normal(0, 0.3, (80, len(YEARS))), axis=1) + rng.normal(0, 1, (80, 1)),
        index=pd.Index(iso, name="iso3"),
        columns=list(YEARS),
    )
    alpha = rng.normal(0, 1, 80)
    gamma = rng.normal(0, 1, len(YEARS))
    rows = []
    for k, i in enumerate(iso):
        for j, y in enumerate(YEARS[1:], start=1):
            value = 0.8 * positions.loc[i, y - 1] + alpha[k] + gamma[j] + rng.normal(0, 0.3)
            rows.append((i, y, value))
    features = pd.DataFrame(rows, columns=["iso3", "year", "driver"])
    panel = panel_study.reverse_panel(positions, features)
    row = panel_study.fit_fe(panel, "driver", ["position_prev"]).table.loc["position_prev"]
    assert abs(row["coef"] - 0.8) < 3 * row["se"] and row["coef"] == pytest.approx(0.8, abs=0.1)
    # The position paired with year t is that of t - 1, never of t.
    one = panel[(panel["iso3"] == "N00") & (panel["year"] == 2010)]
    assert one["position_prev"].iloc[0] == positions.loc["N00", 2009]


def test_stock_carries_with_the_models_depreciation():
    flows = pd.DataFrame(
        {
            "iso3": ["A"] * 4 + ["B"] * 3,
            "year": [2000, 2001, 2002, 2003, 2000, 2001, 2002],
            "f": [100.0, 0.0, 50.0, 10.0, np.nan, 5.0, np.nan],
        }
    )
    keep = 0.99**12  # 0.886384...
    got = panel_study.stock(flows, "f")
    assert got.iloc[0] == pytest.approx(100.0)
    assert got.iloc[1] == pytest.approx(100 * keep)
    assert got.iloc[2] == pytest.approx(100 * keep**2 + 50)
    assert got.iloc[3] == pytest.approx((100 * keep**2 + 50) * keep + 10)
    # B: starts at its first observed year; a gap after that breaks the stock (not carried).
    assert np.isnan(got.iloc[4]) and got.iloc[5] == pytest.approx(5.0) and np.isnan(got.iloc[6])


def test_model_constants_match_the_model_defaults():
    params = ModelParams()
    assert params.infrastructure_depreciation == panel_study.MONTHLY_DEPRECIATION
    assert params.dependence_half == panel_study.DEPENDENCE_HALF


def test_implied_investment_pull_inverts_the_models_yearly_response():
    """Twelve monthly steps of the model's pull a S (1 - x) at fixed S, converted back."""
    a, saturation, x0, scale = 0.004, 0.3, 0.1, 0.6
    x = x0
    for _ in range(12):
        x += a * saturation * (1 - x)
    coef = (x - x0) / scale / saturation  # position units per unit of S
    implied = panel_study.implied_investment_pull(coef, scale, x0)
    assert implied == pytest.approx(a, rel=0.03)


def test_implied_pressure_pull_sign():
    # A change toward the US (negative, China-ward scale) implies a positive pull toward the US.
    assert panel_study.implied_pressure_pull(-0.02, 0.6, 0.0) == pytest.approx(0.001)
    assert panel_study.implied_pressure_pull(0.02, 0.6, 0.0) < 0


def test_alignment_scale_maps_us_and_china_to_minus_one_and_one():
    positions = pd.DataFrame(
        {2000: [-1.5, 0.5, 0.0], 2001: [-1.4, 0.6, 0.1]},
        index=pd.Index(["USA", "CHN", "AAA"], name="iso3"),
    )
    assert panel_study.alignment_scale(positions) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="China above"):
        panel_study.alignment_scale(-positions)


@pytest.mark.skipif(
    build_drivers.find_raw_dir() is None,
    reason="BSV ideal points absent (../shared/data/extension_2019_2022 not found)",
)
def test_bsv_positions_are_china_ward_by_year():
    positions = panel_study.bsv_positions()
    assert list(positions.columns) == list(range(2000, 2022))
    assert (positions.loc["CHN"] > positions.loc["USA"] + 2).all()  # China-ward is positive
    assert positions.loc["CUB"].mean() > positions.loc["GBR"].mean()
    assert "SRB" in positions.index and "YUG" not in positions.index


def test_write_doc_replaces_only_the_marked_block(tmp_path):
    doc = tmp_path / "m.md"
    doc.write_text(
        f"# T\n\nprose before\n\n{panel_doc.BEGIN}\nold\n{panel_doc.END}\n\nprose after\n"
    )
    panel_doc.write_doc(f"{panel_doc.BEGIN}\nnew\n{panel_doc.END}", doc)
    text = doc.read_text()
    assert "prose before" in text and "prose after" in text and "new" in text and "old" not in text

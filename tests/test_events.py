"""Every event kind and the influence matrix against values computed by hand on a toy world.

Four nations: the US and China (leaders), Alpha (AAA, a BRICS member in China's region, a Rio-
Treaty-like half ally of the US) and Beta (BBB, in the US's region, BRICS member). Weights are
chosen so every number below can be checked with pencil and paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine.events import (
    AttributionClaim,
    JoinOrganisation,
    LeaveOrganisation,
    Recognition,
    Sanction,
    ScaleParameter,
    SetOrgWeight,
    SetParameter,
)
from sim.engine.params import ORGANISATIONS, ModelParams
from sim.engine.simulation import Simulation
from sim.mesa.model import CyberBlocModel
from sim.world.nations import FLAG_COLUMNS
from sim.world.network import influence_matrix
from sim.world.world import World

WEIGHTS = {org: 0.0 for org in ORGANISATIONS} | {"brics": 1.0, "nato": 2.0, "us_alliance": 1.0}
QUIET = dict(
    china_budget=0.0,
    us_pressure_budget=0.0,
    noise_sd=0.0,
    org_weights=WEIGHTS,
    region_weight=0.5,
    initial_us_threat=0.0,
    initial_china_threat=0.0,
)


def toy_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "iso3": ["USA", "CHN", "AAA", "BBB"],
            "name": ["United States", "China", "Alpha", "Beta"],
            "region": ["Americas", "Asia", "Asia", "Americas"],
            "subregion": ["North", "East", "East", "North"],
            "population": [3e8, 1.4e9, 5e7, 2e7],
            "gdp_usd": [2.5e13, 1.8e13, 1e11, 5e10],
            "digital_gap": [0.1, 0.3, 0.6, 0.2],
            "non_intervention": [0.0, 1.0, 0.5, 0.2],
            "alignment_initial": [-1.0, 1.0, 0.2, -0.4],
            "security_tie": [0.0, 0.0, 0.5, 0.0],
        }
    )
    for flag in FLAG_COLUMNS:
        frame[flag] = 0
    frame.loc[frame.iso3.isin(["CHN", "AAA", "BBB"]), "brics"] = 1
    frame.loc[frame.iso3 == "USA", "nato"] = 1
    return frame


def toy_drivers() -> pd.DataFrame:
    """Alpha and Beta each receive USD 12 bn of Chinese finance every year 2000-2021 (USD 1 bn a
    month) and no US sanction case 2013-2022; the leaders nothing. Too few states to fit a rule:
    the persistence rule carries 2021 on (USD 1 bn a month each from 2023)."""
    rows = []
    for iso3 in ("USA", "CHN", "AAA", "BBB"):
        for year in range(2000, 2023):
            finance = 12e9 if iso3 in ("AAA", "BBB") and year <= 2021 else np.nan
            cases = 0.0 if iso3 != "USA" and year >= 2013 else np.nan
            rows.append(
                {
                    "iso3": iso3,
                    "year": year,
                    "china_finance_usd_2021": finance,
                    "bri_member": 0.0,
                    "bri_join_date": "",
                    "us_sanctions_cases": cases,
                }
            )
    return pd.DataFrame(rows)


def toy_positions() -> pd.DataFrame:
    frame = toy_frame()
    return pd.DataFrame(
        [
            {"iso3": code, "year": year, "unga_alignment": x, "gdp_usd": gdp}
            for code, x, gdp in zip(frame.iso3, frame.alignment_initial, frame.gdp_usd, strict=True)
            for year in range(2011, 2024)
        ]
    )


def toy_model(events=(), **overrides) -> CyberBlocModel:
    params = ModelParams(**{**QUIET, **overrides})
    return CyberBlocModel(
        params=params,
        nations=toy_frame(),
        events=list(events),
        reference=params,
        rng=0,
        drivers=toy_drivers(),
        positions=toy_positions(),
    )


def test_influence_matrix_by_hand():
    world = World.from_frame(toy_frame())
    A = influence_matrix(world.membership, world.subregion, WEIGHTS, 0.5, world.iso3).toarray()
    # BRICS (w=1): each member's 1.0 shared over its 2 co-members -> 0.5 each.
    # US alliance (w=1, hub USA): AAA (tau 0.5) gives 0.5 to the US; the US gives all 1.0 to AAA.
    # Region (w=0.5): USA-BBB share "North", CHN-AAA share "East": 0.5 each way.
    # NATO (w=2): the US is its only member here, so no co-member receives anything.
    expected = np.array(
        [
            [0.0, 0.0, 1.0, 0.5],  # USA: alliance -> AAA, region -> BBB
            [0.0, 0.0, 0.5 + 0.5, 0.5],  # CHN: BRICS -> AAA, BBB; region -> AAA
            [0.5, 0.5 + 0.5, 0.0, 0.5],  # AAA: alliance -> USA; BRICS -> CHN, BBB; region -> CHN
            [0.5, 0.5, 0.5, 0.0],  # BBB: region -> USA; BRICS -> CHN, AAA
        ]
    )
    assert np.allclose(A, expected)


def test_join_nato_joins_the_alliance_and_moves_the_anchor():
    model = toy_model([JoinOrganisation(step=1, nation="BBB", organisation="nato")])
    bbb = model.world.idx("BBB")
    anchor_before = model.sim.anchors.disposition[bbb]
    model.step()
    w = model.world
    assert w.membership[bbb, ORGANISATIONS.index("nato")] == 1.0
    assert w.security_tie[bbb] == 1.0
    assert w.membership[bbb, ORGANISATIONS.index("us_alliance")] == 1.0
    # tie score: BRICS +0.25 before; after, min(-1) + 0.25 = -0.75: a change of -1.0
    assert model.sim.anchors.disposition[bbb] == pytest.approx(anchor_before + 0.4 * -1.0)
    # NATO (w=2) now shared between USA and BBB; the alliance adds a spoke
    A = model.ties.toarray()
    usa = w.idx("USA")
    assert A[bbb, usa] == pytest.approx(0.5 + 2.0 + 1.0)  # region + NATO + alliance
    assert A[usa, bbb] == pytest.approx(0.5 + 2.0 + 1.0 * 1.0 / 1.5)  # alliance over 1.5 of tau


def test_leave_sets_membership_to_zero_and_moves_the_anchor_back():
    model = toy_model([LeaveOrganisation(step=2, nation="AAA", organisation="brics")])
    aaa = model.world.idx("AAA")
    u0 = model.sim.anchors.disposition[aaa]
    model.step()
    assert model.world.membership[aaa, ORGANISATIONS.index("brics")] == 1.0  # not yet
    model.step()
    assert model.world.membership[aaa, ORGANISATIONS.index("brics")] == 0.0
    # tie score: -0.5 (half ally) + 0.25 (BRICS) = -0.25 -> -0.5: change -0.25
    assert model.sim.anchors.disposition[aaa] == pytest.approx(u0 + 0.4 * -0.25)
    assert model.ties.toarray()[aaa, model.world.idx("BBB")] == 0.0


def test_leaving_the_last_security_organisation_ends_the_us_tie():
    model = toy_model(
        [
            JoinOrganisation(step=1, nation="BBB", organisation="nato"),
            LeaveOrganisation(step=2, nation="BBB", organisation="nato"),
        ]
    )
    model.step()
    model.step()
    bbb = model.world.idx("BBB")
    assert model.world.security_tie[bbb] == 0.0
    assert model.world.membership[bbb, ORGANISATIONS.index("us_alliance")] == 0.0


def _sanction_effect(params: ModelParams, intensity: float, x: float, norm: float) -> float:
    """Hand formula of the pressure contribution on a sanctioned nation with no budget."""
    effect = params.pressure_pull * intensity / (intensity + params.pressure_half)
    backlash = min(1.0, params.backlash_strength * norm * (1.0 + 0.0))
    push = backlash - (1.0 - backlash) * 1.0  # no security tie
    return effect * (push * (1 - x) if push > 0 else push * (1 + x))


def test_scheduled_sanction_adds_pressure_for_exactly_its_duration():
    sanction = Sanction(step=2, target="BBB", intensity=2.0, duration=3, threat_increase=0.2)
    model = toy_model([sanction])
    bbb = model.world.idx("BBB")
    pressure = []
    for _ in range(6):
        x, n = model.state.alignment[bbb], model.state.norm[bbb]
        threat = model.state.threat_us[bbb]
        model.step()
        pressure.append(model.contributions[1, bbb])
        if model.step_index == 2:
            # threat rises on impact (then decays); backlash reads the raised threat
            assert threat == 0.0 and model.state.threat_us[bbb] > 0.0
            p = model.params
            backlash = p.backlash_strength * n * (1 + p.threat_backlash_gain * 0.2)
            effect = p.pressure_pull * 2.0 / (2.0 + p.pressure_half)
            push = backlash - (1 - backlash)
            assert pressure[-1] == pytest.approx(effect * push * (1 + x))
    active = [abs(v) > 0 for v in pressure]
    assert active == [False, True, True, True, False, False]


def test_live_sanction_lasts_its_duration_from_the_next_step():
    model = toy_model()
    model.step()
    model.apply_event(Sanction(step=1, target="AAA", intensity=1.0, duration=2))
    aaa = model.world.idx("AAA")
    moves = []
    for _ in range(4):
        model.step()
        moves.append(abs(model.contributions[1, aaa]) > 0)
    assert moves == [True, True, False, False]


def test_set_and_scale_parameter_take_effect_on_their_step():
    events = [
        SetParameter(step=2, parameter="china_budget", value=3.0),
        ScaleParameter(step=3, parameter="china_budget", factor=2.0),
    ]
    model = toy_model(events)
    stocks = []
    for _ in range(3):
        before = model.state.stock.sum()
        model.step()
        stocks.append(
            model.state.stock.sum() - (1 - model.params.infrastructure_depreciation) * before
        )
    assert stocks == pytest.approx([0.0, 6.0, 12.0])  # budget x (1 + 1) USD bn a month
    assert model.params.china_budget == 6.0


def test_set_org_weight_rebuilds_the_network():
    model = toy_model([SetOrgWeight(step=1, organisation="brics", weight=3.0)])
    model.step()
    A = model.ties.toarray()
    w = model.world
    assert A[w.idx("BBB"), w.idx("CHN")] == pytest.approx(1.5)  # 3.0 over two co-members


@pytest.mark.parametrize(
    ("accuser", "raised", "untouched"), [("china", "us", "china"), ("us", "china", "us")]
)
def test_attribution_raises_threat_from_the_accused_among_the_accusers_believers(
    accuser, raised, untouched
):
    model = toy_model([AttributionClaim(step=1, accuser=accuser, magnitude=0.4)], threat_decay=0.0)
    x = model.state.alignment.copy()
    model.step()
    credence = (1 + x) / 2 if accuser == "china" else (1 - x) / 2
    assert np.allclose(getattr(model.state, f"threat_{raised}"), 0.4 * credence)
    assert np.allclose(getattr(model.state, f"threat_{untouched}"), 0.0)


def test_recognition_switch_turns_chinese_investment_off_and_on():
    events = [
        Recognition(step=2, nation="AAA", recognises="taiwan"),
        Recognition(step=4, nation="AAA", recognises="prc"),
    ]
    model = toy_model(events, china_budget=1.0)
    aaa = model.world.idx("AAA")
    received = []
    for _ in range(4):
        before = model.state.stock[aaa]
        model.step()
        received.append(
            model.state.stock[aaa] - (1 - model.params.infrastructure_depreciation) * before
        )
    assert received[0] == pytest.approx(1.0) and received[3] == pytest.approx(1.0)
    assert received[1] == 0.0 and received[2] == 0.0


def test_stacked_simulation_applies_membership_events_like_single_runs():
    world = World.from_frame(toy_frame())
    params = ModelParams(**{**QUIET, "noise_sd": 0.01, "china_budget": 1.0})
    events = [JoinOrganisation(step=2, nation="BBB", organisation="nato")]
    stacked = Simulation(world, params, events, [np.random.default_rng(s) for s in (1, 2)], params)
    single = Simulation(world, params, events, np.random.default_rng(2), params)
    for _ in range(5):
        stacked.step()
        single.step()
    assert np.array_equal(stacked.state.alignment[:, 1], single.state.alignment)

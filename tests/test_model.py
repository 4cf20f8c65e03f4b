"""The Mesa layer on the real 2023 world: defaults, agents as views, Mesa's own tooling."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.engine.metrics import METRIC_NAMES
from sim.engine.params import ORGANISATIONS
from sim.mesa.agents import NationAgent
from sim.mesa.model import CyberBlocModel


@pytest.fixture(scope="module")
def model() -> CyberBlocModel:
    return CyberBlocModel(rng=1)


def test_default_model_is_the_2023_world(model):
    assert len(model.agents) == 196
    assert sum(a.iso3 not in ("PSE", "TWN", "XKX") for a in model.agents) == 193
    assert model.date == "2023-01-01"
    by_code = {a.iso3: a for a in model.agents}
    assert by_code["USA"].alignment == -1.0 and by_code["CHN"].alignment == 1.0
    assert by_code["GBR"].bloc == -1 and by_code["JPN"].bloc == -1 and by_code["DEU"].bloc == -1
    assert by_code["RUS"].bloc == 1 and by_code["IRN"].bloc == 1 and by_code["PRK"].bloc == 1
    assert by_code["BRA"].bloc == 0 and by_code["IND"].bloc == 0 and by_code["NGA"].bloc == 0


def test_plausible_starting_blocs(model):
    blocs = pd.Series({a.iso3: a.bloc for a in model.agents})
    nato = model.world.membership[:, ORGANISATIONS.index("nato")] > 0
    assert (model.blocs[nato] == -1).mean() == 1.0  # all NATO members start in the US-led bloc
    counts = blocs.value_counts()
    assert counts[1] < counts[-1] < counts[0]  # China's camp a minority, a large middle


def test_agents_are_views_on_the_model_arrays():
    model = CyberBlocModel(rng=2, collect_agent_data=False)
    india = next(a for a in model.agents if a.iso3 == "IND")
    india.alignment = 0.9
    assert model.state.alignment[india.row] == 0.9
    india.alignment = 5.0  # clipped
    assert india.alignment == 1.0
    model.step()
    assert india.alignment == model.state.alignment[india.row] != 1.0
    moves = india.last_move()
    assert set(moves) == {"investment", "pressure", "peers", "stubbornness", "noise"}
    assert all(isinstance(v, float) for v in moves.values())


def test_two_live_models_do_not_share_state():
    a, b = (
        CyberBlocModel(rng=1, collect_agent_data=False),
        CyberBlocModel(rng=1, collect_agent_data=False),
    )
    a.nations[0].alignment = 0.123
    assert b.nations[0].alignment != 0.123


def test_datacollector_records_model_and_agent_series(model):
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(METRIC_NAMES)
    assert len(frame) == 4  # step 0 and three steps
    agents = model.datacollector.get_agent_vars_dataframe()
    assert set(agents.columns) == {"iso3", "alignment", "bloc"}
    assert len(agents) == 4 * 196
    assert isinstance(next(iter(model.agents)), NationAgent)


def test_mesa_batch_run_drives_the_model():
    results = pd.DataFrame(
        mesa.batch_run(
            CyberBlocModel,
            parameters={"china_budget": [0.0, 3.0], "collect_agent_data": False},
            rng=[1, 2],
            max_steps=6,
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )
    )
    assert len(results) == 4
    stock = results.groupby("china_budget")["china_stock_bn"].mean()
    # the stock built before 2023 depreciates; China's flows add to it
    assert stock[3.0] > stock[0.0] > 0
    by_seed = results[results.china_budget == 3.0].set_index("rng")["mean_alignment"]
    assert by_seed[1] != by_seed[2]


def test_seed_given_as_text_is_accepted():
    """Front-end text inputs pass seeds as strings (a Mesa 3.5 pitfall)."""
    a = CyberBlocModel(rng="5", collect_agent_data=False)
    b = CyberBlocModel(rng=5, collect_agent_data=False)
    a.step()
    b.step()
    assert np.array_equal(a.state.alignment, b.state.alignment)


def test_nations_frame_shows_memberships_as_of_each_month():
    """Issue 11 item 4: membership columns follow events, static columns describe the nation."""
    from sim.engine.events import JoinOrganisation, Recognition
    from sim.mesa.model import CyberBlocModel

    model = CyberBlocModel(
        rng=1,
        events=[
            JoinOrganisation(step=3, nation="FIN", organisation="nato"),
            Recognition(step=2, nation="PRY", recognises="prc"),
        ],
    )
    for _ in range(4):
        model.step()
    frame = model.history.nations_frame(model.world)
    finland = frame[frame["iso3"] == "FIN"].set_index("step")
    assert finland["member_nato"].tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert finland["region"].iloc[0] == "Europe" and finland["gdp_usd"].iloc[0] > 1e11
    paraguay = frame[frame["iso3"] == "PRY"].set_index("step")
    assert paraguay["recognises_taiwan"].tolist() == [True, True, False, False, False]


def test_group_summaries_follow_membership_month_by_month():
    from sim.engine.events import JoinOrganisation
    from sim.engine.groups import group_frame
    from sim.mesa.model import CyberBlocModel

    model = CyberBlocModel(
        rng=2, events=[JoinOrganisation(step=2, nation="IDN", organisation="brics")]
    )
    for _ in range(3):
        model.step()
    nations = model.history.nations_frame(model.world)
    groups = group_frame(nations).set_index(["step", "group"])
    assert groups.loc[(0, "org:brics"), "members"] == 5
    assert groups.loc[(2, "org:brics"), "members"] == 6
    brics_now = nations[(nations["step"] == 2) & (nations["member_brics"] > 0)]
    assert groups.loc[(2, "org:brics"), "mean_alignment"] == pytest.approx(
        brics_now["alignment"].mean()
    )
    africa = nations[(nations["step"] == 1) & (nations["region"] == "Africa")]
    assert groups.loc[(1, "region:Africa"), "china_bloc"] == (africa["bloc"] == 1).sum()


def test_the_package_imports_from_any_folder(tmp_path):
    """Issue 11 item 7: `sim` is installed into the environment (editable), so a notebook or a
    script outside the repository imports it."""
    import subprocess
    import sys

    code = (
        "import sim.mesa.model; m = sim.mesa.model.CyberBlocModel(rng=1); m.step(); print(m.date)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2023-02-01"


def test_switch_log_names_each_bloc_change_and_the_mechanism_that_carried_it():
    from sim.engine.dynamics import MECHANISMS
    from sim.engine.switches import switch_log
    from sim.mesa.model import CyberBlocModel

    model = CyberBlocModel(rng=4, investment_pull=0.05)  # a strong pull: some nations must switch
    for _ in range(36):
        model.step()
    log = switch_log(model.history, model.world)
    h = model.history
    changed = sum(int((h.blocs[t] != h.blocs[t - 1]).sum()) for t in range(1, len(h.steps)))
    assert len(log) == changed > 0
    row = log.iloc[0]
    t = h.steps.index(row["step"])
    i = model.world.idx(row["iso3"])
    assert h.blocs[t - 1][i] != h.blocs[t][i]
    direction = 1 if row["to"] == "china" or row["from"] == "us" else -1
    push = h.contributions[t][:, i] * direction
    assert row["carried_by"] == MECHANISMS[int(np.argmax(push))]
    assert "investment" in set(log["carried_by"])

"""Browserless tests of the front end: render the page into widgets with ``solara.render`` and
drive it the way a browser would (button clicks, slider and select values, map clicks).

The real-browser test (offline assets, JavaScript, no request leaving the machine) is
tests/ui/test_app_e2e.py.
"""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

import ipyvuetify as v
import numpy as np
import pytest
import solara
from typer.testing import CliRunner

from sim.cli import app as cli_app
from sim.engine.params import ModelParams
from sim.inputs.scenario import list_scenarios
from sim.present.viz import app as viz_app
from sim.present.viz import launch
from sim.present.viz.assets import DEAD_CDN, missing_assets
from sim.present.viz.events_menu import PRESETS, build_events
from sim.present.viz.explorer import ExplorerModel, coerce_seed, scenario_choices
from sim.present.viz.launch import is_loopback, server_env
from sim.present.viz.params_ui import KEY_PARAMETERS, overrides_from_settings, slider_specs
from sim.present.viz.state import ExplorerState, use_explorer_state
from tests.viz_helpers import measure_chart


@pytest.fixture
def ui():
    """The page inside an AppLayout (as `solara run` serves it) and the session state."""
    held: dict[str, ExplorerState] = {}

    @solara.component
    def Harness():  # noqa: N802 (a component)
        state = use_explorer_state("baseline")
        held["state"] = state
        with solara.AppLayout():
            viz_app.Explorer(state)

    _box, rc = solara.render(Harness(), handle_error=False)
    yield held["state"], rc
    rc.close()


def html(rc, ref: str) -> str:
    return rc.find(meta_ref=ref).widget.unsafe_innerHTML


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def click_once_shown(rc, label: str, timeout: float = 10.0) -> None:
    """Click a button that a render from the play thread is about to show."""
    import time

    deadline = time.monotonic() + timeout
    while not rc.find(v.Btn, children=[label]).widgets:
        assert time.monotonic() < deadline, (
            f"no {label!r} button within {timeout} s: "
            f"{[b.children for b in rc.find(v.Btn).widgets][:6]}"
        )
        time.sleep(0.02)
    click(rc, label)


def slider(rc, label_start: str):
    found = [w for w in rc.find(v.Slider).widgets if str(w.label or "").startswith(label_start)]
    assert len(found) == 1, f"one slider labelled {label_start!r}, found {len(found)}"
    return found[0]


def show_tab(rc, index: int) -> None:
    rc.find(v.Tabs).widget.v_model = index


# --- stepping changes what the views show ----------------------------------------------------------
def test_step_changes_map_counter_and_bloc_shares(ui):
    state, rc = ui
    model = state.model.value
    fills0 = dict(rc.find(meta_ref="world-map").widget.fills)
    shares0 = html(rc, "bloc-shares")
    assert "Step 0" in html(rc, "step-counter")

    click(rc, "Step")

    assert state.model.value is model and model.steps == 1
    assert "Step 1" in html(rc, "step-counter")
    assert rc.find(meta_ref="world-map").widget.fills != fills0
    assert html(rc, "bloc-shares") != shares0
    tips = rc.find(meta_ref="world-map").widget.tips
    assert "last move" in tips["KEN"] and "investment" in tips["KEN"]


def test_every_tab_draws_and_follows_the_steps(ui):
    state, rc = ui
    show_tab(rc, 1)
    histogram0, heatmap0 = html(rc, "histogram"), html(rc, "heatmap")
    click(rc, "Step")
    click(rc, "Step")
    assert html(rc, "histogram") != histogram0
    assert html(rc, "heatmap") != heatmap0
    assert heatmap0.count("data:image/png;base64,") == 1  # the raster is inline, not fetched

    show_tab(rc, 2)
    network = rc.find(meta_ref="network").widget
    nodes, edges = list(network.nodes), network.edges
    fills = dict(network.fills)
    click(rc, "Step")
    network = rc.find(meta_ref="network").widget
    assert network.fills != fills
    assert network.nodes == nodes and network.edges == edges  # fixed layout: no re-layout

    show_tab(rc, 3)
    table = rc.find(meta_ref="nations-table").widget
    assert len(table.items) == state.model.value.world.n
    row = next(item for item in table.items if item["iso3"] == "USA")
    assert row["bloc"] == "US-led"
    rc.find(v.Select, label="Organisation").widget.v_model = "BRICS"
    assert {item["iso3"] for item in rc.find(meta_ref="nations-table").widget.items} == {
        "BRA",
        "RUS",
        "IND",
        "CHN",
        "ZAF",
    }


def test_bloc_share_measure_switch(ui):
    _state, rc = ui
    by_count = html(rc, "bloc-shares")
    rc.find(meta_ref="bloc-measure").widget.v_model = 2  # the third button: GDP
    by_gdp = html(rc, "bloc-shares")
    assert by_gdp != by_count and "GDP" in by_gdp


def test_click_on_map_shows_the_nation_and_its_last_move(ui):
    state, rc = ui
    click(rc, "Step")
    rc.find(meta_ref="world-map").widget._event_callbacks["select"]("KEN")
    assert state.selected.value == "KEN"
    detail = html(rc, "nation-detail")
    assert "Kenya" in detail and "alignment" in detail
    # issue 12 item 2: the path since month 0 and the mechanism totals, from the model's history
    from sim.present.viz.views import nation_history

    click(rc, "Step")
    model = state.model.value
    row = model.world.idx("KEN")
    path, totals = nation_history(model, row, 2)
    assert path == [float(x[row]) for x in model.history.alignment[:3]]
    expected = model.history.contributions[1][:, row] + model.history.contributions[2][:, row]
    assert np.allclose(totals, expected)
    assert np.isclose(path[-1] - path[0], totals.sum(), atol=1e-12)  # no clipping near 0
    assert "+0.3" in html(rc, "nation-path") and "-0.3" in html(rc, "nation-path")
    assert f"{totals[0]:+.5f}" in html(rc, "nation-totals")


# --- controls ---------------------------------------------------------------------------------------
def test_slider_and_reset_rebuild_the_model_with_the_new_value(ui):
    state, rc = ui
    old = state.model.value
    click(rc, "Step")
    slider(rc, "China budget").v_model = 2.5
    assert state.model.value is old  # nothing happens until Reset
    click(rc, "Reset")
    new = state.model.value
    assert new is not old and new.steps == 0
    assert new.params.china_budget == 2.5
    assert "parameters.china_budget=2.5" in new.resolved.overrides
    assert new.problem is None
    assert "Step 0" in html(rc, "step-counter")


def test_org_weight_and_seed_reach_the_model(ui):
    state, rc = ui
    slider(rc, "BRICS").v_model = 2.0
    rc.find(v.TextField, label="Seed").widget.v_model = "7"
    click(rc, "Reset")
    model = state.model.value
    assert model.params.org_weights["brics"] == 2.0
    assert model.resolved.scenario.seed == 7


def test_picking_a_scenario_loads_it(ui):
    state, rc = ui
    other = next(name for name in scenario_choices() if name != "baseline")
    rc.find(meta_ref="scenario-select").widget.v_model = other
    model = state.model.value
    assert model.scenario_name == other
    assert model.steps == 0
    assert state.settings.value["scenario_name"] == other
    assert model.resolved.scenario.name in html(rc, "step-counter")


def test_invalid_value_shows_a_message_and_the_page_keeps_working(ui):
    state, rc = ui
    slider(rc, "US bloc threshold").v_model = 0.0
    slider(rc, "China bloc threshold").v_model = 0.0
    assert "us_bloc_threshold must be below" in rc.find(meta_ref="pending-error").widget.children[0]
    click(rc, "Reset")
    model = state.model.value
    assert model.problem and "us_bloc_threshold must be below" in model.problem
    assert model.params.us_bloc_threshold < model.params.china_bloc_threshold  # fell back
    warning = rc.find(meta_ref="model-problem").widget
    assert "Invalid input" in str(warning.children)
    click(rc, "Step")
    assert model.steps == 1


def test_bad_seed_shows_a_message(ui):
    state, rc = ui
    rc.find(v.TextField, label="Seed").widget.v_model = "abc"
    assert "seed must be a whole number" in str(rc.find(meta_ref="pending-error").widget.children)
    click(rc, "Reset")
    assert "seed must be a whole number" in state.model.value.problem


def test_trigger_event_takes_effect_in_the_next_step(ui):
    state, rc = ui
    model = state.model.value
    before = model.params.org_weights["brics"]
    label = next(label for label in PRESETS if label.startswith("BRICS cyber agenda"))
    rc.find(meta_ref="event-select").widget.v_model = label
    click(rc, "Trigger")
    assert model.params.org_weights["brics"] == before  # scheduled, not yet applied
    click(rc, "Step")
    assert model.params.org_weights["brics"] == pytest.approx(3 * before)
    assert model.triggered and model.triggered[0].step == 1


def test_time_scrubber_shows_an_earlier_step(ui):
    state, rc = ui
    fills = []
    for _ in range(3):
        fills.append(dict(rc.find(meta_ref="world-map").widget.fills))
        click(rc, "Step")
    rc.find(meta_ref="scrubber").widget.v_model = 1
    assert state.view_step.value == 1
    assert "Step 1" in html(rc, "step-counter")
    assert rc.find(meta_ref="world-map").widget.fills == fills[1]
    click(rc, "Back to live")
    assert "Step 3" in html(rc, "step-counter")


def test_download_holds_the_cli_outputs_and_the_triggered_events():
    model = ExplorerModel(scenario_name="baseline")
    model.trigger(build_events("China doubles its budget", model))
    model.step()
    model.step()
    archive = zipfile.ZipFile(io.BytesIO(model.write_outputs_zip()))
    names = {name.split("/", 1)[1] for name in archive.namelist()}
    assert {"model.parquet", "nations.parquet", "summary.json", "manifest.json"} <= names
    manifest = json.loads(archive.read("baseline-step2/manifest.json"))
    assert manifest["scenario"]["steps"] == 2
    assert manifest["scenario"]["events"][-1]["kind"] == "scale_parameter"


def test_views_read_only_complete_steps_while_the_model_records_one():
    """Issue 10 item 13: the page renders in another thread while a step is appended list by
    list; a reader in between must get the last complete step, with series of equal length."""
    from sim.present.viz.charts import stacked_area_svg
    from sim.present.viz.snapshot import bloc_layers, last_step, snapshot

    model = ExplorerModel(scenario_name="baseline", seed=1)
    model.step()
    model.step()
    h = model.history
    h.steps.append(3)  # step 3 half recorded: its step and date only
    h.dates.append("2023-04-01")
    assert last_step(model) == 2
    snap = snapshot(model)
    assert snap.step == 2 and snap.date == h.dates[2]
    assert snapshot(model, 3).step == 2
    steps, layers = bloc_layers(model, len(h.steps) - 1, "gdp")
    assert steps == [0, 1, 2] and layers.shape == (3, 3)
    assert "<svg" in stacked_area_svg(steps, layers, "GDP")


def test_no_event_after_the_last_month_and_no_stacking():
    """Issue 10 item 15: an event after the end is refused (the download stays consistent), the
    same event twice is refused (no x8 budget), a 4-nation preset is listed once."""
    model = ExplorerModel(scenario_name="baseline", seed=1)
    model.trigger(build_events("China doubles its budget", model))
    model.step()
    with pytest.raises(ValueError, match="already triggered"):
        model.trigger(build_events("China doubles its budget", model))
    model.trigger(build_events("BRICS enlarges (EGY, ETH, IRN, ARE)", model))
    assert model.triggered_summary() == [
        "month 1: China doubles its infrastructure budget (triggered in the front end)",
        "month 2: BRICS enlargement (January 2024) (4 events)",
    ]
    while model.running:
        model.step()
    steps = model.resolved.scenario.steps
    with pytest.raises(ValueError, match="the run has ended"):
        model.trigger(build_events("Iran joins the SCO", model))
    outputs = model.resolved_for_outputs().scenario
    assert outputs.steps == steps == model.step_index
    assert all(event.step <= steps for event in outputs.events)


# --- generated sliders, launch helpers ----------------------------------------------------------------
def test_sliders_come_from_the_parameter_metadata():
    specs = slider_specs()
    defaults = ModelParams()
    for name in KEY_PARAMETERS:
        field = ModelParams.model_fields[name]
        spec = specs[name]
        assert field.json_schema_extra["unit"] in spec["label"]
        assert spec["help"] == field.description
        assert spec["min"] <= getattr(defaults, name) <= spec["max"]
    for org, weight in defaults.org_weights.items():
        assert specs[f"org_weights.{org}"]["min"] <= weight <= specs[f"org_weights.{org}"]["max"]


def test_every_library_scenarios_values_are_positions_of_their_sliders():
    """A browser slider snaps to its positions and sends the snapped value back: a value between
    positions would change on load and a Reset would run a parameter nobody chose."""
    from sim.inputs.scenario import list_scenarios, load_scenario
    from sim.present.viz.params_ui import settings_from_params

    specs = slider_specs()
    for path in list_scenarios():
        values = settings_from_params(load_scenario(path).scenario.parameters)
        for name, value in values.items():
            spec = specs[name]
            positions = (value - spec["min"]) / spec["step"]
            assert positions == pytest.approx(round(positions), abs=1e-9), (path.stem, name, value)
            assert spec["min"] <= value <= spec["max"], (path.stem, name)
            assert (spec["max"] - spec["min"]) / spec["step"] <= 400, (name, spec)  # draggable


def test_settings_differ_only_beyond_float_rounding():
    from sim.present.viz.params_ui import settings_differ

    running = {"scenario_name": "baseline", "seed": 42, "backlash_strength": 0.33}
    assert not settings_differ(dict(running), running)
    assert not settings_differ(running | {"backlash_strength": 0.33 * (1 + 1e-15)}, running)
    assert settings_differ(running | {"backlash_strength": 0.34}, running)
    assert settings_differ(running | {"seed": 43}, running)
    assert settings_differ(running | {"scenario_name": "null"}, running)


def test_overrides_use_plain_decimals_yaml_reads_as_numbers():
    params = ModelParams()
    assert overrides_from_settings({"noise_sd": 0.00001}, params) == []  # not a slider
    assert overrides_from_settings({"pressure_pull": 0.00001}, params) == [
        "parameters.pressure_pull=0.00001"
    ]
    assert overrides_from_settings({"china_budget": 1.0}, params) == []  # unchanged


def test_seed_coercion():
    assert coerce_seed("12") == 12 and coerce_seed(3) == 3
    for bad in ("-1", "1.5", "x", True, -2):
        with pytest.raises(ValueError):
            coerce_seed(bad)


def test_every_library_scenario_opens_in_the_explorer():
    for path in list_scenarios():
        model = ExplorerModel(scenario_name=path.stem)
        assert model.problem is None, model.problem
        model.step()


def test_offline_assets_are_installed_and_the_cdn_is_dead():
    assert missing_assets() == []
    env = server_env("baseline")
    assert env["SOLARA_ASSETS_CDN"] == DEAD_CDN
    assert env["CYBERBLOC_SCENARIO"] == "baseline"
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0")


def test_viz_command_rejects_an_unknown_scenario():
    result = CliRunner().invoke(cli_app, ["viz", "no_such_scenario"])
    assert result.exit_code == 2
    assert "no_such_scenario" in result.output


def test_the_run_stops_at_the_scenarios_length():
    model = ExplorerModel(scenario_name="baseline")
    length = model.resolved.scenario.steps
    for _ in range(length + 5):
        model.step()
    assert model.step_index == length and not model.running


def test_launch_prints_the_address_and_warns_off_loopback(monkeypatch):
    monkeypatch.delenv("CYBERBLOC_SCENARIO", raising=False)
    calls = []
    monkeypatch.setattr(
        launch.subprocess,
        "run",
        lambda cmd, env, cwd: calls.append((cmd, env)) or subprocess.CompletedProcess(cmd, 0),
    )
    said: list[str] = []
    assert launch.launch("baseline", "127.0.0.1", 8123, say=said.append) == 0
    assert said == ["cyberbloc front end: http://127.0.0.1:8123/  (Ctrl+C to stop)"]
    command, env = calls[-1]
    assert command[command.index("--port") + 1] == "8123" and "--production" in command
    assert env["CYBERBLOC_SCENARIO"].endswith("baseline.yaml")

    said.clear()
    launch.launch(None, "0.0.0.0", None, say=said.append)
    assert said[0].startswith("cyberbloc front end: http://0.0.0.0:")
    assert said[1].startswith("warning: listening on 0.0.0.0")
    assert "CYBERBLOC_SCENARIO" not in calls[-1][1]  # the app opens the baseline


def test_a_download_does_not_hold_the_model_while_it_writes(monkeypatch):
    """Issue 10 item 16: the model lock is held only to take a snapshot; while the files are
    written the run can step, and the files show the step the download was asked at."""
    import threading

    import sim.present.outputs

    model = ExplorerModel(scenario_name="baseline", seed=3)
    model.step()
    original = sim.present.outputs.write_run
    seen = {}

    def write_while_the_run_goes_on(view, *args, **kwargs):
        stepper = threading.Thread(
            target=lambda: (model.lock.acquire(timeout=5), model.step(), model.lock.release())
        )
        stepper.start()
        stepper.join(timeout=10)
        seen["model_step"] = model.step_index
        seen["view_steps"] = len(view.history.steps)
        return original(view, *args, **kwargs)

    monkeypatch.setattr(sim.present.outputs, "write_run", write_while_the_run_goes_on)
    archive = zipfile.ZipFile(io.BytesIO(model.write_outputs_zip()))
    assert seen == {"model_step": 2, "view_steps": 2}  # the run stepped; the snapshot did not
    summary = json.loads(archive.read("baseline-step1/summary.json"))
    assert summary["steps"] == 1


def test_measures_view_shows_every_metric_with_its_definition(ui):
    """Issue 12 item 1: every model measure over time, with a one-line definition; the values
    drawn are the model's."""
    from sim.engine.metrics import METRIC_DEFINITIONS, METRIC_LABELS, METRIC_NAMES
    from sim.present.viz.views import measure_series

    state, rc = ui
    click(rc, "Step")
    click(rc, "Step")
    show_tab(rc, 4)
    model = state.model.value
    series = measure_series(model, 2)
    assert set(series) == set(METRIC_NAMES) == set(METRIC_DEFINITIONS) == set(METRIC_LABELS)
    # each chart is titled in words a reader knows, not by the column's identifier
    grid = html(rc, "measures")
    assert "China-led bloc (nations)" in grid and ">china count<" not in grid
    steps, values = series["china_count"]
    assert steps == [0, 1, 2]
    assert values == [float(m["china_count"]) for m in model.history.metrics[:3]]
    svg = measure_chart(html(rc, "measures"), "china_count")
    assert f"now {values[-1]:.0f}" in svg or f"now {values[-1]:.2f}".rstrip("0").rstrip(".") in svg
    assert METRIC_DEFINITIONS["china_count"].split(" (")[0] in svg  # the definition is the title
    assert "2023" in svg  # calendar years on the axis, not step numbers


def test_switch_log_lists_the_nations_that_changed_bloc():
    """Issue 12 item 2 (the world's switch log): the page lists each bloc change with its month
    and the mechanism that carried it, as sim.engine.switches computes it."""
    from sim.engine.switches import switch_log
    from sim.present.viz.views import SwitchLog

    model = ExplorerModel(scenario_name="digital_silk_road_surge", seed=2)
    for _ in range(24):
        model.step()
    log = switch_log(model.history, model.world)
    assert len(log) > 0
    _, rc = solara.render(SwitchLog(model), handle_error=False)
    table = html(rc, "switch-log")
    newest = log.iloc[-1]
    assert newest["name"] in table and newest["carried_by"] in table and newest["date"] in table
    assert table.count("<tr>") == min(len(log), 60) + 1  # header + newest 60


def test_after_a_finished_run_another_scenario_can_be_played_and_stepped(ui):
    """Issue 10 item 14: once a run has ended, picking another scenario must enable play and
    Step again (Mesa's controller kept its own 'running' flag at False)."""
    from sim.present.viz.controls import load_scenario_now

    state, rc = ui
    state.steps_per_frame.value = 24
    for _ in range(10):
        step = rc.find(v.Btn, children=["Step"]).widget
        if step.disabled:
            break
        step.click()
    assert state.model.value.step_index == state.model.value.resolved.scenario.steps
    assert rc.find(v.Btn, children=["Step"]).widget.disabled  # the run has ended
    load_scenario_now(state, "null")
    assert not rc.find(v.Btn, children=["Step"]).widget.disabled
    assert not rc.find(v.Btn, children=["▶"]).widget.disabled
    click(rc, "Step")
    assert state.model.value.step_index == 24


def test_a_run_that_ends_while_playing_leaves_play_and_step_ready_for_the_next(ui):
    """Issue 10 item 14, the case Mesa's controller got wrong: a run that ends *while playing*
    turns play off by itself (the button shows ▶ again), and the next scenario can be played
    and stepped at once, without Reset."""
    import time

    from sim.present.viz.controls import load_scenario_now

    state, rc = ui
    state.steps_per_frame.value = 24
    state.play_interval.value = 0
    click(rc, "▶")
    deadline = time.monotonic() + 60
    while state.playing.value or not rc.find(v.Btn, children=["▶"]).widgets:
        assert time.monotonic() < deadline, f"still playing at step {state.model.value.step_index}"
        time.sleep(0.05)  # the play thread turns play off, then the page re-renders
    model = state.model.value
    assert model.step_index == model.resolved.scenario.steps and not model.running
    assert rc.find(v.Btn, children=["▶"]).widget.disabled  # ended: play shows ▶, disabled
    assert rc.find(v.Btn, children=["Step"]).widget.disabled
    load_scenario_now(state, "null")
    assert not rc.find(v.Btn, children=["▶"]).widget.disabled
    assert not rc.find(v.Btn, children=["Step"]).widget.disabled
    click(rc, "Step")
    assert state.model.value.step_index == 24


def test_play_pauses_and_reset_rebuilds_from_the_settings(ui):
    """Pause stops the loop where it is; Reset builds a new model from the sidebar's settings."""
    import time

    state, rc = ui
    state.play_interval.value = 50  # 120 frames take >= 6 s: time to pause mid-run
    click(rc, "▶")
    deadline = time.monotonic() + 30
    while state.model.value.step_index < 3:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    click_once_shown(rc, "❚❚")
    stopped, still = -1, state.model.value.step_index
    while still != stopped:  # a frame in flight may finish; then nothing moves for 0.5 s
        assert time.monotonic() < deadline, "the run went on after pause"
        stopped = still
        time.sleep(0.5)
        still = state.model.value.step_index
    assert 3 <= stopped < 120 and not state.playing.value
    assert not rc.find(v.Btn, children=["Step"]).widget.disabled
    state.settings.set({**state.settings.value, "seed": 7})
    old = state.model.value
    click(rc, "Reset")
    assert state.model.value is not old and state.model.value.step_index == 0
    assert state.model.value.resolved.scenario.seed == 7
    state.settings.set({**state.settings.value, "seed": "8"})  # typed in the text box
    click(rc, "Reset")
    assert state.model.value.resolved.scenario.seed == 8
    deadline = time.monotonic() + 10  # a render from the play task's thread may be in flight
    while any("press Reset" in str(w.children) for w in rc.find(v.Alert).widgets):
        assert time.monotonic() < deadline, "'settings changed' after Reset with a typed seed"
        time.sleep(0.05)


def test_time_axes_are_labelled_with_dates():
    """Issue 11/12: the bloc-share chart and the heatmap label their time axis with calendar
    dates from the run's start, not step numbers."""
    import re

    import numpy as np

    from sim.present.viz.charts import _x_ticks, heatmap_svg, stacked_area_svg

    def labels(svg: str) -> list[str]:
        return re.findall(r">([^<]+)</text>", svg)

    assert labels(_x_ticks(0, 36, 0, 300, 0, start="2016-05-01")) == ["2017", "2018", "2019"]
    assert labels(_x_ticks(0, 12, 0, 300, 0, start="2023-01-01")) == [
        "2023-01", "2023-04", "2023-07", "2023-10", "2024-01",
    ]  # fmt: skip
    assert labels(_x_ticks(0, 12, 0, 300, 0)) == ["0", "2", "4", "6", "8", "10", "12"]
    steps = list(range(25))
    layers = np.tile(np.array([[0.3], [0.5], [0.2]]), (1, 25))
    shares = labels(stacked_area_svg(steps, layers, "nations", start="2023-01-01"))
    assert {"2023-01", "2023-07", "2024-01", "2024-07", "2025-01", "date"} <= set(shares)
    history = [np.linspace(-1, 1, 30)] * 25
    heat = labels(heatmap_svg(history, start="2023-01-01"))
    assert "2024-01" in heat and any(text.startswith("date;") for text in heat)


def test_a_charts_two_axis_ends_never_read_the_same():
    """Issue 12 screenshots: a pass probability between 0.0116 and 0.0124 had "0.012" at both
    ends of its axis; whole-number series (switches) had "0.000"."""
    from sim.present.viz.charts import axis_labels, line_svg

    assert axis_labels(0.0116, 0.0124) == ("0.0116", "0.0124")
    assert axis_labels(0.0, 1.0) == ("0", "1")
    assert axis_labels(0.595, 0.597) == ("0.595", "0.597")
    for lo, hi in [(1.7301, 1.7342), (0.64271, 0.64279), (-0.0651, -0.0649), (102.0, 105.0)]:
        low, high = axis_labels(lo, hi)
        assert low != high and float(low) <= float(high), (lo, hi)
    svg = line_svg([0, 1, 2], [0.0116, 0.012, 0.0124], "p", "2023-01-01")
    assert ">0.0116</text>" in svg and ">0.0124</text>" in svg

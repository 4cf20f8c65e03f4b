"""The sidebar: scenario picker, seed, parameter sliders, run controls, events and download.

Run controls (Reset / play / Step; Step advances "steps per frame" months) are in
``run_controls``. Reset builds ``ExplorerModel(**settings)``, so the sliders here only edit the
``settings`` dict and ``ExplorerModel`` does the rest. Sliders are Mesa ``UserInputs`` generated
from ``sim.engine.params`` metadata (``params_ui``).
"""

from __future__ import annotations

from html import escape
from typing import Any

import solara
import solara.lab
from mesa.visualization.solara_viz import UserInputs
from mesa.visualization.utils import force_update, update_counter
from pydantic import ValidationError

from sim.engine.params import ModelParams
from sim.present.viz.comparison import forecast_band, pin, seed_band
from sim.present.viz.event_marks import slider_schedule
from sim.present.viz.events_menu import PRESETS
from sim.present.viz.explorer import ExplorerModel, coerce_seed, scenario_choices
from sim.present.viz.params_ui import (
    ORG_PREFIX,
    settings_differ,
    settings_from_params,
    slider_specs,
)
from sim.present.viz.run_controls import RunButtons
from sim.present.viz.sharing import scenario_yaml
from sim.present.viz.state import ExplorerState, tell
from sim.present.viz.views import model_event_marks

DEFAULT_BAND_RUNS = 20


def pending_problem(model: ExplorerModel, settings: dict[str, Any]) -> str | None:
    """What is wrong with the settings the next Reset would use (None when they are valid)."""
    try:
        coerce_seed(settings.get("seed"))
        params = model.resolved.scenario.parameters
        flat = {k: v for k, v in settings.items() if k in ModelParams.model_fields}
        orgs = {k[len(ORG_PREFIX) :]: v for k, v in settings.items() if k.startswith(ORG_PREFIX)}
        params.replace(**flat, org_weights={**params.org_weights, **orgs})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "parameters"
        return f"{where}: {first['msg'].removeprefix('Value error, ')}"
    except ValueError as error:
        return str(error)
    return None


def load_scenario_now(state: ExplorerState, name: str) -> None:
    """Picking a scenario loads it at once: sliders show its values, the run starts over."""
    model = ExplorerModel(scenario_name=name)
    state.playing.set(False)
    state.band.set(None)  # a band belongs to its scenario; the pinned run stays to compare
    state.model.set(model)
    state.settings.set(model.settings())
    state.view_step.set(None)
    if not model.problem:
        tell(state, f"Loaded '{name}': {model.resolved.scenario.question}")
    force_update()


@solara.component
def ScenarioCard(state: ExplorerState) -> None:
    settings = state.settings.value
    choices = scenario_choices()
    name = settings["scenario_name"]
    with solara.Card("Scenario", style={"margin-bottom": "8px"}):
        solara.Select(
            "Scenario",
            values=choices if name in choices else [name, *choices],
            value=name,
            on_value=lambda value: load_scenario_now(state, value),
        ).meta(ref="scenario-select")
        ScenarioEvents(state.model.value)

        def set_seed(text: str) -> None:
            state.settings.set({**state.settings.value, "seed": text})

        solara.InputText(
            "Seed", value=str(settings["seed"]), on_value=set_seed, continuous_update=True
        ).meta(ref="seed")


@solara.component
def ScenarioEvents(model: ExplorerModel) -> None:
    """The scenario's question and description, and every event of the run numbered as on the
    time charts, with the month and date it takes effect (scheduled ones before they happen)."""
    update_counter.get()  # triggered events join the list as the run goes
    scenario = model.resolved.scenario
    solara.Text(scenario.question, style="font-size:13px;color:#555")
    if scenario.description.strip():
        with solara.Details("About this scenario"):
            solara.Text(scenario.description.strip(), style="font-size:13px;color:#444")
    marks = model_event_marks(model)
    if not marks:
        solara.Text("No scheduled events.", style="font-size:12px;color:#777").meta(
            ref="scenario-events"
        )
        return
    rows = "".join(
        f"<li value={m.number}>month {m.step} ({m.date})"
        f"{' · triggered here' if m.source == 'triggered' else ''}"
        f"{' · done' if m.step <= model.step_index else ''}: {escape(m.text)}"
        f"{f' <i>({escape(m.note)})</i>' if m.note else ''}</li>"
        for m in marks
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            '<div style="font-weight:600">Events (numbered as on the time charts)</div>'
            f'<ol style="margin:2px 0 0 0;padding-left:22px">{rows}</ol>'
        ),
        style="font-size:12px;color:#444;margin-top:4px",
    ).meta(ref="scenario-events")


@solara.component
def RunCard(state: ExplorerState) -> None:
    with solara.Card("Run", style={"margin-bottom": "8px"}):
        RunButtons(state)
        solara.SliderInt(
            f"Steps per frame: {state.steps_per_frame.value}",
            value=state.steps_per_frame,
            min=1,
            max=24,
        ).meta(ref="steps-per-frame")
        solara.SliderInt(
            f"Pause between frames: {state.play_interval.value} ms",
            value=state.play_interval,
            min=0,
            max=1000,
            step=50,
        )
        problem = pending_problem(state.model.value, state.settings.value)
        if problem:
            solara.Error(
                f"Invalid setting: {problem} (Reset would run the scenario as written)"
            ).meta(ref="pending-error")
        elif settings_differ(state.settings.value, state.model.value.settings()):
            solara.Info("Settings changed: press Reset to start a run with them.", dense=True)


@solara.component
def ParameterCard(state: ExplorerState) -> None:
    specs = slider_specs()
    settings = state.settings.value
    model = state.model.value
    schedule = slider_schedule(
        list(model.resolved.scenario.events), str(model.resolved.scenario.start)
    )

    def on_change(name: str, value: Any) -> None:
        state.settings.set({**state.settings.value, name: value})

    def sliders(names: list[str]) -> None:
        for name in names:
            spec = {k: v for k, v in specs[name].items() if k != "help"}
            value = settings[name]
            spec |= {"value": value, "label": f"{spec['label']}: {value:.4g}"}
            with solara.Tooltip(specs[name]["help"]), solara.Div():
                UserInputs({name: spec}, on_change=on_change)
            if name in schedule:
                # pulled up to its slider and spaced from the next label, so it reads as the
                # slider above's note, not the one below's (issue 12 screenshots)
                solara.Text(
                    "\u2191 the scenario changes this: " + "; ".join(schedule[name]),
                    style="display:block;font-size:12px;color:#8a5a00;margin:-10px 0 14px 0",
                ).meta(ref=f"schedule-{name}")

    with solara.Card("Parameters", style={"margin-bottom": "8px"}):
        solara.Text("Hover a slider for its meaning; Reset applies them.", style="color:#666")
        sliders([n for n in specs if not n.startswith(ORG_PREFIX)])
        with solara.Details("Peer weight per organisation"):
            sliders([n for n in specs if n.startswith(ORG_PREFIX)])

        def defaults() -> None:
            state.settings.set({**state.settings.value, **settings_from_params(ModelParams())})

        solara.Button("Model defaults", on_click=defaults, text=True, small=True)


@solara.component
def CompareCard(state: ExplorerState) -> None:
    """Pin the run as a reference (dashed on every time chart, differences on the map), and
    compute a band of many runs behind the live charts without blocking the page."""
    update_counter.get()  # "pin this run" says up to which month
    request = solara.use_reactive(None)  # (kind, runs, model) of the band asked for last
    runs = solara.use_reactive(DEFAULT_BAND_RUNS)

    def compute() -> None:
        if request.value is None:
            return
        kind, count, model = request.value
        make = seed_band if kind == "seeds" else forecast_band
        what = "seeds" if kind == "seeds" else "posterior draws"
        state.band_progress.set(f"Computing the band: 0 of {count} {what}")
        try:
            band = make(
                model,
                count,
                lambda done: state.band_progress.set(
                    f"Computing the band: {done} of {count} {what}"
                ),
            )
            state.band.set(band)
        except Exception as error:  # shown on the page, never a traceback
            tell(state, f"Band not computed: {type(error).__name__}: {error}")
        finally:
            state.band_progress.set(None)

    solara.lab.use_task(compute, dependencies=[request.value], prefer_threaded=True)
    model = state.model.value
    busy = state.band_progress.value is not None
    with solara.Card("Compare", style={"margin-bottom": "8px"}):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button(
                f"Pin this run (to month {model.step_index})",
                on_click=lambda: state.pinned.set(pin(state.model.value)),
                outlined=True,
                small=True,
            ).meta(ref="pin")
            if state.pinned.value is not None:
                solara.Button(
                    "Unpin", on_click=lambda: state.pinned.set(None), text=True, small=True
                )
        if state.pinned.value is not None:
            solara.Text(
                f"Dashed purple on the charts: {state.pinned.value.label}",
                style="font-size:12px;color:#6a3d9a",
            ).meta(ref="pinned-label")
        solara.SliderInt("Runs in a band", value=runs, min=5, max=100, step=5)
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button(
                f"Run {runs.value} seeds",
                on_click=lambda: request.set(("seeds", runs.value, state.model.value)),
                disabled=busy,
                outlined=True,
                small=True,
            ).meta(ref="band-seeds")
            solara.Button(
                f"Forecast band ({runs.value} draws)",
                on_click=lambda: request.set(("forecast", runs.value, state.model.value)),
                disabled=busy,
                outlined=True,
                small=True,
            ).meta(ref="band-forecast")
            if state.band.value is not None:
                solara.Button(
                    "Clear band", on_click=lambda: state.band.set(None), text=True, small=True
                )
        if busy:
            solara.Text(state.band_progress.value, style="font-size:12px").meta(ref="band-progress")
        elif state.band.value is not None:
            solara.Text(
                f"Grey band on the charts: {state.band.value.label}",
                style="font-size:12px;color:#555",
            ).meta(ref="band-label")
        solara.Text(
            "Seeds: the same parameters, other random draws (noise). Forecast: parameters drawn "
            "from the posterior calibrated on 2011-2019 (docs/calibration.md).",
            style="font-size:12px;color:#666;display:block;margin-top:4px",
        )


@solara.component
def EventCard(state: ExplorerState) -> None:
    update_counter.get()  # the list of triggered events and the month change as the run goes
    choice = solara.use_reactive(next(iter(PRESETS)))

    def trigger() -> None:
        model = state.model.value
        try:
            model.trigger_preset(choice.value)
        except (ValueError, ValidationError) as error:
            tell(state, f"Event not triggered: {error}")
            return
        tell(state, f"'{choice.value}' takes effect in month {model.step_index + 1}.")
        force_update()

    with solara.Card("Trigger an event now", style={"margin-bottom": "8px"}):
        solara.Select("Event", values=list(PRESETS), value=choice).meta(ref="event-select")
        solara.Button("Trigger", on_click=trigger, color="primary", outlined=True).meta(
            ref="event-trigger"
        )
        triggered = state.model.value.triggered_summary()
        if triggered:
            solara.HTML(
                tag="div",
                unsafe_innerHTML=escape("Triggered: " + "; ".join(triggered)),
                style="font-size:12px;color:#555;margin-top:6px",
            )


@solara.component
def DownloadCard(state: ExplorerState) -> None:
    update_counter.get()  # the file name carries the current month
    model = state.model.value
    with solara.Card("Outputs", style={"margin-bottom": "8px"}):
        solara.FileDownload(
            lambda: model.write_outputs_zip(),
            filename=f"{model.resolved.scenario.name}-step{model.step_index}.zip",
            label="Download run outputs (zip)",
            mime_type="application/zip",
        )
        solara.Text(
            "Same files as `run.py run`: model/nations Parquet, summary, manifest, figures.",
            style="font-size:12px;color:#666",
        )
        solara.FileDownload(
            lambda: scenario_yaml(model).encode(),
            filename=f"{model.resolved.scenario.name}-month{model.step_index}.yaml",
            label="Export as scenario YAML",
            mime_type="application/x-yaml",
        ).meta(ref="export-yaml")
        solara.Text(
            "A standalone scenario file: `uv run run.py run FILE` gives this run's numbers. "
            "The address bar holds the run too: a reload or a shared link replays it.",
            style="font-size:12px;color:#666",
        )


@solara.component
def Controls(state: ExplorerState) -> None:
    """Everything in the sidebar."""
    ScenarioCard(state)
    RunCard(state)
    CompareCard(state)
    ParameterCard(state)
    EventCard(state)
    DownloadCard(state)

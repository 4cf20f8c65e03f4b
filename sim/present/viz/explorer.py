"""The model the front end drives: a CyberBlocModel built from a scenario file plus slider values.

Mesa's Reset button rebuilds a model as ``type(model)(**settings)``; this subclass takes the
front end's flat settings (scenario name, seed, slider values) so that call works, and turns the
sliders into ``--set`` overrides of the scenario — the same validation and one-line messages as
the command line. Bad input never raises here: the model falls back to the scenario as written
(or to the embedded defaults) and keeps the message in ``problem`` for the page to show.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sim.engine.events import Event
from sim.engine.simulation import numeric_parameters
from sim.inputs.scenario import (
    DEFAULT_SCENARIO,
    ResolvedScenario,
    ScenarioError,
    list_scenarios,
    load_scenario,
    scenario_from_dict,
)
from sim.mesa.model import CyberBlocModel
from sim.present.viz.events_menu import PRESETS, build_events
from sim.present.viz.params_ui import overrides_from_settings, settings_from_params

#: `run.py viz SCENARIO` hands the scenario to the app process through this variable.
SCENARIO_ENV = "CYBERBLOC_SCENARIO"
FALLBACK_SCENARIO = {
    "name": "defaults",
    "question": "The embedded 2023 world with default parameters (no scenario file could be read).",
}


def scenario_choices() -> list[str]:
    """Scenario names in the library (scenarios/*.yaml), baseline first."""
    names = [path.stem for path in list_scenarios()]
    return sorted(names, key=lambda name: (name != DEFAULT_SCENARIO.stem, name))


def initial_scenario() -> str:
    """The scenario to open with: $CYBERBLOC_SCENARIO (name or path), else the baseline. A
    file of the library is named by its short name, as in the scenario picker."""
    chosen = os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO.stem
    path = Path(chosen)
    if path.suffix and path.resolve().parent == DEFAULT_SCENARIO.parent:
        return path.stem
    return chosen


def coerce_seed(seed: Any) -> int:
    """Seeds arrive from a text box as strings; accept only non-negative whole numbers."""
    if isinstance(seed, bool):
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if isinstance(seed, str):
        seed = seed.strip()
        if not seed.isdigit():
            raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
        return int(seed)
    if isinstance(seed, int) and seed >= 0:
        return seed
    if isinstance(seed, float) and seed.is_integer() and seed >= 0:
        return int(seed)
    raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")


def resolve(
    scenario_name: str, seed: Any = None, settings: dict[str, Any] | None = None
) -> tuple[ResolvedScenario, str | None]:
    """The scenario with the settings applied, or the best fallback and what went wrong."""
    try:
        base = load_scenario(scenario_name)
    except ScenarioError as error:
        return scenario_from_dict(FALLBACK_SCENARIO), f"Scenario not loaded: {error}"
    try:
        overrides = overrides_from_settings(settings or {}, base.scenario.parameters)
        if seed is not None and coerce_seed(seed) != base.scenario.seed:
            overrides.append(f"seed={coerce_seed(seed)}")
        return (load_scenario(scenario_name, overrides) if overrides else base), None
    except (ScenarioError, ValueError) as error:
        # The CLI's message starts with where the value came from (a file line, or --set);
        # here it came from a slider, so keep only what is wrong.
        message = re.sub(r"^(--set|\S+:\d+): ", "", str(error))
        return base, f"Invalid input, running '{base.scenario.name}' as written: {message}"


class ExplorerModel(CyberBlocModel):
    """A CyberBlocModel for one scenario file with the front end's settings on top.

    Args:
        scenario_name: A library name ('baseline') or a path to a scenario file.
        seed: Seed of the run (default: the scenario's); a string from a text box is accepted.
        scenario: Ignored. Mesa's Reset passes its own (Mesa) Scenario object here; ours is the
            YAML file named by ``scenario_name``.
        **settings: Slider values: ModelParams field names and ``org_weights.<organisation>``.
    """

    def __init__(
        self,
        *,
        scenario_name: str = DEFAULT_SCENARIO.stem,
        seed: Any = None,
        scenario: Any = None,
        **settings: Any,
    ) -> None:
        self.lock = threading.RLock()
        resolved, problem = resolve(scenario_name, seed, settings)
        s = resolved.scenario
        super().__init__(
            params=s.parameters,
            nations=resolved.nations,
            events=s.events,
            baseline_date=s.start.isoformat(),
            collect_agent_data=False,
            rng=s.seed,
        )
        self.scenario_name = scenario_name
        self.resolved = resolved
        self.problem = problem
        self.triggered: list[Event] = []
        self.triggered_presets: list[tuple[int, str]] = []  # (month of effect, menu label)

    def step(self) -> None:
        """One month; under a lock so a download never reads a half-recorded step. The run
        ends at the scenario's length (``running`` turns False: Mesa's controls stop)."""
        with self.lock:
            if not self.running:
                return
            super().step()
            if self.step_index >= self.resolved.scenario.steps:
                self.running = False

    def settings(self) -> dict[str, Any]:
        """The slider values this model actually runs with (after any fallback)."""
        scenario = self.resolved.scenario
        return {
            "scenario_name": self.scenario_name,
            "seed": scenario.seed,
            **settings_from_params(scenario.parameters),
        }

    def trigger(self, events: list[Event]) -> None:
        """Schedule events for the next step, exactly as if the scenario had listed them there.
        Raises ValueError (run over, event already triggered, unknown nation or parameter)
        before scheduling anything.

        Why refuse after the end: the event would fall in a month the run never has, yet the
        download would list it and claim one step more. Why refuse a repeat: pressing the same
        button again stacks (a budget doubled three times is x8, beyond any slider)."""
        steps = self.resolved.scenario.steps
        if not self.running or self.step_index >= steps:
            raise ValueError(
                f"the run has ended (month {self.step_index} of {steps}); Reset to start again"
            )
        for event in events:
            earlier = next((e for e in self.triggered if _identity(e) == _identity(event)), None)
            if earlier is not None:
                raise ValueError(
                    f"already triggered (in month {earlier.step}); each event once per run"
                )
        numeric = numeric_parameters(self.params)
        for event in events:
            for code in (getattr(event, "nation", None), getattr(event, "target", None)):
                if code is not None and code not in self.world.index:
                    raise ValueError(f"{code} is not in this scenario's world")
            parameter = getattr(event, "parameter", None)
            if parameter is not None and parameter not in numeric:
                raise ValueError(f"{parameter!r} is not a numeric parameter")
        with self.lock:
            self.sim.events[self.step_index + 1].extend(events)
            self.triggered.extend(events)

    def trigger_preset(self, label: str) -> None:
        """Trigger an entry of the events menu for the next step and remember it by name, so a
        link can replay it (sim.present.viz.sharing). Raises ValueError as ``trigger`` does."""
        if label not in PRESETS:
            raise ValueError(f"{label!r} is not in the events menu")
        self.trigger(build_events(label, self))
        self.triggered_presets.append((self.step_index + 1, label))

    def triggered_summary(self) -> list[str]:
        """One entry per triggered preset ('month 5: BRICS enlargement (4 events)'), not one
        per event object."""
        counts: dict[tuple[int, str], int] = {}
        for event in self.triggered:
            key = (event.step, event.note or event.kind)
            counts[key] = counts.get(key, 0) + 1
        return [
            f"month {step}: {label}" + (f" ({n} events)" if n > 1 else "")
            for (step, label), n in counts.items()
        ]

    def resolved_for_outputs(self) -> ResolvedScenario:
        """The scenario as actually run, so the manifest of a download says what happened: the
        length is the number of steps run, scheduled events not reached yet are left out and
        events triggered from the page are added (at the step in which they take effect)."""
        s = self.resolved.scenario
        reached = [event for event in s.events if event.step <= self.step_index]
        events = [*reached, *self.triggered]
        steps = max([self.step_index, 1, *(event.step for event in self.triggered)])
        scenario = s.model_copy(update={"events": events, "steps": steps})
        return replace(self.resolved, scenario=scenario)

    def output_view(self) -> SimpleNamespace:
        """What the output writers read, frozen at this step: the history's lists are copied and
        the state, world and network are objects each step replaces rather than edits, so the
        run can go on while the files are written."""
        return SimpleNamespace(
            history=self.history.copy(),
            world=self.world,
            step_index=self.step_index,
            sim=copy.copy(self.sim),
            params=self.params,
            date=self.date,
            blocs=self.blocs.copy(),
            state=self.state,
            drivers=functools.partial(dict, self.drivers()),  # where the drivers came from
        )

    def write_outputs_zip(self) -> bytes:
        """The run's outputs (same files as `run.py run`) as a zip archive."""
        import shutil
        from datetime import UTC, datetime

        from sim.present.outputs import write_run

        with tempfile.TemporaryDirectory(prefix="cyberbloc-viz-") as tmp:
            folder = Path(tmp) / f"{self.resolved.scenario.name}-step{self.step_index}"
            with self.lock:  # only long enough to take a consistent snapshot (item 16)
                view = self.output_view()
                resolved = self.resolved_for_outputs()
            write_run(view, resolved, folder, started=datetime.now(UTC))
            archive = shutil.make_archive(str(folder), "zip", root_dir=tmp, base_dir=folder.name)
            return Path(archive).read_bytes()


def _identity(event: Event) -> tuple:
    """What makes two triggered events the same, whatever month and computed value: kind, note
    and whom or what they concern."""
    return (
        event.kind,
        event.note,
        *(getattr(event, name, None) for name in ("nation", "organisation", "parameter", "target")),
    )

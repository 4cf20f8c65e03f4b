"""A run that outlives the page: its state in the URL, and the run as a scenario file.

The URL holds what makes the run what it is, never its results: the scenario's name (from the
library only: a link must not name a file on the server), the seed, the sliders that differ from
the scenario as written (as the same ``--set`` assignments the command line takes), the events
triggered from the page (``month:preset``) and the month reached. Opening the link replays the
run: the model is deterministic, so the same inputs give the same month bit for bit.

The exported YAML is the scenario as this page runs it, standalone (no ``extends``): every
parameter written out, the scenario's events and the triggered ones. ``run.py run`` on it gives
the page's numbers for every month the page has shown, and goes on as play would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

import yaml

from sim.present.viz.events_menu import PRESETS
from sim.present.viz.explorer import ExplorerModel, scenario_choices

SETTING_PREFIX = "parameters."


@dataclass(frozen=True)
class RunRequest:
    """What a link asks for."""

    scenario: str
    seed: int | None = None
    settings: dict[str, float] = field(default_factory=dict)
    events: tuple[tuple[int, str], ...] = ()  # (month the events take effect, preset label)
    step: int = 0


class LinkError(ValueError):
    """A link that cannot be replayed: says which part and what is allowed."""


def run_query(model: ExplorerModel) -> str:
    """The query string (without '?') that replays ``model`` to its current month."""
    pairs: list[tuple[str, str]] = [
        ("scenario", model.scenario_name),
        ("seed", str(model.resolved.scenario.seed)),
    ]
    pairs += [("set", o) for o in model.resolved.overrides if o.startswith(SETTING_PREFIX)]
    pairs += [("event", f"{step}:{label}") for step, label in model.triggered_presets]
    pairs.append(("step", str(model.step_index)))
    return urlencode(pairs)


def parse_query(search: str) -> RunRequest | None:
    """The run a query string asks for; None when it names no scenario (a plain page load).
    Raises LinkError naming the part that is wrong."""
    pairs = parse_qsl(search or "", keep_blank_values=True)
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    if "scenario" not in values:
        return None
    unknown = sorted(set(values) - {"scenario", "seed", "set", "event", "step"})
    if unknown:
        raise LinkError(
            f"unknown link part {unknown[0]!r} (allowed: scenario, seed, set, event, step)"
        )
    scenario = values["scenario"][-1]
    if scenario not in scenario_choices():
        raise LinkError(
            f"scenario {scenario!r} is not in the library ({', '.join(scenario_choices())})"
        )
    settings = {}
    for assignment in values.get("set", []):
        name, sep, text = assignment.partition("=")
        if not sep or not name.startswith(SETTING_PREFIX):
            raise LinkError(f"set={assignment!r}: expected parameters.NAME=NUMBER")
        settings[name.removeprefix(SETTING_PREFIX)] = _number(text, f"set={assignment}")
    events = []
    for item in values.get("event", []):
        month, sep, label = item.partition(":")
        if not sep or not month.isdigit() or label not in PRESETS:
            raise LinkError(
                f"event={item!r}: expected MONTH:PRESET with a preset of the events menu"
            )
        events.append((int(month), label))
    return RunRequest(
        scenario=scenario,
        seed=_whole(values["seed"][-1], "seed") if "seed" in values else None,
        settings=settings,
        events=tuple(sorted(events)),
        step=_whole(values["step"][-1], "step") if "step" in values else 0,
    )


def _number(text: str, part: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise LinkError(f"{part}: {text!r} is not a number") from None


def _whole(text: str, part: str) -> int:
    if not text.isdigit():
        raise LinkError(f"{part}={text!r}: expected a whole number >= 0")
    return int(text)


def replay(request: RunRequest) -> ExplorerModel:
    """Build the run and step it to the requested month, triggering each event when the run
    reaches the month before it takes effect, as the page did. Raises LinkError if the run
    cannot get there (the settings were refused, an event falls after the end)."""
    model = ExplorerModel(scenario_name=request.scenario, seed=request.seed, **request.settings)
    if model.problem:
        raise LinkError(model.problem)
    last = model.resolved.scenario.steps
    if request.step > last:
        raise LinkError(f"step={request.step}: the scenario has {last} months")
    for month, label in request.events:
        if not 1 <= month <= request.step + 1:  # step + 1: triggered, not yet in effect
            raise LinkError(f"event={month}:{label}: not within months 1..{request.step + 1}")
        while model.step_index < month - 1:
            model.step()
        model.trigger_preset(label)
    while model.step_index < request.step:
        model.step()
    return model


def scenario_yaml(model: ExplorerModel) -> str:
    """The run as a standalone scenario file that `run.py run` reproduces."""
    scenario = model.resolved.scenario
    events = sorted([*scenario.events, *model.triggered], key=lambda e: e.step)
    data = scenario.model_copy(update={"events": events}).model_dump(mode="json")
    data.pop("inherit_events", None)  # meaningful only with 'extends'
    source = data["nations"]["source"]
    if source != "embedded" and model.resolved.path is not None:
        data["nations"]["source"] = str((model.resolved.path.parent / source).resolve())
    header = (
        f"# Exported from the cyberbloc front end at month {model.step_index} of "
        f"'{scenario.name}' (seed {scenario.seed}).\n"
        "# Reproduce it: uv run run.py run THIS_FILE\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

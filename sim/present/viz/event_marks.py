"""What the page says about events: one line per event, numbered marks on the time charts, and
the sliders a scheduled event will move.

Why numbered marks: a time chart 300 px wide has no room for event text, so each chart draws a
dotted line with a small number at the month an event takes effect, and the scenario card lists
the same numbers with the month, date and wording. Events listed in the scenario and events
triggered from the page are numbered in one sequence, in the order they take effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sim.engine.events import (
    AttributionClaim,
    Event,
    JoinOrganisation,
    LeaveOrganisation,
    Recognition,
    Sanction,
    ScaleParameter,
    SetOrgWeight,
    SetParameter,
)
from sim.engine.params import ORGANISATION_LABELS
from sim.present.viz.params_ui import ORG_PREFIX

ACTOR_NAMES = {"us": "The US", "china": "China"}


@dataclass(frozen=True)
class EventMark:
    """One numbered mark: every event taking effect in one month from one source."""

    number: int
    step: int
    date: str  # YYYY-MM of the month the events take effect
    source: Literal["scenario", "triggered"]
    text: str  # what the events do, joined with "; "
    note: str  # the scenario's note (what happened, with a source), or ""


def _org(name: str) -> str:
    return ORGANISATION_LABELS.get(name, name)


def describe(event: Event) -> str:
    """What one event does, in a short line ('us_pressure_budget x3', 'IRN joins SCO')."""
    match event:
        case SetOrgWeight():
            return f"{_org(event.organisation)} peer weight set to {event.weight:g}"
        case JoinOrganisation():
            role = "" if event.role == "member" else f" as {event.role.replace('_', ' ')}"
            return f"{event.nation} joins {_org(event.organisation)}{role}"
        case LeaveOrganisation():
            return f"{event.nation} leaves {_org(event.organisation)}"
        case SetParameter():
            return f"{event.parameter} set to {event.value:g}"
        case ScaleParameter():
            return f"{event.parameter} x{event.factor:g}"
        case AttributionClaim():
            return f"{ACTOR_NAMES[event.accuser]} makes an attribution claim ({event.magnitude:g})"
        case Sanction():
            months = f"{event.duration} month" + ("s" if event.duration > 1 else "")
            return f"US sanctions {event.target} ({event.intensity:g} for {months})"
        case Recognition():
            other = "Beijing" if event.recognises == "prc" else "Taipei"
            return f"{event.nation} recognises {other}"
    raise TypeError(f"no description for {type(event).__name__}")


def month_label(start: str, step: int) -> str:
    """YYYY-MM of step ``step`` for a run whose step 0 is ``start`` (YYYY-MM-DD)."""
    months = int(start[:4]) * 12 + int(start[5:7]) - 1 + step
    return f"{months // 12}-{months % 12 + 1:02d}"


def event_marks(scheduled: list[Event], triggered: list[Event], start: str) -> list[EventMark]:
    """Numbered marks in the order the events take effect (scenario before triggered in a
    month); the events of one month from one source share a mark, so marks never overlap."""
    groups: dict[tuple[int, int], list[Event]] = {}
    for order, events in enumerate((scheduled, triggered)):
        for event in events:
            groups.setdefault((event.step, order), []).append(event)
    marks = []
    for number, ((step, order), events) in enumerate(sorted(groups.items()), start=1):
        notes = dict.fromkeys(e.note for e in events if e.note)  # unique, in order
        marks.append(
            EventMark(
                number=number,
                step=step,
                date=month_label(start, step),
                source="scenario" if order == 0 else "triggered",
                text="; ".join(describe(e) for e in events),
                note="; ".join(notes),
            )
        )
    return marks


def chart_marks(marks: list[EventMark], last_step: int) -> list[tuple[int, str]]:
    """(step, label) pairs for a time chart that reaches ``last_step``: the mark's number, and
    its wording as the hover text."""
    return [(m.step, f"{m.number}: {m.text}") for m in marks if m.step <= last_step]


def slider_schedule(scheduled: list[Event], start: str) -> dict[str, list[str]]:
    """Slider name -> what the scenario's events will do to it and when ('month 1 (2023-02):
    x3'). Slider names are ModelParams fields and ``org_weights.<organisation>``."""
    out: dict[str, list[str]] = {}
    for event in sorted(scheduled, key=lambda e: e.step):
        when = f"month {event.step} ({month_label(start, event.step)})"
        match event:
            case ScaleParameter():
                out.setdefault(event.parameter, []).append(f"{when}: x{event.factor:g}")
            case SetParameter():
                out.setdefault(event.parameter, []).append(f"{when}: set to {event.value:g}")
            case SetOrgWeight():
                key = f"{ORG_PREFIX}{event.organisation}"
                out.setdefault(key, []).append(f"{when}: set to {event.weight:g}")
    return out

"""'Trigger an event now': a menu of ready-made events in the scenario vocabulary (sim.engine.events).

Each entry builds ordinary event objects for the model's next step, so what the page does is
what a scenario file could have scheduled — and the downloaded manifest lists it as such.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.engine.events import (
    AttributionClaim,
    Event,
    JoinOrganisation,
    Sanction,
    ScaleParameter,
    SetOrgWeight,
)

if TYPE_CHECKING:
    from sim.mesa.model import CyberBlocModel

Builder = Callable[["CyberBlocModel", int], list[Event]]


def _org_weight(org: str, factor: float, note: str) -> Builder:
    def build(model: CyberBlocModel, step: int) -> list[Event]:
        weight = model.params.org_weights[org] * factor
        return [SetOrgWeight(step=step, organisation=org, weight=weight, note=note)]

    return build


def _joins(codes: tuple[str, ...], org: str, note: str) -> Builder:
    def build(model: CyberBlocModel, step: int) -> list[Event]:
        return [JoinOrganisation(step=step, nation=c, organisation=org, note=note) for c in codes]

    return build


def _scale(parameter: str, factor: float, note: str) -> Builder:
    def build(model: CyberBlocModel, step: int) -> list[Event]:
        return [ScaleParameter(step=step, parameter=parameter, factor=factor, note=note)]

    return build


def _single(make: Callable[[int], Event]) -> Builder:
    return lambda model, step: [make(step)]


#: label shown in the menu -> builder(model, step) of the events.
PRESETS: dict[str, Builder] = {
    "BRICS cyber agenda (BRICS weight x3)": _org_weight(
        "brics", 3.0, "BRICS adopts cybersecurity as an agenda item (triggered in the front end)"
    ),
    "SCO security priority (SCO weight x3)": _org_weight(
        "sco", 3.0, "SCO prioritises information security (triggered in the front end)"
    ),
    "Five Eyes cohesion (weight x2)": _org_weight(
        "five_eyes", 2.0, "Five Eyes deepen cyber cooperation (triggered in the front end)"
    ),
    "Iran joins the SCO": _joins(("IRN",), "sco", "Iran joins the SCO (July 2023)"),
    "BRICS enlarges (EGY, ETH, IRN, ARE)": _joins(
        ("EGY", "ETH", "IRN", "ARE"), "brics", "BRICS enlargement (January 2024)"
    ),
    "China doubles its budget": _scale(
        "china_budget", 2.0, "China doubles its infrastructure budget (triggered in the front end)"
    ),
    "US doubles its pressure": _scale(
        "us_pressure_budget", 2.0, "US doubles its pressure (triggered in the front end)"
    ),
    "China accuses the US of hacking": _single(
        lambda step: AttributionClaim(
            step=step, accuser="china", magnitude=0.3, note="Attribution claim against the US"
        )
    ),
    "US sanctions Iran (12 months)": _single(
        lambda step: Sanction(
            step=step, target="IRN", intensity=1.0, duration=12, note="US sanctions"
        )
    ),
}


def build_events(label: str, model: CyberBlocModel) -> list[Event]:
    """The events of a preset, dated to take effect in the model's next step."""
    return PRESETS[label](model, model.step_index + 1)

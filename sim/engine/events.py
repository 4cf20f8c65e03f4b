"""Scheduled events: a small, closed vocabulary of things that happen at a given step.

Each event is plain typed data (validated by pydantic), never code; the model decides what an
event does (``CyberBlocModel.apply_event``). An event with ``step: k`` takes effect in the k-th
update, so the state recorded at step k is the first to show it. Meaning of each kind, and what
it stands for in the article's argument, is in docs/ODD.md ("Events").
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sim.engine.params import Organisation

Role = Literal["member", "observer", "dialogue_partner"]
Actor = Literal["us", "china"]
NationCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code")]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    step: int = Field(ge=1, description="The month (step) in which the event takes effect.")
    note: str = Field("", description="Free text: what happened, with a source if real.")


class SetOrgWeight(_Event):
    """An organisation's peer weight changes (e.g. BRICS puts cybersecurity on its agenda)."""

    kind: Literal["set_org_weight"] = "set_org_weight"
    organisation: Organisation
    weight: float = Field(ge=0.0)


class JoinOrganisation(_Event):
    """A nation joins an organisation, or changes role in it (e.g. Iran: SCO observer -> member)."""

    kind: Literal["join"] = "join"
    nation: NationCode
    organisation: Organisation
    role: Role = "member"


class LeaveOrganisation(_Event):
    """A nation leaves, or is suspended from, an organisation."""

    kind: Literal["leave"] = "leave"
    nation: NationCode
    organisation: Organisation


class SetParameter(_Event):
    """A numeric model parameter takes a new value from this step on."""

    kind: Literal["set_parameter"] = "set_parameter"
    parameter: str
    value: float


class ScaleParameter(_Event):
    """A numeric model parameter is multiplied by a factor (e.g. China doubles its budget)."""

    kind: Literal["scale_parameter"] = "scale_parameter"
    parameter: str
    factor: float = Field(ge=0.0)


class AttributionClaim(_Event):
    """A public claim that the other side hacks: raises perceived threat from the accused,
    more in nations aligned with the accuser."""

    kind: Literal["attribution"] = "attribution"
    accuser: Actor
    magnitude: float = Field(gt=0.0, description="Threat added for a fully aligned audience.")


class Sanction(_Event):
    """The US sanctions a nation: extra pressure on it for some months, and a rise in its
    perceived US threat."""

    kind: Literal["sanction"] = "sanction"
    target: NationCode
    intensity: float = Field(1.0, gt=0.0, description="Extra pressure units per step.")
    duration: int = Field(1, ge=1, description="Months the extra pressure lasts.")
    threat_increase: float = Field(0.1, ge=0.0)


class Recognition(_Event):
    """A nation switches diplomatic recognition between Taipei and Beijing (e.g. Panama, June
    2017). While a nation recognises Taiwan it receives no Chinese infrastructure investment."""

    kind: Literal["recognition"] = "recognition"
    nation: NationCode
    recognises: Literal["prc", "taiwan"]


Event = Annotated[
    SetOrgWeight
    | JoinOrganisation
    | LeaveOrganisation
    | SetParameter
    | ScaleParameter
    | AttributionClaim
    | Sanction
    | Recognition,
    Field(discriminator="kind"),
]

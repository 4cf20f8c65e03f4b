"""A run of the dynamics without Mesa: state arrays, scheduled events, the network, the noise.

``CyberBlocModel`` wraps one ``Simulation`` (1-D state) so that Mesa agents and tooling can look
at it; the sweeps step one ``Simulation`` holding R replicates of the same design point as
(n, R) arrays, each replicate drawing its noise from its own generator. Both therefore share
every line of event handling and stepping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from sim import dynamics
from sim.events import (
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
from sim.metrics import JointResponse, assign_blocs, joint_response, target_tie
from sim.network import influence_matrix
from sim.params import ORGANISATIONS, ModelParams
from sim.ties import W_TIES
from sim.world import ROLE_STRENGTH, TREATY_TIE, World

#: Joining these brings a US defence commitment (e.g. Finland joining NATO in April 2023): the
#: nation's security tie becomes 1 and it joins the US alliance system as a spoke.
SECURITY_ORGANISATIONS = ("nato", "five_eyes")


class Simulation:
    """State, events and stepping of one run, or of R replicates stepped together.

    Args:
        world: The nations.
        params: Parameters at step 0 (events may change them later).
        events: Scheduled events.
        rngs: One generator (a single run, 1-D state) or a sequence of R generators (R
            replicates, (n, R) state; column r draws its noise from rngs[r]).
        reference: Parameters under which the observed starting world is an equilibrium of
            peers and stubbornness (the anchors, docs/ODD.md 7.4). Default: the model's default
            parameters, so a scenario's own changes to the network act as interventions on
            today's world; calibration passes each candidate's own parameters.
    """

    def __init__(
        self,
        world: World,
        params: ModelParams,
        events: Iterable[Event],
        rngs: np.random.Generator | Sequence[np.random.Generator],
        reference: ModelParams | None = None,
    ) -> None:
        self.anchors = dynamics.equilibrium_anchors(world, reference or ModelParams())
        self.world = world
        self.params = params
        self.stacked = not isinstance(rngs, np.random.Generator)
        self.rngs = list(rngs) if self.stacked else [rngs]
        self._noise_buffer = np.empty((len(self.rngs), world.n))
        self.events: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            self.events[event.step].append(event)
        self.sanctions: list[tuple[int, float, int]] = []  # (row, intensity, last step)
        self.step_index = 0
        self._stepping = False  # True while this step's scheduled events are applied
        self.state = dynamics.initial_state(
            world, params, replicates=len(self.rngs) if self.stacked else None
        )
        self.contributions = np.zeros((len(dynamics.MECHANISMS), *self.state.alignment.shape))
        self.rebuild_network()
        self.blocs = self.assign_blocs()
        self.previous_blocs = self.blocs.copy()

    def step(self) -> None:
        """One month: this step's events, then the synchronous update of every nation."""
        self.step_index += 1
        self._stepping = True
        try:
            for event in self.events.get(self.step_index, ()):
                self.apply_event(event)
        finally:
            self._stepping = False
        self.state, self.contributions = dynamics.step(
            self.state,
            self.world,
            self.params,
            self.peers,
            self.draw_noise(),
            extra_pressure=self.sanction_pressure(),
            prepared=self.prepared,
        )
        self.previous_blocs = self.blocs
        self.blocs = self.assign_blocs()

    def draw_noise(self) -> np.ndarray:
        """Standard normals are drawn even when noise_sd is 0, so the random stream (and so a
        run's other draws) does not depend on the noise setting."""
        n = self.world.n
        if not self.stacked:
            return self.params.noise_sd * self.rngs[0].standard_normal(n)
        buffer = self._noise_buffer  # (R, n): each generator fills its own row in place
        for row, generator in zip(buffer, self.rngs, strict=True):
            generator.standard_normal(out=row)
        return self.params.noise_sd * buffer.T

    def joint_response(self, column: int | None = None) -> JointResponse:
        """Stances on a joint response against ``params.joint_response_target`` now (one run,
        or column ``column`` of stacked replicates); sim.metrics.joint_response."""
        state = self.state
        x, n = state.alignment, state.norm
        if column is not None:
            x, n = x[:, column], n[:, column]
        target = self.params.joint_response_target
        world = self.world
        return joint_response(
            x,
            n,
            target_tie(self.peers.normalised, world, target),
            world.gdp_usd,
            world.iso3,
            world.veto_mask,
            target=target,
            un_member=world.un_member,
        )

    def column_state(self, column: int) -> dynamics.State:
        """Replicate ``column`` of a stacked run as a 1-D state (views, no copies)."""
        s = self.state
        return dynamics.State(
            s.alignment[:, column],
            s.stock[:, column],
            s.threat_us[:, column],
            s.threat_china[:, column],
            s.norm[:, column],
        )

    def assign_blocs(self) -> np.ndarray:
        p = self.params
        return assign_blocs(self.state.alignment, p.us_bloc_threshold, p.china_bloc_threshold)

    # --- events --------------------------------------------------------------------------------
    def apply_event(self, event: Event) -> None:
        """Carry out one event on the state, the parameters or the network.

        Scheduled events are applied at the start of their step. An event triggered between steps
        (the front end's button) takes effect from the next step: a sanction of duration d then
        adds its pressure in exactly the d steps that follow.
        """
        match event:
            case SetOrgWeight(organisation=org, weight=weight):
                self.params = self.params.replace(
                    org_weights={**self.params.org_weights, org: weight}
                )
                self.rebuild_network()
            case JoinOrganisation(nation=code, organisation=org, role=role):
                self.set_membership(code, org, ROLE_STRENGTH[role])
            case LeaveOrganisation(nation=code, organisation=org):
                self.set_membership(code, org, 0.0)
            case SetParameter(parameter=name, value=value):
                self.params = self.params.replace(**{name: numeric(self.params, name, value)})
            case ScaleParameter(parameter=name, factor=factor):
                value = numeric(self.params, name, getattr(self.params, name, 0.0) * factor)
                self.params = self.params.replace(**{name: value})
            case AttributionClaim(accuser=accuser, magnitude=magnitude):
                shock = magnitude * dynamics.attribution_credence(self.state.alignment, accuser)
                if accuser == "china":
                    self.state.threat_us = self.state.threat_us + shock
                else:
                    self.state.threat_china = self.state.threat_china + shock
            case Sanction(target=code, intensity=intensity, duration=duration) as sanction:
                row = self.world.idx(code)
                first = self.step_index if self._stepping else self.step_index + 1
                self.sanctions.append((row, intensity, first + duration - 1))
                self.state.threat_us[row] += sanction.threat_increase
            case Recognition(nation=code, recognises=side):
                recognition = self.world.recognises_taiwan.copy()
                recognition[self.world.idx(code)] = side == "taiwan"
                self.world = replace(self.world, recognises_taiwan=recognition)
            case _:
                raise TypeError(f"unknown event {event!r}")

    def set_membership(self, code: str, org: str, strength: float) -> None:
        """Change one membership and every tie it implies (docs/ODD.md 7.6).

        Joining NATO or the Five Eyes makes the nation a full US ally (security tie 1, a spoke
        of the US alliance system); leaving the last of them ends that tie (the model knows no
        other treaty it could fall back on). The nation's disposition moves by W_TIES times the
        change in its tie score, as the starting alignment weighs ties (docs/initial_alignment.md).
        """
        row = self.world.idx(code)
        before = self.world.tie_score()
        membership = self.world.membership.copy()
        membership[row, ORGANISATIONS.index(org)] = strength
        tie = self.world.security_tie.copy()
        if org == "us_alliance" and code != "USA":
            tie[row] = strength
        elif org in SECURITY_ORGANISATIONS:
            in_security_org = any(
                membership[row, ORGANISATIONS.index(o)] > 0 for o in SECURITY_ORGANISATIONS
            )
            if strength > 0:
                tie[row] = TREATY_TIE
            elif not in_security_org:
                tie[row] = 0.0
            if code != "USA":
                membership[row, ORGANISATIONS.index("us_alliance")] = tie[row]
        self.world = replace(self.world, membership=membership, security_tie=tie)
        shift = W_TIES * (self.world.tie_score() - before)
        if shift.any():
            self.anchors = dynamics.Anchors(
                disposition=self.anchors.disposition + shift,
                norm_disposition=self.anchors.norm_disposition,
            )
            self.prepared = dynamics.prepare(self._world, self._params, self.anchors)
        self.rebuild_network()

    def sanction_pressure(self) -> np.ndarray | None:
        """Extra pressure units from sanctions active this step (then forget expired ones)."""
        active = [(row, power) for row, power, last in self.sanctions if last >= self.step_index]
        self.sanctions = [s for s in self.sanctions if s[2] > self.step_index]
        if not active:
            return None
        extra = np.zeros(self.world.n)
        for row, power in active:
            extra[row] += power
        return extra

    @property
    def params(self) -> ModelParams:
        return self._params

    @params.setter
    def params(self, value: ModelParams) -> None:
        # Kernel constants depend on the parameters: recompute them whenever an event changes one.
        self._params = value
        if hasattr(self, "_world"):
            self.prepared = dynamics.prepare(self._world, value, self.anchors)

    @property
    def world(self) -> World:
        return self._world

    @world.setter
    def world(self, value: World) -> None:
        self._world = value
        if hasattr(self, "_params"):
            self.prepared = dynamics.prepare(value, self._params, self.anchors)

    def rebuild_network(self) -> None:
        self.ties = influence_matrix(
            self.world.membership,
            self.world.subregion,
            self.params.org_weights,
            self.params.region_weight,
            self.world.iso3,
        )
        self.peers = dynamics.PeerOperator.build(self.ties)


def numeric(params: ModelParams, name: str, value: float) -> float:
    """Events may change numeric parameters only; say which ones exist otherwise."""
    allowed = numeric_parameters(params)
    if name not in allowed:
        raise ValueError(
            f"parameter {name!r} is not numeric; numeric parameters: {', '.join(allowed)}"
        )
    return value


def numeric_parameters(params: ModelParams | None = None) -> list[str]:
    """Names of the parameters events may set or scale."""
    values = (params or ModelParams()).model_dump()
    return sorted(
        k for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
    )

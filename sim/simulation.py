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
    Sanction,
    ScaleParameter,
    SetOrgWeight,
    SetParameter,
)
from sim.metrics import assign_blocs
from sim.network import influence_matrix
from sim.params import ORGANISATIONS, ModelParams
from sim.world import ROLE_STRENGTH, TREATY_TIE, World

#: Joining these brings a US defence commitment (e.g. Finland joining NATO in April 2023).
SECURITY_ORGANISATIONS = ("nato", "five_eyes")


class Simulation:
    """State, events and stepping of one run, or of R replicates stepped together.

    Args:
        world: The nations.
        params: Parameters at step 0 (events may change them later).
        events: Scheduled events.
        rngs: One generator (a single run, 1-D state) or a sequence of R generators (R
            replicates, (n, R) state; column r draws its noise from rngs[r]).
    """

    def __init__(
        self,
        world: World,
        params: ModelParams,
        events: Iterable[Event],
        rngs: np.random.Generator | Sequence[np.random.Generator],
    ) -> None:
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
        for event in self.events.get(self.step_index, ()):
            self.apply_event(event)
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

    def assign_blocs(self) -> np.ndarray:
        p = self.params
        return assign_blocs(self.state.alignment, p.us_bloc_threshold, p.china_bloc_threshold)

    # --- events --------------------------------------------------------------------------------
    def apply_event(self, event: Event) -> None:
        """Carry out one scheduled event on the state, the parameters or the network."""
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
                self.sanctions.append((row, intensity, self.step_index + duration - 1))
                self.state.threat_us[row] += sanction.threat_increase
            case _:
                raise TypeError(f"unknown event {event!r}")

    def set_membership(self, code: str, org: str, strength: float) -> None:
        row = self.world.idx(code)
        membership = self.world.membership.copy()
        membership[row, ORGANISATIONS.index(org)] = strength
        world = self.world.with_membership(membership)
        if org in SECURITY_ORGANISATIONS and strength > 0:
            tie = world.security_tie.copy()
            tie[row] = max(tie[row], TREATY_TIE)
            world = replace(world, security_tie=tie)
        self.world = world
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
            self.prepared = dynamics.prepare(self._world, value)

    @property
    def world(self) -> World:
        return self._world

    @world.setter
    def world(self, value: World) -> None:
        self._world = value
        if hasattr(self, "_params"):
            self.prepared = dynamics.prepare(value, self._params)

    def rebuild_network(self) -> None:
        self.ties = influence_matrix(
            self.world.membership,
            self.world.subregion,
            self.params.org_weights,
            self.params.region_weight,
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

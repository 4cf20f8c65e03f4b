"""A run of the dynamics without Mesa: state arrays, scheduled events, the network, the noise.

``CyberBlocModel`` wraps one ``Simulation`` (1-D state) so that Mesa agents and tooling can look
at it; the sweeps step one ``Simulation`` holding R runs as (n, R) arrays, each drawing its noise
from its own generator. The R runs are replicates of one parameter set, or carry R parameter sets
(a stacked block of design points, a calibration population: ``sim.engine.stacking``). All share every
line of event handling and stepping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Literal

import numpy as np

from sim.engine import dynamics
from sim.engine.drivers import DriverSchedule
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
from sim.engine.metrics import JointResponse, assign_blocs, joint_response, target_tie
from sim.engine.params import ORGANISATIONS, ModelParams
from sim.engine.stacking import ColumnParams, anchor_key, network_key, stack_params
from sim.world.driver_history import DriverRecord
from sim.world.network import influence_matrix
from sim.world.ties import W_TIES
from sim.world.world import ROLE_STRENGTH, TREATY_TIE, World

#: Joining these brings a US defence commitment (e.g. Finland joining NATO in April 2023): the
#: nation's security tie becomes 1 and it joins the US alliance system as a spoke.
SECURITY_ORGANISATIONS = ("nato", "five_eyes")


class Simulation:
    """State, events and stepping of one run, or of R runs stepped together.

    Args:
        world: The nations.
        params: Parameters at step 0 (events may change them later): one set for every column,
            or (stacked runs only) a sequence of R sets, column r following params[r]. The sets
            of one stack must share their categorical parameters (``sim.engine.stacking``: group them
            with ``group_columns`` first).
        events: Scheduled events. An event that sets or scales a parameter acts on every
            column's own set (a scale multiplies each column's value), exactly as it would on
            that set run alone.
        rngs: One generator (a single run, 1-D state) or a sequence of R generators (R
            columns, (n, R) state; column r draws its noise from rngs[r]).
        reference: Parameters under which the observed starting world is an equilibrium of
            peers and stubbornness (the anchors, docs/ODD.md 7.4). Default (None): the model's
            default parameters for every column, so a scenario's own changes to the network act
            as interventions on today's world. One ``ModelParams`` is shared by all columns; a
            sequence gives each column its own; ``"own"`` takes each column's own parameter set
            (what calibration wants: a candidate's anchors hold the observed world still under
            that candidate). Column r of a stack gets exactly the anchors of its reference
            alone, so ``reference="own"`` stacked equals ``reference=params[r]`` run alone.
        record: The observed drivers a conditional run (``driver_source: observed``) reads for
            the years of the run (default: the committed table, ``sim/data/drivers.csv``, for
            the world's nations; tests pass a synthetic one). The world's ``history`` holds
            what was known at the start; the schedule is ``sim.engine.drivers``.
    """

    def __init__(
        self,
        world: World,
        params: ModelParams | Sequence[ModelParams],
        events: Iterable[Event],
        rngs: np.random.Generator | Sequence[np.random.Generator],
        reference: ModelParams | Sequence[ModelParams] | Literal["own"] | None = None,
        record: DriverRecord | None = None,
    ) -> None:
        self.stacked = not isinstance(rngs, np.random.Generator)
        self.rngs = list(rngs) if self.stacked else [rngs]
        width = len(self.rngs)
        sets: tuple[ModelParams, ...] | None = None
        if not isinstance(params, ModelParams):
            sets = tuple(params)
            if not self.stacked or len(sets) != width:
                raise ValueError(
                    f"{len(sets)} parameter sets for {width} generators: give one set per column "
                    "(and a sequence of generators)"
                )
        self.anchors = column_anchors(world, reference, sets or params, width)
        self._sets = sets
        self.world = world
        if sets is None:
            self.params = params  # type: ignore[assignment]
        else:
            self.set_column_params(sets)
        self._noise_buffer = np.empty((len(self.rngs), world.n))
        self.events: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            self.events[event.step].append(event)
        self.sanctions: list[tuple[int, float, int]] = []  # (row, intensity, last step)
        self.step_index = 0
        self._stepping = False  # True while this step's scheduled events are applied
        self.state = dynamics.initial_state(
            world, self.params, replicates=len(self.rngs) if self.stacked else None
        )
        self.contributions = np.zeros((len(dynamics.MECHANISMS), *self.state.alignment.shape))
        self.drivers = DriverSchedule(world, record)
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
        investment, pressure = self.drivers.at(
            self.step_index, self.state.alignment, self.world, self.params, self.prepared
        )
        self.state, self.contributions = dynamics.step(
            self.state,
            self.world,
            self.params,
            self.peers,
            self.draw_noise(),
            investment,
            pressure,
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
        or column ``column`` of stacked runs); sim.engine.metrics.joint_response."""
        state = self.state
        x, n = state.alignment, state.norm
        peers = self.peers
        if column is not None:
            x, n = x[:, column], n[:, column]
            if isinstance(peers, dynamics.PeerStack):
                peers = peers.operator(column)
        target = self.params.joint_response_target
        world = self.world
        return joint_response(
            x,
            n,
            target_tie(peers.normalised, world, target),
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
                self.update_params(lambda p: p.replace(org_weights={**p.org_weights, org: weight}))
                self.rebuild_network()
            case JoinOrganisation(nation=code, organisation=org, role=role):
                self.set_membership(code, org, ROLE_STRENGTH[role])
            case LeaveOrganisation(nation=code, organisation=org):
                self.set_membership(code, org, 0.0)
            case SetParameter(parameter=name, value=value):
                self.update_params(lambda p: p.replace(**{name: numeric(p, name, value)}))
            case ScaleParameter(parameter=name, factor=factor):
                self.update_params(
                    lambda p: p.replace(**{name: numeric(p, name, getattr(p, name, 0.0) * factor)})
                )
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
            disposition = self.anchors.disposition
            if disposition.ndim == 2:  # per-column anchors: the same shift in every column
                shift = shift[:, None]
            self.anchors = dynamics.Anchors(
                disposition=disposition + shift,
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
    def params(self) -> ModelParams | ColumnParams:
        """The kernel's parameters: the one set of every column, or a ``ColumnParams`` when the
        columns carry different sets (``column_params`` gives one column's ``ModelParams``)."""
        return self._params

    @params.setter
    def params(self, value: ModelParams) -> None:
        # Kernel constants depend on the parameters: recompute them whenever an event changes one.
        self._sets = None
        self._params = value
        if hasattr(self, "_world"):
            self.prepared = dynamics.prepare(self._world, value, self.anchors)

    def set_column_params(self, sets: Sequence[ModelParams]) -> None:
        """Give column r the parameter set sets[r] (stacked runs)."""
        sets = tuple(sets)
        if len(sets) != len(self.rngs) or not self.stacked:
            raise ValueError(f"{len(sets)} parameter sets for {len(self.rngs)} columns")
        self._sets = sets
        self._params = stack_params(sets)
        if hasattr(self, "_world"):
            self.prepared = dynamics.prepare(self._world, self._params, self.anchors)

    def column_params(self, column: int | None = None) -> ModelParams:
        """The parameter set of one column (or of the run, when all columns share one)."""
        if self._sets is None:
            return self._params  # type: ignore[return-value]
        if column is None:
            raise ValueError("the columns carry different parameter sets: name a column")
        return self._sets[column]

    def update_params(self, change: Callable[[ModelParams], ModelParams]) -> None:
        """Apply an event's change to the shared set, or to every column's own set."""
        if self._sets is None:
            self.params = change(self._params)  # type: ignore[arg-type]
        else:
            self.set_column_params([change(p) for p in self._sets])

    @property
    def world(self) -> World:
        return self._world

    @world.setter
    def world(self, value: World) -> None:
        self._world = value
        if hasattr(self, "_params"):
            self.prepared = dynamics.prepare(value, self._params, self.anchors)

    def rebuild_network(self) -> None:
        """The influence network under the current memberships and network weights: one
        ``PeerOperator``, or a ``PeerStack`` when the columns' weights differ (one network per
        distinct set of weights; ``ties`` is then the first column's)."""
        sets = self._sets if self._sets is not None else (self._params,)
        operators: list[dynamics.PeerOperator] = []
        ties: list = []
        index: dict = {}
        owner = []
        for p in sets:
            key = network_key(p)
            if key not in index:
                index[key] = len(operators)
                ties.append(
                    influence_matrix(
                        self.world.membership,
                        self.world.subregion,
                        p.org_weights,
                        p.region_weight,
                        self.world.iso3,
                    )
                )
                operators.append(dynamics.PeerOperator.build(ties[-1]))
            owner.append(index[key])
        self.ties = ties[0]
        self.peers = (
            operators[0] if len(operators) == 1 else dynamics.PeerStack.build(operators, owner)
        )


def column_anchors(
    world: World,
    reference: ModelParams | Sequence[ModelParams] | Literal["own"] | None,
    params: ModelParams | Sequence[ModelParams],
    width: int,
) -> dynamics.Anchors:
    """The equilibrium anchors of every column (see ``Simulation``'s ``reference``): (n,) when
    all columns share one reference, else (n, R), computed once per distinct reference."""
    if reference is None:
        return dynamics.equilibrium_anchors(world, ModelParams())
    if isinstance(reference, ModelParams):
        return dynamics.equilibrium_anchors(world, reference)
    if isinstance(reference, str):
        if reference != "own":
            raise ValueError(
                f"reference must be parameters, a sequence of them or 'own': {reference!r}"
            )
        if isinstance(params, ModelParams):
            return dynamics.equilibrium_anchors(world, params)
        references = list(params)
    else:
        references = list(reference)
    if len(references) != width:
        raise ValueError(f"{len(references)} reference parameter sets for {width} columns")
    cache: dict = {}
    networks: dict = {}  # one influence network per distinct set of network weights
    per_column = []
    for p in references:
        key = anchor_key(p)
        if key not in cache:
            where = network_key(p)
            if where not in networks:
                networks[where] = dynamics.PeerOperator.build(
                    influence_matrix(
                        world.membership,
                        world.subregion,
                        p.org_weights,
                        p.region_weight,
                        world.iso3,
                    )
                )
            cache[key] = dynamics.equilibrium_anchors(world, p, networks[where])
        per_column.append(cache[key])
    if len(cache) == 1:
        return per_column[0]
    return dynamics.Anchors.columns(per_column)


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

"""The Mesa model: nations drifting between a US-led and a China-led cyber bloc.

``CyberBlocModel`` owns the state arrays, applies scheduled events, steps the array kernel
(``sim.dynamics``), computes the metrics (``sim.metrics``) and feeds Mesa's DataCollector. The
agents are thin views on their own rows (``sim.agents``). ``CyberBlocModel(rng=1)`` builds the
embedded 2023 world with default parameters, so Mesa's own tooling (``batch_run``, SolaraViz)
works without further arguments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import dynamics
from sim.agents import NationAgent
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
from sim.metrics import (
    assign_blocs,
    bimodality_coefficient,
    bloc_shares,
    emergent_blocs,
    esteban_ray,
    joint_response,
    switches,
)
from sim.network import influence_matrix
from sim.params import ORGANISATIONS, ModelParams
from sim.world import ROLE_STRENGTH, TREATY_TIE, World

BASELINE_DATE = "2023-01-01"
SECURITY_ORGANISATIONS = ("nato", "five_eyes")

#: Model-level series, in the order they are reported.
METRIC_NAMES: tuple[str, ...] = (
    "us_count",
    "nonaligned_count",
    "china_count",
    "us_pop_share",
    "nonaligned_pop_share",
    "china_pop_share",
    "us_gdp_share",
    "nonaligned_gdp_share",
    "china_gdp_share",
    "mean_alignment",
    "esteban_ray",
    "bimodality",
    "emergent_blocs",
    "switches",
    "sanction_support_share",
    "sanction_support_gdp_share",
    "veto_opponents",
    "unsc_sanction_passable",
    "mean_threat_us",
    "china_stock_bn",
)


def _coerce_seed(rng: Any) -> Any:
    """Front-end text inputs hand seeds over as strings; Mesa 3.5 wants an int."""
    if isinstance(rng, str):
        return int(rng) if rng.strip() else None
    return rng


def default_nations() -> pd.DataFrame:
    """The embedded 2023-01-01 nations table (sim/data/nations.csv)."""
    from sim.data.nations import load_nations

    return load_nations()


class CyberBlocModel(mesa.Model):
    """Nations as agents whose alignment moves under Chinese investment, US pressure, peers,
    stubbornness, threat perception and noise. One step is one month.

    Args:
        params: A validated parameter object; keyword overrides are applied on top of it.
        nations: The nations table (default: the embedded 2023 world).
        events: Scheduled events (``sim.events``).
        baseline_date: Calendar date of step 0.
        collect_agent_data: Also record per-agent rows in the DataCollector (Mesa tooling);
            the model's own ``history`` always records them.
        rng: Seed or generator for the run's random numbers (Mesa's ``rng``).
        **parameters: Any ``ModelParams`` field by name, e.g. ``china_budget=2.0``.
    """

    def __init__(
        self,
        *,
        params: ModelParams | None = None,
        nations: pd.DataFrame | None = None,
        events: Iterable[Event] = (),
        baseline_date: str = BASELINE_DATE,
        collect_agent_data: bool = True,
        rng: Any = None,
        **parameters: Any,
    ) -> None:
        super().__init__(rng=_coerce_seed(rng))
        base = params or ModelParams()
        self.params = base.replace(**parameters) if parameters else base
        self.world = World.from_frame(default_nations() if nations is None else nations)
        self.baseline = np.datetime64(baseline_date[:7], "M")
        self.step_index = 0
        self.events: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            self.events[event.step].append(event)
        self._sanctions: list[tuple[int, float, int]] = []  # (row, intensity, last step)

        self.state = dynamics.initial_state(self.world, self.params)
        self._rebuild_network()
        n = self.world.n
        self.contributions = np.zeros((len(dynamics.MECHANISMS), n))
        self.blocs = self._assign_blocs()
        self.previous_blocs = self.blocs.copy()
        self.metrics: dict[str, float] = {}

        for row in range(n):
            NationAgent(self, row)
        self.nations: list[NationAgent] = list(self.agents)

        self.history = RunHistory()
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _metric_reporter(name) for name in METRIC_NAMES},
            agent_reporters=(
                {"iso3": "iso3", "alignment": "alignment", "bloc": "bloc"}
                if collect_agent_data
                else {}
            ),
        )
        self._observe()

    # --- stepping ---------------------------------------------------------------------------
    def step(self) -> None:
        """One month: events, then the synchronous update of every nation, then metrics."""
        self.step_index += 1
        for event in self.events.get(self.step_index, ()):
            self.apply_event(event)
        noise = self.params.noise_sd * self.rng.standard_normal(self.world.n)
        self.state, self.contributions = dynamics.step(
            self.state,
            self.world,
            self.params,
            self.peers,
            noise,
            extra_pressure=self._sanction_pressure(),
        )
        self.previous_blocs = self.blocs
        self.blocs = self._assign_blocs()
        self._observe()

    def _observe(self) -> None:
        self.metrics = self.compute_metrics()
        self.history.record(self)
        self.datacollector.collect(self)

    @property
    def date(self) -> str:
        """Calendar date (first of the month) of the current step."""
        return str(self.baseline + self.step_index) + "-01"

    # --- events ----------------------------------------------------------------------------------
    def apply_event(self, event: Event) -> None:
        """Carry out one scheduled event on the model's state, parameters or network."""
        world = self.world
        match event:
            case SetOrgWeight(organisation=org, weight=weight):
                self.params = self.params.replace(
                    org_weights={**self.params.org_weights, org: weight}
                )
                self._rebuild_network()
            case JoinOrganisation(nation=code, organisation=org, role=role):
                self._set_membership(code, org, ROLE_STRENGTH[role])
            case LeaveOrganisation(nation=code, organisation=org):
                self._set_membership(code, org, 0.0)
            case SetParameter(parameter=name, value=value):
                self.params = self.params.replace(**{name: _numeric(self.params, name, value)})
            case ScaleParameter(parameter=name, factor=factor):
                current = getattr(self.params, name, None)
                self.params = self.params.replace(
                    **{name: _numeric(self.params, name, (current or 0.0) * factor)}
                )
            case AttributionClaim(accuser=accuser, magnitude=magnitude):
                shock = magnitude * dynamics.attribution_credence(self.state.alignment, accuser)
                if accuser == "china":
                    self.state.threat_us = self.state.threat_us + shock
                else:
                    self.state.threat_china = self.state.threat_china + shock
            case Sanction(target=code, intensity=intensity, duration=duration) as sanction:
                row = world.idx(code)
                self._sanctions.append((row, intensity, self.step_index + duration - 1))
                self.state.threat_us[row] += sanction.threat_increase
            case _:
                raise TypeError(f"unknown event {event!r}")

    def _set_membership(self, code: str, org: str, strength: float) -> None:
        row = self.world.idx(code)
        membership = self.world.membership.copy()
        membership[row, ORGANISATIONS.index(org)] = strength
        self.world = self.world.with_membership(membership)
        if org in SECURITY_ORGANISATIONS and strength > 0:
            # Joining NATO or Five Eyes brings a US defence commitment (e.g. Finland, April 2023).
            tie = self.world.security_tie.copy()
            tie[row] = max(tie[row], TREATY_TIE)
            self.world = replace(self.world, security_tie=tie)
        self._rebuild_network()

    def _sanction_pressure(self) -> np.ndarray | None:
        active = [(row, power) for row, power, last in self._sanctions if last >= self.step_index]
        self._sanctions = [s for s in self._sanctions if s[2] > self.step_index]
        if not active:
            return None
        extra = np.zeros(self.world.n)
        for row, power in active:
            extra[row] += power
        return extra

    def _rebuild_network(self) -> None:
        self.ties = influence_matrix(
            self.world.membership,
            self.world.subregion,
            self.params.org_weights,
            self.params.region_weight,
        )
        self.peers = dynamics.PeerOperator.build(self.ties)

    # --- observation -------------------------------------------------------------------------------
    def _assign_blocs(self) -> np.ndarray:
        return assign_blocs(
            self.state.alignment, self.params.us_bloc_threshold, self.params.china_bloc_threshold
        )

    def compute_metrics(self) -> dict[str, float]:
        """All model-level series for the current state (see METRIC_NAMES and docs/ODD.md)."""
        world, x = self.world, self.state.alignment
        out: dict[str, float] = dict(bloc_shares(self.blocs, world.population, world.gdp_usd))
        response = joint_response(
            x,
            world.non_intervention,
            world.gdp_usd,
            world.iso3,
            world.veto_mask,
            threshold=self.params.sanction_threshold,
            nonintervention_weight=self.params.sanction_nonintervention_weight,
        )
        out |= {
            "mean_alignment": float(x.mean()),
            "esteban_ray": esteban_ray(x),
            "bimodality": bimodality_coefficient(x),
            "emergent_blocs": len(emergent_blocs(x, self.params.emergent_bandwidth).sizes),
            "switches": switches(self.previous_blocs, self.blocs),
            "sanction_support_share": response.share_nations,
            "sanction_support_gdp_share": response.share_gdp,
            "veto_opponents": len(response.veto_opponents),
            "unsc_sanction_passable": int(response.unsc_passable),
            "mean_threat_us": float(self.state.threat_us.mean()),
            "china_stock_bn": float(self.state.stock.sum()),
        }
        return out

    def bloc_table(self) -> pd.DataFrame:
        """Current blocs: count and shares of world population and GDP."""
        m = self.metrics
        return pd.DataFrame(
            {
                bloc: {
                    "nations": m[f"{bloc}_count"],
                    "population share": m[f"{bloc}_pop_share"],
                    "GDP share": m[f"{bloc}_gdp_share"],
                }
                for bloc in ("us", "nonaligned", "china")
            }
        ).T


def _metric_reporter(name: str):
    def report(model: CyberBlocModel) -> float:
        return model.metrics[name]

    report.__name__ = f"report_{name}"
    return report


def _numeric(params: ModelParams, name: str, value: float) -> float:
    """Events may change numeric parameters only; say which ones exist otherwise."""
    current = getattr(params, name, None)
    if name not in ModelParams.model_fields or isinstance(current, (bool, str, dict)):
        allowed = sorted(
            k
            for k, v in params.model_dump().items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        )
        raise ValueError(
            f"parameter {name!r} is not numeric; numeric parameters: {', '.join(allowed)}"
        )
    return value


class RunHistory:
    """Every step's state and metrics as compact arrays: the source for output files.

    Kept apart from Mesa's DataCollector (which stores Python dicts per agent and step) so long
    runs stay small and fast.
    """

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.dates: list[str] = []
        self.alignment: list[np.ndarray] = []
        self.blocs: list[np.ndarray] = []
        self.contributions: list[np.ndarray] = []
        self.stock: list[np.ndarray] = []
        self.threat_us: list[np.ndarray] = []
        self.metrics: list[dict[str, float]] = []

    def record(self, model: CyberBlocModel) -> None:
        self.steps.append(model.step_index)
        self.dates.append(model.date)
        self.alignment.append(model.state.alignment.copy())
        self.blocs.append(model.blocs.copy())
        self.contributions.append(model.contributions.copy())
        self.stock.append(model.state.stock.copy())
        self.threat_us.append(model.state.threat_us.copy())
        self.metrics.append(dict(model.metrics))

    def model_frame(self) -> pd.DataFrame:
        """Model-level series, one row per step."""
        frame = pd.DataFrame(self.metrics)
        frame.insert(0, "date", self.dates)
        frame.insert(0, "step", self.steps)
        return frame

    def nations_frame(self, world: World) -> pd.DataFrame:
        """One row per nation per step: alignment, bloc and what moved it (long format)."""
        steps, n = len(self.steps), world.n
        contributions = np.stack(self.contributions)  # (steps, mechanisms, n)
        columns: dict[str, Any] = {
            "iso3": np.tile(world.iso3, steps),
            "name": np.tile(world.name, steps),
            "step": np.repeat(np.asarray(self.steps, dtype=np.int32), n),
            "date": np.repeat(np.asarray(self.dates), n),
            "alignment": np.concatenate(self.alignment),
            "bloc": np.concatenate(self.blocs),
        }
        for k, mechanism in enumerate(dynamics.MECHANISMS):
            columns[f"d_{mechanism}"] = contributions[:, k, :].ravel()
        columns["infrastructure_stock_bn"] = np.concatenate(self.stock)
        columns["threat_us"] = np.concatenate(self.threat_us)
        return pd.DataFrame(columns)

"""The Mesa model: nations drifting between a US-led and a China-led cyber bloc.

``CyberBlocModel`` holds one ``Simulation`` (state arrays, events, the array kernel of
``sim.engine.dynamics``), computes the metrics (``sim.engine.metrics``) each step and feeds Mesa's
DataCollector. The
agents are thin views on their own rows (``sim.mesa.agents``). ``CyberBlocModel(rng=1)`` builds the
embedded 2023 world with default parameters, so Mesa's own tooling (``batch_run``, SolaraViz)
works without further arguments.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.engine import dynamics
from sim.engine.drivers import describe as describe_drivers
from sim.engine.events import Event
from sim.engine.metrics import METRIC_NAMES, JointResponse, summarise
from sim.engine.params import ORGANISATIONS, ModelParams
from sim.engine.simulation import Simulation
from sim.mesa.agents import NationAgent
from sim.world.driver_history import driver_record
from sim.world.world import World

BASELINE_DATE = "2023-01-01"


def _coerce_seed(rng: Any) -> Any:
    """Front-end text inputs hand seeds over as strings; Mesa 3.5 wants an int."""
    if isinstance(rng, str):
        return int(rng) if rng.strip() else None
    return rng


def default_nations() -> pd.DataFrame:
    """The embedded 2023-01-01 nations table (sim/data/nations.csv)."""
    from sim.world.nations import load_nations

    return load_nations()


class CyberBlocModel(mesa.Model):
    """Nations as agents whose alignment moves under Chinese investment, US pressure, peers,
    stubbornness, threat perception and noise. One step is one month.

    Args:
        params: A validated parameter object; keyword overrides are applied on top of it.
        nations: The nations table (default: the embedded 2023 world).
        events: Scheduled events (``sim.engine.events``).
        baseline_date: Calendar date of step 0: the world carries the drivers known then
            (Chinese finance, US sanctions, the allocation rules fitted for the date).
        reference: Parameters under which the observed world is an equilibrium of peers and
            stubbornness (default: the default parameters; docs/ODD.md 7.4).
        collect_agent_data: Also record per-agent rows in the DataCollector (Mesa tooling);
            the model's own ``history`` always records them.
        rng: Seed or generator for the run's random numbers (Mesa's ``rng``).
        drivers, positions: Tables in the form of ``sim/data/drivers.csv`` and
            ``sim/data/positions_by_year.csv`` instead of the committed ones (synthetic worlds
            in tests); ``drivers`` is then also the record of a conditional run.
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
        reference: ModelParams | None = None,
        rng: Any = None,
        drivers: pd.DataFrame | None = None,
        positions: pd.DataFrame | None = None,
        **parameters: Any,
    ) -> None:
        super().__init__(rng=_coerce_seed(rng))
        base = params or ModelParams()
        world = World.from_frame(
            default_nations() if nations is None else nations,
            start=baseline_date[:10],
            drivers=drivers,
            positions=positions,
        )
        self.sim = Simulation(
            world,
            base.replace(**parameters) if parameters else base,
            events,
            self.rng,
            reference=reference,
            record=None if drivers is None else driver_record(world.iso3, drivers),
        )
        self.baseline = np.datetime64(baseline_date[:7], "M")
        self.metrics: dict[str, float] = {}
        self.response: JointResponse | None = None
        for row in range(world.n):
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

    def step(self) -> None:
        """One month: events, then the synchronous update of every nation, then metrics."""
        self.sim.step()
        self._observe()

    def _observe(self) -> None:
        self.response = self.sim.joint_response()
        self.metrics = self.compute_metrics()
        self.history.record(self)
        self.datacollector.collect(self)

    def compute_metrics(self) -> dict[str, float]:
        """All model-level series for the current state (see METRIC_NAMES and docs/ODD.md)."""
        sim = self.sim
        response = self.response or sim.joint_response()
        return summarise(sim.world, sim.params, sim.state, sim.blocs, sim.previous_blocs, response)

    def drivers(self, steps: int | None = None) -> dict[str, Any]:
        """Where the run's Chinese investment and US pressure come from over ``steps`` months
        (default: the months run so far): the block every run's manifest carries, with its
        one-line ``statement`` ("conditional on observed drivers: ..." when the observed record
        after the start date drives it; sim.engine.drivers.describe)."""
        return describe_drivers(
            self.world,
            self.params,
            self.step_index if steps is None else steps,
            self.sim.drivers.record,
        )

    def apply_event(self, event: Event) -> None:
        """Carry out an event now (the front end's "trigger an event" button)."""
        self.sim.apply_event(event)

    # The state lives in the Simulation; these views keep agents and tooling simple.
    @property
    def state(self) -> dynamics.State:
        return self.sim.state

    @property
    def world(self) -> World:
        return self.sim.world

    @property
    def params(self) -> ModelParams:
        return self.sim.params

    @property
    def blocs(self) -> np.ndarray:
        return self.sim.blocs

    @property
    def contributions(self) -> np.ndarray:
        return self.sim.contributions

    @property
    def peers(self) -> dynamics.PeerOperator:
        return self.sim.peers

    @property
    def ties(self):
        return self.sim.ties

    @property
    def step_index(self) -> int:
        return self.sim.step_index

    @property
    def date(self) -> str:
        """Calendar date (first of the month) of the current step."""
        return str(self.baseline + self.step_index) + "-01"

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
        self.norm: list[np.ndarray] = []
        self.responses: list[JointResponse] = []
        self.metrics: list[dict[str, float]] = []
        self.membership: list[np.ndarray] = []  # the world's (n, organisations) strengths
        self.recognises_taiwan: list[np.ndarray] = []

    def record(self, model: CyberBlocModel) -> None:
        self.steps.append(model.step_index)
        self.dates.append(model.date)
        self.alignment.append(model.state.alignment.copy())
        self.blocs.append(model.blocs.copy())
        self.contributions.append(model.contributions.copy())
        self.stock.append(model.state.stock.copy())
        self.threat_us.append(model.state.threat_us.copy())
        self.norm.append(model.state.norm.copy())
        self.responses.append(model.response)
        self.metrics.append(dict(model.metrics))
        # events replace the world's arrays rather than edit them, so references are enough
        self.membership.append(model.world.membership)
        self.recognises_taiwan.append(model.world.recognises_taiwan)

    def copy(self) -> RunHistory:
        """A copy whose lists later steps do not extend (the arrays are never edited in place)."""
        other = RunHistory()
        for name, value in vars(self).items():
            setattr(other, name, list(value))
        return other

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
        columns["non_intervention"] = np.concatenate(self.norm)
        columns["joint_response_support"] = np.concatenate([r.support for r in self.responses])
        columns["joint_response_opposition"] = np.concatenate(
            [r.opposition for r in self.responses]
        )
        # who the nation is (static) and what it belongs to that month (events show)
        columns["region"] = np.tile(world.region, steps)
        columns["peer_region"] = np.tile(world.subregion, steps)
        columns["population"] = np.tile(world.population, steps)
        columns["gdp_usd"] = np.tile(world.gdp_usd, steps)
        membership = np.stack(self.membership)  # (steps, n, organisations)
        for k, organisation in enumerate(ORGANISATIONS):
            columns[f"member_{organisation}"] = membership[:, :, k].ravel()
        columns["recognises_taiwan"] = np.concatenate(self.recognises_taiwan)
        return pd.DataFrame(columns)

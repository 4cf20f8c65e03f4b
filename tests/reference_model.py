"""The per-agent reference update: each nation computes its own change in plain Python from its
neighbours, the way a typical Mesa model is written (agents on a ``mesa.discrete_space.Network``,
reading their neighbourhood and the edge weights of the graph). It exists to prove that the array
kernel in ``sim.dynamics`` computes the same numbers (tests/test_kernel_equivalence.py) and to
give the benchmarks their baseline (benchmarks/bench_step.py). It is deliberately plain.
"""

from __future__ import annotations

import math

import mesa
import networkx as nx
import pandas as pd
from mesa.discrete_space import FixedAgent, Network

from sim.dynamics import initial_state
from sim.model import default_nations
from sim.network import influence_matrix
from sim.params import ModelParams
from sim.world import World


class ReferenceNation(FixedAgent):
    """A nation that holds its own state as Python floats and updates itself."""

    def __init__(self, model: ReferenceModel, cell, world: World, state) -> None:
        super().__init__(model)
        self.cell = cell
        row = cell.coordinate
        self.row = row
        self.gdp_bn = float(world.gdp_bn[row])
        self.digital_gap = float(world.digital_gap[row])
        self.priority = float(world.priority[row])
        self.security_tie = float(world.security_tie[row])
        self.non_intervention = float(world.non_intervention[row])
        self.disposition = float(world.disposition[row])
        self.is_leader = bool(world.leader_mask[row])
        self.alignment = float(state.alignment[row])
        self.stock = float(state.stock[row])
        self.threat_us = float(state.threat_us[row])
        self.threat_china = float(state.threat_china[row])

    # Targeting weights, as each agent would report them to its donor.
    def investment_weight(self) -> float:
        p = self.model.params
        if self.is_leader:
            return 0.0
        access = p.china_allied_access if self.security_tie >= 1.0 else 1.0
        if p.china_targeting == "africa_arab_need":
            base = self.digital_gap * (p.china_priority_weight if self.priority > 0 else 1.0)
        elif p.china_targeting == "need":
            base = self.digital_gap
        elif p.china_targeting == "uniform":
            base = 1.0
        else:
            base = self.digital_gap * (1.0 - abs(self.alignment))
        return base * access

    def pressure_weight(self) -> float:
        p = self.model.params
        if self.is_leader:
            return 0.0
        if p.us_targeting == "drifting":
            return max(self.alignment - p.us_bloc_threshold, 0.0)
        if p.us_targeting == "swing":
            return 1.0 - abs(self.alignment)
        if p.us_targeting == "allies":
            return self.security_tie
        return 1.0

    def peer_sums(self) -> tuple[float, float]:
        """Sum of tie weights and of weighted alignments over the peers that count."""
        bound = self.model.params.confidence_bound
        x = self.alignment
        weight_sum = weighted = 0.0
        edges = self.model.graph[self.row]
        for peer in self.cell.neighborhood.agents:
            if bound is not None and abs(x - peer.alignment) > bound:
                continue
            weight = edges[peer.row]["weight"]
            weight_sum += weight
            weighted += weight * peer.alignment
        return weight_sum, weighted

    def compute(self) -> None:
        p = self.model.params
        x = self.alignment
        total_inv, total_press = (
            self.model.total_investment_weight,
            self.model.total_pressure_weight,
        )
        investment = p.china_budget * self.investment_weight() / total_inv if total_inv > 0 else 0.0
        self.next_stock = (1.0 - p.infrastructure_depreciation) * self.stock + investment
        dependence = self.next_stock / self.gdp_bn
        d_inv = (
            p.investment_pull
            * dependence
            / (dependence + p.dependence_half)
            * (1.0 - x)
            / (1.0 + p.china_threat_damping * self.threat_china)
        )

        pressure = (
            p.us_pressure_budget * self.pressure_weight() / total_press if total_press > 0 else 0.0
        )
        effect = p.pressure_pull * pressure / (pressure + p.pressure_half)
        backlash = min(
            1.0,
            max(
                0.0,
                p.backlash_strength
                * self.non_intervention
                * (1.0 + p.threat_backlash_gain * self.threat_us),
            ),
        )
        tie_gain = 1.0 + p.security_tie_gain * self.security_tie
        push = backlash - (1.0 - backlash) * tie_gain
        d_press = effect * push * (1.0 - x) if push > 0 else effect * push * (1.0 + x)

        weight_sum, weighted = self.peer_sums()
        d_peers = p.peer_weight * (weighted / weight_sum - x) if weight_sum > 0 else 0.0

        d_stub = p.stubbornness * (self.disposition - x)
        noise = float(self.model.noise[self.row])
        if self.is_leader and p.fixed_leaders:
            d_inv = d_press = d_peers = d_stub = noise = 0.0
        self.next_alignment = min(1.0, max(-1.0, x + d_inv + d_press + d_peers + d_stub + noise))

    def apply(self) -> None:
        decay = 1.0 - self.model.params.threat_decay
        self.alignment = self.next_alignment
        self.stock = self.next_stock
        self.threat_us *= decay
        self.threat_china *= decay


class ReferenceModel(mesa.Model):
    """Same dynamics as CyberBlocModel, written agent by agent (no events)."""

    def __init__(self, *, nations: pd.DataFrame | None = None, rng=None, **parameters) -> None:
        super().__init__(rng=rng)
        self.params = ModelParams(**parameters)
        world = World.from_frame(default_nations() if nations is None else nations)
        state = initial_state(world, self.params)
        ties = influence_matrix(
            world.membership, world.subregion, self.params.org_weights, self.params.region_weight
        )
        self.graph = nx.from_scipy_sparse_array(ties)  # edge attribute "weight"
        self.grid = Network(self.graph, layout=None, random=self.random)
        self.nation_list = [
            ReferenceNation(self, self.grid[row], world, state) for row in range(world.n)
        ]

    def step(self) -> None:
        n = len(self.nation_list)
        self.noise = self.params.noise_sd * self.rng.standard_normal(n)
        self.total_investment_weight = math.fsum(a.investment_weight() for a in self.nation_list)
        self.total_pressure_weight = math.fsum(a.pressure_weight() for a in self.nation_list)
        self.agents.do("compute")
        self.agents.do("apply")

    @property
    def alignment(self) -> list[float]:
        return [a.alignment for a in self.nation_list]

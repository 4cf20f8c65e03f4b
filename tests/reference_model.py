"""The per-agent reference update: each nation computes its own change in plain Python from its
neighbours, the way a typical Mesa model is written (agents on a ``mesa.discrete_space.Network``,
reading their neighbourhood and the edge weights of the graph).

It exists to prove that the array kernel in ``sim.engine.dynamics`` computes the same numbers
(tests/test_kernel_equivalence.py) and to give the benchmarks their baseline
(benchmarks/bench_step.py). It shares NO code with production beyond the parameter object: it
reads the nations table's raw columns and builds its own membership strengths, influence network
(docs/ODD.md 7.3), equilibrium anchors (7.4) and initial state (5) from them, so an error in any
of those in production makes the equivalence test fail. It is deliberately plain.
"""

from __future__ import annotations

import math

import mesa
import networkx as nx
import pandas as pd
from mesa.discrete_space import FixedAgent, Network

from sim.engine.params import ModelParams

LEADERS = ("USA", "CHN")
SCO_ROLES = (("sco_member", 1.0), ("sco_observer", 0.5), ("sco_dialogue_partner", 0.25))
CLUBS = ("brics", "five_eyes", "nato", "eu", "asean", "gcc", "csto", "nam")


def channel_strengths(row: pd.Series) -> dict[str, float]:
    """A nation's strength in every organisation, from the table's 0/1 columns (docs/ODD.md 2)."""
    out = {org: float(row[org]) for org in CLUBS}
    out["sco"] = max(strength * float(row[col]) for col, strength in SCO_ROLES)
    out["african_union"] = float(row["african_union"]) * (1.0 - float(row["au_suspended"]))
    out["arab_league"] = float(row["arab_league"]) * (1.0 - float(row["arab_league_suspended"]))
    out["us_alliance"] = 1.0 if row["iso3"] == "USA" else float(row["security_tie"])
    return out


def build_graph(frame: pd.DataFrame, params: ModelParams) -> nx.DiGraph:
    """Directed tie weights A_ij, nation by nation: each channel's attention w_c m_ic shared over
    the others it reaches in proportion to their strength; the US alliance as hub and spokes."""
    rows = [r for _, r in frame.iterrows()]
    strengths = [channel_strengths(r) for r in rows]
    region = "intermediate_region" if "intermediate_region" in frame else "subregion"
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(rows)))
    us = next((i for i, r in enumerate(rows) if r["iso3"] == "USA"), None)

    def add(i: int, j: int, weight: float) -> None:
        if weight <= 0.0:
            return
        if graph.has_edge(i, j):
            graph[i][j]["weight"] += weight
        else:
            graph.add_edge(i, j, weight=weight)

    for i in range(len(rows)):
        for org, weight in params.org_weights.items():
            mine = strengths[i][org]
            if weight == 0.0 or mine == 0.0:
                continue
            if org == "us_alliance":
                if us is None:
                    continue
                if i != us:
                    add(i, us, weight * mine)
                else:
                    spokes = [(j, strengths[j][org]) for j in range(len(rows)) if j != us]
                    total = sum(s for _, s in spokes)
                    for j, s in spokes:
                        add(i, j, weight * s / total if total else 0.0)
                continue
            others = [(j, strengths[j][org]) for j in range(len(rows)) if j != i]
            total = sum(s for _, s in others)
            for j, s in others:
                if s > 0 and total > 0:
                    add(i, j, weight * mine * s / total)
        neighbours = [j for j in range(len(rows)) if j != i and rows[j][region] == rows[i][region]]
        for j in neighbours:
            add(i, j, params.region_weight / len(neighbours))
    return graph


class ReferenceNation(FixedAgent):
    """A nation that holds its own state as Python floats and updates itself."""

    def __init__(self, model: ReferenceModel, cell, row: pd.Series) -> None:
        super().__init__(model)
        self.cell = cell
        self.row = cell.coordinate
        self.iso3 = str(row["iso3"])
        self.gdp_bn = float(row["gdp_usd"]) / 1e9
        self.digital_gap = min(1.0, max(0.0, float(row["digital_gap"])))
        self.priority = bool(row.get("african", 0)) or bool(row.get("arab_state", 0))
        self.security_tie = float(row["security_tie"])
        self.recognises_taiwan = bool(row.get("recognises_taiwan", 0))
        self.is_leader = self.iso3 in LEADERS
        self.alignment = min(1.0, max(-1.0, float(row["alignment_initial"])))
        self.norm = min(1.0, max(0.0, float(row["non_intervention"])))
        self.stock = 0.0
        p = model.params
        self.threat_us = p.initial_us_threat * (1.0 + self.alignment) / 2.0
        self.threat_china = p.initial_china_threat * (1.0 - self.alignment) / 2.0

    def peer_mean(self, attribute: str, bound: float | None) -> float | None:
        """Weighted mean of a peer attribute over the ties that count (None: no such peer)."""
        mine = getattr(self, attribute)
        weight_sum = weighted = 0.0
        for j, edge in self.model.graph[self.row].items():
            peer = self.model.nation_list[j]
            value = getattr(peer, attribute)
            if bound is not None and abs(mine - value) > bound:
                continue
            weight_sum += edge["weight"]
            weighted += edge["weight"] * value
        return weighted / weight_sum if weight_sum > 0 else None

    def set_anchors(self, reference: ModelParams) -> None:
        """The anchors that make today's values a resting point of peers and stubbornness."""
        self.disposition, self.norm_disposition = self.alignment, self.norm
        peers = self.peer_mean("alignment", reference.confidence_bound)
        if peers is not None and reference.stubbornness > 0 and reference.peer_weight > 0:
            ratio = reference.peer_weight / reference.stubbornness
            self.disposition = self.alignment + ratio * (self.alignment - peers)
        norms = self.peer_mean("norm", None)
        if norms is not None and reference.norm_stubbornness > 0 and reference.norm_peer_weight > 0:
            ratio = reference.norm_peer_weight / reference.norm_stubbornness
            self.norm_disposition = self.norm + ratio * (self.norm - norms)

    # Targeting weights, as each agent would report them to its donor.
    def investment_weight(self) -> float:
        p = self.model.params
        if self.is_leader or self.recognises_taiwan:
            return 0.0
        access = p.china_allied_access if self.security_tie >= 1.0 else 1.0
        need = p.china_market_weight + self.digital_gap
        if p.china_targeting == "africa_arab_need":
            base = need * (p.china_priority_weight if self.priority else 1.0)
        elif p.china_targeting == "need":
            base = need
        elif p.china_targeting == "uniform":
            base = 1.0
        else:
            base = need * (1.0 - abs(self.alignment))
        return self.gdp_bn * base * access

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
        saturation = dependence / (dependence + p.dependence_half)
        d_inv = (
            p.investment_pull
            * saturation
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
                p.backlash_strength * self.norm * (1.0 + p.threat_backlash_gain * self.threat_us),
            ),
        )
        tie_gain = 1.0 + p.security_tie_gain * self.security_tie
        push = backlash - (1.0 - backlash) * tie_gain
        d_press = effect * push * (1.0 - x) if push > 0 else effect * push * (1.0 + x)

        peers = self.peer_mean("alignment", p.confidence_bound)
        d_peers = p.peer_weight * (peers - x) if peers is not None else 0.0
        d_stub = p.stubbornness * (self.disposition - x)
        noise = float(self.model.noise[self.row])

        norms = self.peer_mean("norm", None)
        d_norm = p.norm_peer_weight * (norms - self.norm) if norms is not None else 0.0
        d_norm += p.norm_stubbornness * (self.norm_disposition - self.norm)
        d_norm += p.norm_investment_pull * saturation * (1.0 - self.norm)
        if self.is_leader and p.fixed_leaders:
            d_inv = d_press = d_peers = d_stub = noise = d_norm = 0.0
        self.next_alignment = min(1.0, max(-1.0, x + d_inv + d_press + d_peers + d_stub + noise))
        self.next_norm = min(1.0, max(0.0, self.norm + d_norm))

    def apply(self) -> None:
        decay = 1.0 - self.model.params.threat_decay
        self.alignment = self.next_alignment
        self.norm = self.next_norm
        self.stock = self.next_stock
        self.threat_us *= decay
        self.threat_china *= decay


class ReferenceModel(mesa.Model):
    """Same dynamics as CyberBlocModel, written agent by agent (no events).

    The anchors hold the starting world still under the default parameters, as in production.
    """

    def __init__(self, *, nations: pd.DataFrame, rng=None, **parameters) -> None:
        super().__init__(rng=rng)
        self.params = ModelParams(**parameters)
        frame = nations.reset_index(drop=True)
        reference = ModelParams()
        self.graph = build_graph(frame, reference)
        self.grid = Network(self.graph, layout=None, random=self.random)
        self.nation_list = [
            ReferenceNation(self, self.grid[i], frame.iloc[i]) for i in range(len(frame))
        ]
        for nation in self.nation_list:
            nation.set_anchors(reference)
        if self.params.org_weights != reference.org_weights or (
            self.params.region_weight != reference.region_weight
        ):
            self.graph = build_graph(frame, self.params)

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

    @property
    def norms(self) -> list[float]:
        return [a.norm for a in self.nation_list]

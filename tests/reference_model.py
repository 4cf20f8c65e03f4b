"""The per-agent reference update: each nation computes its own change in plain Python from its
neighbours, the way a typical Mesa model is written (agents on a ``mesa.discrete_space.Network``,
reading their neighbourhood and the edge weights of the graph).

It exists to prove that the array kernel in ``sim.engine.dynamics`` computes the same numbers
(tests/test_kernel_equivalence.py) and to give the benchmarks their baseline
(benchmarks/bench_step.py). It shares NO code with production beyond the parameter object: it
reads the nations table's raw columns and builds its own membership strengths, influence network
(docs/ODD.md 7.3), equilibrium anchors (7.4) and initial state (5) from them, and it reads the
drivers and positions tables itself: what a world of its start date may know, the allocation
rules fitted on that (statsmodels OLS, its own smearing), the initial stock as the closed-form
sum of depreciated monthly flows, and each year's flows and pressure units (observed record or
rule, legacy splits) written agent by agent (docs/ODD.md 5, 7.1, 7.2, docs/mechanisms.md). So an
error in any of those in production makes the equivalence test fail. It is deliberately plain.
"""

from __future__ import annotations

import datetime as dt
import math

import mesa
import networkx as nx
import numpy as np
import pandas as pd
import statsmodels.api as sm
from mesa.discrete_space import FixedAgent, Network

from sim import paths
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


# --- the drivers, from the tables ------------------------------------------------------------------
def read_drivers() -> pd.DataFrame:
    return pd.read_csv(
        paths.DATA_DIR / "drivers.csv", comment="#", keep_default_na=False, na_values=[""]
    )


def read_positions() -> pd.DataFrame:
    return pd.read_csv(
        paths.DATA_DIR / "positions_by_year.csv", comment="#", keep_default_na=False, na_values=[""]
    )


def value(table: dict, key: tuple) -> float:
    """A cell of a {(iso3, year): value} dict; NaN when absent."""
    v = table.get(key, float("nan"))
    return float("nan") if v is None else float(v)


class ReferenceRules:
    """The allocation rules of a date, fitted again from the rows known on it (statsmodels)."""

    def __init__(self, finance: dict, sanctions: dict, bri: dict, positions: dict, gdp: dict):
        codes = sorted({k[0] for k in finance} | {k[0] for k in sanctions})
        years = sorted({k[1] for k in positions})
        rows, us_rows = [], []
        for t in years:
            for c in codes:
                if c in ("USA", "CHN"):
                    continue
                pos, g = value(positions, (c, t)), value(gdp, (c, t))
                if math.isnan(pos) or math.isnan(g):
                    continue
                f, f1 = value(finance, (c, t)), value(finance, (c, t - 1))
                if t >= 2001 and not (math.isnan(f) or math.isnan(f1)):
                    b = value(bri, (c, t - 1))
                    rows.append(
                        (
                            c,
                            math.log1p(f / 1e6),
                            math.log1p(f1 / 1e6),
                            pos,
                            math.log(g / 1e9),
                            0.0 if math.isnan(b) else b,
                        )
                    )
                n, n1 = value(sanctions, (c, t)), value(sanctions, (c, t - 1))
                if t >= 2014 and not (math.isnan(n) or math.isnan(n1)):
                    us_rows.append((c, n, n1, pos))
        self.china, self.smear = self.fit([r[1] for r in rows], [r[2:] for r in rows], True)
        self.us, _ = self.fit([r[1] for r in us_rows], [r[2:] for r in us_rows], False)

    @staticmethod
    def fit(y: list, x: list, log_scale: bool):
        k = 1 + (len(x[0]) if x else (4 if log_scale else 2))
        persistence = [0.0, 1.0] + [0.0] * (k - 2)
        if len(y) < 10 * k:
            return persistence, (0.0, 0.0)
        X = np.array(x, dtype=float)
        keep = [j for j in range(X.shape[1]) if X[:, j].max() > X[:, j].min()]
        design = sm.add_constant(X[:, keep], has_constant="add")
        if np.linalg.matrix_rank(design) < design.shape[1]:
            return persistence, (0.0, 0.0)
        result = sm.OLS(np.array(y), design).fit()
        coef = [0.0] * k
        coef[0] = float(result.params[0])
        for slot, j in enumerate(keep):
            coef[1 + j] = float(result.params[1 + slot])
        if not log_scale:
            return coef, (0.0, 0.0)
        fitted, resid = result.fittedvalues, result.resid
        # S(yhat) = exp(s0 + s1 yhat): the Poisson equations of exp(resid) on (1, yhat)
        w = np.exp(resid)
        s = np.array([math.log(w.mean()), 0.0])
        if fitted.max() > fitted.min():
            Z = np.column_stack([np.ones(len(fitted)), fitted])
            for _ in range(200):
                mu = np.exp(Z @ s)
                s = s + np.linalg.solve(Z.T @ (Z * mu[:, None]), Z.T @ (w - mu))
        return coef, (float(s[0]), float(s[1]))

    def china_log(self, lag: float, position: float, log_gdp: float, bri: float) -> float:
        c = self.china
        return c[0] + c[1] * lag + c[2] * position + c[3] * log_gdp + c[4] * bri

    def china_usd_m(self, log_value: float) -> float:
        s0, s1 = self.smear
        return max(math.exp(s0 + (1.0 + s1) * log_value) - 1.0, 0.0)

    def us_cases(self, lag: float, position: float) -> float:
        u = self.us
        return max(u[0] + u[1] * lag + u[2] * position, 0.0)


class ReferenceDrivers:
    """Chinese finance and US sanction cases per nation and year, as a world starting on
    ``start`` knows them (calendar year Y complete on 1 January Y+1; the positions of 1 January
    Y known from that day), the rules of the date, and the record a conditional run reads."""

    def __init__(self, codes: list[str], start: dt.date, drivers=None, positions=None):
        table = read_drivers() if drivers is None else drivers
        where = read_positions() if positions is None else positions
        self.start = start
        full = {
            name: {(r.iso3, int(r.year)): getattr(r, column) for r in table.itertuples()}
            for name, column in (
                ("finance", "china_finance_usd_2021"),
                ("sanctions", "us_sanctions_cases"),
                ("bri", "bri_member"),
            )
        }
        self.record = full

        def known(d: dict) -> dict:
            return {k: v for k, v in d.items() if dt.date(k[1] + 1, 1, 1) <= start}

        finance, sanctions, bri = (known(full[n]) for n in ("finance", "sanctions", "bri"))
        seen = where[[dt.date(int(y), 1, 1) <= start for y in where["year"]]]
        position = {(r.iso3, int(r.year)): r.unga_alignment for r in seen.itertuples()}
        gdp = {(r.iso3, int(r.year)): r.gdp_usd for r in seen.itertuples()}
        self.rules = ReferenceRules(finance, sanctions, bri, position, gdp)
        rules = self.rules

        self.last = start.year if start.month > 1 else start.year - 1
        years = range(2000, self.last + 1)
        every = {k[0] for k in full["finance"]}
        finance_years = [
            y
            for y in range(2000, 2023)
            if any(not math.isnan(value(full["finance"], (c, y))) for c in every)
        ]
        sanction_years = [
            y
            for y in range(2000, 2023)
            if any(not math.isnan(value(full["sanctions"], (c, y))) for c in every)
        ]
        self.record_finance_last = max(finance_years)
        self.record_sanctions = (min(sanction_years), max(sanction_years))

        self.in_scope = {
            c: any(not math.isnan(value(finance, (c, y))) for y in years) for c in codes
        }
        scoped = [c for c in codes if self.in_scope[c]]
        known_f = [y for y in years if any(not math.isnan(value(finance, (c, y))) for c in scoped)]
        known_s = [y for y in years if any(not math.isnan(value(sanctions, (c, y))) for c in codes)]
        # per nation: {year: USD bn}, the log lag of the last year, sanctions {year: cases}
        self.flows, self.lag, self.cases = {}, {}, {}
        for c in codes:
            flows, log_prev = {}, 0.0
            for y in years:
                if not self.in_scope[c]:
                    flows[y], log_prev = 0.0, 0.0
                elif known_f and y <= max(known_f):
                    f = value(finance, (c, y))
                    f = 0.0 if math.isnan(f) else f
                    flows[y], log_prev = f / 1e9, math.log1p(f / 1e6)
                else:  # a year begun before the start but not in the record: the rule
                    pos, g = value(position, (c, y)), value(gdp, (c, y))
                    b = value(bri, (c, y - 1))
                    if math.isnan(pos) or math.isnan(g):
                        flows[y] = flows[y - 1]
                        continue
                    log_prev = rules.china_log(
                        log_prev, pos, math.log(g / 1e9), 0.0 if math.isnan(b) else b
                    )
                    flows[y] = rules.china_usd_m(log_prev) / 1e3
            self.flows[c], self.lag[c] = flows, log_prev
            cases = {}
            for y in years:
                if known_s and y <= max(known_s):
                    cases[y] = value(sanctions, (c, y))
                elif known_s:
                    pos = value(position, (c, y))
                    lag = cases[y - 1]
                    cases[y] = (
                        lag if math.isnan(pos) or math.isnan(lag) else rules.us_cases(lag, pos)
                    )
                else:
                    cases[y] = float("nan")
            self.cases[c] = cases
        b = {c: value(bri, (c, start.year - 1)) for c in codes}
        self.bri = {c: 0.0 if math.isnan(v) else v for c, v in b.items()}

    def initial_stock(self, code: str, depreciation: float) -> float:
        """sum over months m before the start of F_y(m) / 12 (1 - delta)^(months after m)."""
        first_run_month = self.start.year * 12 + self.start.month - 1
        terms = []
        for y, flow in self.flows[code].items():
            for month in range(12):
                index = y * 12 + month
                if index < first_run_month:
                    terms.append(flow / 12 * (1.0 - depreciation) ** (first_run_month - 1 - index))
        return math.fsum(terms)


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
        p = model.params
        d = model.drivers
        self.stock = d.initial_stock(self.iso3, p.infrastructure_depreciation)
        self.china_lag = d.lag[self.iso3]
        self.us_lag = d.cases[self.iso3][d.last] if d.last in d.cases[self.iso3] else float("nan")
        self.yearly_flow = self.yearly_units = 0.0
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

    def own_drivers(self, year: int) -> tuple[float, float]:
        """This nation's Chinese finance (USD bn) and sanction cases of ``year``."""
        p, d = self.model.params, self.model.drivers
        code = self.iso3
        if self.is_leader:
            flow = 0.0
        elif p.driver_source == "observed" and year <= d.record_finance_last:
            f = value(d.record["finance"], (code, year))
            flow = 0.0 if math.isnan(f) else f / 1e9
            self.china_lag = math.log1p(flow * 1e3)
        elif year <= d.last:
            flow = d.flows[code][year]
        elif d.in_scope[code]:
            self.china_lag = d.rules.china_log(
                self.china_lag, self.alignment, math.log(self.gdp_bn), d.bri[code]
            )
            flow = d.rules.china_usd_m(self.china_lag) / 1e3
        else:
            flow, self.china_lag = 0.0, 0.0
        first, last = d.record_sanctions
        if p.driver_source == "observed" and year <= last:
            n = value(d.record["sanctions"], (code, max(year, first)))
            units = self.us_lag = 0.0 if math.isnan(n) else n
        elif year <= d.last:
            n = d.cases[code][year]
            units = 0.0 if math.isnan(n) else n
        else:
            self.us_lag = (
                self.us_lag
                if math.isnan(self.us_lag)
                else d.rules.us_cases(self.us_lag, self.alignment)
            )
            units = 0.0 if math.isnan(self.us_lag) else self.us_lag
        return flow, (0.0 if self.is_leader else units)

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
        eligible = 0.0 if self.recognises_taiwan else 1.0
        investment = p.china_budget * (self.yearly_flow / 12 * eligible)
        self.next_stock = (1.0 - p.infrastructure_depreciation) * self.stock + investment
        dependence = self.next_stock / self.gdp_bn
        saturation = dependence / (dependence + p.dependence_half)
        d_inv = (
            p.investment_pull
            * saturation
            * (1.0 - x)
            / (1.0 + p.china_threat_damping * self.threat_china)
        )

        pressure = p.us_pressure_budget * self.yearly_units
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

    def __init__(
        self,
        *,
        nations: pd.DataFrame,
        rng=None,
        start: str = "2023-01-01",
        drivers: pd.DataFrame | None = None,
        positions: pd.DataFrame | None = None,
        **parameters,
    ) -> None:
        super().__init__(rng=rng)
        self.params = ModelParams(**parameters)
        frame = nations.reset_index(drop=True)
        self.start = dt.date.fromisoformat(start)
        self.drivers = ReferenceDrivers(list(frame["iso3"]), self.start, drivers, positions)
        self.months, self.year = 0, None  # (Mesa counts its own ``steps``)
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
        self.months += 1
        month = self.start.month - 1 + self.months - 1
        year = self.start.year + month // 12
        if year != self.year:  # a new calendar year: every nation's flow and units
            self.year = year
            p = self.params
            own = [a.own_drivers(year) for a in self.nation_list]
            flows, units = [f for f, _ in own], [u for _, u in own]
            if p.china_targeting != "observed":  # the same total, split by the legacy weights
                total, weights = math.fsum(flows), [a.investment_weight() for a in self.nation_list]
                flows = [total * w / math.fsum(weights) if any(weights) else 0.0 for w in weights]
            if p.us_targeting != "observed":
                total, weights = math.fsum(units), [a.pressure_weight() for a in self.nation_list]
                units = [total * w / math.fsum(weights) if any(weights) else 0.0 for w in weights]
            for a, f, u in zip(self.nation_list, flows, units, strict=True):
                a.yearly_flow, a.yearly_units = f, u
        self.agents.do("compute")
        self.agents.do("apply")

    @property
    def alignment(self) -> list[float]:
        return [a.alignment for a in self.nation_list]

    @property
    def norms(self) -> list[float]:
        return [a.norm for a in self.nation_list]

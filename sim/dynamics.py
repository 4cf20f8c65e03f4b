"""The update kernel: pure array functions, state in, state out. No Mesa, no I/O, no randomness.

Every function works on one world (arrays of shape ``(n,)``) or on many replicates of it at once
(shape ``(n, R)``, one column per replicate), which is what lets a sweep step hundreds of runs as
one array. The equations are written out, with their assumptions, in docs/ODD.md ("Submodels");
the symbols in the docstrings below are the ones used there.

One step (a month) moves each nation's alignment x_i in [-1, 1] (-1 = with the US, +1 = with
China) by the sum of five contributions, computed from the state at the start of the step
(synchronous update), then clips to [-1, 1]:

    x_i(t+1) = clip(x_i + dInv_i + dPress_i + dPeer_i + dStub_i + eps_i, -1, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim.network import row_normalise
from sim.params import ModelParams
from sim.world import World

#: Order of the mechanisms in the contribution array the kernel returns.
MECHANISMS: tuple[str, ...] = ("investment", "pressure", "peers", "stubbornness", "noise")


@dataclass
class State:
    """The dynamic state. Arrays are (n,) for one run or (n, R) for R stacked replicates."""

    alignment: np.ndarray  # x, in [-1, 1]
    stock: np.ndarray  # K, Chinese-built infrastructure stock, USD bn
    threat_us: np.ndarray  # T^US, perceived cyber threat from the US, >= 0
    threat_china: np.ndarray  # T^CN, perceived cyber threat from China, >= 0

    def copy(self) -> State:
        return State(
            self.alignment.copy(),
            self.stock.copy(),
            self.threat_us.copy(),
            self.threat_china.copy(),
        )


def _col(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Broadcast a per-nation vector against (n,) or (n, R) state arrays."""
    return values if like.ndim == 1 else values[:, None]


def _share(weights: np.ndarray) -> np.ndarray:
    """Split a budget in proportion to non-negative weights, per replicate; all-zero -> nothing."""
    total = weights.sum(axis=0)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


def initial_state(world: World, params: ModelParams, replicates: int | None = None) -> State:
    """Alignment starts at each nation's disposition; no Chinese stock yet; threat from the
    2020-21 attribution claims, believed in proportion to alignment with the accuser:

        T^US_i(0) = initial_us_threat * (1 + x_i) / 2
        T^CN_i(0) = initial_china_threat * (1 - x_i) / 2
    """
    x = world.disposition.astype(float)
    if replicates is not None:
        x = np.repeat(x[:, None], replicates, axis=1)
    return State(
        alignment=x.copy(),
        stock=np.zeros_like(x),
        threat_us=params.initial_us_threat * (1.0 + x) / 2.0,
        threat_china=params.initial_china_threat * (1.0 - x) / 2.0,
    )


def investment_targets(x: np.ndarray, world: World, params: ModelParams) -> np.ndarray:
    """Targeting weights s_i of the Chinese budget (leaders get none).

    africa_arab_need: s_i = g_i * (rho if African/Arab else 1) * a_i
    need:             s_i = g_i * a_i
    swing:            s_i = g_i * (1 - |x_i|) * a_i
    uniform:          s_i = a_i
    g_i = digital gap, rho = china_priority_weight, a_i = china_allied_access for US treaty
    allies (restricted market access) else 1.
    """
    access = np.where(world.security_tie >= 1.0, params.china_allied_access, 1.0)
    access = np.where(world.leader_mask, 0.0, access)
    strategy = params.china_targeting
    if strategy == "africa_arab_need":
        base = world.digital_gap * np.where(world.priority > 0, params.china_priority_weight, 1.0)
    elif strategy == "need":
        base = world.digital_gap
    elif strategy == "uniform":
        base = np.ones(world.n)
    else:  # swing
        return _col(world.digital_gap * access, x) * (1.0 - np.abs(x))
    return np.broadcast_to(_col(base * access, x), x.shape).copy()


def pressure_targets(x: np.ndarray, world: World, params: ModelParams) -> np.ndarray:
    """Targeting weights w_i of the US pressure budget (leaders get none).

    drifting: w_i = max(x_i - us_bloc_threshold, 0)   (outside the US bloc, more if China-leaning)
    allies:   w_i = security tie
    swing:    w_i = 1 - |x_i|
    uniform:  w_i = 1
    """
    strategy = params.us_targeting
    if strategy == "drifting":
        weights = np.maximum(x - params.us_bloc_threshold, 0.0)
    elif strategy == "swing":
        weights = 1.0 - np.abs(x)
    elif strategy == "allies":
        weights = np.broadcast_to(_col(world.security_tie, x), x.shape).copy()
    else:
        weights = np.ones_like(x)
    return weights * _col(~world.leader_mask, x)


@dataclass(frozen=True)
class PeerOperator:
    """The influence network prepared for fast repeated use.

    Without bounded confidence the peer mean is one sparse mat-vec, W x. With a confidence bound
    the row normalisation depends on who is close enough, so the tie weights are masked and
    summed per row on the sparsity pattern each step.
    """

    ties: sp.csr_array  # A, unnormalised
    normalised: sp.csr_array  # W = D^-1 A
    rows: np.ndarray  # row index of each stored tie
    has_ties: np.ndarray  # bool (n,)

    @classmethod
    def build(cls, ties: sp.csr_array) -> PeerOperator:
        counts = np.diff(ties.indptr)
        return cls(
            ties=ties,
            normalised=row_normalise(ties),
            rows=np.repeat(np.arange(ties.shape[0]), counts),
            has_ties=counts > 0,
        )

    def peer_mean(
        self, x: np.ndarray, confidence_bound: float | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Weighted mean of each nation's peers and a mask of nations that have any peer."""
        if confidence_bound is None:
            return self.normalised @ x, _col(self.has_ties, x)
        cols = self.ties.indices
        x_peer = x[cols]
        weights = _col(self.ties.data, x) * (np.abs(x[self.rows] - x_peer) <= confidence_bound)
        n = self.ties.shape[0]
        shape = (n,) if x.ndim == 1 else (n, x.shape[1])
        numerator = np.zeros(shape)
        denominator = np.zeros(shape)
        np.add.at(numerator, self.rows, weights * x_peer)
        np.add.at(denominator, self.rows, weights)
        active = denominator > 0
        mean = np.divide(numerator, denominator, out=np.zeros(shape), where=active)
        return mean, active


def step(
    state: State,
    world: World,
    params: ModelParams,
    peers: PeerOperator,
    noise: np.ndarray,
    extra_pressure: np.ndarray | None = None,
) -> tuple[State, np.ndarray]:
    """Advance one month. Returns the new state and the contributions, shape (5, *x.shape),
    in the order of ``MECHANISMS`` (before clipping to [-1, 1]).

    ``noise`` is drawn by the caller from the run's generator; ``extra_pressure`` adds pressure
    units on chosen nations this step (sanction events).
    """
    x = state.alignment

    # 1. Chinese infrastructure investment: allocation, stock, dependence, saturating pull.
    investment = params.china_budget * _share(investment_targets(x, world, params))
    stock = (1.0 - params.infrastructure_depreciation) * state.stock + investment
    dependence = stock / _col(world.gdp_bn, x)
    saturation = dependence / (dependence + params.dependence_half)
    d_investment = (
        params.investment_pull
        * saturation
        * (1.0 - x)
        / (1.0 + params.china_threat_damping * state.threat_china)
    )

    # 2. US pressure, with backlash on non-interventionist, threatened nations.
    pressure = params.us_pressure_budget * _share(pressure_targets(x, world, params))
    if extra_pressure is not None:
        pressure = pressure + _col(extra_pressure, x)
    effect = params.pressure_pull * pressure / (pressure + params.pressure_half)
    backlash = np.clip(
        params.backlash_strength
        * _col(world.non_intervention, x)
        * (1.0 + params.threat_backlash_gain * state.threat_us),
        0.0,
        1.0,
    )
    tie_gain = 1.0 + params.security_tie_gain * _col(world.security_tie, x)
    push = backlash - (1.0 - backlash) * tie_gain  # > 0: net backfire toward China
    d_pressure = effect * (np.maximum(push, 0.0) * (1.0 - x) + np.minimum(push, 0.0) * (1.0 + x))

    # 3. Peer influence toward the (optionally bounded-confidence) weighted peer mean.
    mean, active = peers.peer_mean(x, params.confidence_bound)
    d_peers = np.where(active, params.peer_weight * (mean - x), 0.0)

    # 4. Stubbornness: Friedkin-Johnsen pull back toward the disposition.
    d_stubborn = params.stubbornness * (_col(world.disposition, x) - x)

    contributions = np.stack([d_investment, d_pressure, d_peers, d_stubborn, noise])
    if params.fixed_leaders:
        contributions[:, world.leader_mask] = 0.0

    new_alignment = np.clip(x + contributions.sum(axis=0), -1.0, 1.0)
    decay = 1.0 - params.threat_decay
    new_state = State(
        alignment=new_alignment,
        stock=stock,
        threat_us=decay * state.threat_us,
        threat_china=decay * state.threat_china,
    )
    return new_state, contributions


def attribution_credence(x: np.ndarray, accuser: str) -> np.ndarray:
    """How much each nation believes a public attribution claim: in proportion to its
    alignment with the accuser, (1 + x)/2 for China's claims and (1 - x)/2 for the US's."""
    return (1.0 + x) / 2.0 if accuser == "china" else (1.0 - x) / 2.0

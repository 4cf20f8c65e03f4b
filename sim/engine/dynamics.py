"""The update kernel: pure array functions, state in, state out. No Mesa, no I/O, no randomness.

Every function works on one world (arrays of shape ``(n,)``) or on many runs of it at once
(shape ``(n, R)``, one column per run), which is what lets a sweep step hundreds of runs as
one array. The R columns may carry R different parameter sets: ``params`` is then a
``sim.engine.stacking.ColumnParams``, whose numeric attributes are scalars where all columns agree and
(1, R) arrays where they differ, and ``peers`` a ``PeerStack`` when the columns' influence
networks differ. Every operation is elementwise per column or a per-column mat-vec/sum, so a
column comes out bit-identical to the same parameter set and noise run alone. The equations are written out, with their assumptions, in docs/ODD.md ("Submodels");
the symbols in the docstrings below are the ones used there.

One step (a month) moves each nation's alignment x_i in [-1, 1] (-1 = with the US, +1 = with
China) by the sum of five contributions, computed from the state at the start of the step
(synchronous update), then clips to [-1, 1]:

    x_i(t+1) = clip(x_i + dInv_i + dPress_i + dPeer_i + dStub_i + eps_i, -1, 1)

and its non-intervention norm n_i in [0, 1] by peers, its own anchor and Chinese-built
infrastructure (docs/ODD.md 7.5):

    n_i(t+1) = clip(n_i + eta (nbar_i - n_i) + sigma_n (nu_i - n_i) + a_n S_i (1 - n_i), 0, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim.engine.params import ModelParams
from sim.engine.stacking import ColumnParams, is_per_column
from sim.engine.stock import initial_stock
from sim.world.network import row_normalise
from sim.world.world import World

#: The kernel's parameters: one set (shared by every column), or one per column.
Params = ModelParams | ColumnParams

#: Order of the mechanisms in the contribution array the kernel returns.
MECHANISMS: tuple[str, ...] = ("investment", "pressure", "peers", "stubbornness", "noise")


@dataclass
class State:
    """The dynamic state. Arrays are (n,) for one run or (n, R) for R stacked runs (replicates,
    or runs with different parameter sets)."""

    alignment: np.ndarray  # x, in [-1, 1]
    stock: np.ndarray  # K, Chinese-built infrastructure stock, USD bn
    threat_us: np.ndarray  # T^US, perceived cyber threat from the US, >= 0
    threat_china: np.ndarray  # T^CN, perceived cyber threat from China, >= 0
    norm: np.ndarray  # n, commitment to non-intervention ("cyber sovereignty"), in [0, 1]

    def copy(self) -> State:
        return State(
            self.alignment.copy(),
            self.stock.copy(),
            self.threat_us.copy(),
            self.threat_china.copy(),
            self.norm.copy(),
        )


def _col(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Broadcast per-nation values against (n,) or (n, R) state arrays: an (n,) vector becomes a
    column (n, 1); values that already differ per column, (n, R), pass as they are."""
    return values if values.ndim == like.ndim else values[:, None]


def _nations(values: np.ndarray, *factors: object) -> np.ndarray:
    """A per-nation vector as (n, 1) when it meets per-column parameters ((1, R) arrays), so
    the product is (n, R); unchanged otherwise."""
    return values[:, None] if any(is_per_column(f) for f in factors) else values


def _share(weights: np.ndarray) -> np.ndarray:
    """Split a budget in proportion to non-negative weights, per replicate; all-zero -> nothing."""
    if weights.ndim == 1:  # the common case, without the masked divide's overhead
        total = weights.sum()
        return weights / total if total > 0 else np.zeros_like(weights)
    total = _column_sums(weights)
    out = np.zeros(np.broadcast_shapes(weights.shape, total.shape))
    return np.divide(weights, total, out=out, where=total > 0)


def _column_sums(values: np.ndarray) -> np.ndarray:
    """Per-replicate sums computed exactly as a 1-D run sums (numpy's pairwise summation along a
    contiguous row), so a stacked replicate gets bit-identical numbers to the same run alone."""
    return np.ascontiguousarray(values.T).sum(axis=1)


def _clip_unit(values: np.ndarray) -> np.ndarray:
    """Clip to [-1, 1] in place (np.clip costs several times more on small arrays)."""
    np.maximum(values, -1.0, out=values)
    return np.minimum(values, 1.0, out=values)


def initial_state(world: World, params: Params, replicates: int | None = None) -> State:
    """Alignment and norm start at their observed values; the Chinese-built stock at the
    observed finance up to the start date, depreciated (``sim.engine.drivers.initial_stock``;
    zero for a world without a date); threat from the attribution claims before the start,
    believed in proportion to alignment with the accuser:

        T^US_i(0) = initial_us_threat * (1 + x_i) / 2
        T^CN_i(0) = initial_china_threat * (1 - x_i) / 2
    """
    x = world.alignment.astype(float)
    n = world.non_intervention.astype(float)
    if replicates is not None:
        x = np.repeat(x[:, None], replicates, axis=1)
        n = np.repeat(n[:, None], replicates, axis=1)
    return State(
        alignment=x.copy(),
        stock=initial_stock(world.history, params.infrastructure_depreciation, world.n, replicates),
        threat_us=params.initial_us_threat * (1.0 + x) / 2.0,
        threat_china=params.initial_china_threat * (1.0 - x) / 2.0,
        norm=n.copy(),
    )


@dataclass(frozen=True)
class Anchors:
    """Each nation's own long-run positions: the Friedkin-Johnsen "prejudices".

    disposition u_i anchors the alignment, norm_disposition nu_i the non-intervention norm. They
    are not observed; they are inferred so that the observed starting world is an equilibrium of
    peers and stubbornness under the reference parameters (``equilibrium_anchors``), and moved
    by membership events that change a nation's security ties. (n,) when every column shares
    them; (n, R) when the columns of a stack have different reference parameters.
    """

    disposition: np.ndarray
    norm_disposition: np.ndarray

    @classmethod
    def columns(cls, per_column: list[Anchors]) -> Anchors:
        """The anchors of R columns side by side, (n, R)."""
        return cls(
            disposition=np.stack([a.disposition for a in per_column], axis=1),
            norm_disposition=np.stack([a.norm_disposition for a in per_column], axis=1),
        )


def equilibrium_anchor(
    observed: np.ndarray,
    peers: PeerOperator,
    peer_rate: float,
    stubbornness: float,
    confidence_bound: float | None = None,
) -> np.ndarray:
    """The anchor u that makes ``observed`` a fixed point of peers + stubbornness:

        0 = alpha (xbar_i - x_i) + sigma (u_i - x_i)   =>   u_i = x_i + (alpha / sigma)(x_i - xbar_i)

    xbar_i is the (bounded-confidence) peer mean at the observed values; a nation without peers,
    or a model without stubbornness (sigma = 0, pure DeGroot: no anchor can hold it), keeps
    u_i = x_i. The anchor may lie outside the alignment range: a hard-liner among moderate
    peers needs an anchor beyond +1 to stay where it is observed.
    """
    if stubbornness <= 0.0 or peer_rate <= 0.0:
        return observed.astype(float).copy()
    mean, active = peers.peer_mean(observed.astype(float), confidence_bound)
    return observed + (peer_rate / stubbornness) * np.where(active, observed - mean, 0.0)


def equilibrium_anchors(
    world: World, reference: ModelParams, peers: PeerOperator | None = None
) -> Anchors:
    """Anchors that hold the observed world still under ``reference`` parameters (docs/ODD.md 7.4).

    ``peers``: the influence network of ``world`` under ``reference``'s network weights, when
    the caller has it already (a calibration population shares one network: building it per
    candidate cost as much as the run)."""
    from sim.world.network import influence_matrix

    if peers is None:
        peers = PeerOperator.build(
            influence_matrix(
                world.membership,
                world.subregion,
                reference.org_weights,
                reference.region_weight,
                world.iso3,
            )
        )
    return Anchors(
        disposition=equilibrium_anchor(
            world.alignment,
            peers,
            reference.peer_weight,
            reference.stubbornness,
            reference.confidence_bound,
        ),
        norm_disposition=equilibrium_anchor(
            world.non_intervention, peers, reference.norm_peer_weight, reference.norm_stubbornness
        ),
    )


@dataclass(frozen=True)
class Prepared:
    """Per-nation constants of the kernel for one (world, parameters) pair.

    Everything here stays fixed from step to step until an event changes the parameters or the
    world, so it is computed once (``prepare``) instead of in every step; the step then costs a
    few dozen vector operations on 196 numbers. Vectors are (n,); a constant that depends on a
    parameter differing between the columns of a stack (investment_base, tie_gain, the anchors)
    is (n, R).
    """

    nonleader: np.ndarray  # 1.0 except the two leaders (who get no budget)
    leader_rows: np.ndarray
    investment_base: np.ndarray  # s_i (for 'swing' without its per-step factor 1 - |x_i|)
    gdp_bn: np.ndarray
    pressure_static: np.ndarray | None  # w_i of the state-free strategies
    tie_gain: np.ndarray  # 1 + lambda_tau * tau_i
    disposition: np.ndarray  # u
    norm_disposition: np.ndarray  # nu


def investment_base(world: World, params: Params) -> np.ndarray:
    """State-free part of the Chinese targeting weights (docs/ODD.md 7.1):

        s_i = Y_i * (phi + g_i) * (rho if African/Arab) * a_i * (0 if it recognises Taiwan)

    Y_i nominal GDP (absorptive capacity: a project's size scales with the economy it is built
    in), phi = china_market_weight (commercial contracts where the gap is closed), g_i the
    digital gap. 'need' drops rho, 'uniform' keeps only Y_i; leaders get nothing. (n,) for one
    parameter set; (n, R) when one of phi, rho, a differs between columns.
    """
    phi, rho, allied = (
        params.china_market_weight,
        params.china_priority_weight,
        params.china_allied_access,
    )

    def nations(values: np.ndarray) -> np.ndarray:
        return _nations(values, phi, rho, allied)

    nonleader = nations((~world.leader_mask).astype(float))
    access = np.where(nations(world.security_tie >= 1.0), allied, 1.0)
    recognition = nations((~world.recognises_taiwan).astype(float))
    strategy = params.china_targeting
    market_and_need = phi + nations(world.digital_gap)
    if strategy == "africa_arab_need":
        base = market_and_need * np.where(nations(world.priority > 0), rho, 1.0)
    elif strategy == "uniform":
        base = nations(np.ones(world.n))
    else:  # need, and swing (whose state-dependent factor is applied per step)
        base = market_and_need
    return nations(world.gdp_bn) * base * access * recognition * nonleader


def prepare(world: World, params: Params, anchors: Anchors | None = None) -> Prepared:
    """The constants of ``investment_targets`` / ``pressure_targets`` / ``step`` (see there).

    Without ``anchors`` they are the equilibrium anchors under ``params`` themselves (one
    parameter set only: a stack of several passes its anchors, see ``Simulation``). Constants
    that depend on a parameter differing between columns come out (n, R).
    """
    leader = world.leader_mask
    nonleader = (~leader).astype(float)
    if anchors is None:
        if isinstance(params, ColumnParams):
            raise ValueError("prepare: pass the anchors of a stack of parameter sets")
        anchors = equilibrium_anchors(world, params)
    pressure_static = {
        "allies": world.security_tie * nonleader,
        "uniform": nonleader,
    }.get(params.us_targeting)
    return Prepared(
        nonleader=nonleader,
        leader_rows=np.flatnonzero(leader),
        investment_base=investment_base(world, params),
        gdp_bn=world.gdp_bn,
        pressure_static=pressure_static,
        tie_gain=1.0
        + params.security_tie_gain * _nations(world.security_tie, params.security_tie_gain),
        disposition=anchors.disposition,
        norm_disposition=anchors.norm_disposition,
    )


def investment_targets(
    x: np.ndarray, world: World, params: Params, prepared: Prepared | None = None
) -> np.ndarray:
    """Targeting weights s_i of the Chinese budget (leaders and Taiwan's recognisers get none).

    africa_arab_need: s_i = Y_i (phi + g_i) (rho if African/Arab else 1) a_i r_i
    need:             s_i = Y_i (phi + g_i) a_i r_i
    swing:            s_i = Y_i (phi + g_i) (1 - |x_i|) a_i r_i
    uniform:          s_i = Y_i a_i r_i
    Y_i nominal GDP, g_i digital gap, phi = china_market_weight, rho = china_priority_weight,
    a_i = china_allied_access for US treaty allies (restricted market access) else 1, r_i = 0
    while the nation recognises Taiwan, else 1.
    """
    k = prepared or prepare(world, params)
    if params.china_targeting == "swing":
        return _col(k.investment_base, x) * (1.0 - np.abs(x))
    return _col(k.investment_base, x)  # (n,), (n, 1) shared by the columns, or (n, R)


def pressure_targets(
    x: np.ndarray, world: World, params: Params, prepared: Prepared | None = None
) -> np.ndarray:
    """Targeting weights w_i of the US pressure budget (leaders get none).

    drifting: w_i = max(x_i - us_bloc_threshold, 0)   (outside the US bloc, more if China-leaning)
    allies:   w_i = security tie
    swing:    w_i = 1 - |x_i|
    uniform:  w_i = 1
    """
    k = prepared or prepare(world, params)
    if k.pressure_static is not None:
        return _col(k.pressure_static, x)  # the same for every replicate: (n,) or (n, 1)
    if params.us_targeting == "drifting":
        weights = np.maximum(x - params.us_bloc_threshold, 0.0)
    else:  # swing
        weights = 1.0 - np.abs(x)
    return weights * _col(k.nonleader, x)


#: Above this share of non-zero entries the peer mat-vec runs on a dense copy of W: with the
#: Non-Aligned Movement and the African Union the 2023 network is about half full, where a
#: BLAS mat-vec is several times faster than a sparse one. The CSR matrix stays the canonical
#: form (events rebuild it; the reference model reads its rows).
DENSE_FRACTION = 0.1


@dataclass(frozen=True)
class PeerOperator:
    """The influence network prepared for fast repeated use.

    Without bounded confidence the peer mean is one mat-vec, W x. With a confidence bound the
    row normalisation depends on who is close enough, so the tie weights are masked and summed
    per row each step.
    """

    ties: sp.csr_array  # A, unnormalised
    normalised: sp.csr_array  # W = D^-1 A
    has_ties: np.ndarray  # bool (n,)
    dense_ties: np.ndarray | None  # A as an array, when dense enough
    shift: np.ndarray | sp.csr_array  # W - I on rows with ties, 0 on isolated rows

    @classmethod
    def build(cls, ties: sp.csr_array) -> PeerOperator:
        normalised = row_normalise(ties)
        n = ties.shape[0]
        has_ties = np.diff(ties.indptr) > 0
        # (W - I) x is the distance to the peer mean in one mat-vec; an isolated nation has no
        # peer mean, so its row is zero instead of -x.
        shift = sp.csr_array(normalised - sp.diags_array(has_ties.astype(float)))
        dense = ties.nnz > DENSE_FRACTION * n * n
        return cls(
            ties=ties,
            normalised=normalised,
            has_ties=has_ties,
            dense_ties=ties.toarray() if dense else None,
            shift=shift.toarray() if dense else shift,
        )

    def toward_peers(
        self, x: np.ndarray, confidence_bound: float | np.ndarray | None
    ) -> np.ndarray:
        """x_bar_i - x_i: how far each nation is from its peers' weighted mean (0 if it has none)."""
        if confidence_bound is None:
            if x.ndim == 1 or isinstance(self.shift, sp.csr_array):
                return self.shift @ x
            # One mat-vec per replicate rather than one matrix product: BLAS's matrix-matrix
            # product rounds differently from its mat-vec, and a replicate must come out the same
            # whether it runs alone or stacked with others.
            return np.stack([self.shift @ np.ascontiguousarray(c) for c in x.T], axis=1)
        mean, active = self.peer_mean(x, confidence_bound)
        return np.where(active, mean - x, 0.0)

    def peer_mean(
        self, x: np.ndarray, confidence_bound: float | np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Weighted mean of each nation's peers and a mask of nations that have any peer.

        ``confidence_bound`` may be a (1, R) array: one bound per column of x."""
        if confidence_bound is None:
            return self.normalised @ x, _col(self.has_ties, x)
        if x.ndim == 2:
            bounds = np.broadcast_to(confidence_bound, (1, x.shape[1]))[0]
            columns = [self.peer_mean(x[:, r], float(bounds[r])) for r in range(x.shape[1])]
            return (
                np.stack([c[0] for c in columns], axis=1),
                np.stack([c[1] for c in columns], axis=1),
            )
        close = np.abs(x[:, None] - x[None, :]) <= confidence_bound
        A = self.dense_ties if self.dense_ties is not None else self.ties.toarray()
        weights = A * close
        denominator = weights.sum(axis=1)
        active = denominator > 0
        mean = np.divide(weights @ x, denominator, out=np.zeros_like(x), where=active)
        return mean, active


@dataclass(frozen=True)
class PeerStack:
    """Different influence networks for the columns of one stack (columns whose parameter sets
    differ in ``org_weights`` or ``region_weight``): each operator is applied to its own columns,
    with exactly the per-column arithmetic of ``PeerOperator`` (a column alone gets the same bits).
    """

    operators: tuple[PeerOperator, ...]
    columns: tuple[np.ndarray, ...]  # column indices of each operator, together 0..R-1
    of_column: np.ndarray  # index into operators, per column

    @classmethod
    def build(cls, operators: list[PeerOperator], of_column: list[int]) -> PeerStack:
        owner = np.asarray(of_column, dtype=np.intp)
        return cls(
            operators=tuple(operators),
            columns=tuple(np.flatnonzero(owner == k) for k in range(len(operators))),
            of_column=owner,
        )

    def operator(self, column: int) -> PeerOperator:
        """The network of one column."""
        return self.operators[self.of_column[column]]

    def toward_peers(
        self, x: np.ndarray, confidence_bound: float | np.ndarray | None
    ) -> np.ndarray:
        """x_bar_i - x_i per column, each column on its own network."""
        out = np.empty_like(x)
        for operator, columns in zip(self.operators, self.columns, strict=True):
            if confidence_bound is None and len(columns) == 1:
                # One column on its own network (a design varying a network weight): the 1-D
                # product PeerOperator.toward_peers makes per column, without its 2-D overhead.
                column = int(columns[0])
                out[:, column] = operator.shift @ np.ascontiguousarray(x[:, column])
                continue
            bound = confidence_bound
            if is_per_column(bound):
                bound = bound[:, columns]
            out[:, columns] = operator.toward_peers(x[:, columns], bound)
        return out


def step(
    state: State,
    world: World,
    params: Params,
    peers: PeerOperator | PeerStack,
    noise: np.ndarray,
    investment: np.ndarray,
    pressure: np.ndarray,
    extra_pressure: np.ndarray | None = None,
    prepared: Prepared | None = None,
) -> tuple[State, np.ndarray]:
    """Advance one month. Returns the new state and the contributions, shape (5, *x.shape),
    in the order of ``MECHANISMS`` (before clipping to [-1, 1]).

    ``noise`` is drawn by the caller from the run's generator; ``investment`` is this month's
    Chinese investment flow per nation (USD bn) and ``pressure`` the US pressure units, both
    before the ``china_budget`` / ``us_pressure_budget`` multipliers, (n,) or (n, R), from the
    run's driver schedule (``sim.engine.drivers``); ``extra_pressure`` adds pressure units on
    chosen nations this step (sanction events); ``prepared`` are the constants of
    ``prepare(world, params)``, computed here when not given.

    With a ``ColumnParams`` (R parameter sets, state (n, R)) every rate below may be a (1, R)
    array; each column then follows its own parameter set, bit for bit as if run alone.
    """
    k = prepared or prepare(world, params)
    x = state.alignment
    toward_china = 1.0 - x
    toward_us = 1.0 + x
    contributions = np.empty((len(MECHANISMS), *x.shape))

    # 1. Chinese infrastructure investment: this month's flow, stock, dependence, saturating pull.
    investment = params.china_budget * _col(investment, x)
    stock = (1.0 - params.infrastructure_depreciation) * state.stock
    stock += investment
    dependence = stock / _col(k.gdp_bn, x)
    saturation = dependence / (dependence + params.dependence_half)  # S_i in [0, 1)
    pull = contributions[0]
    np.multiply(saturation, toward_china, out=pull)
    pull *= params.investment_pull
    pull /= 1.0 + params.china_threat_damping * state.threat_china

    # 2. US pressure, with backlash on non-interventionist, threatened nations.
    pressure = params.us_pressure_budget * _col(pressure, x)
    if extra_pressure is not None:
        pressure = pressure + _col(extra_pressure, x)
    effect = params.pressure_pull * pressure / (pressure + params.pressure_half)
    backlash = (params.backlash_strength * state.norm) * (
        1.0 + params.threat_backlash_gain * state.threat_us
    )
    np.minimum(backlash, 1.0, out=backlash)  # both factors are >= 0
    push = backlash - (1.0 - backlash) * _col(k.tie_gain, x)  # > 0: net backfire toward China
    np.multiply(
        np.maximum(push, 0.0) * toward_china + np.minimum(push, 0.0) * toward_us,
        effect,
        out=contributions[1],
    )

    # 3. Peer influence toward the (optionally bounded-confidence) weighted peer mean.
    np.multiply(
        peers.toward_peers(x, params.confidence_bound), params.peer_weight, out=contributions[2]
    )

    # 4. Stubbornness: Friedkin-Johnsen pull back toward the disposition.
    np.multiply(_col(k.disposition, x) - x, params.stubbornness, out=contributions[3])
    contributions[4] = noise
    if params.fixed_leaders:
        contributions[:, k.leader_rows] = 0.0

    new_alignment = _clip_unit(x + contributions.sum(axis=0))

    # 5. The non-intervention norm: peers (no confidence bound: norms are not partisan),
    # anchor, and the pull of dependence on Chinese-built infrastructure.
    n = state.norm
    norm_change = params.norm_peer_weight * peers.toward_peers(n, None)
    norm_change += params.norm_stubbornness * (_col(k.norm_disposition, n) - n)
    norm_pull = params.norm_investment_pull
    if not is_per_column(norm_pull):
        if norm_pull > 0.0:
            norm_change += norm_pull * saturation * (1.0 - n)
    elif (on := norm_pull[0] > 0.0).any():  # only the columns that have the term, as alone
        norm_change[:, on] += norm_pull[:, on] * saturation[:, on] * (1.0 - n[:, on])
    if params.fixed_leaders:
        norm_change[k.leader_rows] = 0.0
    new_norm = n + norm_change
    np.maximum(new_norm, 0.0, out=new_norm)
    np.minimum(new_norm, 1.0, out=new_norm)

    decay = 1.0 - params.threat_decay
    new_state = State(
        alignment=new_alignment,
        stock=stock,
        threat_us=decay * state.threat_us,
        threat_china=decay * state.threat_china,
        norm=new_norm,
    )
    return new_state, contributions


def attribution_credence(x: np.ndarray, accuser: str) -> np.ndarray:
    """How much each nation believes a public attribution claim: in proportion to its
    alignment with the accuser, (1 + x)/2 for China's claims and (1 - x)/2 for the US's."""
    return (1.0 + x) / 2.0 if accuser == "china" else (1.0 - x) / 2.0

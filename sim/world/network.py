"""The influence network: who listens to whom, built from shared memberships, alliances and region.

A pure function of the world and the weights, so an event that changes a weight or a membership
simply rebuilds it (about a millisecond for 196 nations).

Each channel c (an organisation, the US alliance system, the UN region) gives nation i a fixed
amount of attention w_c * m_ic, *shared out* over the other nations it reaches, in proportion to
their strength in it. An organisation's pull on a member therefore does not grow with the number
of members: the Non-Aligned Movement (120 states) and the Five Eyes (5) give each of their members
only their own weight, split over the co-members.

    A_ij = sum_o w_o m_io m_jo / C_io  +  w_US m_i,US ... (hub) +  w_R [R_i = R_j] / (|R_i| - 1)

    C_io = sum_{k != i} m_ko              (the co-members' total strength)

The US alliance system is hub-and-spoke, not a club: an ally is tied to the US (weight
w_us_alliance * tau_i), not to every other ally; allies that share a real multilateral alliance
(NATO, the Five Eyes) are tied to each other through that organisation. The US spreads its own
alliance attention over its allies in proportion to their tie. A_ii = 0; A is not symmetric.
The peer mechanism uses the row-normalised W = D^-1 A (docs/ODD.md, section 7.3).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from sim.world.organisations import ORGANISATIONS

#: Channels that are a hub with spokes rather than a club of equals, and their hub nation.
HUB_CHANNELS: dict[str, str] = {"us_alliance": "USA"}


def _shared(strength: np.ndarray, weight: float) -> np.ndarray:
    """Dense (n, n) ties of one club-like channel: w m_i m_j / C_i, zero diagonal."""
    ties = np.outer(strength, strength)
    np.fill_diagonal(ties, 0.0)
    co_members = strength.sum() - strength  # C_i (strength of everyone else)
    scale = np.divide(weight, co_members, out=np.zeros_like(co_members), where=co_members > 0)
    return ties * scale[:, None]


def _hub(strength: np.ndarray, weight: float, hub_row: int) -> np.ndarray:
    """Dense ties of a hub-and-spoke channel: spoke i -> hub with w m_i; hub -> spoke j with
    w m_j / sum_k m_k (the hub's attention shared over its spokes)."""
    n = len(strength)
    ties = np.zeros((n, n))
    spokes = strength.copy()
    spokes[hub_row] = 0.0
    ties[:, hub_row] = weight * spokes
    total = spokes.sum()
    if total > 0:
        ties[hub_row, :] = weight * spokes / total
    return ties


def channel_ties(
    membership: np.ndarray,
    subregion: np.ndarray,
    org_weights: Mapping[str, float],
    region_weight: float,
    iso3: np.ndarray,
) -> dict[str, np.ndarray]:
    """Every channel's dense (n, n) contribution to A, by name ('region' and each organisation)."""
    channels: dict[str, np.ndarray] = {}
    rows = {code: i for i, code in enumerate(iso3)}
    for k, org in enumerate(ORGANISATIONS):
        weight = float(org_weights.get(org, 0.0))
        strength = membership[:, k]
        if weight == 0.0 or not strength.any():
            continue
        hub = HUB_CHANNELS.get(org)
        if hub is not None:
            if hub in rows:
                channels[org] = _hub(strength, weight, rows[hub])
            continue
        channels[org] = _shared(strength, weight)
    if region_weight > 0:
        _, codes = np.unique(subregion, return_inverse=True)
        same = (codes[:, None] == codes[None, :]).astype(float)
        channels["region"] = _shared_matrix(same, region_weight)
    return channels


def _shared_matrix(same: np.ndarray, weight: float) -> np.ndarray:
    """Region ties: w / (|R_i| - 1) to each other nation of i's region."""
    ties = same.copy()
    np.fill_diagonal(ties, 0.0)
    others = ties.sum(axis=1)
    scale = np.divide(weight, others, out=np.zeros_like(others), where=others > 0)
    return ties * scale[:, None]


def influence_matrix(
    membership: np.ndarray,
    subregion: np.ndarray,
    org_weights: Mapping[str, float],
    region_weight: float,
    iso3: np.ndarray,
) -> sp.csr_array:
    """Unnormalised tie weights A (CSR, zero diagonal, explicit zeros removed)."""
    n = len(subregion)
    total = np.zeros((n, n))
    for ties in channel_ties(membership, subregion, org_weights, region_weight, iso3).values():
        total += ties
    ties = sp.csr_array(total)
    ties.eliminate_zeros()
    ties.sort_indices()
    return ties


def peer_weight_shares(
    membership: np.ndarray,
    subregion: np.ndarray,
    org_weights: Mapping[str, float],
    region_weight: float,
    iso3: np.ndarray,
) -> pd.DataFrame:
    """Share of each nation's peer weight that each channel supplies (rows sum to 1, or 0 for a
    nation without peers): the table docs/network.md summarises."""
    channels = channel_ties(membership, subregion, org_weights, region_weight, iso3)
    sums = {name: ties.sum(axis=1) for name, ties in channels.items()}
    frame = pd.DataFrame(sums, index=pd.Index(iso3, name="iso3"))
    total = frame.sum(axis=1)
    return frame.div(total.where(total > 0), axis=0).fillna(0.0)


def row_normalise(ties: sp.csr_array) -> sp.csr_array:
    """W = D^-1 A; rows without ties stay zero (an isolated nation has no peer pull)."""
    sums = np.asarray(ties.sum(axis=1)).ravel()
    inverse = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return sp.csr_array(sp.diags_array(inverse) @ ties)


def neighbour_lists(ties: sp.csr_array) -> list[list[tuple[int, float]]]:
    """Per-nation [(peer row, tie weight), ...]: the form a per-agent model iterates over."""
    return [
        list(
            zip(
                ties.indices[ties.indptr[i] : ties.indptr[i + 1]].tolist(),
                ties.data[ties.indptr[i] : ties.indptr[i + 1]].tolist(),
                strict=True,
            )
        )
        for i in range(ties.shape[0])
    ]

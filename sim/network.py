"""The influence network: who listens to whom, built from shared memberships and region.

A pure function of the world and the weights, so an event that changes a weight or a membership
simply rebuilds it (about a millisecond for 193 nations).

    A_ij = sum_o w_o * m_io * m_jo  +  w_region * [subregion_i == subregion_j],   A_ii = 0

m_io is nation i's membership strength in organisation o (``sim.world.ROLE_STRENGTH``), w_o the
organisation's weight. The peer mechanism uses the row-normalised W = D^-1 A.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from sim.params import ORGANISATIONS


def influence_matrix(
    membership: np.ndarray,
    subregion: np.ndarray,
    org_weights: Mapping[str, float],
    region_weight: float,
) -> sp.csr_array:
    """Unnormalised symmetric tie weights A (CSR, zero diagonal, explicit zeros removed)."""
    weights = np.array([org_weights.get(org, 0.0) for org in ORGANISATIONS])
    m = sp.csr_array(membership)
    ties = (m * weights) @ m.T
    _, codes = np.unique(subregion, return_inverse=True)
    same_region = sp.csr_array(
        (np.ones(len(codes)), (np.arange(len(codes)), codes)), shape=(len(codes), codes.max() + 1)
    )
    ties = ties + region_weight * (same_region @ same_region.T)
    ties = sp.csr_array(ties)
    ties.setdiag(0.0)
    ties.eliminate_zeros()
    ties.sort_indices()
    return ties


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

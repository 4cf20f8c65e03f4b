"""Seeds: every run's random numbers derive from the master seed and the run's identity only.

A run is identified by (design point, replicate). Its seed is drawn from a numpy
``SeedSequence(master_seed, spawn_key=(point, replicate))`` — the same child ``SeedSequence.spawn``
would hand out, addressed directly instead of by position — so a run's numbers do not depend on
which other runs exist, in what order they execute, how they are chunked or on how many workers.

The seed is stored as a plain non-negative integer (63 bits) in the results, because that is what
``run.py run --seed`` and ``CyberBlocModel(rng=...)`` take: any single run can be replayed alone.
The generator of a run is ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import numpy as np

#: spawn_key entries at or above this are reserved for non-run streams (design sampling), so
#: they can never collide with a (point, replicate) key.
RESERVED = 2**32

DESIGN_STREAM = (RESERVED, 0)


def _to_int(sequence: np.random.SeedSequence) -> int:
    """63 random bits from a SeedSequence: fits an int64 column and every seed argument."""
    high, low = (int(word) for word in sequence.generate_state(2, np.uint32))
    return ((high << 32) | low) >> 1


def run_seed(master_seed: int, point: int, replicate: int) -> int:
    """The seed of one run: a function of (master seed, point, replicate) and nothing else."""
    if point < 0 or replicate < 0 or point >= RESERVED or replicate >= RESERVED:
        raise ValueError(f"point and replicate must be in [0, 2^32), got {point}, {replicate}")
    return _to_int(np.random.SeedSequence(master_seed, spawn_key=(point, replicate)))


def run_generator(master_seed: int, point: int, replicate: int) -> np.random.Generator:
    """The generator a run draws its noise from (what ``CyberBlocModel(rng=seed)`` would build)."""
    return np.random.default_rng(run_seed(master_seed, point, replicate))


def design_seed(master_seed: int) -> int:
    """Seed of the design samplers (LHS, Sobol scrambling, Morris trajectories)."""
    return _to_int(np.random.SeedSequence(master_seed, spawn_key=DESIGN_STREAM))

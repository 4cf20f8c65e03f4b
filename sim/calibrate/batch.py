"""A pyabc sampler that simulates candidates in stacked batches (issue 9, section 5).

Why: pyabc asks for one particle at a time (``simulate_one``: propose a parameter set, simulate,
compute the distance, accept or reject, weight). One hindcast per call cannot use the kernel's
stacking, which steps many parameter sets as one array several times faster per run
(benchmarks/bench_calibrate.py). This sampler keeps pyabc's algorithm and changes only when the
simulations happen:

1. **Look ahead.** It saves numpy's global random state (pyabc's only source of randomness when
   proposing), draws the next ``B`` proposals with pyabc's own proposal code
   (``generate_valid_proposal``, or the prior for the calibration sample), and restores the state.
2. **Simulate the batch** as stacked arrays (``Model.simulate_batch`` -> ``Target.simulate_many``
   -> ``sim.ensemble.run_stacked``), split over worker processes when there are several.
3. **Let pyabc run as usual.** It calls pyabc's ``simulate_one`` until ``n`` particles are
   accepted, exactly like ``pyabc.sampler.SingleCoreSampler``. ``simulate_one`` re-draws the same
   proposals from the same random state, and the model hands back the precomputed result of that
   parameter set instead of simulating it (``Model.__call__``). pyabc computes the distance,
   the acceptance and the weight itself.

The simulated result of a parameter set is a function of the set alone (its seed is a hash of
its values: sim/calibrate/target.py) and every stacked column is bit-identical to the run alone,
so a calibration with this sampler is bit-identical to one with ``SingleCoreSampler`` for the
same seed, with any number of workers (tests/test_calibrate.py). Proposals looked ahead past the
n-th acceptance are simulated but never evaluated (``wasted``): the price of batching, kept small
by sizing each batch from the acceptance rate seen so far. A proposal the look-ahead did not
predict (it cannot happen with pyabc 0.13's proposal code, but a future version might draw random
numbers elsewhere) is simply simulated alone: slower, never wrong (``misses`` counts them).
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pyabc
from pyabc.inference_util.inference_util import (
    _simulate_one,
    _simulate_one_from_prior,
    generate_valid_proposal,
)

#: Batch sizes: at least this many proposals per worker (below it, stepping stops paying off),
#: at most this many per batch (memory, and the waste past the last acceptance).
MIN_PER_WORKER = 16
MAX_BATCH = 2048


def proposal_drawer(simulate_one: Callable) -> Callable[[], dict] | None:
    """A function drawing the next proposal exactly as ``simulate_one`` will, or None when
    ``simulate_one`` is not one of the pyabc functions this sampler knows."""
    if not isinstance(simulate_one, partial):
        return None
    kw = simulate_one.keywords
    if simulate_one.func is _simulate_one:

        def draw() -> dict:
            _, theta = generate_valid_proposal(
                t=kw["t"],
                m=kw["m"],
                p=kw["p"],
                model_prior=kw["model_prior"],
                parameter_priors=kw["parameter_priors"],
                model_perturbation_kernel=kw["model_perturbation_kernel"],
                transitions=kw["transitions"],
            )
            return theta

        return draw
    if simulate_one.func is _simulate_one_from_prior:

        def draw_prior() -> dict:
            m = int(kw["model_prior"].rvs())
            return kw["parameter_priors"][m].rvs()

        return draw_prior
    return None


_WORKER_MODEL: Any = None


def _init_worker(model: Any) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = model


def _simulate_chunk(thetas: list[dict]) -> list[dict]:
    return _WORKER_MODEL.simulate_batch(thetas)


class StackedBatchSampler(pyabc.sampler.Sampler):
    """pyabc's single-core sampling order with the simulations done in stacked batches.

    Args:
        model: The calibration model (``sim.calibrate.run.Model``): ``simulate_batch``,
            ``prefill`` and ``clear``; it must be the same object pyabc calls.
        workers: Processes the batch is split over (1: this process only).
        check_max_eval: Stop at pyabc's ``max_eval`` evaluations (as SingleCoreSampler's flag).
    """

    def __init__(self, model: Any, workers: int = 1, check_max_eval: bool = False) -> None:
        super().__init__()
        self.model = model
        self.workers = max(1, int(workers))
        self.check_max_eval = check_max_eval
        self.simulated = 0  # parameter sets simulated in this sampler's life
        self.wasted = 0  # of those, looked ahead past the last acceptance
        self.misses = 0  # proposals the look-ahead did not predict
        self._pool = None

    def sample_until_n_accepted(
        self,
        n,
        simulate_one,
        t,
        *,
        max_eval=np.inf,
        all_accepted=False,
        ana_vars=None,
    ):
        draw = proposal_drawer(simulate_one)
        sample = self._create_empty_sample()
        evaluated = accepted = 0
        while accepted < n:
            if self.check_max_eval and evaluated >= max_eval:
                break
            size = self.batch_size(n - accepted, accepted, evaluated)
            if draw is not None:
                state = np.random.get_state()
                thetas = [draw() for _ in range(size)]
                np.random.set_state(state)
                self.model.prefill(thetas, self.simulate(thetas))
            for _ in range(size):
                if self.check_max_eval and evaluated >= max_eval:
                    break
                particle = simulate_one()
                sample.append(particle)
                evaluated += 1
                if particle.accepted:
                    accepted += 1
                    if accepted == n:
                        break
            self.wasted += self.model.pending()
            self.misses += self.model.misses
            self.model.clear()
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    def batch_size(self, missing: int, accepted: int, evaluated: int) -> int:
        """Proposals to look ahead: the expected number still needed at the acceptance rate
        seen so far in this generation (a first guess of 1/2 before anything was seen; no more
        than 1/100), rounded up to fill every worker, within [workers x MIN_PER_WORKER,
        MAX_BATCH]."""
        rate = max((accepted + 1) / (evaluated + 2), 0.01)
        wanted = math.ceil(missing / rate)
        floor = self.workers * MIN_PER_WORKER
        return int(min(max(wanted, floor), MAX_BATCH))

    def simulate(self, thetas: list[dict]) -> list[dict]:
        """Results of ``thetas`` in order: here, or split into one contiguous chunk per worker."""
        self.simulated += len(thetas)
        if self.workers == 1 or len(thetas) < 2 * MIN_PER_WORKER:
            return self.model.simulate_batch(thetas)
        if self._pool is None:
            context = multiprocessing.get_context("fork")
            self._pool = context.Pool(self.workers, _init_worker, (self.model,))
        chunks = [list(c) for c in np.array_split(np.arange(len(thetas)), self.workers)]
        parts = self._pool.map(_simulate_chunk, [[thetas[i] for i in c] for c in chunks])
        return [result for part in parts for result in part]

    def stop(self) -> None:
        """pyabc calls this when a run ends: end the worker processes."""
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

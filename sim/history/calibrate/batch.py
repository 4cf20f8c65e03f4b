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
   -> ``sim.engine.ensemble.run_stacked``), split over worker processes when there are several.
3. **Let pyabc judge, in order.** Proposal after proposal, until ``n`` are accepted (as
   ``pyabc.sampler.SingleCoreSampler`` does), pyabc's own ``evaluate_proposal`` (with the
   distance, epsilon, acceptor and weight function of this generation, taken from the
   ``simulate_one`` pyabc handed over) computes the distance, the acceptance and the weight; the
   model hands back the precomputed result of the parameter set instead of simulating it
   (``Model.__call__``). numpy's random state is then set to what it was after the last
   proposal used, as if the look-ahead had not happened. (For the calibration sample from the
   prior, the state is restored before and pyabc's ``simulate_one`` draws the same proposals
   again.)

The simulated result of a parameter set is a function of the set alone (its seed is a hash of
its values: sim/history/calibrate/target.py) and every stacked column is bit-identical to the run alone,
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
    evaluate_proposal,
    generate_valid_proposal,
)

#: Batch sizes: at least this many proposals per worker (below it, stepping stops paying off),
#: at most this many per batch (memory, and the waste past the last acceptance).
MIN_PER_WORKER = 16
MAX_BATCH = 2048


def proposal_drawer(simulate_one: Callable) -> Callable[[], Any] | None:
    """A function drawing the next proposal exactly as ``simulate_one`` will (the same random
    numbers from numpy's global generator), or None when ``simulate_one`` is not one of the
    pyabc functions this sampler knows."""
    if not isinstance(simulate_one, partial):
        return None
    kw = simulate_one.keywords
    if simulate_one.func is _simulate_one:
        return partial(
            generate_valid_proposal,
            t=kw["t"],
            m=kw["m"],
            p=kw["p"],
            model_prior=kw["model_prior"],
            parameter_priors=kw["parameter_priors"],
            model_perturbation_kernel=kw["model_perturbation_kernel"],
            transitions=kw["transitions"],
        )
    if simulate_one.func is _simulate_one_from_prior:

        def draw_prior() -> tuple[int, Any]:
            m = int(kw["model_prior"].rvs())
            return m, kw["parameter_priors"][m].rvs()

        return draw_prior
    return None


def proposal_evaluator(simulate_one: Callable) -> Callable[[int, Any], Any] | None:
    """pyabc's own evaluation of a drawn proposal (simulate, distance, acceptance, weight:
    ``evaluate_proposal`` with the arguments ``simulate_one`` carries), so a proposal drawn in
    the look-ahead is not drawn again; None where ``simulate_one`` must be called as it is."""
    if not isinstance(simulate_one, partial) or simulate_one.func is not _simulate_one:
        return None
    kw = simulate_one.keywords
    if not kw.get("evaluate", True):
        return None
    return partial(
        evaluate_proposal,
        t=kw["t"],
        models=kw["models"],
        summary_statistics=kw["summary_statistics"],
        distance_function=kw["distance_function"],
        eps=kw["eps"],
        acceptor=kw["acceptor"],
        x_0=kw["x_0"],
        weight_function=kw["weight_function"],
        proposal_id=kw["proposal_id"],
    )


class _Batch:
    """Proposals drawn ahead, numpy's random state before them and after each, and (once
    dispatched) the pending simulation of them."""

    def __init__(self, proposals: list, states: list, start: Any) -> None:
        self.proposals = proposals
        self.states = states
        self.start = start
        self._wait: Callable[[], list[dict]] | None = None

    def dispatch(self, sampler: StackedBatchSampler) -> _Batch:
        self._wait = sampler.submit(self.proposals)
        return self

    def results(self) -> list[dict]:
        if self._wait is None:
            raise RuntimeError("batch not dispatched")
        return self._wait()


_WORKER_MODEL: Any = None


def _init_worker(model: Any) -> None:
    """A worker's parallelism is the process: one BLAS thread each, as in sweeps. Ctrl-C is
    the main process's to handle (pyabc then stops the sampler, which ends the workers)."""
    global _WORKER_MODEL
    import signal

    from sim.studies.sweep.runner import pin_blas_threads

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pin_blas_threads()
    _WORKER_MODEL = model


def _simulate_chunk(thetas: list[dict]) -> list[dict]:
    return _WORKER_MODEL.simulate_batch(thetas)


class StackedBatchSampler(pyabc.sampler.Sampler):
    """pyabc's single-core sampling order with the simulations done in stacked batches.

    Args:
        model: The calibration model (``sim.history.calibrate.run.Model``): ``simulate_batch``,
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
        evaluate = proposal_evaluator(simulate_one)
        sample = self._create_empty_sample()
        if draw is not None and evaluate is not None:
            evaluated = self._judge_in_batches(n, draw, evaluate, sample, max_eval)
        else:
            evaluated = self._call_in_batches(n, simulate_one, draw, sample, max_eval, all_accepted)
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    def _judge_in_batches(self, n, draw, evaluate, sample, max_eval) -> int:
        """A generation: batches drawn ahead, simulated (on the workers), then judged by pyabc
        in order. With worker processes the next batch is drawn while this one simulates and
        simulates while this one is judged (pyabc's proposals and weights are serial work)."""
        evaluated = accepted = 0
        batch = self._draw(draw, self.batch_size(n, 0, 0)).dispatch(self)
        while True:
            upcoming = None
            if self._parallel():
                rate = (accepted + 1) / (evaluated + 2)
                left = (n - accepted) - rate * len(batch.proposals)
                if left > 0:  # this batch is not expected to finish the generation
                    upcoming = self._draw(
                        draw, self.batch_size(math.ceil(left), accepted, evaluated)
                    )
            results = batch.results()
            if upcoming is not None:
                upcoming.dispatch(self)
            self.model.prefill([theta for _, theta in batch.proposals], results)
            used, finished = 0, False
            for m, theta in batch.proposals:
                if self.check_max_eval and evaluated >= max_eval:
                    finished = True
                    break
                particle = evaluate(m, theta)
                used += 1
                sample.append(particle)
                evaluated += 1
                if particle.accepted:
                    accepted += 1
                    if accepted == n:
                        finished = True
                        break
            self.wasted += self.model.pending()
            self.misses += self.model.misses
            self.model.clear()
            if finished:
                # numpy's generator as if only the proposals pyabc used had been drawn
                np.random.set_state(batch.states[used - 1] if used else batch.start)
                if upcoming is not None:
                    self.wasted += len(upcoming.results())
                return evaluated
            batch = upcoming or self._draw(
                draw, self.batch_size(n - accepted, accepted, evaluated)
            ).dispatch(self)

    def _call_in_batches(self, n, simulate_one, draw, sample, max_eval, all_accepted) -> int:
        """The calibration sample (or an unknown ``simulate_one``): look ahead, restore the
        random state, and let pyabc's ``simulate_one`` draw the same proposals again."""
        evaluated = accepted = 0
        while accepted < n:
            if self.check_max_eval and evaluated >= max_eval:
                break
            size = (
                n - accepted if all_accepted else self.batch_size(n - accepted, accepted, evaluated)
            )
            if draw is not None:
                batch = self._draw(draw, size)
                np.random.set_state(batch.start)
                results = batch.dispatch(self).results()
                self.model.prefill([theta for _, theta in batch.proposals], results)
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
        return evaluated

    def _draw(self, draw, size: int) -> _Batch:
        """``size`` proposals, with numpy's random state before and after each."""
        start = np.random.get_state()
        proposals, states = [], []
        for _ in range(size):
            proposals.append(draw())
            states.append(np.random.get_state())
        return _Batch(proposals, states, start)

    def _parallel(self) -> bool:
        return self.workers > 1

    def batch_size(self, missing: int, accepted: int, evaluated: int) -> int:
        """Proposals to look ahead: the expected number still needed at the acceptance rate
        seen so far in this generation (a first guess of 1/2 before anything was seen; no more
        than 1/100), halved with worker processes (so the rest can be drawn while the first
        half simulates), within [workers x MIN_PER_WORKER, MAX_BATCH]."""
        rate = max((accepted + 1) / (evaluated + 2), 0.01)
        wanted = math.ceil(missing / rate)
        if self._parallel():  # half now, half drawn while it simulates (_judge_in_batches)
            wanted = math.ceil(wanted / 2)
        floor = self.workers * MIN_PER_WORKER
        return int(min(max(wanted, floor), MAX_BATCH))

    def simulate(self, proposals: list[tuple[int, Any]]) -> list[dict]:
        """Results of the (model, parameters) ``proposals`` in order (blocking)."""
        return self.submit(proposals)()

    def submit(self, proposals: list[tuple[int, Any]]) -> Callable[[], list[dict]]:
        """Start simulating ``proposals``: here (done before returning), or split into one
        contiguous chunk per worker (running while the caller goes on); returns a function
        that waits for the results, in order."""
        thetas = [theta for _, theta in proposals]
        self.simulated += len(thetas)
        if self.workers == 1 or len(thetas) < 2 * MIN_PER_WORKER:
            done = self.model.simulate_batch(thetas)
            return lambda: done
        if self._pool is None:
            context = multiprocessing.get_context("fork")
            self._pool = context.Pool(self.workers, _init_worker, (self.model,))
        chunks = [list(c) for c in np.array_split(np.arange(len(thetas)), self.workers)]
        handle = self._pool.map_async(_simulate_chunk, [[thetas[i] for i in c] for c in chunks])
        return lambda: [result for part in handle.get() for result in part]

    def stop(self) -> None:
        """pyabc calls this when a run ends, finished or interrupted: end the worker
        processes (nothing they might still be doing is wanted any more)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

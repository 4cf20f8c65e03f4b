"""Running work: a design point's replicates stepped together as one (nations x replicates) array.

A unit of work is a ``WorkItem``: one design point and some of its replicates. The runner
resolves the point's scenario (base + values, validated by the scenario schema), steps one
``Simulation`` holding all those replicates as columns (each with its own generator, see
``sim.sweep.seeds``), and computes only what the sweep keeps: metrics at the final step, at every
k-th step if asked, per-nation rows if asked. Metrics come from ``sim.metrics.summarise``, the
one definition the CLI and the front end use too.

Which replicates share an array is fixed by the sweep, not by how work is cut up: each point's
replicates form blocks of ``stack`` consecutive replicates (``replicate_blocks``), and a block is
always stepped whole. The kernel already gives a stacked replicate the same bits as a run alone
(per-replicate mat-vecs and sums in ``sim.dynamics``), so this fixed layout is a second guard: the
work done is the same whatever the chunk sizes, worker counts, Dask or resumption.

Failures are data: if a point cannot be resolved, every requested replicate is recorded as failed
with the message; if a block raises, each of its replicates is retried alone so one bad replicate
cannot take the others down with it. Replicates run alone (after a block failure, or to fill a
block that is only partly missing) are stepped as one-column arrays, again a fixed rule.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.metrics import summarise
from sim.scenario import Scenario
from sim.simulation import Simulation
from sim.sweep.seeds import run_generator, run_seed
from sim.sweep.spec import resolve_scenario
from sim.world import World

#: Replicates stepped in one array (the block width). Throughput per run stops improving well
#: below this (benchmarks/bench_sweep.py), and the (mechanisms x nations x replicates) buffers
#: stay small. A sweep folder records the width it was started with and keeps using it.
MAX_STACK = 128


def replicate_blocks(replicates: int, stack: int = MAX_STACK) -> list[tuple[int, ...]]:
    """The fixed blocks of a point's replicates: consecutive runs of at most ``stack``."""
    return [tuple(range(s, min(s + stack, replicates))) for s in range(0, replicates, stack)]


@dataclass(frozen=True)
class WorkItem:
    """One design point and the replicates of it to run."""

    point: int
    values: tuple[Any, ...]
    replicates: tuple[int, ...]


@dataclass
class SweepContext:
    """Everything a worker needs, shipped once per worker (fork, or Dask scatter).

    Derived objects (the base World) are built on first use and cached on the instance, which
    lives for the whole sweep in each worker.
    """

    base_raw: dict[str, Any]
    scenario_path: Path | None
    nations: pd.DataFrame
    paths: tuple[str, ...]
    names: tuple[str, ...]
    master_seed: int
    metrics: tuple[str, ...]
    every: int | None = None
    keep_nations: bool = False
    varies_nations: bool = False
    stack: int = MAX_STACK
    _world: World | None = field(default=None, repr=False, compare=False)

    @property
    def base_world(self) -> World:
        if self._world is None:
            self._world = World.from_frame(self.nations)
        return self._world

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_world"] = None  # rebuilt where it is used; cheaper than shipping it
        return state


@dataclass
class ChunkResult:
    """What a chunk of work produced: result rows, per-nation rows, failures."""

    runs: dict[str, list[Any]]
    nations: dict[str, list[np.ndarray]] | None
    failures: list[dict[str, Any]]
    attempted: list[tuple[int, int]]

    @property
    def completed(self) -> int:
        return len(self.attempted) - len(self.failures)


def _new_runs(context: SweepContext) -> dict[str, list[Any]]:
    columns = ["point", "replicate", "seed", "step", "final", *context.names, *context.metrics]
    return {name: [] for name in columns}


def _new_nations() -> dict[str, list[np.ndarray]]:
    return {"point": [], "replicate": [], "step": [], "nation": [], "alignment": [], "bloc": []}


_BLAS_PINNED = False


def pin_blas_threads() -> None:
    """One BLAS thread per process, once: a sweep's parallelism is its worker processes, and
    BLAS threads on top of them only compete for the same cores (on 2 cores, 2 workers with 2
    BLAS threads each ran slower than 1 worker)."""
    global _BLAS_PINNED
    if not _BLAS_PINNED:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        _BLAS_PINNED = True


def run_chunk(context: SweepContext, items: list[WorkItem]) -> ChunkResult:
    """Run every item of a chunk; never raises for a failing run (it is recorded instead)."""
    pin_blas_threads()
    result = ChunkResult(
        runs=_new_runs(context),
        nations=_new_nations() if context.keep_nations else None,
        failures=[],
        attempted=[],
    )
    for item in items:
        run_item(context, item, result)
    return result


def run_item(context: SweepContext, item: WorkItem, result: ChunkResult) -> None:
    """One point's replicates stepped as one array (a whole block, or a single replicate)."""
    result.attempted.extend((item.point, r) for r in item.replicates)
    try:
        scenario, world = point_scenario(context, item.values)
    except Exception as error:
        for replicate in item.replicates:
            _record_failure(context, item, replicate, error, result)
        return
    try:
        simulate(context, scenario, world, item, list(item.replicates), result)
    except Exception as error:
        if len(item.replicates) == 1:
            _record_failure(context, item, item.replicates[0], error, result)
            return
        # Isolate: retry one by one so only the replicates that really fail are lost.
        for replicate in item.replicates:
            try:
                simulate(context, scenario, world, item, [replicate], result)
            except Exception as single_error:
                _record_failure(context, item, replicate, single_error, result)


def point_scenario(context: SweepContext, values: tuple[Any, ...]) -> tuple[Scenario, World]:
    """The validated scenario of a design point and the world it runs on."""
    scenario, nations = resolve_scenario(
        context.base_raw,
        list(context.paths),
        list(values),
        context.scenario_path,
        with_nations=context.varies_nations,
    )
    world = World.from_frame(nations) if nations is not None else context.base_world
    return scenario, world


def make_generators(
    master_seed: int, point: int, replicates: list[int]
) -> list[np.random.Generator]:
    """One generator per replicate, from the run's own seed (``sim.sweep.seeds``)."""
    return [run_generator(master_seed, point, r) for r in replicates]


def simulate(
    context: SweepContext,
    scenario: Scenario,
    world: World,
    item: WorkItem,
    replicates: list[int],
    result: ChunkResult,
) -> None:
    """Step the replicates together and append the kept rows to ``result``.

    Rows are appended only after the whole block has run, so a block that raises half-way
    leaves nothing behind.
    """
    generators = make_generators(context.master_seed, item.point, replicates)
    sim = Simulation(world, scenario.parameters, scenario.events, generators)
    width = len(replicates)
    steps = scenario.steps
    runs = _new_runs(context)
    nations = _new_nations() if context.keep_nations else None
    seeds = [run_seed(context.master_seed, item.point, r) for r in replicates]

    def record(step: int) -> None:
        final = step == steps
        state = sim.state
        for column in range(width):
            metrics = summarise(
                sim.world,
                sim.params,
                sim.column_state(column),
                sim.blocs[:, column],
                sim.previous_blocs[:, column],
                sim.joint_response(column),
            )
            runs["point"].append(item.point)
            runs["replicate"].append(replicates[column])
            runs["seed"].append(seeds[column])
            runs["step"].append(step)
            runs["final"].append(final)
            for name, value in zip(context.names, item.values, strict=True):
                runs[name].append(value)
            for name in context.metrics:
                runs[name].append(metrics[name])
        if nations is not None:
            n = sim.world.n
            nations["point"].append(np.full(n * width, item.point, dtype=np.int32))
            nations["replicate"].append(np.repeat(np.asarray(replicates, dtype=np.int32), n))
            nations["step"].append(np.full(n * width, step, dtype=np.int32))
            nations["nation"].append(np.tile(sim.world.iso3, width))
            nations["alignment"].append(state.alignment[:, :width].T.ravel().copy())
            nations["bloc"].append(sim.blocs[:, :width].T.ravel().astype(np.int8))

    every = context.every
    if every:
        record(0)
    for step in range(1, steps + 1):
        sim.step()
        if step == steps or (every and step % every == 0):
            record(step)
    for name, values in runs.items():
        result.runs[name].extend(values)
    if nations is not None and result.nations is not None:
        for name, arrays in nations.items():
            result.nations[name].extend(arrays)


def _record_failure(
    context: SweepContext,
    item: WorkItem,
    replicate: int,
    error: BaseException,
    result: ChunkResult,
) -> None:
    result.failures.append(failure_record(context, item.point, item.values, replicate, error))


def failure_record(
    context: SweepContext,
    point: int,
    values: tuple[Any, ...],
    replicate: int,
    error: BaseException,
) -> dict[str, Any]:
    """A failed run as a row: who it was, its parameters, and what went wrong."""
    message = one_line(error)
    return {
        "point": point,
        "replicate": replicate,
        "seed": run_seed(context.master_seed, point, replicate),
        "parameters": json.dumps(dict(zip(context.paths, values, strict=True)), default=str),
        "error_type": type(error).__name__,
        "error": message,
        "traceback": "".join(traceback.format_exception(error)),
    }


def one_line(error: BaseException) -> str:
    """The gist of an error in one line (pydantic's first line only says how many errors)."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else first["msg"]
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def failed_chunk(context: SweepContext, items: list[WorkItem], error: BaseException) -> ChunkResult:
    """A chunk whose worker died or whose task could not run: every run in it failed."""
    result = ChunkResult(
        runs=_new_runs(context),
        nations=_new_nations() if context.keep_nations else None,
        failures=[],
        attempted=[],
    )
    for item in items:
        for replicate in item.replicates:
            result.attempted.append((item.point, replicate))
            result.failures.append(
                failure_record(context, item.point, item.values, replicate, error)
            )
    return result


# --- worker-process entry points --------------------------------------------------------------------
_WORKER_CONTEXT: SweepContext | None = None


def install_context(context: SweepContext) -> None:
    """Process-pool initializer: keep the context for every chunk this worker runs."""
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = context


def run_installed(items: list[WorkItem]) -> ChunkResult:
    """Run a chunk with the context installed in this worker process."""
    if _WORKER_CONTEXT is None:
        raise RuntimeError("worker has no sweep context (install_context was not called)")
    return run_chunk(_WORKER_CONTEXT, items)


def worker_fingerprint() -> dict[str, str]:
    """What a worker runs: checked against the client so results stay bit-identical."""
    import platform

    import scipy

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }

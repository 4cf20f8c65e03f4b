"""Running work: runs stepped together as one (nations x runs) array.

A unit of work is a ``WorkItem`` (one design point and some of its replicates) or a
``StackedItem`` (several design points with all their replicates: a one-replicate-per-point LHS,
Sobol or Morris design). The runner resolves each point's scenario (base + values, validated by
the scenario schema), steps one ``Simulation`` holding all those runs as columns (each with its
own generator, see ``sim.studies.sweep.seeds``, and, in a stacked item, its own parameter set, see
``sim.engine.stacking``), and computes only what the sweep keeps: metrics at the final step, at every
k-th step if asked, per-nation rows if asked. Metrics come from ``sim.engine.metrics.summarise``, the
one definition the CLI and the front end use too.

Which runs share an array is fixed by the sweep, not by how work is cut up. With many replicates
per point, each point's replicates form blocks of ``stack`` consecutive replicates
(``replicate_blocks``). With few (at most half the stack width), consecutive points are stacked
instead: the design is cut into windows of ``stack // replicates`` consecutive points, and within
a window the points with the same ``stack_key`` (everything but numeric parameters may differ
between blocks, nothing else inside one) form one block with all their replicates. A block is
always stepped whole. The kernel already gives a stacked column the same bits as a run alone
(per-column parameters, mat-vecs and sums in ``sim.engine.dynamics``), so results do not depend on the
layout at all; the fixed layout is a second guard: the work done is the same whatever the chunk
sizes, worker counts, Dask or resumption.

Failures are data: if a point cannot be resolved, every requested replicate is recorded as failed
with the message; if a stacked block raises, each of its points is retried as a replicate block;
if a replicate block raises, each of its replicates is retried alone so one bad replicate
cannot take the others down with it. Replicates run alone (after a block failure, or to fill a
block that is only partly missing) are stepped as one-column arrays, again a fixed rule.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.engine.metrics import summarise
from sim.engine.params import ModelParams
from sim.engine.simulation import Simulation
from sim.engine.stacking import categorical_key
from sim.inputs.scenario import Scenario
from sim.studies.sweep.seeds import run_generator, run_seed
from sim.studies.sweep.spec import resolve_scenario
from sim.world.world import World

#: Replicates stepped in one array (the block width). Throughput per run stops improving well
#: below this (benchmarks/bench_sweep.py), and the (mechanisms x nations x replicates) buffers
#: stay small. A sweep folder records the width it was started with and keeps using it.
MAX_STACK = 128


def replicate_blocks(replicates: int, stack: int = MAX_STACK) -> list[tuple[int, ...]]:
    """The fixed blocks of a point's replicates: consecutive runs of at most ``stack``."""
    return [tuple(range(s, min(s + stack, replicates))) for s in range(0, replicates, stack)]


def points_per_block(replicates: int, stack: int = MAX_STACK) -> int:
    """Design points stacked into one block (window width): 1 (replicate blocks only) unless at
    least two points' replicates fit in one stack."""
    return max(1, stack // replicates) if replicates * 2 <= stack else 1


#: Numeric parameter fields: the only scenario values that may differ inside one stacked block.
NUMERIC_PARAMETERS = frozenset(
    name
    for name, info in ModelParams.model_fields.items()
    if info.annotation in (float, float | None)
)


def numeric_parameter_path(path: str) -> bool:
    """True for a design path that changes a numeric parameter (one a stack may vary per column)."""
    parts = path.split(".")
    if parts[0] != "parameters" or len(parts) < 2:
        return False
    if parts[1] == "org_weights":
        return len(parts) == 3
    return len(parts) == 2 and parts[1] in NUMERIC_PARAMETERS


def stack_key(paths: Sequence[str], values: Sequence[Any]) -> tuple[Hashable, ...]:
    """Design points with equal keys may share a stacked block: the values at every path that is
    not a numeric parameter (choices, steps, events, nations), and whether a confidence bound is
    set. The runner checks the resolved scenarios again (``structure_key``)."""
    key: list[Hashable] = []
    for path, value in zip(paths, values, strict=True):
        if path == "parameters.confidence_bound":
            key.append(value is None)
        elif not numeric_parameter_path(path):
            key.append(json.dumps(value, sort_keys=True, default=str))
    return tuple(key)


def structure_key(scenario: Scenario) -> str:
    """Resolved scenarios with equal keys differ in numeric parameters only: one stack can run
    them (same world, events, steps and categorical parameters)."""
    rest = scenario.model_dump(mode="json", exclude={"parameters"})
    return json.dumps([rest, list(categorical_key(scenario.parameters))], sort_keys=True)


@dataclass(frozen=True)
class WorkItem:
    """One design point and the replicates of it to run."""

    point: int
    values: tuple[Any, ...]
    replicates: tuple[int, ...]


@dataclass(frozen=True)
class StackedItem:
    """Several design points, each with all its replicates, stepped as one array."""

    items: tuple[WorkItem, ...]

    @property
    def runs(self) -> int:
        return sum(len(item.replicates) for item in self.items)


def work_items(chunk: Sequence[WorkItem | StackedItem]) -> list[WorkItem]:
    """The points of a chunk, stacked or not."""
    out: list[WorkItem] = []
    for entry in chunk:
        out.extend(entry.items if isinstance(entry, StackedItem) else (entry,))
    return out


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
    stack_points: bool = False  # stack consecutive design points (folders since issue 9)
    #: The scenario factor: each scenario's (raw mapping, file, nations) by name; the first
    #: design column then names the scenario of a point. Empty without a factor.
    scenarios: dict[str, tuple[dict[str, Any], Path | None, pd.DataFrame]] = field(
        default_factory=dict
    )
    #: Points per scenario with a factor: seeds are keyed by point % scenario_points, so every
    #: scenario runs with the same seeds (common random numbers). 0 without a factor.
    scenario_points: int = 0
    #: The start date of the base scenario and of each scenario of the factor: their worlds
    #: carry the drivers known then.
    start: date | None = None
    scenario_starts: dict[str, date] = field(default_factory=dict)
    _world: World | None = field(default=None, repr=False, compare=False)
    _worlds: dict[str, World] = field(default_factory=dict, repr=False, compare=False)

    @property
    def base_world(self) -> World:
        if self._world is None:
            self._world = World.from_frame(self.nations, start=self.start)
        return self._world

    def scenario_world(self, name: str) -> World:
        """The (cached) world of one scenario of the factor."""
        if name not in self._worlds:
            self._worlds[name] = World.from_frame(
                self.scenarios[name][2], start=self.scenario_starts.get(name)
            )
        return self._worlds[name]

    def seed_point(self, point: int) -> int:
        """The point number a run's seed is keyed by (``sim.studies.sweep.seeds``)."""
        return point % self.scenario_points if self.scenario_points else point

    def run_seed(self, point: int, replicate: int) -> int:
        return run_seed(self.master_seed, self.seed_point(point), replicate)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_world"] = None  # rebuilt where it is used; cheaper than shipping it
        state["_worlds"] = {}
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


def run_chunk(context: SweepContext, items: list[WorkItem | StackedItem]) -> ChunkResult:
    """Run every item of a chunk; never raises for a failing run (it is recorded instead)."""
    pin_blas_threads()
    result = ChunkResult(
        runs=_new_runs(context),
        nations=_new_nations() if context.keep_nations else None,
        failures=[],
        attempted=[],
    )
    for item in items:
        if isinstance(item, StackedItem):
            run_stacked_item(context, item, result)
        else:
            run_item(context, item, result)
    return result


def run_item(context: SweepContext, item: WorkItem, result: ChunkResult) -> None:
    """One point's replicates stepped as one array (a whole block, or a single replicate)."""
    result.attempted.extend((item.point, r) for r in item.replicates)
    resolved = _resolve_point(context, item, result)
    if resolved is not None:
        _run_point(context, *resolved, item, result)


def _resolve_point(
    context: SweepContext, item: WorkItem, result: ChunkResult
) -> tuple[Scenario, World] | None:
    """The point's scenario and world, or None with every replicate recorded as failed."""
    try:
        return point_scenario(context, item.values)
    except Exception as error:
        for replicate in item.replicates:
            _record_failure(context, item, replicate, error, result)
        return None


def _run_point(
    context: SweepContext, scenario: Scenario, world: World, item: WorkItem, result: ChunkResult
) -> None:
    try:
        simulate(context, scenario, world, [(item, list(item.replicates))], result)
    except Exception as error:
        if len(item.replicates) == 1:
            _record_failure(context, item, item.replicates[0], error, result)
            return
        # Isolate: retry one by one so only the replicates that really fail are lost.
        for replicate in item.replicates:
            try:
                simulate(context, scenario, world, [(item, [replicate])], result)
            except Exception as single_error:
                _record_failure(context, item, replicate, single_error, result)


def run_stacked_item(context: SweepContext, stacked: StackedItem, result: ChunkResult) -> None:
    """Several points stepped as one array, each column with its own parameter set.

    Points whose scenario cannot be resolved fail alone; the rest are grouped by
    ``structure_key`` (a group differs in numeric parameters only) and each group is stepped as
    one stack. If a stack raises, each of its points is run again as a replicate block.
    """
    groups: dict[str, list[tuple[WorkItem, Scenario, World]]] = {}
    for item in stacked.items:
        result.attempted.extend((item.point, r) for r in item.replicates)
        resolved = _resolve_point(context, item, result)
        if resolved is None:
            continue
        scenario, world = resolved
        groups.setdefault(structure_key(scenario), []).append((item, scenario, world))
    for members in groups.values():
        if len(members) > 1:
            try:
                columns = [(item, list(item.replicates)) for item, _, _ in members]
                params = [s.parameters for _, s, _ in members]
                simulate(context, members[0][1], members[0][2], columns, result, params)
                continue
            except Exception:
                pass  # isolate below: each point as its own block
        for item, scenario, world in members:
            _run_point(context, scenario, world, item, result)


def point_scenario(context: SweepContext, values: tuple[Any, ...]) -> tuple[Scenario, World]:
    """The validated scenario of a design point and the world it runs on (with a scenario
    factor, the first value names the base scenario the rest apply to)."""
    base_raw, scenario_path, paths = context.base_raw, context.scenario_path, context.paths
    label = None
    if context.scenarios:
        label, values = str(values[0]), values[1:]
        base_raw, scenario_path, _ = context.scenarios[label]
        paths = paths[1:]
    scenario, nations = resolve_scenario(
        base_raw, list(paths), list(values), scenario_path, with_nations=context.varies_nations
    )
    if nations is not None:
        return scenario, World.from_frame(nations, start=scenario.start)
    return scenario, context.base_world if label is None else context.scenario_world(label)


def make_generators(
    master_seed: int, point: int, replicates: list[int]
) -> list[np.random.Generator]:
    """One generator per replicate, from the run's own seed (``sim.studies.sweep.seeds``); ``point``
    is the seed's point (``SweepContext.seed_point``)."""
    return [run_generator(master_seed, point, r) for r in replicates]


def simulate(
    context: SweepContext,
    scenario: Scenario,
    world: World,
    columns: list[tuple[WorkItem, list[int]]],
    result: ChunkResult,
    point_params: list[ModelParams] | None = None,
) -> None:
    """Step the runs together and append the kept rows to ``result``.

    ``columns`` lists (point, its replicates to run); with several points, ``point_params`` gives
    each point's parameter set (its scenario differs from ``scenario`` in numeric parameters
    only) and every column follows its own point's set.

    Rows are appended only after the whole block has run, so a block that raises half-way
    leaves nothing behind.
    """
    generators: list[np.random.Generator] = []
    items: list[WorkItem] = []  # per column
    replicates: list[int] = []  # per column
    params: list[ModelParams] = []  # per column
    for k, (item, reps) in enumerate(columns):
        generators.extend(
            make_generators(context.master_seed, context.seed_point(item.point), reps)
        )
        items.extend([item] * len(reps))
        replicates.extend(reps)
        if point_params is not None:
            params.extend([point_params[k]] * len(reps))
    sim = Simulation(
        world,
        params if point_params is not None else scenario.parameters,
        scenario.events,
        generators,
    )
    width = len(replicates)
    steps = scenario.steps
    runs = _new_runs(context)
    nations = _new_nations() if context.keep_nations else None
    seeds = [context.run_seed(item.point, r) for item, r in zip(items, replicates, strict=True)]
    points = np.asarray([item.point for item in items], dtype=np.int32)

    def record(step: int) -> None:
        final = step == steps
        state = sim.state
        for column in range(width):
            item = items[column]
            metrics = summarise(
                sim.world,
                sim.column_params(column),
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
            nations["point"].append(np.repeat(points, n))
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
        "seed": context.run_seed(point, replicate),
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


def failed_chunk(
    context: SweepContext, items: list[WorkItem | StackedItem], error: BaseException
) -> ChunkResult:
    """A chunk whose worker died or whose task could not run: every run in it failed."""
    result = ChunkResult(
        runs=_new_runs(context),
        nations=_new_nations() if context.keep_nations else None,
        failures=[],
        attempted=[],
    )
    for item in work_items(items):
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


def run_installed(items: list[WorkItem | StackedItem]) -> ChunkResult:
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

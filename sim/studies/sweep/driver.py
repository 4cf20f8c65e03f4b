"""Driving a sweep: find the runs still missing, cut them into chunks, run, store, report.

``prepare`` does everything that can fail on bad input (sweep file, base scenario, results
folder, cluster connection) and starts the workers; ``execute`` then only runs. The split lets the
command line fork its workers before it starts the progress bar's thread, and report bad input
before anything is written.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.inputs.provenance import DEFAULTS, git_commit, package_versions, parameter_set
from sim.studies.sweep.design import DesignTable, build_design, expected_points
from sim.studies.sweep.executors import Chunk, DaskExecutor, make_executor
from sim.studies.sweep.runner import (
    MAX_STACK,
    StackedItem,
    SweepContext,
    WorkItem,
    points_per_block,
    replicate_blocks,
    stack_key,
)
from sim.studies.sweep.seeds import design_seed
from sim.studies.sweep.spec import LoadedSweep, SweepError, load_sweep
from sim.studies.sweep.store import SweepStore, arrow_type, runs_schema

RESULTS_DIR = Path("results") / "sweeps"
SEED_RULE = (
    "run seed = 63 bits of numpy.random.SeedSequence(master, spawn_key=(point, replicate)); "
    "run generator = numpy.random.default_rng(run seed)"
)
#: Added to the rule in the manifest of a sweep with a scenario factor.
SCENARIO_SEED_RULE = (
    "; with scenarios, point = the design point within its scenario (point % scenario_points): "
    "every scenario runs with the same seeds"
)
POINT_FORMULA = {
    "grid": "product of level counts",
    "lhs": "samples",
    "sobol": "N (D + 2), or N (2D + 2) with second_order",
    "morris": "trajectories (D + 1)",
    "points": "number of listed points",
}

ProgressCallback = Callable[[int, int], None]

#: Sweeps asking for more runs than this are refused unless the user confirms (``--yes``): a
#: typo such as ``replicates: 1000000`` should not start filling the disk and memory.
MAX_RUNS = 1_000_000


@dataclass
class SweepReport:
    """What a session did and where the sweep stands."""

    folder: Path
    total_runs: int
    done_before: int
    completed: int = 0  # runs that succeeded in this session
    failed: int = 0  # runs that failed in this session
    failed_total: int = 0
    elapsed: float = 0.0
    interrupted: bool = False
    failures: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def runs_per_second(self) -> float:
        return (self.completed + self.failed) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def missing(self) -> int:
        return self.total_runs - self.done_before - self.completed - self.failed


@dataclass
class PreparedSweep:
    """A sweep ready to run: validated, folder opened (and locked), workers started."""

    loaded: LoadedSweep
    design: DesignTable
    store: SweepStore
    executor: Any
    context: SweepContext
    missing: np.ndarray  # run keys (point << 32 | replicate) still to do, sorted
    total_runs: int
    resumed: bool
    retried_failures: int
    chunk_runs: int

    @property
    def folder(self) -> Path:
        return self.store.folder

    def close(self) -> None:
        self.executor.close()
        self.store.close()


def default_folder(loaded: LoadedSweep) -> Path:
    """results/sweeps/<name>: fixed, so running the same command again resumes."""
    return RESULTS_DIR / loaded.spec.name


def make_context(loaded: LoadedSweep, design: DesignTable) -> SweepContext:
    spec = loaded.spec
    return SweepContext(
        base_raw=loaded.base_raw,
        scenario_path=loaded.base.path,
        nations=loaded.base.nations,
        paths=tuple(design.paths),
        names=tuple(design.names),
        master_seed=spec.seed,
        metrics=spec.outputs.metric_names,
        every=spec.outputs.every,
        keep_nations=spec.outputs.nations,
        varies_nations=loaded.varies_nations,
        scenarios={
            name: (raw, resolved.path, resolved.nations)
            for name, (resolved, raw) in loaded.factor.items()
        },
        scenario_points=design.scenario_points,
        start=loaded.base.scenario.start,
        scenario_starts={
            name: resolved.scenario.start for name, (resolved, _) in loaded.factor.items()
        },
    )


def manifest(loaded: LoadedSweep, design: DesignTable) -> dict[str, Any]:
    """Everything needed to know what the folder holds and to reproduce it."""
    spec = loaded.spec
    return {
        "format": "cyberbloc-sweep/1",
        "name": spec.name,
        "question": spec.question,
        "sweep_file": str(loaded.path),
        "sweep_hash": loaded.sweep_hash,
        "sweep": spec.model_dump(mode="json"),
        "base_scenario": str(loaded.base.path),
        "base_scenario_hash": loaded.base.content_hash,
        "nations_hash": loaded.nations_hash,
        "steps": loaded.base.scenario.steps,
        # where the base scenario's drivers come from (a design varying driver_source or the
        # start date changes it per point)
        "drivers": loaded.base.drivers(),
        "scenarios": [
            {
                "name": name,
                "path": str(resolved.path),
                "hash": resolved.content_hash,
                "start": resolved.scenario.start.isoformat(),
                "steps": resolved.scenario.steps,
            }
            for name, (resolved, _) in loaded.factor.items()
        ],
        "design": {
            "kind": design.kind,
            "parameters": [
                {"name": name, "path": path}
                for name, path in zip(design.names, design.paths, strict=True)
            ],
            "points": design.points,
            "points_formula": POINT_FORMULA[design.kind]
            + (" x scenarios" if design.scenario_points else ""),
            "scenario_points": design.scenario_points,
            "replicates": spec.replicates,
            "runs": design.points * spec.replicates,
            "stack": MAX_STACK,
            "stack_points": True,
        },
        "seeds": {
            "master": spec.seed,
            "rule": SEED_RULE + (SCENARIO_SEED_RULE if design.scenario_points else ""),
            "design_seed": design_seed(spec.seed),
        },
        "outputs": {
            "metrics": list(spec.outputs.metric_names),
            "every": spec.outputs.every,
            "nations": spec.outputs.nations,
        },
        "analysis": {"outcomes": spec.outcomes},
        "parameter_set": parameter_set(DEFAULTS, loaded.base.scenario.parameters),
        "versions": package_versions(),
        "git_commit": git_commit(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": sys.argv,
    }


def prepare(
    sweep_file: str | Path,
    out: Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    chunk_runs: int | None = None,
    client: Any = None,
    allow_large: bool = False,
) -> PreparedSweep:
    """Validate, open the folder, find the missing runs and start the workers.

    Raises SweepError (one-line message) on bad input; nothing is written in that case.
    """
    loaded = load_sweep(sweep_file)
    planned = planned_runs(loaded.spec)
    if planned > MAX_RUNS and not allow_large:
        raise SweepError(
            f"{loaded.path}: {planned:,} runs ({planned // loaded.spec.replicates:,} points x "
            f"{loaded.spec.replicates} replicates), more than {MAX_RUNS:,}: pass --yes to run "
            "it anyway"
        )
    design = build_design(loaded.spec, list(loaded.factor) or None)
    folder = Path(out) if out is not None else default_folder(loaded)
    context = make_context(loaded, design)
    design_frame = design.frame()
    schema = runs_schema(
        {name: arrow_type(design.values[name].dtype) for name in design.names},
        list(context.metrics),
    )
    executor: Any = (
        DaskExecutor(context, client=client)
        if client is not None
        else make_executor(context, workers, scheduler)
    )
    remote = isinstance(executor, DaskExecutor)
    if remote:
        executor.start()  # a cluster that cannot be reached fails before anything is written
    try:
        store, resumed = SweepStore.create_or_resume(
            folder, manifest(loaded, design), design_frame, loaded.text, schema
        )
    except OSError as problem:
        executor.close()
        raise SweepError(
            f"{folder}: cannot create or write the results folder "
            f"({problem.strerror or problem}); choose another --out"
        ) from None
    except BaseException:
        executor.close()
        raise
    try:
        # Keep the block layout the folder was started with (width, and whether design points
        # are stacked: folders from before that keep their per-point blocks).
        context.stack = int(store.manifest["design"].get("stack", MAX_STACK))
        context.stack_points = bool(store.manifest["design"].get("stack_points", False))
        retried = store.forget_failures() if retry_failed else 0
        total = design.points * loaded.spec.replicates
        missing = missing_runs(design.points, loaded.spec.replicates, store.done_keys())
        if len(missing) and not remote:
            executor.start()
    except BaseException:
        executor.close()
        store.close()
        raise
    block = block_runs(loaded.spec.replicates, context.stack, context.stack_points)
    if design.scenario_points:
        # Blocks never mix scenarios: a window of stacked points holds one block per scenario,
        # so size chunks by one scenario's share, or a small comparison is one chunk on one core.
        block = min(block, design.scenario_points * loaded.spec.replicates)
    runs = chunk_runs or default_chunk_runs(len(missing), block, executor)
    return PreparedSweep(
        loaded, design, store, executor, context, missing, total, resumed, retried, runs
    )


def planned_runs(spec: Any) -> int:
    """Runs a sweep file asks for, counted without building its design (a 10^9-run file must be
    refused before anything that size is allocated)."""
    from sim.studies.sweep.spec import GridDesign

    if isinstance(spec.design, GridDesign):
        points = math.prod(
            len(p.values) if p.values is not None else int(p.num or 1) for p in spec.vary.values()
        )
    else:
        points = expected_points(spec)
        return points * spec.replicates
    return points * len(spec.scenarios or [None]) * spec.replicates


def missing_runs(points: int, replicates: int, done: np.ndarray) -> np.ndarray:
    """Keys (point << 32 | replicate) of runs not yet done, in (point, replicate) order."""
    point = np.repeat(np.arange(points, dtype=np.int64), replicates)
    replicate = np.tile(np.arange(replicates, dtype=np.int64), points)
    keys = (point << 32) | replicate
    return keys[~np.isin(keys, done, assume_unique=True)]


def block_runs(replicates: int, stack: int = MAX_STACK, stack_points: bool = True) -> int:
    """Runs in one full block: a point's replicates (at most ``stack``), or with stacked
    points a window's worth of points times their replicates."""
    if stack_points and points_per_block(replicates, stack) > 1:
        return points_per_block(replicates, stack) * replicates
    return min(replicates, stack)


#: Most runs per chunk beyond one block. A chunk is the unit of commit, of progress and of work
#: lost on Ctrl-C: small enough that the bar moves every second or so and an interruption loses
#: little; a part file per chunk costs a few milliseconds.
CHUNK_RUNS_CAP = 64


def default_chunk_runs(missing: int, block: int, executor: Any) -> int:
    """Runs per chunk: a full block when possible, and enough chunks (about 8 per worker) to
    balance load and show progress; beyond one block never more than ``CHUNK_RUNS_CAP``, so
    progress stays smooth and memory flat."""
    workers = max(1, getattr(executor, "workers", 1))
    balanced = math.ceil(missing / (8 * workers)) if missing else 1
    return max(1, min(block, MAX_STACK), min(CHUNK_RUNS_CAP, balanced))


def make_chunks(
    design: DesignTable,
    missing: np.ndarray,
    chunk_runs: int,
    replicates: int,
    stack: int = MAX_STACK,
    stack_points: bool = False,
) -> Iterator[Chunk]:
    """Cut the missing runs into chunks of about ``chunk_runs`` runs, lazily (only the chunks
    in flight ever exist).

    A chunk holds whole blocks, never part of one, so every run is stepped in the same array
    whatever the chunk size, worker count or resumption. Blocks are a point's replicates
    (``replicate_blocks``) or, with ``stack_points`` and few replicates, stacked points
    (``stacked_chunks``). A block only partly missing (its other runs ran alone after a
    failure) has its missing runs run alone too.
    """
    if not len(missing):
        return
    if stack_points and points_per_block(replicates, stack) > 1:
        yield from stacked_chunks(design, missing, chunk_runs, replicates, stack)
        return
    blocks = replicate_blocks(replicates, stack)
    points = missing >> 32
    reps = missing & 0xFFFFFFFF
    starts = np.flatnonzero(np.r_[True, points[1:] != points[:-1]])
    ends = np.r_[starts[1:], len(missing)]
    chunk: Chunk = []
    size = 0
    for start, end in zip(starts, ends, strict=True):
        point = int(points[start])
        values = tuple(design.point_values(point))
        todo = set(reps[start:end].tolist())
        for block in blocks:
            wanted = [r for r in block if r in todo]
            if not wanted:
                continue
            if len(wanted) == len(block):
                chunk.append(WorkItem(point, values, block))
            else:
                chunk.extend(WorkItem(point, values, (r,)) for r in wanted)
            size += len(wanted)
            if size >= chunk_runs:
                yield chunk
                chunk, size = [], 0
    if chunk:
        yield chunk


def stacked_chunks(
    design: DesignTable,
    missing: np.ndarray,
    chunk_runs: int,
    replicates: int,
    stack: int = MAX_STACK,
) -> Iterator[Chunk]:
    """Chunks of stacked blocks: the design is cut into windows of ``points_per_block``
    consecutive points; inside a window, points with equal ``stack_key`` form one block with all
    their replicates (a ``StackedItem``, or a ``WorkItem`` when it holds one point). The layout
    depends on the design only, never on what is missing."""
    width = points_per_block(replicates, stack)
    chunk: Chunk = []
    size = 0
    points = missing >> 32
    for window in np.unique(points // width).tolist():
        lo = np.searchsorted(points, window * width, side="left")
        hi = np.searchsorted(points, (window + 1) * width, side="left")
        todo: dict[int, list[int]] = {}
        for key in missing[lo:hi].tolist():
            todo.setdefault(key >> 32, []).append(key & 0xFFFFFFFF)
        values = {
            p: tuple(design.point_values(p))
            for p in range(window * width, min((window + 1) * width, design.points))
        }
        blocks: dict[Any, list[int]] = {}
        for point, point_values in values.items():
            blocks.setdefault(stack_key(design.paths, point_values), []).append(point)
        all_reps = tuple(range(replicates))
        for block in blocks.values():
            wanted = [p for p in block if p in todo]
            if not wanted:
                continue
            if all(len(todo.get(p, ())) == replicates for p in block):
                items = tuple(WorkItem(p, values[p], all_reps) for p in block)
                chunk.append(StackedItem(items) if len(items) > 1 else items[0])
            else:
                for p in wanted:
                    chunk.extend(WorkItem(p, values[p], (r,)) for r in todo[p])
            size += sum(len(todo[p]) for p in wanted)
            if size >= chunk_runs:
                yield chunk
                chunk, size = [], 0
    if chunk:
        yield chunk


def execute(prepared: PreparedSweep, on_progress: ProgressCallback | None = None) -> SweepReport:
    """Run the missing runs, committing each chunk as it finishes. Always closes the workers
    and the folder and records the session in ``_status.json``, also on Ctrl-C."""
    store = prepared.store
    report = SweepReport(
        folder=prepared.folder,
        total_runs=prepared.total_runs,
        done_before=prepared.total_runs - len(prepared.missing),
    )
    started = time.perf_counter()
    start_time = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        chunks = make_chunks(
            prepared.design,
            prepared.missing,
            prepared.chunk_runs,
            prepared.loaded.spec.replicates,
            prepared.context.stack,
            prepared.context.stack_points,
        )
        for _, result in prepared.executor.run(chunks):
            store.commit(result)
            failed = len(result.failures)
            report.completed += result.completed
            report.failed += failed
            if on_progress is not None:
                on_progress(result.completed, failed)
    except KeyboardInterrupt:
        report.interrupted = True
        raise
    finally:
        report.elapsed = time.perf_counter() - started
        with contextlib.suppress(Exception):
            prepared.executor.close()
        with contextlib.suppress(Exception):
            report.failures = store.failures()
            report.failed_total = len(report.failures)
            done = len(store.done_keys())
            store.write_status(
                {
                    "runs": prepared.total_runs,
                    "done": done,
                    "failed": report.failed_total,
                    "complete": done == prepared.total_runs,
                    "session": {
                        "started": start_time,
                        "seconds": round(report.elapsed, 3),
                        "executor": prepared.executor.description,
                        "chunk_runs": prepared.chunk_runs,
                        "completed": report.completed,
                        "failed": report.failed,
                        "retried_failures": prepared.retried_failures,
                        "interrupted": report.interrupted,
                    },
                }
            )
        store.close()
    return report


def run_sweep(
    sweep_file: str | Path,
    out: Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    chunk_runs: int | None = None,
    client: Any = None,
    on_progress: ProgressCallback | None = None,
) -> SweepReport:
    """prepare + execute, for scripts and tests."""
    prepared = prepare(sweep_file, out, workers, scheduler, retry_failed, chunk_runs, client)
    return execute(prepared, on_progress)


__all__ = ["execute", "expected_points", "prepare", "run_sweep"]

"""Where chunks of work run: in this process, in local worker processes, or on a Dask cluster.

Every executor takes an iterator of chunks and yields ``(chunk, ChunkResult)`` in completion order,
keeping only a bounded number of chunks in flight, so a sweep of any size holds only a few chunks
in memory. Results never depend on the executor: runs are seeded by identity and a replicate's
numbers do not depend on its neighbours (``sim.studies.sweep.runner``).

- ``InlineExecutor`` (``--workers 1``): no pool, no pickling; easiest to debug and profile.
- ``LocalExecutor``: a ``ProcessPoolExecutor`` with the *fork* start method, started once per sweep.
  Fork, because workers then inherit the imported modules and the sweep context instead of
  re-importing and unpickling them (Mesa's ``batch_run`` switches the global start method to
  spawn; an explicit context is immune to that). If a worker process dies (OOM killer, kill -9),
  the pool is rebuilt and the lost chunks resubmitted; a chunk that kills workers twice is
  recorded as failed.
- ``DaskExecutor`` (``--scheduler tcp://host:port``): a ``dask.distributed`` client; the context is
  scattered to every worker once, chunks are submitted as tasks. Dask itself reschedules tasks of
  lost workers; a task that still fails is recorded as failed runs.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sim.studies.sweep.runner import (
    ChunkResult,
    SweepContext,
    WorkItem,
    failed_chunk,
    install_context,
    run_chunk,
    run_installed,
    worker_fingerprint,
)
from sim.studies.sweep.spec import SweepError

Chunk = list[WorkItem]

#: Chunks kept in flight per worker: enough to hide scheduling gaps, few enough to stay small.
IN_FLIGHT_PER_WORKER = 2


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class InlineExecutor:
    """Runs chunks one after another in this process."""

    def __init__(self, context: SweepContext) -> None:
        self.context = context
        self.workers = 1
        self.description = "1 worker (in process)"

    def start(self) -> None:
        """Nothing to start."""

    def run(self, chunks: Iterator[Chunk]) -> Iterator[tuple[Chunk, ChunkResult]]:
        for chunk in chunks:
            yield chunk, run_chunk(self.context, chunk)

    def close(self) -> None:
        """Nothing to stop."""


#: prctl(2) option: the signal a process gets when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Make this worker process exit when the sweep process that forked it dies.

    Why: a worker blocks reading the pool's pipe, and every worker holds a copy of that pipe's
    write end, so a kill -9 of the main process alone would leave the workers waiting forever
    (adopted by init, ~160 MiB each). On Linux the kernel sends SIGKILL to the worker when its
    parent dies; if the parent already died before this ran, exit at once."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: no such guarantee
        return
    if os.getppid() != parent:
        os._exit(1)


def _start_worker(context: SweepContext, parent: int) -> None:
    """Process-pool initializer: tie the worker's life to the sweep's, leave Ctrl-C to the main
    process (which stops the workers itself, see ``LocalExecutor.close``), keep the context."""
    import signal

    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    install_context(context)


class LocalExecutor:
    """A pool of forked worker processes, started once and reused for every chunk."""

    def __init__(self, context: SweepContext, workers: int) -> None:
        self.context = context
        self.workers = workers
        self.description = f"{workers} local worker processes"
        self.pool: ProcessPoolExecutor | None = None
        self.interrupted = False

    def start(self) -> None:
        """Fork the workers now (before progress-bar threads exist) and wait until they run."""
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(self.context, os.getpid()),
        )
        # With fork, the pool starts all its processes on first submit.
        wait([self.pool.submit(os.getpid) for _ in range(self.workers)])

    def run(self, chunks: Iterator[Chunk]) -> Iterator[tuple[Chunk, ChunkResult]]:
        if self.pool is None:
            self.start()
        pending: dict[Future, Chunk] = {}
        retries: dict[int, int] = {}
        backlog: list[Chunk] = []
        limit = IN_FLIGHT_PER_WORKER * self.workers
        source = iter(chunks)
        exhausted = False
        while True:
            while len(pending) < limit and (backlog or not exhausted):
                if backlog:
                    chunk = backlog.pop()
                else:
                    chunk = next(source, None)
                    if chunk is None:
                        exhausted = True
                        break
                pending[self.pool.submit(run_installed, chunk)] = chunk  # type: ignore[union-attr]
            if not pending:
                return
            try:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                # Ctrl-C: hand over what has finished (it gets committed), then stop; the
                # chunks still running are abandoned and their workers killed in close().
                self.interrupted = True
                for future, chunk in list(pending.items()):
                    if future.done() and not future.cancelled() and future.exception() is None:
                        yield chunk, future.result()
                raise
            broken = False
            for future in done:
                chunk = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as error:
                    broken = True
                    key = id(chunk)
                    retries[key] = retries.get(key, 0) + 1
                    if retries[key] <= 2:
                        backlog.append(chunk)
                        continue
                    result = failed_chunk(self.context, chunk, _lost(error))
                except Exception as error:  # unpicklable result and the like
                    result = failed_chunk(self.context, chunk, error)
                yield chunk, result
            if broken:
                # Every other in-flight chunk died with the pool: resubmit them to a new one.
                backlog.extend(pending.values())
                pending.clear()
                self._restart()

    def _restart(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.start()

    def close(self) -> None:
        """Stop the workers: after Ctrl-C at once (killing the chunks in progress, whose runs
        were never committed and are redone on resume), otherwise when their work is done."""
        if self.pool is None:
            return
        if self.interrupted:
            # ProcessPoolExecutor has no public way to stop busy workers before Python 3.14.
            for process in list(getattr(self.pool, "_processes", {}).values()):
                with contextlib.suppress(OSError, ValueError):
                    process.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None


def _lost(error: BaseException) -> RuntimeError:
    return RuntimeError(f"worker process died while running this chunk ({error})")


class DaskExecutor:
    """Chunks as tasks on a dask.distributed cluster (or a LocalCluster in tests)."""

    def __init__(
        self, context: SweepContext, address: str | None = None, client: Any = None
    ) -> None:
        self.context = context
        self.address = address
        self.client = client
        self.own_client = client is None
        self.workers = 0
        self.description = f"Dask scheduler {address}"
        self.context_future: Any = None

    def start(self) -> None:
        """Connect, check the workers can run our code, and ship the context to all of them."""
        try:
            from distributed import Client
        except ImportError as error:  # pragma: no cover - dask[distributed] is a dependency
            raise SweepError(f"--scheduler needs dask.distributed: {error}") from None
        if self.client is None:
            try:
                self.client = Client(self.address, timeout="20s")
            except (OSError, TimeoutError) as error:
                raise SweepError(
                    f"--scheduler {self.address}: cannot connect ({error}); is "
                    "`dask scheduler` running there?"
                ) from None
        try:
            prints = self.client.run(worker_fingerprint)
        except Exception as error:
            raise SweepError(
                f"--scheduler {self.address}: the Dask workers cannot import this project "
                f"({type(error).__name__}: {error}); start them from the project folder with "
                "PYTHONPATH=$PWD (see docs/sweeps.md)"
            ) from None
        if not prints:
            raise SweepError(f"--scheduler {self.address}: the cluster has no workers")
        mine = worker_fingerprint()
        different = {w: p for w, p in prints.items() if p != mine}
        if different:
            worker, theirs = next(iter(different.items()))
            raise SweepError(
                f"--scheduler {self.address}: worker {worker} runs {theirs}, this machine "
                f"{mine}; results would not be bit-identical: use the same environment (uv sync)"
            )
        self.workers = sum(self.client.nthreads().values())
        self.description = f"Dask cluster {self.client.scheduler.address} ({self.workers} threads)"
        self.context_future = self.client.scatter(self.context, broadcast=True, hash=False)

    def run(self, chunks: Iterator[Chunk]) -> Iterator[tuple[Chunk, ChunkResult]]:
        from distributed import as_completed

        if self.client is None:
            self.start()
        limit = max(1, IN_FLIGHT_PER_WORKER * self.workers)
        pending: dict[Any, Chunk] = {}
        queue = as_completed()
        source = iter(chunks)

        def submit_next() -> bool:
            chunk = next(source, None)
            if chunk is None:
                return False
            future = self.client.submit(run_chunk, self.context_future, chunk, pure=False)
            pending[future] = chunk
            queue.add(future)
            return True

        while len(pending) < limit and submit_next():
            pass
        for future in queue:
            chunk = pending.pop(future)
            try:
                result = future.result()
            except Exception as error:  # KilledWorker, deserialisation errors, ...
                result = failed_chunk(self.context, chunk, error)
            future.release()
            yield chunk, result
            while len(pending) < limit and submit_next():
                pass

    def close(self) -> None:
        if self.client is not None and self.own_client:
            self.client.close()
        cluster = getattr(self, "cluster", None)
        if cluster is not None:
            cluster.close()
        self.client = None


def make_executor(
    context: SweepContext, workers: int | None = None, scheduler: str | None = None
) -> InlineExecutor | LocalExecutor | DaskExecutor:
    """``--scheduler`` wins; otherwise ``--workers`` (default: all cores) local processes."""
    if scheduler:
        if scheduler == "local":
            from distributed import Client, LocalCluster

            cluster = LocalCluster(
                n_workers=workers or default_workers(), threads_per_worker=1, processes=True
            )
            executor = DaskExecutor(context, cluster.scheduler_address, Client(cluster))
            executor.own_client = True
            executor.cluster = cluster  # type: ignore[attr-defined]
            return executor
        return DaskExecutor(context, scheduler)
    count = workers or default_workers()
    if count < 1:
        raise SweepError(f"--workers must be at least 1, got {count}")
    return InlineExecutor(context) if count == 1 else LocalExecutor(context, count)

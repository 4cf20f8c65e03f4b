"""The results folder: Parquet parts streamed as chunks finish, a manifest, and resumption.

Layout of a sweep folder::

    part-000001-1f3a9c2e.parquet   results: one row per run and kept step (the commit marker)
    part-...
    _manifest.json                 sweep hash, design summary, seeds, versions (written once)
    _sweep.yaml                    the sweep file as it was
    _design.parquet                every design point (values and unit coordinates)
    _failures/part-<id>.parquet    failed runs: parameters, error, traceback
    _nations/part-<id>.parquet     per-nation rows (only if the sweep keeps them)
    _status.json                   counts and timings of each session
    _analysis/                     written by ``run.py analyze``

Names starting with ``_`` or ``.`` are skipped by pyarrow's dataset discovery, so
``pandas.read_parquet(folder)`` reads exactly the results table.

Crash safety: every file is written under a temporary ``.tmp-*`` name, flushed to disk and then
renamed (atomic on POSIX). A chunk's per-nation and failure parts are renamed first and its
results part last: a run counts as done only once the results part of its chunk exists. On
opening, temporary files and side parts without a results part are deleted, so a sweep killed
at any instant (kill -9, power loss after the rename) resumes with no run lost and none twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.studies.sweep.runner import ChunkResult
from sim.studies.sweep.spec import SweepError

MANIFEST = "_manifest.json"
SWEEP_COPY = "_sweep.yaml"
DESIGN = "_design.parquet"
STATUS = "_status.json"
LOCK = "_lock"
FAILURES = "_failures"
NATIONS = "_nations"
ANALYSIS = "_analysis"
PART_PREFIX = "part-"
#: Environment variable of the test hook that kills the sweep after this many committed chunks.
KILL_AFTER_ENV = "CYBERBLOC_TEST_KILL_AFTER_PARTS"
#: Per-chunk SHA-256 and row counts, written before the chunk's results part is committed.
CHECKSUMS = "_checksums"

FAILURE_SCHEMA = pa.schema(
    [
        ("point", pa.int32()),
        ("replicate", pa.int32()),
        ("seed", pa.int64()),
        ("parameters", pa.string()),
        ("error_type", pa.string()),
        ("error", pa.string()),
        ("traceback", pa.string()),
    ]
)
NATIONS_SCHEMA = pa.schema(
    [
        ("point", pa.int32()),
        ("replicate", pa.int32()),
        ("step", pa.int32()),
        ("nation", pa.string()),
        ("alignment", pa.float64()),
        ("bloc", pa.int8()),
    ]
)


def arrow_type(dtype: Any) -> pa.DataType:
    """Parquet type of a design column (the design fixes one plain dtype per column)."""
    if pd.api.types.is_bool_dtype(dtype):
        return pa.bool_()
    if pd.api.types.is_integer_dtype(dtype):
        return pa.int64()
    if pd.api.types.is_float_dtype(dtype):
        return pa.float64()
    return pa.string()


def runs_schema(parameter_types: dict[str, pa.DataType], metrics: list[str]) -> pa.Schema:
    """Results table: identity, parameter values, then the kept metrics (all float64)."""
    fields = [
        ("point", pa.int32()),
        ("replicate", pa.int32()),
        ("seed", pa.int64()),
        ("step", pa.int32()),
        ("final", pa.bool_()),
        *parameter_types.items(),
        *((name, pa.float64()) for name in metrics),
    ]
    return pa.schema(fields)


def write_atomic(
    table: pa.Table, path: Path, before_commit: Callable[[Path], None] | None = None
) -> None:
    """Write to a temporary name in the same folder, fsync, then rename into place.

    ``before_commit(temporary)`` runs after the file is complete and before the rename (the
    results part's checksum is recorded there, so a committed part always has one)."""
    temporary = path.parent / f".tmp-{secrets.token_hex(6)}-{path.name}"
    try:
        pq.write_table(table, temporary)
        _fsync(temporary)
        if before_commit is not None:
            before_commit(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def write_text_atomic(text: str, path: Path) -> None:
    temporary = path.parent / f".tmp-{secrets.token_hex(6)}-{path.name}"
    try:
        temporary.write_text(text, encoding="utf-8")
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SweepStore:
    """One sweep's results folder, opened for writing (exclusive) or reading."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock_file: Any = None
        self._counter = 0
        self.schema: pa.Schema | None = None
        self.redone: list[str] = []  # parts set aside on opening (checksum failures)
        self._committed = 0
        kill_after = os.environ.get(KILL_AFTER_ENV)
        self._kill_after = int(kill_after) if kill_after else None

    # --- opening ---------------------------------------------------------------------------
    @classmethod
    def create_or_resume(
        cls,
        folder: Path,
        manifest: dict[str, Any],
        design: pd.DataFrame,
        sweep_text: str,
        schema: pa.Schema,
    ) -> tuple[SweepStore, bool]:
        """Open ``folder`` for this sweep: new, or resumed if it holds the same sweep.

        Returns the store and whether it resumed. Refuses a folder holding another sweep (or a
        changed version of this one), a folder that is not a sweep folder, and a folder that
        another process is writing to.
        """
        store = cls(folder)
        folder = store.folder
        existing = folder / MANIFEST
        if existing.exists():
            old = json.loads(existing.read_text(encoding="utf-8"))
            if old.get("sweep_hash") != manifest["sweep_hash"]:
                raise SweepError(_changed_message(folder, old, manifest))
            resumed = True
        elif folder.exists() and not _unfinished_start(folder):
            raise SweepError(
                f"{folder}: folder exists and is not a sweep folder (no {MANIFEST}); "
                "choose another --out"
            )
        else:
            resumed = False
        folder.mkdir(parents=True, exist_ok=True)
        store.lock()
        store.schema = schema
        try:
            if not resumed:
                (folder / FAILURES).mkdir(exist_ok=True)
                write_text_atomic(sweep_text, folder / SWEEP_COPY)
                write_atomic(pa.Table.from_pandas(design, preserve_index=False), folder / DESIGN)
                # The manifest goes last: a folder without it was never initialised.
                write_text_atomic(json.dumps(manifest, indent=2, default=str), folder / MANIFEST)
            store.redone = store.cleanup()
            store._counter = store._max_part_number()
        except BaseException:
            store.close()
            raise
        return store, resumed

    @classmethod
    def open_existing(cls, folder: Path) -> SweepStore:
        """Open a results folder for reading (analysis)."""
        store = cls(folder)
        if not (store.folder / MANIFEST).exists():
            raise SweepError(f"{folder}: not a sweep results folder (no {MANIFEST})")
        return store

    def lock(self) -> None:
        """Hold an exclusive lock for the session: two sweeps must not write one folder."""
        handle = open(self.folder / LOCK, "a+", encoding="utf-8")  # noqa: SIM115 - held open
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise SweepError(
                f"{self.folder}: another sweep (pid {holder}) is writing to this folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    def close(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    # --- what is there ---------------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))

    def design(self) -> pd.DataFrame:
        return pd.read_parquet(self.folder / DESIGN)

    def part_ids(self) -> set[str]:
        """Ids of committed chunks (those whose results part exists)."""
        return {
            p.name.removeprefix(PART_PREFIX).removesuffix(".parquet")
            for p in self.folder.glob(f"{PART_PREFIX}*.parquet")
        }

    def _side_parts(self, kind: str) -> list[Path]:
        return sorted((self.folder / kind).glob(f"{PART_PREFIX}*.parquet"))

    def cleanup(self) -> list[str]:
        """Delete what an interrupted session left half-done: temporary files, parts that fail
        their checksum (truncated, emptied or altered on disk: their runs are redone), and side
        parts (failures, per-nation rows) and checksums of chunks whose results part is gone.
        Returns one line per part set aside, for the user."""
        for directory in (
            self.folder,
            self.folder / FAILURES,
            self.folder / NATIONS,
            self.folder / CHECKSUMS,
        ):
            for temporary in directory.glob(".tmp-*"):
                temporary.unlink(missing_ok=True)
        redone = []
        for part in sorted(self.folder.glob(f"{PART_PREFIX}*.parquet")):
            problem = self.verify(part.name)
            if problem:
                redone.append(f"{part.name}: {problem}; its runs will be redone")
                part.unlink()
        committed = self.part_ids()
        for kind in (FAILURES, NATIONS):
            for part in self._side_parts(kind):
                if part.name.removeprefix(PART_PREFIX).removesuffix(".parquet") not in committed:
                    part.unlink()
        for record in (self.folder / CHECKSUMS).glob(f"{PART_PREFIX}*.json"):
            if record.name.removeprefix(PART_PREFIX).removesuffix(".json") not in committed:
                record.unlink()
        return redone

    def verify(self, name: str) -> str | None:
        """Why the committed chunk ``name`` cannot be trusted, or None: every file of the chunk
        must match the SHA-256 and row count recorded when it was committed."""
        record_path = self.folder / CHECKSUMS / name.replace(".parquet", ".json")
        if not record_path.exists():
            return "no checksum recorded"
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return "unreadable checksum record"
        for kind, expected in record.items():
            path = self.folder / name if kind == "results" else self.folder / kind / name
            if not path.exists():
                return f"{kind} part missing"
            if file_digest(path) != expected["sha256"]:
                return f"{kind} part changed on disk (checksum mismatch)"
            try:
                rows = pq.ParquetFile(path).metadata.num_rows
            except Exception:
                return f"{kind} part unreadable"
            if rows != expected["rows"]:
                return f"{kind} part has {rows} rows, {expected['rows']} recorded"
        return None

    def _max_part_number(self) -> int:
        numbers = [int(pid.split("-")[0]) for pid in self.part_ids() if pid.split("-")[0].isdigit()]
        return max(numbers, default=0)

    def _run_keys(self, paths: list[Path]) -> np.ndarray:
        """(point, replicate) pairs found in some parts, as one int64 key per run."""
        keys = []
        for path in paths:
            table = pq.read_table(path, columns=["point", "replicate"])
            point = table.column("point").to_numpy().astype(np.int64)
            replicate = table.column("replicate").to_numpy().astype(np.int64)
            keys.append((point << 32) | replicate)
        return np.unique(np.concatenate(keys)) if keys else np.empty(0, dtype=np.int64)

    def succeeded_keys(self) -> np.ndarray:
        return self._run_keys(sorted(self.folder.glob(f"{PART_PREFIX}*.parquet")))

    def failed_keys(self) -> np.ndarray:
        return self._run_keys(self._side_parts(FAILURES))

    def done_keys(self) -> np.ndarray:
        """Runs that need no more work: succeeded, or failed and recorded."""
        return np.union1d(self.succeeded_keys(), self.failed_keys())

    def failures(self) -> pd.DataFrame:
        parts = self._side_parts(FAILURES)
        if not parts:
            return FAILURE_SCHEMA.empty_table().to_pandas()
        return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)

    def forget_failures(self) -> int:
        """Delete the failure records so those runs are tried again (``--retry-failed``).

        If this session is killed before they are re-run, they are simply missing and the next
        session runs them: nothing is lost or doubled.
        """
        parts = self._side_parts(FAILURES)
        count = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
        for part in parts:
            part.unlink()
        return count

    # --- writing ---------------------------------------------------------------------------
    def commit(self, result: ChunkResult) -> None:
        """Persist one chunk: side parts first, the results part last (the commit)."""
        if self.schema is None:
            raise RuntimeError("store opened without a results schema")
        self._counter += 1
        part = f"{PART_PREFIX}{self._counter:06d}-{secrets.token_hex(4)}.parquet"
        record: dict[str, dict[str, Any]] = {}
        if result.nations is not None and result.nations["point"]:
            columns = {name: np.concatenate(arrays) for name, arrays in result.nations.items()}
            (self.folder / NATIONS).mkdir(exist_ok=True)
            table = pa.Table.from_pydict(columns, schema=NATIONS_SCHEMA)
            write_atomic(table, self.folder / NATIONS / part)
            record[NATIONS] = {
                "sha256": file_digest(self.folder / NATIONS / part),
                "rows": table.num_rows,
            }
        if result.failures:
            (self.folder / FAILURES).mkdir(exist_ok=True)
            table = pa.Table.from_pylist(result.failures, schema=FAILURE_SCHEMA)
            write_atomic(table, self.folder / FAILURES / part)
            record[FAILURES] = {
                "sha256": file_digest(self.folder / FAILURES / part),
                "rows": table.num_rows,
            }
        runs = pa.Table.from_pydict(result.runs, schema=self.schema)

        def record_checksums(temporary: Path) -> None:
            record["results"] = {"sha256": file_digest(temporary), "rows": runs.num_rows}
            (self.folder / CHECKSUMS).mkdir(exist_ok=True)
            write_text_atomic(
                json.dumps(record, indent=1),
                self.folder / CHECKSUMS / part.replace(".parquet", ".json"),
            )

        write_atomic(runs, self.folder / part, before_commit=record_checksums)
        self._committed += 1
        if self._kill_after is not None and self._committed >= self._kill_after:
            # Test hook (tests/test_sweep.py): die like a kill -9 at a chosen, reproducible point
            # of the sweep, taking the whole process group (the workers) with it.
            os.killpg(os.getpgrp(), signal.SIGKILL)

    def write_status(self, status: dict[str, Any]) -> None:
        """Append this session's numbers to ``_status.json`` (what ran, when, how it ended)."""
        path = self.folder / STATUS
        history = []
        if path.exists():
            with contextlib.suppress(json.JSONDecodeError):
                history = json.loads(path.read_text(encoding="utf-8")).get("sessions", [])
        latest = {k: v for k, v in status.items() if k != "session"}
        text = json.dumps({**latest, "sessions": [*history, status["session"]]}, indent=2)
        write_text_atomic(text, path)


#: What a sweep writes into a new folder before its manifest (the manifest goes last).
_START_FILES = frozenset({LOCK, FAILURES, SWEEP_COPY, DESIGN})


def _unfinished_start(folder: Path) -> bool:
    """True if ``folder`` holds nothing but what a sweep interrupted before writing its manifest
    leaves (lock, sweep copy, design, an empty failures folder, temporary files): such a folder
    is started afresh, so "run the same command again" works after any interruption. Anything
    else in it (the user's files) makes it not a sweep folder."""
    for entry in folder.iterdir():
        if entry.name.startswith(".tmp-"):
            continue
        if entry.name not in _START_FILES:
            return False
        if entry.name == FAILURES and (not entry.is_dir() or any(entry.iterdir())):
            return False
    return True


def _changed_message(folder: Path, old: dict[str, Any], new: dict[str, Any]) -> str:
    """Name what changed, so the user knows whether to restore the file or pick a new --out."""
    changed = [
        key
        for key in sorted(set(old.get("sweep", {})) | set(new["sweep"]))
        if old.get("sweep", {}).get(key) != new["sweep"].get(key)
    ]
    if old.get("base_scenario_hash") != new.get("base_scenario_hash"):
        changed.append("the base scenario")
    if old.get("nations_hash") != new.get("nations_hash"):
        changed.append("the nations table")
    what = ", ".join(changed) or "content"
    return (
        f"{folder}: holds results of a different version of this sweep (changed: {what}); "
        "use a new --out, or restore the sweep file to resume"
    )

"""Writing one run's outputs: Parquet/CSV tables, JSON summary and manifest, figures.

Everything is written into a temporary sibling folder and moved into place only when complete,
so a failed or interrupted run never leaves a folder that looks finished.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from sim.engine.metrics import BLOC_NAMES
from sim.history.hindcast import Hindcast
from sim.inputs.provenance import DEFAULTS, git_commit, package_versions, parameter_set
from sim.inputs.scenario import ResolvedScenario
from sim.mesa.model import CyberBlocModel
from sim.present.figures.hindcast import region_figure

RESULTS_DIR = Path("results")


class OutputError(Exception):
    """The output folder cannot be used (bad --out): one line for the user, exit 2."""


class OutputExistsError(OutputError, FileExistsError):
    """The chosen output folder exists; we never overwrite silently."""


class OutputWriteError(OutputError):
    """Writing the results failed part-way (disk full, I/O error): not bad input, so the command
    line exits 3, not 2. Nothing of the run is left behind."""


def check_creatable(target: Path) -> None:
    """Refuse (OutputError) an --out that can never be created, before any work is done: one
    under an existing file, or in a folder this process may not write to."""
    ancestor = Path(target).absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{target}: cannot create the output folder: {ancestor} is a file")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(
            f"{target}: cannot create the output folder: no permission to write in {ancestor}"
        )


#: Written into every output folder this tool creates; --overwrite deletes only such folders.
MARKER = ".cyberbloc-output"


def fresh_output_dir(name: str, base: Path = RESULTS_DIR) -> Path:
    """results/<name>-<UTC timestamp>-<6 random hex digits>: two runs started in the same second
    (even by two processes) get different folders."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    while True:
        candidate = base / f"{name}-{stamp}-{secrets.token_hex(3)}"
        if not candidate.exists():
            return candidate


def is_tool_output(folder: Path) -> bool:
    """True for a folder this tool wrote (it holds the marker file)."""
    return folder.is_dir() and (folder / MARKER).is_file()


def check_replaceable(target: Path) -> None:
    """Refuse to replace anything but a folder this tool wrote (OutputExistsError, one line)."""
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputExistsError(f"{target}: exists and is not a folder; choose another --out")
    if not is_tool_output(target):
        raise OutputExistsError(
            f"{target}: not an output folder of this tool (no {MARKER} marker): refusing to "
            "delete it with --overwrite; choose another --out"
        )


def _discard_and_raise(temporary: Path, target: Path, doing: str, problem: OSError) -> NoReturn:
    """Remove this run's temporary folder and report why nothing was kept (an OutputError,
    which already says so, goes on as it is)."""
    shutil.rmtree(temporary, ignore_errors=True)
    if isinstance(problem, OutputError):
        raise problem
    raise OutputWriteError(
        f"{target}: cannot {doing} ({problem.strerror or problem}); nothing of this run was kept"
    ) from None


@contextlib.contextmanager
def atomic_dir(target: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder next to ``target``; move it into place only on success.

    The move is one ``rename``: if another run put a folder at ``target`` meanwhile, the rename
    fails and this run reports it (its own result is never silently dropped, the other's never
    deleted). With ``overwrite`` only a folder this tool wrote (``MARKER``) is replaced.
    """
    target = Path(target)
    if target.exists() and not overwrite:
        raise OutputExistsError(
            f"{target}: output folder exists; choose another --out or pass --overwrite"
        )
    if overwrite:
        check_replaceable(target)
    check_creatable(target)
    temporary = target.parent / f".{target.name}.partial-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.mkdir()
        (temporary / MARKER).write_text(
            "written by cyberbloc; --overwrite may replace this folder\n"
        )
    except OSError as problem:
        shutil.rmtree(temporary, ignore_errors=True)
        raise OutputError(
            f"{target}: cannot create the output folder ({problem.strerror or problem})"
        ) from None
    try:
        yield temporary
    except OSError as problem:
        _discard_and_raise(temporary, target, "write the results", problem)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    retired = None
    if overwrite and target.exists():
        try:
            check_replaceable(target)
            retired = target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(3)}"
            target.rename(retired)
        except OSError as problem:
            _discard_and_raise(temporary, target, "replace it", problem)
    try:
        os.rename(temporary, target)  # fails if another run created target meanwhile
    except OSError as problem:
        shutil.rmtree(temporary, ignore_errors=True)
        if retired is not None and not target.exists():
            retired.rename(target)
        if not target.exists():
            raise OutputWriteError(
                f"{target}: cannot move the results into place ({problem.strerror or problem}); "
                "nothing of this run was kept"
            ) from None
        raise OutputExistsError(
            f"{target}: another run wrote this folder while this one ran; nothing of this run "
            "was kept: run it again with another --out"
        ) from None
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


def summary(model: CyberBlocModel, resolved: ResolvedScenario) -> dict[str, Any]:
    """Start and end blocs, final metrics, and the nations that changed bloc."""
    history, world = model.history, model.world
    start, end = history.blocs[0], history.blocs[-1]
    switched = [
        {
            "iso3": str(world.iso3[i]),
            "name": str(world.name[i]),
            "from": BLOC_NAMES[int(start[i])],
            "to": BLOC_NAMES[int(end[i])],
            "alignment_start": round(float(history.alignment[0][i]), 6),
            "alignment_end": round(float(history.alignment[-1][i]), 6),
        }
        for i in np.flatnonzero(start != end)
    ]
    return {
        "scenario": resolved.scenario.name,
        "question": resolved.scenario.question,
        "steps": model.step_index,
        "start_date": history.dates[0],
        "end_date": history.dates[-1],
        "blocs_start": _blocs(history.metrics[0]),
        "blocs_end": _blocs(history.metrics[-1]),
        "final_metrics": {k: _plain(v) for k, v in history.metrics[-1].items()},
        "veto_opponents_end": list(model_veto_opponents(model)),
        "switched": switched,
        "drivers": model.drivers()["statement"],
    }


def model_veto_opponents(model: CyberBlocModel) -> tuple[str, ...]:
    """Veto holders more likely than not to vote no on a joint response now."""
    return model.sim.joint_response().likely_vetoes


def _blocs(metrics: dict[str, float]) -> dict[str, dict[str, float]]:
    return {
        bloc: {
            "nations": int(metrics[f"{bloc}_count"]),
            "population_share": round(float(metrics[f"{bloc}_pop_share"]), 6),
            "gdp_share": round(float(metrics[f"{bloc}_gdp_share"]), 6),
        }
        for bloc in ("us", "nonaligned", "china")
    }


def _plain(value: Any) -> Any:
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else round(float(value), 9)
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def write_run(
    model: CyberBlocModel,
    resolved: ResolvedScenario,
    out_dir: Path,
    *,
    started: datetime,
    csv: bool = False,
    figures: bool = True,
    overwrite: bool = False,
    hindcast: Any = None,
) -> Path:
    """Write all outputs of a finished run into ``out_dir`` (atomically); with a scored
    ``hindcast`` (sim.history.hindcast.Hindcast) its tables and figure too."""
    with atomic_dir(out_dir, overwrite=overwrite) as folder:
        if hindcast is not None:
            write_hindcast(hindcast, folder)
        model_frame = model.history.model_frame()
        nations_frame = model.history.nations_frame(model.world)
        model_frame.to_parquet(folder / "model.parquet", index=False)
        nations_frame.to_parquet(folder / "nations.parquet", index=False)
        from sim.engine.groups import group_frame

        group_frame(nations_frame).to_parquet(folder / "groups.parquet", index=False)
        from sim.engine.switches import switch_log

        switch_log(model.history, model.world).to_csv(folder / "switches.csv", index=False)
        if csv:
            model_frame.to_csv(folder / "model.csv", index=False)
            nations_frame.to_csv(folder / "nations.csv", index=False)
        (folder / "summary.json").write_text(json.dumps(summary(model, resolved), indent=2) + "\n")
        manifest = {
            "scenario": resolved.scenario.model_dump(mode="json"),
            "scenario_file": str(resolved.path) if resolved.path else None,
            "overrides": list(resolved.overrides),
            "content_hash": resolved.content_hash,
            "seed": resolved.scenario.seed,
            "parameter_set": parameter_set(DEFAULTS, resolved.scenario.parameters),
            "drivers": model.drivers(),
            "versions": package_versions(),
            "git_commit": git_commit(),
            "command": sys.argv,
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if figures:
            from sim.present.figures import run as fig

            fig.write_all(model, resolved.scenario, folder, model_frame, nations_frame)
    return out_dir


def read_nations(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(Path(folder) / "nations.parquet")


def write_hindcast(result: Hindcast, folder: Path) -> None:
    """hindcast_fit.csv (the table), hindcast_by_date.csv, hindcast_nations.parquet, figure."""
    result.table().to_csv(folder / "hindcast_fit.csv")
    result.per_date().to_csv(folder / "hindcast_by_date.csv", index=False)
    result.nations().to_parquet(folder / "hindcast_nations.parquet", index=False)
    region_figure(result, folder / "hindcast_regions.png")

"""Where a result came from, for manifests: package versions, the code's git commit, and which
parameter set the run used (the calibrated defaults or posterior draws) with the calibration's
hashes, so every result names the fit that was current (issue 9)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from sim import paths

#: Packages whose versions a manifest records (those that shape the numbers or the files).
PACKAGES = (
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "pydantic",
    "matplotlib",
    "solara",
    "SALib",
    "dask",
    "distributed",
)


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Python's and each installed package's version."""
    versions = {"python": platform.python_version()}
    for package in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return versions


def git_commit() -> str | None:
    """The code's commit, with '+dirty' when the work tree has changes; None outside git."""
    root = paths.PROJECT_DIR
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+dirty" if dirty else "")


# --- which parameter set a result used, and which calibration it belongs to ------------------

ROOT = paths.PROJECT_DIR
#: The shipped posterior (the fit on every observed year) and the study that produced it.
POSTERIOR = ROOT / "sim" / "data" / "posterior_2011_2019.parquet"
CALIBRATION_STUDY = ROOT / "scenarios" / "calibration" / "history_2011_2019.yaml"

#: ``parameter_set.version`` values: what the run's magnitudes were.
DEFAULTS = "calibrated defaults"
POSTERIOR_DRAWS = "posterior draws"


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes (what `sha256sum` prints)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _shown(path: Path) -> str:
    """A path relative to the repository when it lies inside it (manifests compare across
    clones), else as given."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def calibration_record(posterior: Path = POSTERIOR) -> dict[str, Any]:
    """The posterior file's SHA-256 and the calibration study it came from.

    The study is read from the calibration folder's manifest.json when the posterior sits in
    one (``run.py calibrate`` output); the shipped posterior's study is CALIBRATION_STUDY. The
    study's file hash and its content hash (``calibration_hash`` in a calibration's manifest:
    the validated file, indifferent to comments and layout) are both recorded."""
    record: dict[str, Any] = {
        "posterior": _shown(posterior),
        "posterior_sha256": sha256_file(posterior),
    }
    beside = Path(posterior).parent / "manifest.json"
    if Path(posterior).resolve() == POSTERIOR.resolve():
        from sim.inputs.calibration import load_calibration

        spec, _, _ = load_calibration(CALIBRATION_STUDY)
        record.update(
            calibration_study=_shown(CALIBRATION_STUDY),
            calibration_study_sha256=sha256_file(CALIBRATION_STUDY),
            calibration_hash=spec.content_hash,
        )
    elif beside.is_file():
        manifest = json.loads(beside.read_text())
        record.update(
            calibration_study=manifest.get("calibration", {}).get("name"),
            calibration_study_sha256=None,
            calibration_hash=manifest.get("calibration_hash"),
        )
    else:
        record.update(calibration_study=None, calibration_study_sha256=None, calibration_hash=None)
    return record


def parameter_set(version: str, params: Any = None, posterior: Path = POSTERIOR) -> dict[str, Any]:
    """The ``parameter_set`` block of a manifest.

    ``version`` says where the magnitudes came from: DEFAULTS (sim/engine/params.py, whose fitted
    magnitudes are the shipped posterior's medians, possibly changed by the scenario:
    ``changed`` lists those fields) or POSTERIOR_DRAWS (each member a draw from ``posterior``).
    ``calibration`` names the posterior and its study either way, so a reader can tell which fit
    the result came from."""
    if version not in (DEFAULTS, POSTERIOR_DRAWS):
        raise ValueError(f"parameter set version must be {DEFAULTS!r} or {POSTERIOR_DRAWS!r}")
    block: dict[str, Any] = {"version": version}
    if params is not None:
        from sim.engine.params import ModelParams

        defaults = ModelParams().model_dump()
        block["changed"] = sorted(k for k, v in params.model_dump().items() if defaults.get(k) != v)
    block["calibration"] = calibration_record(posterior)
    return block

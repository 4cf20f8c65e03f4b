"""``run.py report FOLDER``: one self-contained HTML page that reads a result folder as a study.

Why: a run, compare or sweep folder answers its question across a dozen Parquet, CSV, JSON and
PNG files; a reader without the code (a referee, a colleague) needs them on one page and in the
order of an argument: the question, the scenario(s) and their parameters, the results with their
intervals, the figures, which nations switched bloc and what carried them, and where the numbers
came from (commit, package versions, seeds, scenario hashes). The page makes no network request
of any kind: figures are inlined as base64 PNG ``data:`` URIs, the CSS is inline, there is no
script. Text read from the folder is escaped by jinja2's autoescaping, never pasted in.

The kind of folder is read from its manifest (``_manifest.json`` of format ``cyberbloc-sweep/*``:
a sweep; ``manifest.json`` with ``scenarios`` and ``replicates``: a compare; with ``scenario``
and a ``summary.json``: a run). Anything else is a ReportError: one line, exit 2.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from sim.present.report.page import KINDS, Report, ReportError, read_json

__all__ = ["KINDS", "ReportError", "build", "detect", "render", "write_report"]

#: Written into the folder by default; a sweep's name starts with '_' so that
#: ``pandas.read_parquet(sweep_folder)`` keeps reading only the results parts.
DEFAULT_NAME = {"run": "report.html", "compare": "report.html", "sweep": "_report.html"}


def detect(folder: Path) -> tuple[str, dict[str, Any]]:
    """The folder's kind (run, compare or sweep) and its manifest; ReportError otherwise."""
    accepted = "`run.py report` takes a folder written by run.py run, compare or sweep"
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder; {accepted}")
    if (folder / "_manifest.json").is_file():
        manifest = read_json(folder / "_manifest.json")
        if isinstance(manifest, dict) and str(manifest.get("format", "")).startswith(
            "cyberbloc-sweep/"
        ):
            return "sweep", manifest
    if (folder / "manifest.json").is_file():
        manifest = read_json(folder / "manifest.json")
        if isinstance(manifest, dict):
            if isinstance(manifest.get("scenarios"), list) and "replicates" in manifest:
                return "compare", manifest
            if "draws" in manifest:
                raise ReportError(f"{folder}: a forecast folder; {accepted}")
            if isinstance(manifest.get("scenario"), dict) and (folder / "summary.json").is_file():
                return "run", manifest
    raise ReportError(f"{folder}: no run, compare or sweep manifest found; {accepted}")


def build(folder: Path) -> Report:
    """The report of a folder. A folder missing what its manifest promises (a summary.json
    that is not a mapping, a table without its columns) is a ReportError, not a traceback."""
    from sim.present.report.compare_folder import compare_report
    from sim.present.report.run_folder import run_report
    from sim.present.report.sweep_folder import sweep_report

    kind, manifest = detect(folder)
    builder = {"run": run_report, "compare": compare_report, "sweep": sweep_report}[kind]
    try:
        return builder(folder, manifest)
    except (KeyError, TypeError, AttributeError, ValueError, OSError) as error:
        raise ReportError(
            f"{folder}: the {kind} folder is incomplete or damaged ({type(error).__name__}: "
            f"{error})"
        ) from None


def render(report: Report) -> str:
    """The page: jinja2 with autoescaping, template sim/present/report/templates/report.html.j2."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("report.html.j2").render(report=report)


#: The mark every page carries (templates/report.html.j2); older pages start their title so.
GENERATOR = '<meta name="generator" content="cyberbloc run.py report">'
OLD_TITLE = "<title>cyberbloc "


def written_by_report(path: Path) -> bool:
    """Whether ``path`` is a page this command wrote, so that writing it again replaces only
    the command's own output, never a file of the user's that happens to have the name."""
    if not path.is_file():
        return False
    with open(path, encoding="utf-8", errors="replace") as stream:
        head = stream.read(4096)
    return GENERATOR in head or (OLD_TITLE in head and " report: " in head)


def output_path(folder: Path, kind: str, out: Path | None) -> Path:
    """Where the page goes; refuses a name in a sweep folder that pandas would read as a part,
    and an existing file this command did not write."""
    target = Path(out) if out is not None else folder / DEFAULT_NAME[kind]
    if target.is_dir():
        raise ReportError(f"{target}: is a folder; --out takes a file name")
    if not target.parent.is_dir():
        raise ReportError(f"{target}: no folder {target.parent} to write it in")
    if target.exists() and not written_by_report(target):
        raise ReportError(
            f"{target}: exists and is not a page run.py report wrote; it is left as it is "
            "(choose another --out)"
        )
    if (
        kind == "sweep"
        and target.parent.resolve() == folder.resolve()
        and not target.name.startswith(("_", "."))
    ):
        raise ReportError(
            f"{target}: in a sweep folder the name must start with '_' (pandas.read_parquet of "
            "the folder would read it as a results part); the default is _report.html"
        )
    return target


def write_report(folder: Path, out: Path | None = None) -> Path:
    """Build and write the page atomically (a hidden temporary file, then a rename)."""
    folder = Path(folder)
    kind, _ = detect(folder)
    target = output_path(folder, kind, out)
    page = render(build(folder))
    temporary = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        with open(temporary, "x", encoding="utf-8") as stream:  # mode from the umask
            stream.write(page)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target

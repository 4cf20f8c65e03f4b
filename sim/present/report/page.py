"""The pieces of a report page: its data model (sections of paragraphs, tables of formatted
cells, inlined figures), how numbers are written, and the tables every folder kind shares
(parameters, events, versions). The folder kinds fill these in (run_folder, compare_folder,
sweep_folder); sim/present/report/templates/report.html.j2 lays them out."""

from __future__ import annotations

import base64
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

#: The folder kinds a report is made of.
KINDS = ("run", "compare", "sweep")
#: Longest table written in full; longer ones are cut with a note naming the file that has all.
MAX_ROWS = 300
#: Known figures first, in reading order, with a caption; any other PNG follows by name.
FIGURE_TITLES = {
    "bloc_shares.png": "Bloc shares over time",
    "watch.png": "Alignment of the watched nations",
    "world_map.png": "World map of alignments at the end",
    "alignment_heatmap.png": "Every nation's alignment, month by month",
    "hindcast_regions.png": "Model against the observed alignment, by region",
    "compare.png": "Scenarios compared over time: mean and 95% range (Results says over what)",
    "tradeoff.png": "Scenario discovery (PRIM): peeling trajectory",
    "sensitivity.png": "Sensitivity indices",
}
#: A missing value in a table cell.
MISSING = "\N{EN DASH}"
BLOC_LABELS = {"us": "US-led", "nonaligned": "non-aligned", "china": "China-led"}


class ReportError(Exception):
    """The folder cannot be reported on (not a result folder, unreadable manifest, bad --out):
    one line for the user, exit 2."""


@dataclass
class Table:
    """A table of already formatted cells; ``folded`` tables sit in a closed <details>."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    folded: bool = False


@dataclass
class Figure:
    title: str
    source: str  # path inside the folder
    uri: str  # data:image/png;base64,...


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Report:
    kind: str
    title: str
    folder: str
    sections: list[Section]


# --- formatting -------------------------------------------------------------------------------
def fmt(value: Any) -> str:
    """One cell: floats to 4 significant digits, missing values as a dash, mappings as k=v."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v) for v in value)
    if hasattr(value, "item"):  # numpy scalar
        return fmt(value.item())
    return str(value)


def interval(mean: Any, low: Any, high: Any) -> str:
    """A mean with its interval, as the report writes every interval."""
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


def frame_table(frame: pd.DataFrame, title: str, source: str, **kwargs: Any) -> Table:
    """A DataFrame as a Table, cut at MAX_ROWS with a note naming the file that has every row."""
    shown = frame.head(MAX_ROWS)
    rows = [[fmt(v) for v in row] for row in shown.itertuples(index=False)]
    note = kwargs.pop("note", "")
    if len(frame) > MAX_ROWS:
        note = f"{note} First {MAX_ROWS} of {len(frame)} rows; all in {source}.".strip()
    return Table(title, [str(c) for c in frame.columns], rows, note=note, **kwargs)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"{path}: cannot read it as JSON ({error})") from None


def inline_figures(folder: Path, paths: list[Path], reorder: bool = True) -> list[Figure]:
    """Each PNG inlined as a data: URI; with ``reorder`` the known ones first."""
    order = list(FIGURE_TITLES)
    if reorder:
        paths = sorted(
            paths, key=lambda p: (order.index(p.name) if p.name in order else 99, str(p))
        )
    figures = []
    for path in paths:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        title = FIGURE_TITLES.get(path.name) or path.stem.replace("_", " ")
        figures.append(
            Figure(title, str(path.relative_to(folder)), f"data:image/png;base64,{data}")
        )
    return figures


def hash_check(scenario: dict[str, Any], recorded: str | None) -> str:
    """Whether the recorded scenario still hashes to the recorded content hash."""
    text = json.dumps(scenario, sort_keys=True)
    actual = hashlib.sha256(text.encode()).hexdigest()
    if recorded is None:
        return "no content hash recorded"
    return "matches the recorded scenario" if actual == recorded else "does NOT match the scenario"


# --- pieces shared by the kinds ------------------------------------------------------------
def parameter_tables(scenarios: list[dict[str, Any]], title: str = "") -> list[Table]:
    """The parameters that differ from the model defaults (or between the scenarios), then
    every parameter folded: parameter | value per scenario | model default | unit."""
    from sim.engine.params import parameter_table

    meta = {row["name"]: row for row in parameter_table()}
    rows = []
    for name in scenarios[0].get("parameters", {}):
        values = [s.get("parameters", {}).get(name) for s in scenarios]
        default = meta.get(name, {}).get("default")
        if isinstance(values[0], dict):  # organisation weights: one row each
            for key in values[0]:
                sub = [v.get(key) if isinstance(v, dict) else None for v in values]
                base = default.get(key) if isinstance(default, dict) else None
                rows.append([f"{name}.{key}", *map(fmt, sub), fmt(base), "tie weight"])
            continue
        rows.append([name, *map(fmt, values), fmt(default), meta.get(name, {}).get("unit", "")])
    several = len(scenarios) > 1
    columns = ["parameter", *(s.get("name", "") for s in scenarios), "model default", "unit"]
    if not several:
        columns[1] = "value"
    differing = [
        row for row in rows if len({*row[1:-1]}) > 1
    ]  # a value differs from the default or from another scenario's
    title = title or ("Parameters" + (" of the scenarios" if several else ""))
    return [
        Table(
            f"{title} that differ from the model defaults"
            + (" or between the scenarios" if several else ""),
            columns,
            differing,
            note="" if differing else "None: every parameter has its model default.",
        ),
        Table(f"{title}: all of them", columns, rows, folded=True),
    ]


def events_table(scenarios: list[dict[str, Any]], title: str) -> Table | None:
    """Every scheduled event of the scenarios: month, date, kind, details, note."""
    rows = []
    for s in scenarios:
        start = pd.Timestamp(s.get("start", "2000-01-01"))
        for event in s.get("events", []):
            step = int(event.get("step", 0))
            details = {
                k: v for k, v in event.items() if k not in ("step", "kind", "note") and v != ""
            }
            when = (start + pd.DateOffset(months=step)).date().isoformat()
            rows.append(
                [
                    s.get("name", ""),
                    str(step),
                    when,
                    event.get("kind", ""),
                    fmt(details),
                    event.get("note", ""),
                ]
            )
    if not rows:
        return None
    return Table(title, ["scenario", "month", "date", "kind", "details", "note"], rows)


def versions_table(manifest: dict[str, Any]) -> Table | None:
    versions = manifest.get("versions")
    if not versions:
        return None
    return Table("Package versions", ["package", "version"], [[k, v] for k, v in versions.items()])


def key_values(title: str, pairs: list[tuple[str, Any]]) -> Table:
    return Table(title, ["", ""], [[k, fmt(v)] for k, v in pairs])

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

import base64
import hashlib
import json
import math
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.metrics import METRIC_DEFINITIONS

KINDS = ("run", "compare", "sweep")
#: Written into the folder by default; a sweep's name starts with '_' so that
#: ``pandas.read_parquet(sweep_folder)`` keeps reading only the results parts.
DEFAULT_NAME = {"run": "report.html", "compare": "report.html", "sweep": "_report.html"}
#: Longest table written in full; longer ones are cut with a note naming the file that has all.
MAX_ROWS = 300
#: Known figures first, in reading order, with a caption; any other PNG follows by name.
FIGURE_TITLES = {
    "bloc_shares.png": "Bloc shares over time",
    "watch.png": "Alignment of the watched nations",
    "world_map.png": "World map of alignments at the end",
    "alignment_heatmap.png": "Every nation's alignment, month by month",
    "hindcast_regions.png": "Model against the observed alignment, by region",
    "compare.png": "Scenarios compared: mean and 95% range across seeds",
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


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"{path}: cannot read it as JSON ({error})") from None


def _figures(folder: Path, paths: list[Path], reorder: bool = True) -> list[Figure]:
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


def _hash_check(scenario: dict[str, Any], recorded: str | None) -> str:
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
    from sim.params import parameter_table

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


# --- run ----------------------------------------------------------------------------------------
def run_report(folder: Path, manifest: dict[str, Any]) -> Report:
    summary = _read_json(folder / "summary.json")
    scenario = manifest.get("scenario", {})
    name = scenario.get("name", summary.get("scenario", ""))
    question = Section(
        "The question",
        [scenario.get("question", ""), scenario.get("description", "")],
    )
    setup = Section(
        "The scenario",
        [
            f"Scenario {name}: {scenario.get('steps')} steps of one {scenario.get('step_unit', 'month')} "
            f"from {scenario.get('start')}, seed {scenario.get('seed')}. "
            f"File: {manifest.get('scenario_file') or 'none (built in code)'}; overrides: "
            f"{fmt(manifest.get('overrides')) or 'none'}."
        ],
    )
    setup.tables += parameter_tables([scenario])
    events = events_table([scenario], "Scheduled events")
    if events:
        setup.tables.append(events)

    results = Section(
        "Results",
        [
            f"One run from {summary.get('start_date')} to {summary.get('end_date')}: one seed of "
            "one parameter set, so these numbers carry no interval. `run.py compare` gives the "
            "95% range over seeds, `run.py forecast` over the calibrated posterior."
        ],
    )
    start, end = summary.get("blocs_start", {}), summary.get("blocs_end", {})
    vetoes = summary.get("veto_opponents_end") or []
    results.tables.append(
        Table(
            "Blocs at the start and at the end (shares are fractions of the world)",
            [
                "bloc",
                "nations, start",
                "nations, end",
                "population share, start",
                "population share, end",
                "GDP share, start",
                "GDP share, end",
            ],
            [
                [label]
                + [
                    fmt(side.get(bloc, {}).get(key))
                    for key in ("nations", "population_share", "gdp_share")
                    for side in (start, end)
                ]
                for bloc, label in BLOC_LABELS.items()
            ],
            note="Security Council veto holders expected to block a joint response at the end: "
            + (", ".join(vetoes) if vetoes else "none")
            + ".",
        )
    )
    metrics = summary.get("final_metrics", {})
    results.tables.append(
        Table(
            f"Every model-level measure on {summary.get('end_date')}",
            ["measure", "value", "meaning"],
            [[k, fmt(v), METRIC_DEFINITIONS.get(k, "")] for k, v in metrics.items()],
        )
    )
    fit = folder / "hindcast_fit.csv"
    if fit.is_file():
        frame = pd.read_csv(fit).rename(columns={"Unnamed: 0": "predictor"})
        results.tables.append(
            frame_table(
                frame,
                "Fit against the observed alignment (hindcast)",
                fit.name,
                note="The model row scores an ensemble of seeds of this scenario (sim.hindcast) "
                "against the observed series; the other rows are simple baselines. Lower RMSE "
                "and CRPS are better; skill_vs_persistence above 0 beats 'nothing changes'.",
            )
        )
    groups = folder / "groups.parquet"
    if groups.is_file():
        results.tables.append(groups_table(pd.read_parquet(groups)))

    pngs = list(folder.glob("*.png"))
    return Report(
        "run",
        f"{name}: one run",
        str(folder),
        [
            question,
            setup,
            results,
            Section("Figures", figures=_figures(folder, pngs)),
            switches_section(folder, summary),
            Section(
                "Provenance",
                [f"Scenario content hash: {_hash_check(scenario, manifest.get('content_hash'))}."],
                [
                    key_values(
                        "Where these numbers came from",
                        [
                            ("git commit", manifest.get("git_commit") or "not recorded"),
                            ("scenario content hash", manifest.get("content_hash")),
                            ("seed", manifest.get("seed")),
                            ("scenario file", manifest.get("scenario_file")),
                            ("overrides", manifest.get("overrides") or "none"),
                            ("command", " ".join(manifest.get("command") or [])),
                            ("started", manifest.get("started")),
                            ("finished", manifest.get("finished")),
                        ],
                    ),
                    *filter(None, [versions_table(manifest)]),
                ],
            ),
        ],
    )


def groups_table(groups: pd.DataFrame) -> Table:
    """Each organisation and region at the first and the last month."""
    first = groups[groups["step"] == groups["step"].min()].set_index("group")
    last = groups[groups["step"] == groups["step"].max()]
    rows = [
        [
            row.group,
            fmt(row.members),
            fmt(first["mean_alignment"].get(row.group)),
            fmt(row.mean_alignment),
            fmt(row.sd_alignment),
            fmt(row.china_bloc),
            fmt(row.us_bloc),
            fmt(row.joint_response_support),
        ]
        for row in last.itertuples(index=False)
    ]
    return Table(
        f"Organisations and regions on {last['date'].iloc[0] if len(last) else ''}",
        [
            "group",
            "members",
            "mean alignment, start",
            "mean alignment, end",
            "spread (sd)",
            "China-led",
            "US-led",
            "joint-response support",
        ],
        rows,
        note="Alignment runs from -1 (with the US) to +1 (with China); from groups.parquet.",
    )


def switches_section(folder: Path, summary: dict[str, Any]) -> Section:
    """Who ended in another bloc, how often each crossed a threshold, and what carried it."""
    from sim.dynamics import MECHANISMS

    section = Section("Nations that switched bloc, and why")
    switched = summary.get("switched") or []
    log_path = folder / "switches.csv"
    log = pd.read_csv(log_path) if log_path.is_file() else None
    section.paragraphs.append(
        f"{len(switched)} nations ended the run in another bloc than they started in"
        + (
            f"; {len(log)} threshold crossings by {log['iso3'].nunique()} nations in all "
            "(a nation near a threshold may cross it back and forth)."
            if log is not None
            else "; this folder has no switch log (switches.csv), so the mechanisms are unknown."
        )
    )
    section.paragraphs.append(
        "'Carried by' is the mechanism whose push that month was largest in the direction of the "
        "move; the totals are each mechanism's summed contribution to the nation's alignment "
        "from month 0 to its last crossing (+ toward China, - toward the US)."
    )
    columns = ["nation", "ISO3", "from", "to", "alignment, start", "alignment, end"]
    extra = ["crossings", "last crossing", "carried by"] + [f"total {m}" for m in MECHANISMS]
    rows = []
    for entry in switched:
        row = [entry.get("name", ""), entry.get("iso3", "")]
        row += [BLOC_LABELS.get(entry.get(k), entry.get(k)) for k in ("from", "to")]
        row += [fmt(entry.get("alignment_start")), fmt(entry.get("alignment_end"))]
        if log is not None:
            mine = log[log["iso3"] == entry.get("iso3")]
            if len(mine):
                last = mine.iloc[-1]
                row += [str(len(mine)), str(last["date"]), str(last["carried_by"])]
                row += [fmt(float(last[f"total_{m}"])) for m in MECHANISMS]
            else:
                row += ["0", MISSING, MISSING] + [MISSING] * len(MECHANISMS)
        rows.append(row)
    section.tables.append(
        Table(
            "Nations in another bloc at the end",
            columns + (extra if log is not None else []),
            rows,
        )
    )
    if log is not None and len(log):
        carried = log["carried_by"].value_counts()
        section.tables.append(
            Table(
                "Threshold crossings by the mechanism that carried them",
                ["mechanism", "crossings"],
                [[m, str(int(carried.get(m, 0)))] for m in MECHANISMS],
            )
        )
        shown = log[["date", "name", "iso3", "from", "to", "alignment", "carried_by"]]
        section.tables.append(
            frame_table(
                shown.replace({"from": BLOC_LABELS, "to": BLOC_LABELS}),
                "Every threshold crossing",
                log_path.name,
                folded=True,
            )
        )
    return section


# --- compare --------------------------------------------------------------------------------
def compare_report(folder: Path, manifest: dict[str, Any]) -> Report:
    from sim.compare import OUTCOMES

    scenarios = manifest.get("scenarios", [])
    names = [s.get("name", "") for s in scenarios]
    replicates = manifest.get("replicates")
    question = Section(
        "The question",
        [f"How do {', '.join(names)} differ? Each scenario was run for {replicates} seeds."],
    )
    for s in scenarios:
        question.paragraphs.append(f"{s.get('name')}: {s.get('question', '')}")
        question.paragraphs.append(s.get("description", ""))
    setup = Section(
        "The scenarios",
        [
            "; ".join(
                f"{s.get('name')}: {s.get('steps')} months from {s.get('start')}, seed "
                f"{s.get('seed')}"
                for s in scenarios
            )
            + "."
        ],
    )
    if scenarios:
        setup.tables += parameter_tables(scenarios)
    events = events_table(scenarios, "Scheduled events")
    if events:
        setup.tables.append(events)

    results = Section(
        "Results",
        [
            f"Mean and, in brackets, the 2.5% and 97.5% quantiles across {replicates} seeds of "
            "each scenario's own parameters (sim/compare.py). Parameter uncertainty is not "
            "included: `run.py forecast` draws parameters from the calibrated posterior."
        ],
    )
    path = folder / "compare.parquet"
    if path.is_file():
        table = pd.read_parquet(path)
        outcomes = [o for o in OUTCOMES if f"{o}_mean" in table]

        def rows_of(frame: pd.DataFrame) -> list[list[str]]:
            return [
                [str(row["scenario"]), str(row["date"])]
                + [interval(row[f"{o}_mean"], row[f"{o}_lo"], row[f"{o}_hi"]) for o in outcomes]
                for _, row in frame.iterrows()
            ]

        header = ["scenario", "date", *(o.replace("_", " ") for o in outcomes)]
        last = table.groupby("scenario", sort=False).tail(1)
        results.tables.append(Table("At the end of each scenario", header, rows_of(last)))
        results.tables.append(
            Table("Every 1 January", header, rows_of(table.head(MAX_ROWS)), folded=True)
        )
    else:
        results.paragraphs.append("This folder has no compare.parquet.")

    hashes = manifest.get("content_hashes") or [None] * len(scenarios)
    provenance = Section(
        "Provenance",
        [
            "Seeds: replicate r of a scenario draws its noise from "
            "sim.sweep.seeds.run_generator(scenario seed, 0, r), r counting from 0, as a sweep's "
            "replicates do."
        ],
        [
            Table(
                "Scenarios",
                ["scenario", "seed", "content hash", "check"],
                [
                    [s.get("name", ""), fmt(s.get("seed")), fmt(h), _hash_check(s, h)]
                    for s, h in zip(scenarios, hashes, strict=False)
                ],
            ),
            key_values(
                "Where these numbers came from",
                [
                    ("git commit", manifest.get("git_commit") or "not recorded"),
                    ("replicates", replicates),
                    ("command", " ".join(manifest.get("command") or []) or "not recorded"),
                    ("created", manifest.get("created") or "not recorded"),
                ],
            ),
            *filter(None, [versions_table(manifest)]),
        ],
    )
    return Report(
        "compare",
        f"{' vs '.join(names)}: {replicates} seeds each",
        str(folder),
        [
            question,
            setup,
            results,
            Section("Figures", figures=_figures(folder, list(folder.glob("*.png")))),
            Section(
                "Nations that switched bloc, and why",
                [
                    "Not recorded here: a compare folder keeps each seed's outcomes, not each "
                    "nation. `run.py run SCENARIO` writes a scenario's switch log."
                ],
            ),
            provenance,
        ],
    )


# --- sweep ----------------------------------------------------------------------------------
def _vary_rows(vary: dict[str, dict[str, Any]]) -> list[list[str]]:
    rows = []
    for path, how in vary.items():
        given = {k: v for k, v in how.items() if v not in (None, False)}
        rows.append([how.get("name") or path.removeprefix("parameters."), path, fmt(given)])
    return rows


def _base_scenario(manifest: dict[str, Any], folder: Path) -> dict[str, Any] | None:
    """The base scenario (with ``fixed``) if the sweep file still hashes as recorded."""
    from sim.scenario import ScenarioError
    from sim.sweep.spec import SweepError, load_sweep

    for candidate in (manifest.get("sweep_file"), folder / "_sweep.yaml"):
        if not candidate or not Path(candidate).is_file():
            continue
        try:
            loaded = load_sweep(candidate)
        except (SweepError, ScenarioError, OSError, ValueError):
            continue
        if loaded.base.content_hash == manifest.get("base_scenario_hash"):
            return loaded.base.scenario.model_dump(mode="json")
    return None


def sweep_report(folder: Path, manifest: dict[str, Any]) -> Report:
    sweep = manifest.get("sweep", {})
    design = manifest.get("design", {})
    analysis = folder / "_analysis"
    question = Section("The question", [sweep.get("question", ""), sweep.get("description", "")])
    setup = Section(
        "The design",
        [
            f"A {design.get('kind')} design over {len(design.get('parameters', []))} parameters: "
            f"{design.get('points')} points x {design.get('replicates')} replicates = "
            f"{design.get('runs')} runs of {manifest.get('steps')} months each, on the base "
            f"scenario {manifest.get('base_scenario')} with fixed {fmt(sweep.get('fixed')) or '-'}."
        ],
        [Table("What varies", ["parameter", "path", "how"], _vary_rows(sweep.get("vary", {})))],
    )
    base = _base_scenario(manifest, folder)
    if base is None:
        setup.paragraphs.append(
            "The base scenario's parameters are not shown: its file no longer gives the hash "
            "the sweep recorded (moved or changed since)."
        )
    else:
        setup.tables += parameter_tables([base], "Base scenario parameters")
        events = events_table([base], "Scheduled events of the base scenario")
        if events:
            setup.tables.append(events)

    results = Section("Results")
    status_path = folder / "_status.json"
    status = _read_json(status_path) if status_path.is_file() else {}
    results.paragraphs.append(
        f"{fmt(status.get('done'))} of {fmt(status.get('runs', design.get('runs')))} runs done, "
        f"{fmt(status.get('failed'))} failed"
        + (" (the sweep is complete)." if status.get("complete") else " (not complete).")
    )
    info = analysis / "analysis.json"
    meta = _read_json(info) if info.is_file() else {}
    outcomes = meta.get("outcomes") or manifest.get("analysis", {}).get("outcomes") or []
    results.paragraphs += [f"Note from the analysis: {n}" for n in meta.get("notes", [])]
    points_path = analysis / "points.parquet"
    if points_path.is_file():
        points = pd.read_parquet(points_path)
    else:
        from sim.sweep.analysis import aggregate, load_runs

        names = [p["name"] for p in design.get("parameters", [])]
        points = aggregate(load_runs(folder), names, outcomes)
        results.paragraphs.append(
            "No `run.py analyze` output yet: the table below is computed from the runs now; "
            "indices and figures appear once `run.py analyze` has run."
        )
    results.tables += points_tables(points, outcomes)
    for name, title in (
        ("sobol.csv", "Sobol indices (S1, ST, with 95% bootstrap half-widths)"),
        ("sobol_second_order.csv", "Second-order Sobol indices"),
        ("morris.csv", "Morris elementary effects"),
    ):
        if (analysis / name).is_file():
            frame = pd.read_csv(analysis / name)
            results.tables.append(frame_table(frame, title, f"_analysis/{name}"))
    discovery = analysis / "discovery"
    if (discovery / "box.csv").is_file():
        found = discovery / "discovery.json"
        about = _read_json(found) if found.is_file() else {}
        note = (
            f"Condition {about['condition']}: met by {about['cases']} of {about['runs']} runs. "
            f"The box (step {about['chosen_step']} of the peeling trajectory) holds "
            f"{fmt(about['coverage'])} of those runs (coverage), and {fmt(about['density'])} of "
            "the runs inside it meet the condition (density)."
            if about
            else "The condition is named in the title of the peeling-trajectory figure."
        )
        results.tables.append(
            frame_table(
                pd.read_csv(discovery / "box.csv"),
                "Scenario discovery (PRIM): the parameter ranges where the condition holds",
                "_analysis/discovery/box.csv",
                note=note,
            )
        )
        trajectory = discovery / "peeling_trajectory.csv"
        if trajectory.is_file():
            results.tables.append(
                frame_table(
                    pd.read_csv(trajectory),
                    "PRIM peeling trajectory",
                    "_analysis/discovery/peeling_trajectory.csv",
                    folded=True,
                )
            )

    seeds = manifest.get("seeds", {})
    sessions = status.get("sessions", [])
    provenance = Section(
        "Provenance",
        tables=[
            key_values(
                "Where these numbers came from",
                [
                    ("git commit", manifest.get("git_commit") or "not recorded"),
                    ("sweep hash", manifest.get("sweep_hash")),
                    ("sweep file", manifest.get("sweep_file")),
                    ("base scenario", manifest.get("base_scenario")),
                    ("base scenario hash", manifest.get("base_scenario_hash")),
                    ("nations table hash", manifest.get("nations_hash")),
                    ("master seed", seeds.get("master")),
                    ("seed rule", seeds.get("rule")),
                    ("design seed", seeds.get("design_seed")),
                    ("command", " ".join(manifest.get("command") or [])),
                    ("created", manifest.get("created")),
                ],
            ),
            *filter(None, [versions_table(manifest)]),
        ],
    )
    if sessions:
        provenance.tables.append(
            frame_table(pd.DataFrame(sessions), "Sessions that ran it", "_status.json")
        )
    figures = sorted(analysis.glob("figures/*.png")) + sorted(analysis.glob("discovery/*.png"))
    return Report(
        "sweep",
        f"{manifest.get('name', folder.name)}: a {design.get('kind')} sweep of "
        f"{design.get('runs')} runs",
        str(folder),
        [
            question,
            setup,
            results,
            Section("Figures", figures=_figures(folder, figures, reorder=False)),
            Section(
                "Nations that switched bloc, and why",
                [
                    "Not recorded by sweeps: runs keep model-level measures (and per-nation "
                    "alignments with outputs.nations), not the switch log. `run.py run` with a "
                    "point's parameters (--set) writes one."
                ],
            ),
            provenance,
        ],
    )


def points_tables(points: pd.DataFrame, outcomes: list[str]) -> list[Table]:
    """Per outcome, one row per design point: its parameter values, the number of runs, the
    mean with its 95% confidence interval and the range of the middle 95% of single runs."""
    if points.empty or not outcomes:
        return [Table("Design points", ["point"], [], note="No runs with results yet.")]
    keys = list(points.columns[: list(points.columns).index("outcome")])
    tables = []
    for outcome in outcomes:
        rows = points[points["outcome"] == outcome].sort_values("point")
        if rows.empty:
            continue
        table = frame_table(
            pd.DataFrame(
                {
                    **{key: rows[key] for key in keys},
                    "runs": rows["n"],
                    "mean [95% CI]": [
                        interval(*values)
                        for values in zip(
                            rows["mean"], rows["ci95_low"], rows["ci95_high"], strict=True
                        )
                    ],
                    "middle 95% of runs": [
                        f"{fmt(low)} to {fmt(high)}"
                        for low, high in zip(rows["p2_5"], rows["p97_5"], strict=True)
                    ],
                }
            ),
            f"{outcome} at the end of the runs, per design point",
            "_analysis/points.csv",
            note=METRIC_DEFINITIONS.get(outcome, ""),
        )
        table.folded = len(rows) > 40
        tables.append(table)
    return tables


# --- entry points -------------------------------------------------------------------------------
def detect(folder: Path) -> tuple[str, dict[str, Any]]:
    """The folder's kind (run, compare or sweep) and its manifest; ReportError otherwise."""
    accepted = "`run.py report` takes a folder written by run.py run, compare or sweep"
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder; {accepted}")
    if (folder / "_manifest.json").is_file():
        manifest = _read_json(folder / "_manifest.json")
        if isinstance(manifest, dict) and str(manifest.get("format", "")).startswith(
            "cyberbloc-sweep/"
        ):
            return "sweep", manifest
    if (folder / "manifest.json").is_file():
        manifest = _read_json(folder / "manifest.json")
        if isinstance(manifest, dict):
            if isinstance(manifest.get("scenarios"), list) and "replicates" in manifest:
                return "compare", manifest
            if "draws" in manifest:
                raise ReportError(f"{folder}: a forecast folder; {accepted}")
            if isinstance(manifest.get("scenario"), dict) and (folder / "summary.json").is_file():
                return "run", manifest
    raise ReportError(f"{folder}: no run, compare or sweep manifest found; {accepted}")


def build(folder: Path) -> Report:
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
    """The page: jinja2 with autoescaping, template sim/templates/report.html.j2."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("report.html.j2").render(report=report)


def output_path(folder: Path, kind: str, out: Path | None) -> Path:
    """Where the page goes; refuses a name in a sweep folder that pandas would read as a part."""
    target = Path(out) if out is not None else folder / DEFAULT_NAME[kind]
    if target.is_dir():
        raise ReportError(f"{target}: is a folder; --out takes a file name")
    if not target.parent.is_dir():
        raise ReportError(f"{target}: no folder {target.parent} to write it in")
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

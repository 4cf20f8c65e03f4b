"""The report of a `run.py sweep` folder: the design, per-point results with intervals,
sensitivity indices and scenario discovery when `run.py analyze` wrote them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.metrics import METRIC_DEFINITIONS
from sim.present.report.page import (
    Report,
    Section,
    Table,
    events_table,
    fmt,
    frame_table,
    inline_figures,
    interval,
    key_values,
    parameter_tables,
    read_json,
    versions_table,
)


def _vary_rows(vary: dict[str, dict[str, Any]]) -> list[list[str]]:
    rows = []
    for path, how in vary.items():
        given = {k: v for k, v in how.items() if v not in (None, False)}
        rows.append([how.get("name") or path.removeprefix("parameters."), path, fmt(given)])
    return rows


def _base_scenario(manifest: dict[str, Any], folder: Path) -> dict[str, Any] | None:
    """The base scenario (with ``fixed``) if the sweep file still hashes as recorded."""
    from sim.inputs.scenario import ScenarioError
    from sim.studies.sweep.spec import SweepError, load_sweep

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
    status = read_json(status_path) if status_path.is_file() else {}
    results.paragraphs.append(
        f"{fmt(status.get('done'))} of {fmt(status.get('runs', design.get('runs')))} runs done, "
        f"{fmt(status.get('failed'))} failed"
        + (" (the sweep is complete)." if status.get("complete") else " (not complete).")
    )
    info = analysis / "analysis.json"
    meta = read_json(info) if info.is_file() else {}
    outcomes = meta.get("outcomes") or manifest.get("analysis", {}).get("outcomes") or []
    results.paragraphs += [f"Note from the analysis: {n}" for n in meta.get("notes", [])]
    points_path = analysis / "points.parquet"
    if points_path.is_file():
        points = pd.read_parquet(points_path)
    else:
        from sim.studies.sweep.analysis import aggregate, load_runs

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
        about = read_json(found) if found.is_file() else {}
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
            Section("Figures", figures=inline_figures(folder, figures, reorder=False)),
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

"""The report of a `run.py run` folder: one scenario, one seed, its switch log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.metrics import METRIC_DEFINITIONS
from sim.present.report.page import (
    BLOC_LABELS,
    MISSING,
    Report,
    Section,
    Table,
    events_table,
    fmt,
    frame_table,
    hash_check,
    inline_figures,
    key_values,
    parameter_tables,
    read_json,
    versions_table,
)


def run_report(folder: Path, manifest: dict[str, Any]) -> Report:
    summary = read_json(folder / "summary.json")
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
                note="The model row scores an ensemble of seeds of this scenario (sim.history.hindcast) "
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
            Section("Figures", figures=inline_figures(folder, pngs)),
            switches_section(folder, summary),
            Section(
                "Provenance",
                [f"Scenario content hash: {hash_check(scenario, manifest.get('content_hash'))}."],
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
    from sim.engine.dynamics import MECHANISMS

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

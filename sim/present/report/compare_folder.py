"""The report of a `run.py compare` folder: several scenarios, N seeds each, with intervals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.present.report.page import (
    MAX_ROWS,
    Report,
    Section,
    Table,
    events_table,
    fmt,
    hash_check,
    inline_figures,
    interval,
    key_values,
    parameter_tables,
    versions_table,
)


def compare_report(folder: Path, manifest: dict[str, Any]) -> Report:
    from sim.studies.compare import OUTCOMES

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

    draws = manifest.get("draws")
    if draws:
        held = {k: v for k, v in (manifest.get("held_fixed") or {}).items() if v}
        explained = (
            f"Mean and, in brackets, the 2.5% and 97.5% quantiles over {draws} parameter sets "
            f"drawn from the calibration posterior x {replicates} seeds each (posterior-"
            "predictive intervals: parameter uncertainty and the model's noise). Every scenario "
            "ran the same draws with the same seeds, so differences between scenarios are not "
            "sampling differences (sim/studies/compare.py)."
        )
        if held:
            explained += " Held at the scenario's own values, not drawn: " + "; ".join(
                f"{name}: {', '.join(fixed)}" for name, fixed in held.items()
            )
    else:
        explained = (
            f"Mean and, in brackets, the 2.5% and 97.5% quantiles across {replicates} seeds of "
            "each scenario's own parameters (sim/studies/compare.py). Parameter uncertainty is not "
            "included: `run.py compare --draws N` draws parameters from the calibrated posterior."
        )
    results = Section("Results", [explained])
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
    seeds_rule = (
        "Seeds: " + manifest["seeds"]
        if draws and manifest.get("seeds")
        else "Seeds: replicate r of a scenario draws its noise from "
        "sim.studies.sweep.seeds.run_generator(scenario seed, 0, r), r counting from 0, as a sweep's "
        "replicates do."
    )
    provenance = Section(
        "Provenance",
        [seeds_rule],
        [
            Table(
                "Scenarios",
                ["scenario", "seed", "content hash", "check"],
                [
                    [s.get("name", ""), fmt(s.get("seed")), fmt(h), hash_check(s, h)]
                    for s, h in zip(scenarios, hashes, strict=False)
                ],
            ),
            key_values(
                "Where these numbers came from",
                [
                    ("git commit", manifest.get("git_commit") or "not recorded"),
                    ("intervals", manifest.get("interval") or f"seed noise: {replicates} seeds"),
                    ("replicates", replicates),
                    *(
                        [
                            ("posterior draws", draws),
                            ("posterior", manifest.get("posterior")),
                            ("posterior SHA-256", manifest.get("posterior_sha256")),
                        ]
                        if draws
                        else []
                    ),
                    ("command", " ".join(manifest.get("command") or []) or "not recorded"),
                    ("created", manifest.get("created") or "not recorded"),
                ],
            ),
            *filter(None, [versions_table(manifest)]),
        ],
    )
    return Report(
        "compare",
        f"{' vs '.join(names)}: "
        + (
            f"{draws} posterior draws x {replicates} seeds each"
            if draws
            else f"{replicates} seeds each"
        ),
        str(folder),
        [
            question,
            setup,
            results,
            Section("Figures", figures=inline_figures(folder, list(folder.glob("*.png")))),
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

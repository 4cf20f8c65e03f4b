"""``forecast`` and ``compare``: scenarios as posterior-predictive ensembles and side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli.common import (
    OutOption,
    QuietOption,
    SchedulerOption,
    WorkersOption,
    console,
    fail,
    progress_bar,
    run_study_with_progress,
)
from sim.paths import DEFAULT_SCENARIO


def forecast(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario file, or a library name such as 'baseline'.")
    ] = DEFAULT_SCENARIO,
    draws: Annotated[int, typer.Option(min=2, max=100_000, help="Posterior draws.")] = 200,
    seeds: Annotated[
        int, typer.Option(min=1, max=1_000, help="Seeds per draw (members = draws x seeds).")
    ] = 2,
    posterior: Annotated[
        Path | None,
        typer.Option(help="posterior.parquet of a calibration (default: the 2011-2019 fit)."),
    ] = None,
    out: OutOption = None,
    quiet: QuietOption = False,
) -> None:
    """A posterior-predictive ensemble (posterior draws x seeds) of a scenario: outcome quantiles
    every 1 January."""
    from sim.inputs.scenario import ScenarioError, load_scenario
    from sim.present.outputs import OutputExistsError, fresh_output_dir
    from sim.present.study_folders import write_forecast
    from sim.studies import forecast as fc

    try:
        resolved = load_scenario(scenario)
        source = posterior or fc.POSTERIOR
        if not source.is_file():
            raise ScenarioError(f"{source}: no such posterior file")
        target = out or fresh_output_dir(f"{resolved.scenario.name}-forecast")
        if target.exists():
            raise OutputExistsError(f"{target}: output folder exists; choose another --out")
    except (ScenarioError, OutputExistsError, ValueError) as error:
        fail(str(error))
        return
    with progress_bar(quiet) as progress:
        task = progress.add_task("members (draws x seeds)", total=draws * seeds)
        result = fc.forecast(
            resolved, draws, source, on_member=lambda _: progress.advance(task), seeds=seeds
        )
    quantiles = write_forecast(result, resolved, target, draws, seeds, source)
    if quiet:
        print(target)
        return
    last = quantiles.index[-1]
    table = Table(
        title=(
            f"{resolved.scenario.name}: forecast for {last} ({draws} posterior draws x "
            f"{seeds} seeds = {draws * seeds} members)"
        )
    )
    for column in ("outcome", "median", "50% interval", "90% interval"):
        table.add_column(column, justify="left" if column == "outcome" else "right")
    for name in (
        "china_bloc_count",
        "us_bloc_count",
        "china_bloc_gdp_share",
        "joint_response_support",
        "unsc_pass_probability",
    ):
        row = quantiles.loc[last]
        table.add_row(
            name,
            f"{row[('q50', name)]:.3g}",
            f"{row[('q25', name)]:.3g} - {row[('q75', name)]:.3g}",
            f"{row[('q05', name)]:.3g} - {row[('q95', name)]:.3g}",
        )
    console.print(table)
    if result.held_fixed:
        console.print(
            "Held at the scenario's values, not drawn from the posterior: "
            + ", ".join(result.held_fixed),
            highlight=False,
        )
    console.print(
        "On held-out years such forecasts were no closer to the record than 'nothing changes' "
        "(docs/validation.md).",
        highlight=False,
    )
    console.print(f"outputs: [bold]{target}[/]")


def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario files or library names.")],
    replicates: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=10_000,
            help="Seeds per scenario (default 20); with --draws, seeds per draw (default 2).",
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            min=0,
            max=100_000,
            help="Posterior draws per scenario: posterior-predictive intervals (0: seed noise "
            "of one parameter set only).",
        ),
    ] = 0,
    posterior: Annotated[
        Path | None,
        typer.Option(help="posterior.parquet for --draws (default: the 2011-2019 fit)."),
    ] = None,
    out: OutOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: QuietOption = False,
) -> None:
    """Run several scenarios for N seeds each (a sweep with the scenarios as its factor, on all
    cores) and compare their outcomes with 95% ranges; with --draws, over posterior draws x
    seeds (the same draws and seeds in every scenario)."""
    from sim.inputs.scenario import ScenarioError, load_scenario
    from sim.present.outputs import OutputError, OutputExistsError, atomic_dir, fresh_output_dir
    from sim.present.study_folders import write_comparison
    from sim.studies import compare as cmp
    from sim.studies.sweep.spec import SweepError

    seeds = replicates or (2 if draws else 20)
    try:
        if not draws and seeds < 2:
            raise ScenarioError(
                f"--replicates {seeds}: a range needs at least 2 seeds (or give --draws)"
            )
        if not draws and posterior is not None:
            raise ScenarioError("--posterior is used only with --draws N (N >= 1)")
        source = posterior or cmp.default_posterior()
        if draws and not source.is_file():
            raise ScenarioError(f"{source}: no such posterior file (--posterior)")
        resolved = [load_scenario(path) for path in scenarios]
        names = [r.scenario.name for r in resolved]
        twice = next((n for n in names if names.count(n) > 1), None)
        if twice:
            raise ScenarioError(
                f"scenario name '{twice}' given twice; every scenario needs its own name"
            )
        target = out or fresh_output_dir("compare")
        if target.exists():
            raise OutputExistsError(f"{target}: output folder exists; choose another --out")
    except (ScenarioError, OutputExistsError, ValueError) as error:
        fail(str(error))
        return
    try:
        with atomic_dir(target) as folder:
            if draws:
                with progress_bar(quiet) as progress:
                    task = progress.add_task(
                        "members (scenarios x draws x seeds)", total=len(resolved) * draws * seeds
                    )
                    comparison = cmp.posterior_comparison(
                        resolved, draws, seeds, source, lambda _: progress.advance(task)
                    )
            else:
                comparison = run_study_with_progress(
                    lambda **hooks: cmp.seed_comparison(
                        resolved, seeds, folder, workers, scheduler, **hooks
                    ),
                    quiet,
                    "runs",
                )
            table = write_comparison(folder, comparison, resolved, seeds, draws)
    except (SweepError, ScenarioError, OutputError) as error:
        fail(str(error))
        return
    if quiet:
        print(target)
        return
    console.print(comparison_table(table, comparison.interval))
    held = {k: v for k, v in comparison.provenance.get("held_fixed", {}).items() if v}
    for name, fixed in held.items():
        console.print(
            f"{name}: {', '.join(fixed)} held at the scenario's value, not drawn.", highlight=False
        )
    if not draws:
        console.print(
            "Ranges are over seeds of one parameter set; --draws N adds parameter uncertainty.",
            highlight=False,
        )
    console.print(f"outputs: [bold]{target}[/]")


def comparison_table(table, interval: str) -> Table:
    """Outcomes as rows and scenarios as columns, each cell the mean over its 95% range on two
    lines: narrow enough for an 80-column terminal with three scenarios, and cells fold rather
    than cut a number short when more scenarios are given."""
    from sim.studies import compare as cmp

    last = table.groupby("scenario", sort=False).tail(1)
    result = Table(
        title=f"Scenarios at their end: mean and 95% range ({interval})",
        show_lines=True,
    )
    result.add_column("outcome", overflow="fold")
    for _, row in last.iterrows():
        result.add_column(f"{row['scenario']}\n{row['date']}", justify="right", overflow="fold")
    for outcome in cmp.OUTCOMES:
        result.add_row(
            cmp.OUTCOME_LABELS[outcome],
            *(
                f"{row[f'{outcome}_mean']:.3g}\n{row[f'{outcome}_lo']:.3g}-{row[f'{outcome}_hi']:.3g}"
                for _, row in last.iterrows()
            ),
        )
    return result

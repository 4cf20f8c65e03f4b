"""``run``: one scenario, its outputs, its fit against the record; ``--replicates`` over seeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli.common import (
    EXIT_CANNOT_WRITE,
    OutOption,
    QuietOption,
    SchedulerOption,
    WorkersOption,
    console,
    error_text,
    fail,
    progress_bar,
    run_study_with_progress,
)
from sim.paths import DEFAULT_SCENARIO


def run(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario file, or a library name such as 'baseline'.")
    ] = DEFAULT_SCENARIO,
    out: OutOption = None,
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    steps: Annotated[
        int | None, typer.Option(help="Override the number of steps (months).")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="Start date YYYY-MM-DD (2011-01-01 to 2023-01-01): the world as it stood then."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override any field: path.to.field=value (repeatable)."),
    ] = None,
    csv: Annotated[
        bool, typer.Option("--csv", help="Also write CSV copies of the tables.")
    ] = False,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Write PNG figures.")
    ] = True,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out folder.")] = False,
    replicates: Annotated[
        int | None,
        typer.Option(
            min=2,
            max=10_000,
            help="Run N seeds through the sweep engine: outputs of the first seed plus a "
            "replicate table, the summary with 95% ranges.",
        ),
    ] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: QuietOption = False,
) -> None:
    """Run one scenario and write its outputs to a folder."""
    from sim.inputs.scenario import ScenarioError, load_scenario
    from sim.present.outputs import (
        OutputError,
        OutputExistsError,
        OutputWriteError,
        check_creatable,
        check_replaceable,
        fresh_output_dir,
        write_run,
    )

    overrides = list(set_ or [])
    origins = [f"--set {assignment}" for assignment in overrides]
    for option, field, value in (("--seed", "seed", seed), ("--steps", "steps", steps)):
        if value is not None:
            overrides.append(f"{field}={value}")
            origins.append(f"{option} {value}")
    if start is not None:
        overrides.append(f"start={start}")
        origins.append(f"--start {start}")
    started = datetime.now(UTC)
    master = 0  # the replicate study's master seed (with --replicates)
    try:
        resolved = load_scenario(scenario, overrides, origins)
        if replicates is not None:
            # The written run is replicate 0 of the study, so it gets that run's seed.
            from sim.studies.sweep.seeds import run_seed

            master = resolved.scenario.seed
            first = run_seed(master, 0, 0)
            resolved = load_scenario(
                scenario, [*overrides, f"seed={first}"], [*origins, "--replicates"]
            )
        target = out or fresh_output_dir(resolved.scenario.name)
        if target.exists() and not overwrite:
            raise OutputExistsError(
                f"{target}: output folder exists; choose another --out or pass --overwrite"
            )
        if overwrite:
            check_replaceable(target)
        check_creatable(target)
        model = resolved.build_model()
    except (ScenarioError, OutputError, ValueError, KeyError) as error:
        fail(error_text(error))
        return
    total = resolved.scenario.steps
    for warning in resolved.warnings:
        console.print(f"[yellow]warning[/]: {warning}", highlight=False, soft_wrap=True)
    if not quiet:
        console.print(f"[bold]{resolved.scenario.name}[/]: {resolved.scenario.question}")
    study = None
    if replicates is not None:
        study = run_replicate_study(
            resolved, overrides, master, replicates, workers, scheduler, quiet
        )
    with progress_bar(quiet) as progress:
        task = progress.add_task("simulating months", total=total)
        for _ in range(total):
            model.step()
            progress.advance(task)
        progress.update(task, description="scoring against history")
        from sim.history.hindcast import score_against_history

        scored = score_against_history(resolved)
        progress.update(task, description="writing outputs")
        try:
            write_run(
                model,
                resolved,
                target,
                started=started,
                csv=csv,
                figures=figures,
                overwrite=overwrite,
                hindcast=scored,
            )
        except OutputWriteError as error:
            fail(str(error), EXIT_CANNOT_WRITE)
        except OutputError as error:
            fail(str(error))
    if study is not None:
        try:
            study_runs, study_summary = study
            study_runs.to_parquet(target / "replicates.parquet", index=False)
            study_summary.to_csv(target / "replicate_summary.csv", index=False)
        except OSError as error:
            fail(f"{target}: cannot write the replicate table ({error})", EXIT_CANNOT_WRITE)
    if not quiet:
        if study is None:
            print_summary(model)
            console.print(f"Drivers: {model.drivers()['statement']}.", highlight=False)
            console.print(
                "This is one run: one seed of one parameter set (the defaults are the calibrated "
                "posterior's medians). `run.py forecast` gives intervals over the whole posterior.",
                highlight=False,
            )
        else:
            print_replicate_summary(model, study[1], replicates)
            console.print(
                f"Ranges are over {replicates} seeds of one parameter set (seed of replicate r: "
                f"run_seed({master}, 0, r)); the files of one run are replicate 0's. "
                "`run.py forecast` adds parameter uncertainty.",
                highlight=False,
            )
        if scored is not None:
            print_hindcast(scored)
        console.print(f"outputs: [bold]{target}[/]")
    else:
        print(target)


def run_replicate_study(
    resolved,
    overrides: list[str],
    master: int,
    replicates: int,
    workers: int | None,
    scheduler: str | None,
    quiet: bool,
):
    """``run --replicates`` under the progress bar (``sim.studies.replicates.replicate_study``);
    exits with a one-line error on bad input."""
    from sim.inputs.scenario import ScenarioError
    from sim.studies.replicates import replicate_study
    from sim.studies.sweep.spec import SweepError

    try:
        return run_study_with_progress(
            lambda **hooks: replicate_study(
                resolved, overrides, master, replicates, workers, scheduler, **hooks
            ),
            quiet,
            "seeds",
        )
    except (SweepError, ScenarioError) as error:
        fail(str(error))


def bloc_table(
    title: str, first: dict, end: Callable[[str, str], str], count_format: str = ""
) -> Table:
    """Each bloc's nations and population and GDP shares, at the start -> ``end(metric,
    format)`` (the last month of one run, or a mean and range over seeds)."""
    table = Table(title=title)
    table.add_column("bloc")
    for column in ("nations", "population share", "GDP share"):
        table.add_column(column, justify="right")
    labels = {"us": "US-led", "nonaligned": "non-aligned", "china": "China-led"}
    for bloc, label in labels.items():
        table.add_row(
            label,
            f"{first[f'{bloc}_count']} -> {end(f'{bloc}_count', count_format)}",
            f"{first[f'{bloc}_pop_share']:.1%} -> {end(f'{bloc}_pop_share', '.1%')}",
            f"{first[f'{bloc}_gdp_share']:.1%} -> {end(f'{bloc}_gdp_share', '.1%')}",
        )
    return table


def print_replicate_summary(model, summary, replicates: int) -> None:
    """``print_summary`` with the end of each line as mean (middle 95% of seeds)."""
    first = model.history.metrics[0]
    stats = summary.set_index("outcome")

    def end(name: str, fmt: str) -> str:
        row = stats.loc[name]
        return f"{row['mean']:{fmt}} ({row['p2_5']:{fmt}}-{row['p97_5']:{fmt}})"

    title = (
        f"Blocs {model.history.dates[0]} -> {model.history.dates[-1]}: mean (95% range) over "
        f"{replicates} seeds"
    )
    console.print(bloc_table(title, first, end, count_format=".1f"))
    console.print(
        "Joint cyber-sanction on North Korea: backed by "
        f"{first['sanction_support_share']:.0%} -> {end('sanction_support_share', '.0%')} of "
        f"nations, {first['sanction_support_gdp_share']:.0%} -> "
        f"{end('sanction_support_gdp_share', '.0%')} of GDP; expected vetoes "
        f"{end('veto_opponents', '.2f')}; Security Council pass probability "
        f"{end('unsc_pass_probability', '.3f')}",
        highlight=False,
    )
    console.print(
        f"Polarization (Esteban-Ray): {first['esteban_ray']:.3f} -> {end('esteban_ray', '.3f')}; "
        f"emergent blocs: {first['emergent_blocs']} -> {end('emergent_blocs', '.1f')}",
        highlight=False,
    )


def print_hindcast(result) -> None:
    """The fit table: the model's ensemble against the observed series and the baselines."""
    import numpy as np

    frame = result.table()
    table = Table(
        title=(
            f"Fit against the observed alignment, {result.dates[0]} .. {result.dates[-1]} "
            f"({int(result.scored.sum())} nations, model = mean of "
            f"{result.ensemble.shape[-1]} seeds)"
        )
    )
    headers = {
        "rmse_level": "RMSE level",
        "rank_corr_level": "rank corr level",
        "rmse_change": "RMSE change",
        "rank_corr_change": "rank corr change",
        "crps": "CRPS",
        "skill_vs_persistence": "skill vs persistence",
    }
    table.add_column("predictor")
    for label in headers.values():
        table.add_column(label, justify="right")
    for name, row in frame.iterrows():
        table.add_row(str(name), *("-" if np.isnan(row[c]) else f"{row[c]:.3f}" for c in headers))
    console.print(table)
    best = frame["rmse_level"].idxmin()
    verdict = (
        "the model beats persistence"
        if frame.at["model", "rmse_level"] < frame.at["persistence", "rmse_level"]
        else "the model does NOT beat persistence"
    )
    console.print(f"Lowest level error: {best}; {verdict} on level RMSE.")


def print_summary(model) -> None:
    """Blocs at start and end (count, population and GDP share) and the joint response."""
    from sim.present.outputs import model_veto_opponents

    first, last = model.history.metrics[0], model.history.metrics[-1]
    console.print(
        bloc_table(
            f"Blocs {model.history.dates[0]} -> {model.history.dates[-1]}",
            first,
            lambda name, fmt: f"{last[name]:{fmt}}",
        )
    )
    vetoes = model_veto_opponents(model)
    console.print(
        "Joint cyber-sanction on North Korea: backed by "
        f"{first['sanction_support_share']:.0%} -> {last['sanction_support_share']:.0%} of nations, "
        f"{first['sanction_support_gdp_share']:.0%} -> {last['sanction_support_gdp_share']:.0%} of GDP; "
        + (f"veto expected from {', '.join(vetoes)}" if vetoes else "no veto holder opposed")
    )
    console.print(
        f"Polarization (Esteban-Ray): {first['esteban_ray']:.3f} -> {last['esteban_ray']:.3f}; "
        f"emergent blocs: {first['emergent_blocs']} -> {last['emergent_blocs']}"
    )

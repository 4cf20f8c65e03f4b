"""``sweep`` and ``analyze``: parameter sweeps, their tables, indices, figures and discovery."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli.common import EXIT_CANNOT_WRITE, console, errors, fail, progress_bar


def sweep(
    sweep_file: Annotated[
        Path, typer.Argument(help="Sweep file, or a name from scenarios/sweeps/.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="Results folder (default: results/sweeps/<name>; re-running resumes)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Local worker processes (default: all cores).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler, tcp://host:port ('local': start a LocalCluster)."),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run the recorded failed runs again.")
    ] = False,
    chunk_runs: Annotated[
        int | None, typer.Option(help="Runs per unit of work (default: automatic).", min=1)
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Run a sweep of more than 1,000,000 runs.")
    ] = False,
) -> None:
    """Run a parameter sweep (resumable); exit 1 if some runs failed. See docs/sweeps.md."""
    from sim.inputs.scenario import ScenarioError
    from sim.studies.sweep.driver import execute, prepare
    from sim.studies.sweep.spec import SweepError

    try:
        prepared = prepare(
            sweep_file, out, workers, scheduler, retry_failed, chunk_runs, allow_large=yes
        )
    except (SweepError, ScenarioError) as error:
        fail(str(error))
        return
    spec, done = prepared.loaded.spec, prepared.total_runs - len(prepared.missing)
    for line in prepared.store.redone:  # parts that failed their checksum: always said
        console.print(
            f"[yellow]warning[/]: {prepared.folder}/{line}", highlight=False, soft_wrap=True
        )
    if not quiet:
        console.print(f"[bold]{spec.name}[/]: {spec.question}")
        console.print(
            f"{prepared.design.kind} design: {prepared.design.points} points"
            + (
                f" ({prepared.design.scenario_points} x {len(prepared.loaded.factor)} scenarios)"
                if prepared.design.scenario_points
                else ""
            )
            + " x "
            f"{spec.replicates} replicates = {prepared.total_runs} runs; "
            + (f"resuming, {done} done; " if prepared.resumed else "")
            + f"{prepared.executor.description}; results in {prepared.folder}",
            highlight=False,
        )
    with progress_bar(quiet) as progress:
        task = progress.add_task("runs", total=prepared.total_runs, completed=done)
        failed = 0

        def advance(completed: int, newly_failed: int) -> None:
            nonlocal failed
            failed += newly_failed
            label = f"runs ([red]{failed} failed[/])" if failed else "runs"
            progress.update(task, advance=completed + newly_failed, description=label)

        try:
            report = execute(prepared, advance)
        except KeyboardInterrupt:
            errors.print(
                f"interrupted; finished runs are saved in {prepared.folder}: "
                "run the same command again to finish the rest"
            )
            raise typer.Exit(130) from None
        except OSError as error:
            fail(
                f"{prepared.folder}: cannot write results ({error.strerror or error}); fix it "
                "and re-run to resume",
                EXIT_CANNOT_WRITE,
            )
            return
    print_sweep_summary(report)
    if report.failed_total:
        raise typer.Exit(1)


def print_sweep_summary(report) -> None:
    """Runs done, failed and how fast; the first failures; where the results are."""
    table = Table(title="Sweep")
    table.add_column("runs")
    table.add_column("", justify="right")
    table.add_row("total", str(report.total_runs))
    table.add_row("done before this session", str(report.done_before))
    table.add_row("completed now", str(report.completed))
    table.add_row("failed (all sessions)", str(report.failed_total))
    table.add_row("time", f"{report.elapsed:.1f} s ({report.runs_per_second:.1f} runs/s)")
    console.print(table)
    if report.failed_total:
        shown = report.failures.head(5)
        for row in shown.itertuples():
            errors.print(
                f"[red]failed[/] point {row.point} replicate {row.replicate} {row.parameters}: "
                f"{row.error_type}: {row.error}",
                highlight=False,
                soft_wrap=True,
            )
        if report.failed_total > len(shown):
            errors.print(f"... and {report.failed_total - len(shown)} more in _failures/")
    console.print(f"results: [bold]{report.folder}[/]  (analyze: run.py analyze {report.folder})")


def analyze(
    sweep_dir: Annotated[Path, typer.Argument(help="A sweep results folder.")],
    outcome: Annotated[
        list[str] | None,
        typer.Option("--outcome", help="Outcome for indices and figures (repeatable)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Where to write (default: SWEEP_DIR/_analysis).")
    ] = None,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Write PNG figures.")
    ] = True,
    discover: Annotated[
        str | None,
        typer.Option(
            help="Scenario discovery (PRIM): a condition on a kept metric, e.g. "
            "'china_gdp_share > 0.4'."
        ),
    ] = None,
) -> None:
    """Aggregate a sweep per design point, compute Sobol/Morris indices, draw figures; with
    --discover, find the parameter ranges where a condition holds (PRIM, EMA Workbench)."""
    from sim.present.figures.sweep import analysis_figures
    from sim.studies.sweep.analysis import analyze as analyze_sweep
    from sim.studies.sweep.spec import SweepError

    try:
        report = analyze_sweep(
            sweep_dir, outcome or None, out, analysis_figures if figures else None
        )
    except SweepError as error:
        fail(str(error))
        return
    except OSError as error:
        where = error.filename or out or sweep_dir
        fail(f"{where}: cannot write the analysis ({error.strerror or error})", EXIT_CANNOT_WRITE)
        return
    for note in report.notes:
        errors.print(f"[yellow]note:[/] {note}", highlight=False)
    if report.scenarios is not None:
        print_interval_table(
            report.scenarios[report.scenarios["outcome"].isin(report.outcomes)],
            "scenario",
            "Scenarios at the final step: mean (middle 95% of runs) over every design point "
            "and replicate",
        )
    if report.sensitivity is not None and not report.sensitivity.empty:
        key = "ST" if report.method == "sobol" else "mu_star"
        by = ["scenario", "outcome"] if "scenario" in report.sensitivity else ["outcome"]
        table = Table(title=f"Most influential parameter per outcome ({report.method}, {key})")
        for column in (*by, "parameter", key):
            table.add_column(column)
        for labels, group in report.sensitivity.groupby(by, sort=False):
            best = group.sort_values(key, ascending=False).iloc[0]
            table.add_row(*map(str, labels), str(best["parameter"]), f"{best[key]:.3f}")
        console.print(table)
    if discover:
        from sim.present.figures.discovery import write_discovery
        from sim.studies.sweep import discovery
        from sim.studies.sweep.analysis import load_runs
        from sim.studies.sweep.store import SweepStore

        store = SweepStore.open_existing(sweep_dir)
        names = [p["name"] for p in store.manifest["design"]["parameters"]]
        kept = list(store.manifest["outputs"]["metrics"])
        try:
            found = discovery.discover(load_runs(store.folder), names, kept, discover)
        except SweepError as error:
            fail(str(error))
            return
        written = write_discovery(found, report.folder / "discovery")
        step = found.trajectory.iloc[found.chosen]
        box = Table(
            title=(
                f"{discover}: {found.cases} of {found.runs} runs. Box with coverage "
                f"{step['coverage']:.2f}, density {step['density']:.2f} (PRIM)"
            )
        )
        for column in ("parameter", "from", "to"):
            box.add_column(column)
        for name, row in found.box.iterrows():
            if row["values"]:  # the scenario factor: the scenarios the box keeps
                box.add_row(str(name), f"one of: {row['values']}", "")
            else:
                box.add_row(str(name), f"{row['lower']:.4g}", f"{row['upper']:.4g}")
        console.print(box)
        console.print(f"peeling trajectory and figure: {written[0].parent}", highlight=False)
    console.print(f"{len(report.points)} rows in points table; files in [bold]{report.folder}[/]")


def print_interval_table(frame, row: str, title: str) -> None:
    """A long table (``row``, outcome, mean, p2_5, p97_5) as rows x outcomes, each cell
    'mean (low-high)'."""
    table = Table(title=title)
    outcomes = list(dict.fromkeys(frame["outcome"]))
    table.add_column(row, overflow="fold")  # a long scenario name folds, never cut short
    for outcome in outcomes:
        table.add_column(outcome.replace("_", " "), justify="right", overflow="fold")
    for label, group in frame.groupby(row, sort=False):
        cells = group.set_index("outcome")
        table.add_row(
            str(label),
            *(
                f"{cells.at[o, 'mean']:.3g} ({cells.at[o, 'p2_5']:.3g}-{cells.at[o, 'p97_5']:.3g})"
                for o in outcomes
            ),
        )
    console.print(table)

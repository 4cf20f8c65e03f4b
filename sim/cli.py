"""The command line: ``uv run run.py [COMMAND]``. With no command, runs the baseline scenario."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sim.paths import DEFAULT_SCENARIO

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    help="cyberbloc: an agent-based model of nations drifting into US- and China-led cyber blocs.",
)
console = Console()
errors = Console(stderr=True)

EXIT_BAD_INPUT = 2
#: Results could not be written (disk full, I/O error): not the user's input, so not 2.
EXIT_CANNOT_WRITE = 3


class _State:
    debug = False


def progress_bar(quiet: bool) -> Progress:
    """The one progress bar style of the CLI: counts, bar, time left; on stderr, gone when done."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors,
        disable=quiet,
        transient=True,
    )


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """One line on stderr and exit code 2 (or ``code``); the traceback only with --debug."""
    if _State.debug:
        raise
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def error_text(error: BaseException) -> str:
    """The message of an error as written: a KeyError's str() adds quotes around it, which
    must go, but quotes inside a message (``no such place 'events.99'``) must stay."""
    if isinstance(error, KeyError) and len(error.args) == 1:
        return str(error.args[0])
    return str(error)


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")] = False,
) -> None:
    """Run `run.py` alone to simulate the embedded 2023 baseline scenario."""
    _State.debug = debug
    if ctx.invoked_subcommand is None:
        run(DEFAULT_SCENARIO)


#: Options several commands share, written once.
OutOption = Annotated[
    Path | None, typer.Option(help="Output folder (default: a fresh folder under results/).")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the output folder.")]


@app.command()
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
    from sim.outputs import (
        OutputError,
        OutputExistsError,
        OutputWriteError,
        check_creatable,
        check_replaceable,
        fresh_output_dir,
        write_run,
    )
    from sim.scenario import ScenarioError, load_scenario

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
            from sim.sweep.seeds import run_seed

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
    """``run --replicates``: the scenario (with the command's overrides) for N seeds through the
    sweep engine; returns the final-step table (one row per replicate, every metric) and its
    summary (``sim.studies.replicate_summary``). Exits with a one-line error on bad input."""
    import tempfile

    import yaml

    from sim.metrics import METRIC_NAMES
    from sim.scenario import ScenarioError
    from sim.studies import Study, replicate_summary, run_study
    from sim.sweep.spec import SweepError

    fixed = []
    for assignment in overrides:
        path, _, text = assignment.partition("=")
        if path.strip() != "seed":
            fixed.append((path.strip(), yaml.safe_load(text)))
    study = Study(
        name="replicates",
        question=f"{resolved.scenario.name} over {replicates} seeds",
        scenarios=(resolved.path,),
        replicates=replicates,
        seed=master,
        fixed=tuple(fixed),
    )
    with tempfile.TemporaryDirectory(prefix="cyberbloc-replicates-") as folder:
        try:
            runs = run_study_with_progress(
                lambda **hooks: run_study(study, Path(folder), workers, scheduler, **hooks),
                quiet,
                "seeds",
            )
        except (SweepError, ScenarioError) as error:
            fail(str(error))
    final = runs[runs["final"]].drop(columns=["point", "step", "final"]).reset_index(drop=True)
    return final, replicate_summary(final, METRIC_NAMES)


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


def score_against_history(resolved):
    """A hindcast ensemble of the scenario (sim.hindcast) when its months cover observed dates."""
    from sim import hindcast
    from sim.world import World

    s = resolved.scenario
    if not hindcast.scoring_dates(s.start, s.steps):
        return None
    return hindcast.hindcast(
        World.from_frame(resolved.nations),
        s.start,
        s.parameters,
        steps=s.steps,
        events=s.events,
        master_seed=s.seed,
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
    from sim.outputs import model_veto_opponents

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


@app.command()
def calibrate(
    calibration: Annotated[
        Path, typer.Argument(help="Calibration file, or a name in scenarios/calibration/.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default results/calibrations/<name>).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Local worker processes.")] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (instead of local workers).")
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Fit parameters to the observed alignment series with ABC-SMC (pyabc), then validate on the
    held-out years. An interrupted calibration resumes when the same command is run again."""
    import time as _time

    import numpy as np

    from sim.calibrate.run import run_calibration
    from sim.calibrate.spec import CalibrationError, load_calibration
    from sim.scenario import ScenarioError

    try:
        spec, _, text = load_calibration(calibration)
    except (CalibrationError, ScenarioError) as error:
        fail(str(error))
        return
    folder = out or Path("results") / "calibrations" / spec.name
    began = _time.perf_counter()

    def progress(generation, total: int) -> None:
        if quiet:
            return
        elapsed = _time.perf_counter() - began
        left = elapsed / (generation.t + 1) * (total - generation.t - 1)
        console.print(
            f"generation {generation.t + 1}/{total}: epsilon {generation.epsilon:.4f}, "
            f"acceptance {generation.acceptance:.0%} ({generation.particles}/"
            f"{generation.samples}), ESS {generation.ess:.0f}, {generation.seconds:.0f} s "
            f"(about {left:.0f} s left at the pace so far)",
            highlight=False,
        )

    if not quiet:
        console.print(f"[bold]{spec.name}[/]: {spec.question}")
        console.print(
            f"{len(spec.priors)} parameters, population {spec.algorithm.population}, up to "
            f"{spec.algorithm.generations} generations, {spec.replicates} seeds per set; "
            f"results in {folder}",
            highlight=False,
        )
    try:
        posterior, _ = run_calibration(
            spec, text, folder, workers=workers, scheduler=scheduler, on_generation=progress
        )
    except CalibrationError as error:
        fail(str(error))
        return
    if quiet:
        print(folder)
        return
    table = Table(title="Posterior (weighted mean and 90% interval) against the prior")
    for column in ("parameter", "prior", "posterior mean", "5%", "95%"):
        table.add_column(column, justify="left" if column == "parameter" else "right")
    weights = posterior["weight"].to_numpy()
    for name, prior in spec.priors.items():
        values = posterior[name].to_numpy()
        order = np.argsort(values)
        cumulative = np.cumsum(weights[order]) / weights.sum()
        lo, hi = values[order][np.searchsorted(cumulative, [0.05, 0.95])]
        table.add_row(
            name,
            f"{prior.distribution} [{prior.low:g}, {prior.high:g}]",
            f"{np.average(values, weights=weights):.4g}",
            f"{lo:.4g}",
            f"{hi:.4g}",
        )
    console.print(table)
    validation = folder / "validation.csv"
    if validation.exists():
        import pandas as pd

        frame = pd.read_csv(validation, index_col=0)
        result = Table(
            title=f"Validation on held-out years ({spec.validate_window.start} .. "
            f"{spec.validate_window.end})"
        )
        result.add_column("predictor")
        for column in (
            "rmse_level",
            "crps",
            "rank_corr_change",
            "skill_vs_persistence",
            "coverage_90",
        ):
            result.add_column(column.replace("_", " "), justify="right")
        for name, row in frame.iterrows():
            result.add_row(
                str(name),
                *(
                    "-" if pd.isna(row[c]) else f"{row[c]:.3f}"
                    for c in (
                        "rmse_level",
                        "crps",
                        "rank_corr_change",
                        "skill_vs_persistence",
                        "coverage_90",
                    )
                ),
            )
        console.print(result)
    console.print(f"outputs: [bold]{folder}[/]")


@app.command()
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
    import json

    from sim import forecast as fc
    from sim.outputs import OutputExistsError, atomic_dir, fresh_output_dir
    from sim.provenance import (
        POSTERIOR_DRAWS,
        git_commit,
        package_versions,
        parameter_set,
    )
    from sim.scenario import ScenarioError, load_scenario

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
    quantiles = result.quantiles()
    with atomic_dir(target) as folder:
        flat = quantiles.copy()
        flat.columns = [f"{outcome}_{stat}" for stat, outcome in flat.columns]
        flat.reset_index().to_parquet(folder / "forecast.parquet", index=False)
        result.outcomes.to_parquet(folder / "members.parquet", index=False)
        if result.parameters is not None:
            result.parameters.to_parquet(folder / "draws.parquet", index=False)
        result.nation_quantiles().to_parquet(folder / "nations.parquet", index=False)
        fc.figure(
            result,
            folder / "forecast.png",
            f"{resolved.scenario.name}: {draws} draws x {seeds} seeds",
        )
        manifest = {
            "scenario": resolved.scenario.model_dump(mode="json"),
            "content_hash": resolved.content_hash,
            "draws": draws,
            "seeds": seeds,
            "members": draws * seeds,
            "member_seed_rule": fc.member_seed_rule("scenario seed"),
            "posterior": str(source),
            "posterior_sha256": result.posterior_sha256,
            "held_fixed": list(result.held_fixed),
            "parameter_set": parameter_set(POSTERIOR_DRAWS, posterior=source),
            "versions": package_versions(),
            "git_commit": git_commit(),
            "command": sys.argv,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
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


#: Executor options shared by sweep, compare and run --replicates.
WorkersOption = Annotated[
    int | None, typer.Option(help="Local worker processes (default: all cores).", min=1)
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(help="Dask scheduler, tcp://host:port ('local': start a LocalCluster)."),
]


def run_study_with_progress(run, quiet: bool, label: str):
    """Run a study (``sim.studies.run_study`` bound to its arguments) under the progress bar;
    the workers are forked before the bar's thread starts (``on_start``)."""
    progress = progress_bar(quiet)
    task = None

    def started(prepared) -> None:
        nonlocal task
        progress.start()
        task = progress.add_task(label, total=prepared.total_runs)

    def advance(completed: int, failed: int) -> None:
        progress.update(task, advance=completed + failed)

    try:
        return run(on_start=started, on_progress=advance)
    finally:
        progress.stop()


@app.command()
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
    import json

    from sim import compare as cmp
    from sim.outputs import OutputError, OutputExistsError, atomic_dir, fresh_output_dir
    from sim.provenance import (
        DEFAULTS,
        POSTERIOR_DRAWS,
        git_commit,
        package_versions,
        parameter_set,
    )
    from sim.scenario import ScenarioError, load_scenario
    from sim.sweep.spec import SweepError

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
    master = resolved[0].scenario.seed
    try:
        with atomic_dir(target) as folder:
            extra: dict = {}
            if draws:
                from sim.forecast import member_seed_rule

                with progress_bar(quiet) as progress:
                    task = progress.add_task(
                        "members (scenarios x draws x seeds)", total=len(resolved) * draws * seeds
                    )
                    posterior_runs = cmp.compare_forecasts(
                        resolved, draws, seeds, source, lambda _: progress.advance(task)
                    )
                runs = posterior_runs.runs
                interval = (
                    f"posterior-predictive: {draws} posterior draws x {seeds} seeds = "
                    f"{draws * seeds} members per scenario, the same draws and seeds in every "
                    "scenario"
                )
                extra = {
                    "draws": draws,
                    "posterior": str(source),
                    "posterior_sha256": posterior_runs.posterior_sha256,
                    "held_fixed": posterior_runs.held_fixed,
                    "parameter_set": parameter_set(POSTERIOR_DRAWS, posterior=source),
                    "seeds": f"{member_seed_rule('master')}, master = {master} "
                    "(sim.forecast.member_seed); draws keyed by master",
                }
            else:
                runs = run_study_with_progress(
                    lambda **hooks: cmp.compare_runs(
                        resolved, seeds, folder, workers, scheduler, **hooks
                    ),
                    quiet,
                    "runs",
                )
                interval = f"seed noise: {seeds} seeds of each scenario's own parameters"
                extra = {
                    "parameter_set": parameter_set(DEFAULTS),
                    "seeds": "replicate r of every scenario: run_seed(master, 0, r), master = "
                    f"{master} (sim.sweep.seeds); sweep folder: sweep/",
                }
            table = cmp.summary(runs)
            runs.to_parquet(folder / "replicates.parquet", index=False)
            table.to_parquet(folder / "compare.parquet", index=False)
            cmp.figure(table, folder / "compare.png", interval_kind(draws))
            manifest = {
                "scenarios": [r.scenario.model_dump(mode="json") for r in resolved],
                "content_hashes": [r.content_hash for r in resolved],
                "replicates": seeds,
                "interval": interval,
                **extra,
                # where the numbers came from, as a run's manifest records it (run.py report)
                "versions": package_versions(),
                "git_commit": git_commit(),
                "command": sys.argv,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    except (SweepError, ScenarioError, OutputError) as error:
        fail(str(error))
        return
    if quiet:
        print(target)
        return
    console.print(comparison_table(table, interval))
    held = {k: v for k, v in extra.get("held_fixed", {}).items() if v}
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


def interval_kind(draws: int) -> str:
    """Short name of a comparison's intervals, for figure titles."""
    return "over posterior draws x seeds" if draws else "across seeds"


def comparison_table(table, interval: str) -> Table:
    """Outcomes as rows and scenarios as columns, each cell the mean over its 95% range on two
    lines: narrow enough for an 80-column terminal with three scenarios, and cells fold rather
    than cut a number short when more scenarios are given."""
    from sim import compare as cmp

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


@app.command()
def validate(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files without running them."""
    from sim.scenario import ScenarioError, load_scenario

    bad = 0
    for path in scenarios:
        try:
            resolved = load_scenario(path)
        except ScenarioError as error:
            errors.print(f"[red]invalid[/] {error}", highlight=False, soft_wrap=True)
            bad += 1
            continue
        console.print(
            f"[green]ok[/] {path} ({resolved.scenario.name}, {resolved.scenario.steps} steps)"
        )
        for warning in resolved.warnings:
            console.print(f"[yellow]warning[/]: {warning}", highlight=False, soft_wrap=True)
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command(name="list")
def list_() -> None:
    """The library of scenarios and the question each asks."""
    from sim.scenario import ScenarioError, list_scenarios, load_scenario

    table = Table(show_header=True)
    table.add_column("scenario")
    table.add_column("question")
    for path in list_scenarios():
        try:
            scenario = load_scenario(path).scenario
            table.add_row(path.stem, scenario.question)
        except ScenarioError as error:
            table.add_row(path.stem, f"[red]invalid: {error}[/]")
    console.print(table)


@app.command()
def describe(
    markdown: Annotated[
        Path | None, typer.Option(help="Write the table as Markdown to this file instead.")
    ] = None,
) -> None:
    """Every model parameter with its default, unit and meaning (from the schema)."""
    from sim.params import parameter_markdown, parameter_table

    if markdown is not None:
        markdown.write_text(parameter_markdown())
        console.print(f"wrote {markdown}")
        return

    table = Table(show_lines=False)
    for column in ("parameter", "default", "unit", "meaning"):
        table.add_column(column, overflow="fold")
    for row in parameter_table():
        default = row["default"]
        if isinstance(default, dict):
            default = ", ".join(f"{k}={v}" for k, v in default.items())
        table.add_row(row["name"], str(default), row["unit"], row["description"])
    console.print(table)
    console.print(
        "One step = one month; every rate is per step. Set them under 'parameters:' in a scenario."
    )


@app.command()
def viz(
    scenario: Annotated[
        str | None, typer.Argument(help="Scenario to open (default: baseline).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (default: a free one).")] = None,
) -> None:
    """Start the web front end (Solara) and print its address."""
    from sim.scenario import ScenarioError
    from sim.viz.launch import launch

    try:
        code = launch(scenario, host, port)
    except (ScenarioError, RuntimeError) as error:
        fail(str(error))
        return
    raise typer.Exit(code)


@app.command()
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
    from sim.scenario import ScenarioError
    from sim.sweep.driver import execute, prepare
    from sim.sweep.spec import SweepError

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


@app.command()
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
    from sim.sweep.analysis import analyze as analyze_sweep
    from sim.sweep.spec import SweepError

    try:
        report = analyze_sweep(sweep_dir, outcome or None, out, figures)
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
        from sim.sweep import discovery
        from sim.sweep.analysis import load_runs
        from sim.sweep.store import SweepStore

        store = SweepStore.open_existing(sweep_dir)
        names = [p["name"] for p in store.manifest["design"]["parameters"]]
        kept = list(store.manifest["outputs"]["metrics"])
        try:
            found = discovery.discover(load_runs(store.folder), names, kept, discover)
        except SweepError as error:
            fail(str(error))
            return
        written = discovery.write(found, report.folder / "discovery")
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


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(help="A run, compare or sweep results folder.")],
    out: Annotated[
        Path | None,
        typer.Option(help="HTML file (default FOLDER/report.html; a sweep's _report.html)."),
    ] = None,
) -> None:
    """One self-contained HTML page that reads the folder as a study: question, scenarios and
    parameters, results with intervals, figures, switches, provenance. No network needed."""
    from sim.report import ReportError, write_report

    try:
        written = write_report(folder, out)
    except ReportError as error:
        fail(str(error))
        return
    except OSError as error:
        fail(
            f"{error.filename or out or folder}: cannot write the report "
            f"({error.strerror or error})",
            EXIT_CANNOT_WRITE,
        )
        return
    console.print(f"report: [bold]{written}[/]", highlight=False, soft_wrap=True)


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option(help="Write here instead of printing.")] = None,
    calibration: Annotated[
        bool, typer.Option("--calibration", help="The schema of calibration files instead.")
    ] = False,
    sweep: Annotated[
        bool, typer.Option("--sweep", help="The schema of sweep files instead.")
    ] = False,
) -> None:
    """The JSON Schema of scenario files (docs/scenario.schema.json is generated by this), of
    calibration files (docs/calibration.schema.json) or of sweep files (docs/sweep.schema.json)."""
    if calibration and sweep:
        fail("give --calibration or --sweep, not both")
    if calibration:
        from sim.calibrate.spec import json_schema_text
    elif sweep:
        from sim.sweep.spec import json_schema_text
    else:
        from sim.scenario import json_schema_text

    if out is None:
        print(json_schema_text(), end="")
    else:
        out.write_text(json_schema_text())
        console.print(f"wrote {out}")


def entry() -> None:
    """Console entry point (run.py calls this)."""
    app(prog_name="run.py")


if __name__ == "__main__":
    sys.exit(entry())

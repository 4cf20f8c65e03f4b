"""``calibrate``: ABC-SMC against the record, then the held-out validation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sim.cli.common import QuietOption, console, fail


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

    from sim.history.calibrate.posterior import posterior_summary
    from sim.history.calibrate.run import run_calibration
    from sim.inputs.calibration import CalibrationError, load_calibration
    from sim.inputs.scenario import ScenarioError
    from sim.present.figures.calibration import write_figures

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
            spec,
            text,
            folder,
            workers=workers,
            scheduler=scheduler,
            on_generation=progress,
            figures=write_figures,
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
    for row in posterior_summary(posterior, spec).itertuples():
        table.add_row(
            row.parameter,
            row.prior,
            f"{row.mean:.4g}",
            f"{row.p05:.4g}",
            f"{row.p95:.4g}",
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

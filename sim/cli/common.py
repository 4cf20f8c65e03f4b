"""What every command shares: the Typer app, the console, one-line errors, the progress bar and
the options several commands take."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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


#: Options several commands share, written once.
OutOption = Annotated[
    Path | None, typer.Option(help="Output folder (default: a fresh folder under results/).")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the output folder.")]

#: Executor options shared by sweep, compare and run --replicates.
WorkersOption = Annotated[
    int | None, typer.Option(help="Local worker processes (default: all cores).", min=1)
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(help="Dask scheduler, tcp://host:port ('local': start a LocalCluster)."),
]


def run_study_with_progress(run, quiet: bool, label: str):
    """Run a study (``sim.studies.replicates.run_study`` bound to its arguments) under the progress bar;
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

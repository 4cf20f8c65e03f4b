"""The command line: ``uv run run.py [COMMAND]`` (also ``python -m sim`` and the ``cyberbloc``
console command). With no command, runs the baseline scenario.

Commands only: each parses its options, calls one function of a lower layer (which a notebook
can call too) and prints. One module per family of commands; they are registered here, in the
order ``--help`` lists them.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sim.cli import files, history, run, studies, sweeps
from sim.cli.common import _State, app
from sim.paths import DEFAULT_SCENARIO

app.command()(run.run)
app.command()(history.calibrate)
app.command()(studies.forecast)
app.command()(studies.compare)
app.command()(files.validate)
app.command(name="list")(files.list_)
app.command()(files.describe)
app.command()(files.viz)
app.command()(sweeps.sweep)
app.command()(sweeps.analyze)
app.command()(files.report)
app.command()(files.schema)


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")] = False,
) -> None:
    """Run `run.py` alone to simulate the embedded 2023 baseline scenario."""
    _State.debug = debug
    if ctx.invoked_subcommand is None:
        run.run(DEFAULT_SCENARIO)


def entry() -> None:
    """Console entry point (run.py, ``python -m sim`` and ``cyberbloc`` call this)."""
    app(prog_name="run.py")


if __name__ == "__main__":
    sys.exit(entry())

"""cyberbloc command line. `uv run run.py` runs the embedded 2023 baseline scenario;
`uv run run.py --help` lists the other commands."""

from sim.cli import entry

if __name__ == "__main__":
    entry()

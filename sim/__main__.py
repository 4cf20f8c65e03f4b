"""``python -m sim``: the same command line as ``run.py``."""

from sim.cli import entry

entry()

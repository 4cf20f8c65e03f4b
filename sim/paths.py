"""Where the project's files are: a module with no heavy imports, so the command line can name
its defaults (the baseline scenario) without loading pandas, scipy and the model to print
``--help``."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCENARIO_DIR = PROJECT_DIR / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "baseline.yaml"

"""Where the project's files are: a module with no heavy imports, so the command line can name
its defaults (the baseline scenario) without loading pandas, scipy and the model to print
``--help``. Every module finds its data, scenarios and docs through these names, never through
its own place in the package (modules move between stage packages; the files do not)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
#: The embedded data: nations tables, raw extracts, observed series, fitted models.
DATA_DIR = PACKAGE_DIR / "data"
RAW_DIR = DATA_DIR / "raw"
DOCS_DIR = PROJECT_DIR / "docs"
SCENARIO_DIR = PROJECT_DIR / "scenarios"
SWEEP_DIR = SCENARIO_DIR / "sweeps"
CALIBRATION_DIR = SCENARIO_DIR / "calibration"
DEFAULT_SCENARIO = SCENARIO_DIR / "baseline.yaml"

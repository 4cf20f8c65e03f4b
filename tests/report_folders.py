"""Small real result folders (run, compare, sweep with analysis and PRIM) for the report tests,
made through the command line exactly as a user makes them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sim.cli import app
from sim.inputs.scenario import load_scenario

#: Text with HTML in it: the report must show it as text, never as markup.
HOSTILE = "Does <script>alert('x')</script> & <b>bold</b> stay text?"


def _invoke(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def scenario_file(folder: Path, name: str, extra: str = "") -> Path:
    """A 48-month variant of the baseline with an event and a question full of markup."""
    base = load_scenario("baseline").path
    path = folder / f"{name}.yaml"
    path.write_text(
        f'extends: {base}\nname: {name}\nquestion: "{HOSTILE}"\nsteps: 48\n'
        "events:\n"
        "  - {step: 6, kind: scale_parameter, parameter: china_budget, factor: 2.0,\n"
        "     note: China doubles its budget}\n" + extra
    )
    return path


def run_folder(base: Path) -> Path:
    out = base / "run"
    # a strong pull (the calibrated default is 0.0056), so that nations switch blocs in 48 months
    scenario = scenario_file(base, "surge_run", "parameters: {investment_pull: 0.04}\n")
    _invoke("run", str(scenario), "--out", str(out), "-q")
    return out


def compare_folder(base: Path) -> Path:
    a = scenario_file(base, "calm", "parameters: {china_budget: 0.0}\n")
    b = scenario_file(base, "surge", "parameters: {china_budget: 5.0}\n")
    out = base / "compare"
    _invoke("compare", str(a), str(b), "--replicates", "4", "--out", str(out), "-q")
    return out


def sweep_folder(base: Path, analyze: bool = True) -> Path:
    """A 3 x 2 grid of 24-month runs, 3 replicates; analysed with a PRIM condition."""
    spec = base / "grid.yaml"
    spec.write_text(
        f"""name: report_grid
question: "How far does China's budget move its GDP share? <i>really</i>"
description: A tiny grid for the report tests.
base: {load_scenario("baseline").path}
fixed:
  steps: 24
vary:
  parameters.china_budget:
    values: [0.0, 2.0, 8.0]
  parameters.us_pressure_budget:
    values: [0.0, 20.0]
design: grid
replicates: 3
seed: 11
outputs:
  metrics: all
  every: 12
analysis:
  outcomes: [china_gdp_share, sanction_support_share]
"""
    )
    out = base / "sweep"
    _invoke("sweep", str(spec), "--out", str(out), "--workers", "1", "-q")
    if analyze:
        _invoke("analyze", str(out), "--discover", "china_gdp_share > 0.25")
    return out

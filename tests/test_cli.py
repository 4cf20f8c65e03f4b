"""The command line as a user meets it: default run, outputs, errors, no overwrite, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.engine.metrics import METRIC_NAMES
from sim.present.outputs import atomic_dir

runner = CliRunner()

MODEL_COLUMNS = {
    "step": "int64",
    "date": "str",
    **dict.fromkeys(METRIC_NAMES, "float64"),
}
INT_METRICS = ("us_count", "nonaligned_count", "china_count", "emergent_blocs", "switches")
for name in INT_METRICS:
    MODEL_COLUMNS[name] = "int64"

NATION_COLUMNS = {
    "iso3": "str",
    "name": "str",
    "step": "int32",
    "date": "str",
    "alignment": "float64",
    "bloc": "int8",
    "d_investment": "float64",
    "d_pressure": "float64",
    "d_peers": "float64",
    "d_stubbornness": "float64",
    "d_noise": "float64",
    "infrastructure_stock_bn": "float64",
    "threat_us": "float64",
    "non_intervention": "float64",
    "joint_response_support": "float64",
    "joint_response_opposition": "float64",
    "region": "str",
    "peer_region": "str",
    "population": "float64",
    "gdp_usd": "float64",
    "member_brics": "float64",
    "member_sco": "float64",
    "member_five_eyes": "float64",
    "member_nato": "float64",
    "member_eu": "float64",
    "member_african_union": "float64",
    "member_arab_league": "float64",
    "member_asean": "float64",
    "member_gcc": "float64",
    "member_csto": "float64",
    "member_nam": "float64",
    "member_us_alliance": "float64",
    "recognises_taiwan": "bool",
}


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "baseline"
    result = run("run", "baseline", "--steps", "12", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.output.replace("\n", "")
    return out


def test_run_writes_every_output(baseline_run):
    names = {p.name for p in baseline_run.iterdir()}
    assert names == {
        ".cyberbloc-output",
        "model.parquet",
        "nations.parquet",
        "groups.parquet",
        "switches.csv",
        "summary.json",
        "manifest.json",
        "bloc_shares.png",
        "alignment_heatmap.png",
        "world_map.png",
        "watch.png",
    }
    assert not list(baseline_run.parent.glob(".*partial*"))


def test_output_columns_and_types_are_pinned(baseline_run):
    model = pd.read_parquet(baseline_run / "model.parquet")
    assert {c: str(t) for c, t in model.dtypes.items()} == {
        c: ("str" if t == "object" and str(model[c].dtype) == "str" else t)
        for c, t in MODEL_COLUMNS.items()
    }
    assert list(model["step"]) == list(range(13))
    assert model["date"].iloc[0] == "2023-01-01" and model["date"].iloc[-1] == "2024-01-01"
    nations = pd.read_parquet(baseline_run / "nations.parquet")
    assert {c: str(t) for c, t in nations.dtypes.items()} == {
        c: ("str" if t == "object" and str(nations[c].dtype) == "str" else t)
        for c, t in NATION_COLUMNS.items()
    }
    assert len(nations) == 13 * nations["iso3"].nunique()
    # contributions explain the move (up to clipping at the bounds)
    ind = nations[nations.iso3 == "IND"].sort_values("step")
    moves = ind["alignment"].diff().iloc[1:].to_numpy()
    parts = ind[[c for c in NATION_COLUMNS if c.startswith("d_")]].sum(axis=1).iloc[1:].to_numpy()
    assert moves == pytest.approx(parts, abs=1e-12)


def test_summary_and_manifest(baseline_run):
    summary = json.loads((baseline_run / "summary.json").read_text())
    assert summary["scenario"] == "baseline" and summary["steps"] == 12
    assert set(summary["blocs_end"]) == {"us", "nonaligned", "china"}
    assert sum(b["nations"] for b in summary["blocs_end"].values()) == 196
    manifest = json.loads((baseline_run / "manifest.json").read_text())
    assert manifest["scenario"]["steps"] == 12  # --steps is part of the resolved scenario
    assert manifest["overrides"] == ["steps=12"]
    assert len(manifest["content_hash"]) == 64
    assert {"mesa", "numpy", "python"} <= set(manifest["versions"])


def test_same_scenario_and_seed_give_byte_identical_parquet(tmp_path):
    for name in ("a", "b"):
        assert (
            run(
                "run",
                "baseline",
                "--steps",
                "6",
                "--no-figures",
                "-q",
                "--out",
                str(tmp_path / name),
            ).exit_code
            == 0
        )
    for table in ("model.parquet", "nations.parquet"):
        assert (tmp_path / "a" / table).read_bytes() == (tmp_path / "b" / table).read_bytes()
    run(
        "run",
        "baseline",
        "--steps",
        "6",
        "--seed",
        "7",
        "--no-figures",
        "-q",
        "--out",
        str(tmp_path / "c"),
    )
    assert (tmp_path / "a/nations.parquet").read_bytes() != (
        tmp_path / "c/nations.parquet"
    ).read_bytes()


def test_existing_output_folder_is_never_overwritten_silently(baseline_run):
    before = (baseline_run / "summary.json").read_bytes()
    result = run("run", "baseline", "--steps", "2", "--out", str(baseline_run))
    assert result.exit_code == 2
    assert "output folder exists" in result.output
    assert (baseline_run / "summary.json").read_bytes() == before


def test_bad_scenario_exits_2_with_one_line_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nquestion: q\nsteps: many\n")
    result = run("run", str(bad))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "bad.yaml:3: steps:" in lines[0]
    assert "Traceback" not in result.output
    result = run("validate", str(bad), "scenarios/baseline.yaml")
    assert result.exit_code == 2 and "ok" in result.output and "invalid" in result.output


def test_interrupted_write_leaves_nothing(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt), atomic_dir(target) as folder:
        (folder / "model.parquet").write_text("half")
        raise KeyboardInterrupt
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_list_and_describe_come_from_the_library_and_schema():
    listing = run("list")
    assert listing.exit_code == 0 and "digital_silk_road_surge" in listing.output
    described = run("describe")
    assert described.exit_code == 0
    for name in ("china_budget", "backlash_strength", "multiplier"):
        assert name in described.output.replace("\n", " ") or name in described.output


def test_parameter_docs_are_generated_from_the_schema():
    from sim.engine.params import parameter_markdown

    assert Path("docs/parameters.md").read_text() == parameter_markdown()


def modules_loaded_by(argv: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after ``run.py *argv`` (which must
    exit 0)."""
    import ast
    import subprocess
    import sys

    probe = (
        f"import sys, runpy; sys.argv = ['run.py', *{argv!r}]\n"
        "try:\n    runpy.run_path('run.py', run_name='__main__')\n"
        "except SystemExit as stop:\n    assert not stop.code, stop.code\n"
        f"print('LOADED', [m for m in {modules!r} if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("LOADED ")]
    assert lines, result.stdout[-500:] + result.stderr[-2000:]
    return ast.literal_eval(lines[-1].removeprefix("LOADED "))


def test_help_loads_no_heavy_module():
    """`run.py --help` starts fast (issue 11 item 8) because the command line imports the model,
    pandas, scipy and numpy only inside the commands that use them; a module-level import of
    any of them would undo that without a timing test noticing on a fast machine."""
    heavy = ("pandas", "scipy", "numpy", "mesa", "sim.inputs.scenario", "sim.mesa.model")
    assert modules_loaded_by(["--help"], heavy) == []


def test_a_grid_sweep_does_not_import_scipy_stats(tmp_path):
    """scipy.stats takes 0.35 s to import, a quarter of a 200-run study's time end to end (issue
    11 item 9); only designs that draw from its distributions (LHS, normal or triangular
    factors) and scoring against history need it, so a grid sweep must not load it."""
    sweep = tmp_path / "grid.yaml"
    sweep.write_text(
        "name: grid\nquestion: q\nbase: baseline\nfixed: {steps: 2}\ndesign: grid\n"
        "vary:\n  parameters.china_budget: {values: [1.0, 2.0]}\nreplicates: 2\nseed: 1\n"
    )
    argv = ["sweep", str(sweep), "--out", str(tmp_path / "o"), "-q", "--yes", "--workers", "1"]
    assert modules_loaded_by(argv, ("scipy.stats",)) == []
    assert (tmp_path / "o").is_dir()


def test_the_printed_bloc_table_is_the_runs_numbers(tmp_path):
    """Each bloc row prints start -> end of its count, population share and GDP share, as
    model.parquet records them (one table function for run and run --replicates)."""
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", "baseline", "--steps", "3", "--no-figures", "--out", str(out)],
        terminal_width=200,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out / "model.parquet")
    first, last = frame.iloc[0], frame.iloc[-1]
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    for bloc, label in (("us", "US-led"), ("nonaligned", "non-aligned"), ("china", "China-led")):
        cells = [c.strip() for c in rows[label].split("│")[2:5]]
        assert cells == [
            f"{int(first[f'{bloc}_count'])} -> {int(last[f'{bloc}_count'])}",
            f"{first[f'{bloc}_pop_share']:.1%} -> {last[f'{bloc}_pop_share']:.1%}",
            f"{first[f'{bloc}_gdp_share']:.1%} -> {last[f'{bloc}_gdp_share']:.1%}",
        ]

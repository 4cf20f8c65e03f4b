"""Issue 10 (hardening): no data loss, no silent corruption. One test per numbered item; each was
seen to fail before its fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.present import outputs

RUN = ["run", "baseline", "--steps", "2", "--no-figures", "-q"]


def invoke(*args: str):
    return CliRunner().invoke(app, [*args])


# 1. --overwrite deletes only folders this tool created -----------------------------------------
def test_overwrite_refuses_a_folder_the_tool_did_not_write(tmp_path):
    precious = tmp_path / "thesis"
    (precious / ".git").mkdir(parents=True)
    (precious / "thesis.tex").write_text("years of work")
    result = invoke(*RUN, "--out", str(precious), "--overwrite")
    assert result.exit_code == 2
    assert "not an output folder of this tool" in result.output
    assert (precious / "thesis.tex").read_text() == "years of work"
    assert (precious / ".git").is_dir()


def test_overwrite_refuses_a_file_and_leaves_no_partial_folder(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep")
    result = invoke(*RUN, "--out", str(target), "--overwrite")
    assert result.exit_code == 2 and target.read_text() == "keep"
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_overwrite_replaces_the_tools_own_output(tmp_path):
    out = tmp_path / "run"
    assert invoke(*RUN, "--out", str(out)).exit_code == 0
    assert (out / outputs.MARKER).is_file()
    (out / "stale.txt").write_text("from before")
    assert invoke(*RUN, "--out", str(out), "--overwrite").exit_code == 0
    assert (out / "manifest.json").is_file() and not (out / "stale.txt").exists()


# 2. two runs into one folder: one result is on disk, the other run fails ----------------------
def test_a_folder_that_appears_during_a_run_is_not_removed(tmp_path):
    target = tmp_path / "shared"
    with (
        pytest.raises(outputs.OutputExistsError, match="another run wrote this folder"),
        outputs.atomic_dir(target) as folder,
    ):
        (folder / "mine.txt").write_text("mine")
        target.mkdir()
        (target / "theirs.txt").write_text("theirs")  # the other run committed first
    assert (target / "theirs.txt").read_text() == "theirs"
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


@pytest.mark.slow
def test_concurrent_runs_into_one_folder_never_both_report_success(tmp_path):
    out = tmp_path / "X"
    command = [sys.executable, "run.py", *RUN, "--out", str(out)]
    procs = [
        subprocess.Popen([*command, "--seed", str(seed)], cwd=Path(__file__).parent.parent)
        for seed in (1, 2)
    ]
    codes = sorted(p.wait(timeout=300) for p in procs)
    assert codes == [0, 2]
    assert (out / "manifest.json").is_file()


def test_default_folder_names_do_not_collide(tmp_path):
    names = {outputs.fresh_output_dir("baseline", tmp_path).name for _ in range(50)}
    assert len(names) == 50


# 3. a scenario name is not a path ------------------------------------------------------------
@pytest.mark.parametrize("name", ["../../etc/evil", "a/b", "..", "/abs", "x\\\\y"])
def test_scenario_name_cannot_be_a_path(tmp_path, name):
    path = tmp_path / "evil.yaml"
    path.write_text(f'name: "{name}"\nquestion: q\n')
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert "name" in result.output


# 4. duplicate keys, duplicate nations, events that do nothing ---------------------------------
def test_duplicate_keys_are_an_error_with_both_lines(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        "name: dup\nquestion: q\nevents:\n  - {step: 1, kind: set_parameter, parameter: "
        "china_budget, value: 2}\nsteps: 12\nevents: []\n"
    )
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert "duplicate key 'events' (lines 3 and 6)" in result.output


# 5. YAML 1.2 floats and parameter bounds ------------------------------------------------------
def test_exponent_floats_are_numbers_and_absurd_values_are_refused(tmp_path):
    from sim.inputs.scenario import ScenarioError, load_scenario

    path = tmp_path / "exp.yaml"
    path.write_text("name: exp\nquestion: q\nparameters:\n  china_budget: 1e1\n")
    assert load_scenario(path).scenario.parameters.china_budget == 10.0
    assert (
        load_scenario(
            "baseline", ["parameters.china_budget=2.5e1"]
        ).scenario.parameters.china_budget
        == 25.0
    )
    with pytest.raises(ScenarioError, match="china_budget"):
        load_scenario("baseline", ["parameters.china_budget=1.0e308"])


# 7. alias bombs are refused quickly -----------------------------------------------------------
def test_billion_laughs_is_refused_before_it_expands(tmp_path):
    lines = [
        "name: bomb",
        "question: q",
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    for level in "bcdefghi":
        prev = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{','.join(['*' + prev] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    # 9^9 = 387 million strings if expanded: refused by counting nodes before building them
    result = invoke("validate", str(path))
    assert result.exit_code == 2 and "aliases" in result.output


def test_a_nations_table_with_a_duplicate_row_is_refused(tmp_path):
    from sim.world.nations import load_nations

    frame = load_nations()
    frame = pd.concat([frame, frame[frame["iso3"] == "FRA"]], ignore_index=True)
    frame.to_csv(tmp_path / "nations.csv", index=False)
    path = tmp_path / "dup.yaml"
    path.write_text("name: dup\nquestion: q\nnations:\n  source: nations.csv\n")
    result = invoke("validate", str(path))
    assert result.exit_code == 2 and "duplicate rows for FRA" in result.output


def test_events_that_do_nothing_are_warned_about(tmp_path):
    path = tmp_path / "noop.yaml"
    path.write_text(
        "name: noop\nquestion: q\nevents:\n"
        "  - {step: 1, kind: leave, nation: USA, organisation: brics}\n"
        "  - {step: 1, kind: join, nation: CHN, organisation: brics}\n"
        "  - {step: 2, kind: sanction, target: USA}\n"
        "  - {step: 2, kind: join, nation: FIN, organisation: nato}\n"
    )
    result = invoke("validate", str(path))
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "USA is not in brics" in text
    assert "CHN is already a member of brics" in text
    assert "the US sanctions itself" in text
    assert "FIN" not in text  # a real change: no warning


# 8. one line, never a traceback ---------------------------------------------------------------
def _one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert len(lines) == 1, result.output
    return lines[0]


def _sweep_file(folder: Path, **fields) -> Path:
    import yaml

    (folder / "short.yaml").write_text(
        f"extends: {Path('scenarios/baseline.yaml').resolve()}\nname: short\nquestion: q\n"
        "steps: 2\n"
    )
    body = {
        "name": "s",
        "question": "q",
        "base": "short.yaml",
        "vary": {"parameters.china_budget": {"values": [1.0, 2.0]}},
        "design": "grid",
        "replicates": 1,
        "seed": 5,
        **fields,
    }
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(body))
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "is a folder, not a YAML file"),
        ("name: x\nquestion: q\n".encode("utf-16"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"name: caf\xe9\nquestion: q\n", ":1: not UTF-8 text"),
    ],
    ids=["folder", "utf16", "binary", "latin1"],
)
@pytest.mark.parametrize("command", ["validate", "run", "sweep"])
def test_unreadable_input_files_are_one_line(tmp_path, command, content, message):
    path = tmp_path / "input.yaml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    line = _one_error_line(invoke(command, str(path)))
    assert str(path) in line and message in line


def test_an_out_that_cannot_be_created_is_one_line_before_any_work(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("keep")
    line = _one_error_line(invoke(*RUN, "--out", str(blocker / "sub")))
    assert "is a file" in line
    sweep = _sweep_file(tmp_path)
    line = _one_error_line(invoke("sweep", str(sweep), "--out", str(blocker / "sub"), "-q"))
    assert str(blocker / "sub") in line
    assert blocker.read_text() == "keep"
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
def test_an_out_under_proc_is_one_line():
    line = _one_error_line(invoke(*RUN, "--out", "/proc/cyberbloc-out"))
    assert "cannot create the output folder" in line


def test_a_disk_full_while_writing_exits_3_and_keeps_nothing(tmp_path, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    out = tmp_path / "run"
    result = invoke(*RUN, "--out", str(out))
    assert result.exit_code == 3, result.output
    assert "No space left on device" in result.output
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_huge_sweep_is_refused_with_its_run_count_unless_confirmed(tmp_path, monkeypatch):
    from sim.studies.sweep import driver

    huge = _sweep_file(
        tmp_path,
        vary={"parameters.china_budget": {"range": [0.0, 10.0], "num": 10_000}},
        replicates=100_000,
    )
    line = _one_error_line(invoke("sweep", str(huge), "--out", str(tmp_path / "o"), "-q"))
    assert "1,000,000,000 runs" in line and "--yes" in line
    assert not (tmp_path / "o").exists()
    monkeypatch.setattr(driver, "MAX_RUNS", 1)
    small = _sweep_file(tmp_path)
    assert invoke("sweep", str(small), "--out", str(tmp_path / "p"), "-q").exit_code == 2
    confirmed = invoke("sweep", str(small), "--out", str(tmp_path / "p"), "-q", "--yes")
    assert confirmed.exit_code == 0, confirmed.output
    assert len(pd.read_parquet(tmp_path / "p")) > 0


# 9. messages: quotes kept, every error, each with its true origin -----------------------------
def test_quotes_inside_a_message_are_kept():
    line = _one_error_line(invoke(*RUN, "--set", "events.99.step=3"))
    assert line.endswith("--set events.99.step=3: no such place 'events.99'")


def test_an_option_error_names_the_option_not_set():
    line = _one_error_line(invoke(*RUN[:2], "--steps", "-5", "--no-figures", "-q"))
    assert "--steps -5: steps: Input should be greater than or equal to 1" in line
    assert "--set" not in line
    line = _one_error_line(invoke(*RUN, "--seed", "-3"))
    assert "--seed -3: seed:" in line


def test_a_set_error_is_blamed_on_the_set_not_the_file(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "name: t\nquestion: q\nsteps: 10\nevents:\n"
        "  - {step: 5, kind: set_parameter, parameter: china_budget, value: 2}\n"
    )
    line = _one_error_line(invoke("run", str(path), "--set", "events.0.step=50", "-q"))
    assert "--set events.0.step=50: events.0.step: step 50 is after the last step (10)" in line
    assert f"{path}" not in line
    line = _one_error_line(invoke("run", str(path), "--steps", "3", "-q"))
    assert f"{path}:5: events.0.step: step 5 is after the last step (3) (steps from --steps 3)" in (
        line
    )


def test_every_error_is_reported_with_its_own_origin(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("name: t\nquestion: q\nsteps: -1\nseed: x\n")
    line = _one_error_line(
        invoke("run", str(path), "--set", "parameters.noise_sd=-1", "--no-figures", "-q")
    )
    assert f"{path}:3: steps:" in line
    assert f"{path}:4: seed:" in line
    assert "--set parameters.noise_sd=-1: parameters.noise_sd:" in line
    assert "more)" not in line


# 4, 5, 7 for sweep files (guards: the parser is shared, these held before this branch) ------
def test_sweep_files_get_the_same_strict_yaml(tmp_path):
    from sim.studies.sweep.spec import SweepError, load_sweep

    sweep = _sweep_file(tmp_path)
    text = "".join(line for line in sweep.read_text().splitlines(True) if "vary" not in line)
    text = "\n".join(line for line in text.splitlines() if not line.startswith(" ")) + "\n"
    sweep.write_text(text + "vary: {parameters.china_budget: {values: [1e0, 2.5e0]}}\n")
    values = load_sweep(sweep).spec.vary["parameters.china_budget"].values
    assert values == [1.0, 2.5] and all(isinstance(v, float) for v in values)
    sweep.write_text(text + "seed: 6\n")
    with pytest.raises(SweepError, match=r"duplicate key 'seed' \(lines \d+ and \d+\)"):
        load_sweep(sweep)
    bomb = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    bomb += [f"{c}: &{c} [{', '.join(['*' + chr(ord(c) - 1)] * 9)}]" for c in "bcdefgh"]
    sweep.write_text(text + "\n".join(bomb) + "\n")
    with pytest.raises(SweepError, match="aliases"):
        load_sweep(sweep)

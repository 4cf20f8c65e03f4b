"""A run that outlives the page (issue 12 item 5): the link replays it, the exported YAML
reruns it through `run.py run` with the same numbers."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest

from sim.present.viz.explorer import ExplorerModel
from sim.present.viz.sharing import LinkError, parse_query, replay, run_query, scenario_yaml
from sim.present.viz.state import _first_model

PROJECT = Path(__file__).resolve().parents[1]


def played(months: int = 7) -> ExplorerModel:
    """A page run: a slider moved, a seed typed, two menu events triggered along the way."""
    model = ExplorerModel(scenario_name="us_max_pressure", seed="7", china_budget=2.5)
    for _ in range(3):
        model.step()
    model.trigger_preset("Iran joins the SCO")
    for _ in range(2):
        model.step()
    model.trigger_preset("China doubles its budget")
    while model.step_index < months:
        model.step()
    return model


def test_the_link_names_the_runs_inputs_and_nothing_else():
    query = parse_qs(run_query(played()))
    assert query == {
        "scenario": ["us_max_pressure"],
        "seed": ["7"],
        "set": ["parameters.china_budget=2.5"],
        "event": ["4:Iran joins the SCO", "6:China doubles its budget"],
        "step": ["7"],
    }


def test_a_link_replays_the_run_bit_for_bit():
    original = played()
    again = replay(parse_query(run_query(original)))
    assert again.step_index == original.step_index == 7
    assert again.triggered == original.triggered
    for a, b in zip(original.history.alignment, again.history.alignment, strict=True):
        np.testing.assert_array_equal(a, b)
    assert again.settings() == original.settings()


def test_a_plain_page_load_is_not_a_link():
    assert parse_query("") is None
    assert parse_query("foo=1") is None


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("scenario=../../etc/passwd", "not in the library"),
        ("scenario=baseline&step=-3", "step='-3'"),
        ("scenario=baseline&step=999", "has 120 months"),
        ("scenario=baseline&seed=x", "seed='x'"),
        ("scenario=baseline&set=china_budget%3D2", "expected parameters.NAME=NUMBER"),
        ("scenario=baseline&set=parameters.china_budget%3Dlots", "not a number"),
        ("scenario=baseline&step=5&event=3%3ANo%20such%20event", "preset of the events menu"),
        ("scenario=baseline&step=2&event=5%3AIran%20joins%20the%20SCO", "not within months 1..3"),
        ("scenario=baseline&colour=red", "unknown link part 'colour'"),
        ("scenario=baseline&set=parameters.china_budget%3D-4", "china_budget"),
    ],
)
def test_a_bad_link_says_what_is_wrong_and_the_page_opens_anyway(query, says):
    with pytest.raises(LinkError, match=None) as caught:
        replay(parse_query(query))
    assert says in str(caught.value)
    model, message = _first_model(query, "baseline")
    assert model.step_index == 0 and model.resolved.scenario.name == "baseline"
    assert message.startswith("The link was not replayed:") and says in message


def test_first_model_replays_a_good_link_and_says_so():
    model, message = _first_model(run_query(played(5)), None)
    assert model.step_index == 5 and len(model.triggered_presets) == 2
    assert message == "Replayed from the link: 'us_max_pressure' to month 5 with 2 triggered events"


def _frames_of_zip(data: bytes) -> dict[str, pd.DataFrame]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            Path(name).name: pd.read_parquet(io.BytesIO(archive.read(name)))
            for name in archive.namelist()
            if name.endswith(("model.parquet", "nations.parquet"))
        }


@pytest.mark.slow
def test_exported_yaml_reruns_the_page_run_bit_for_bit(tmp_path):
    model = played(9)
    page = _frames_of_zip(model.write_outputs_zip())
    scenario = tmp_path / "exported.yaml"
    scenario.write_text(scenario_yaml(model))
    out = tmp_path / "rerun"
    result = subprocess.run(
        [sys.executable, "run.py", "run", str(scenario), "--out", str(out), "-q"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    rerun_model = pd.read_parquet(out / "model.parquet")
    assert len(rerun_model) == 121  # the scenario's full length; the page showed 0..9
    shown = rerun_model.iloc[:10].reset_index(drop=True)
    pd.testing.assert_frame_equal(shown, page["model.parquet"], check_exact=True)
    rerun_nations = pd.read_parquet(out / "nations.parquet")
    shown = rerun_nations[rerun_nations["step"] <= 9].reset_index(drop=True)
    pd.testing.assert_frame_equal(shown, page["nations.parquet"], check_exact=True)

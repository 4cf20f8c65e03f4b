"""Issue 10, "tests that guard this": generated malformed scenario and sweep files.

Every document must either load or be refused with a ScenarioError/SweepError whose message is
one line, and none may take more than 2 s (alias bombs, huge numbers). Documents are built from a
valid one by replacing or adding fields with values of the wrong type, unknown keys, bad dates,
huge and non-finite numbers, and by text-level damage: duplicate keys, anchors and aliases,
UTF-16 or Latin-1 bytes, truncation.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.inputs.scenario import SCENARIO_DIR, ScenarioError, load_scenario
from sim.studies.sweep.spec import SweepError, load_sweep

BASELINE = SCENARIO_DIR / "baseline.yaml"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["2023-02-30", "1999-01-01", "2011-01-01", "1e308", "-.inf", "USA", "XXX"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
SCENARIO_KEYS = [
    "name",
    "question",
    "start",
    "steps",
    "seed",
    "events",
    "watch",
    "nations",
    "parameters",
    "extends",
    "inherit_events",
    "nonsense",
]
PARAMETER_KEYS = ["china_budget", "us_pressure_budget", "noise_sd", "org_weights", "made_up"]
EVENT = {"step": 2, "kind": "join", "nation": "FIN", "organisation": "nato"}


@st.composite
def scenario_documents(draw) -> dict:
    doc: dict = {"name": "fuzz", "question": "q", "steps": 3}
    for _ in range(draw(st.integers(0, 3))):
        doc[draw(st.sampled_from(SCENARIO_KEYS))] = draw(values)
    if draw(st.booleans()):
        params = doc.setdefault("parameters", {})
        if isinstance(params, dict):
            params[draw(st.sampled_from(PARAMETER_KEYS))] = draw(values)
    if draw(st.booleans()):
        event = dict(EVENT)
        event[draw(st.sampled_from([*EVENT, "kind", "target", "extra"]))] = draw(values)
        doc["events"] = [event]
    return doc


@st.composite
def sweep_documents(draw) -> dict:
    doc: dict = {
        "name": "fuzz",
        "question": "q",
        "base": str(BASELINE),
        "seed": 1,
        "fixed": {"steps": 2},
        "vary": {"parameters.china_budget": {"values": [1.0, 2.0]}},
        "design": "grid",
        "replicates": 1,
    }
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from([*doc, "outputs", "outcomes", "bogus"]))
        doc[key] = draw(values)
    if draw(st.booleans()):  # the scenario factor instead of one base (issue 11)
        doc.pop("base", None)
        doc["scenarios"] = draw(
            st.lists(
                st.sampled_from([str(BASELINE), "baseline", "us_max_pressure", "no_such", 3]),
                max_size=3,
            )
        )
    if draw(st.booleans()):
        doc["vary"] = {
            draw(st.sampled_from(["parameters.china_budget", "steps", "parameters.x", "seed"])): {
                draw(st.sampled_from(["values", "range", "num", "log", "distribution"])): draw(
                    values
                )
            }
        }
    return doc


def damage(text: str, how: str, cut: int) -> bytes:
    """Text-level damage YAML dumping cannot produce."""
    lines = text.splitlines()
    if how == "duplicate" and lines:
        return (text + lines[min(cut, len(lines) - 1)] + "\n").encode()
    if how == "alias":
        bomb = ["x0: &x0 [a, a, a, a, a, a, a, a]"]
        bomb += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 8)}]" for i in range(1, 9)]
        return (text + "\n".join(bomb) + "\n").encode()
    if how == "anchor":
        return (text + "copy: &c {a: 1}\nagain: *c\n").encode()
    if how == "utf16":
        return text.encode("utf-16")
    if how == "latin1":
        return text.encode() + b"question: caf\xe9\n"
    if how == "truncate":
        return text.encode()[: cut * 7]
    return text.encode()


DAMAGE = st.sampled_from(["none", "duplicate", "alias", "anchor", "utf16", "latin1", "truncate"])


def check(load, error_type, doc: dict, how: str, cut: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(damage(yaml.safe_dump(doc, allow_unicode=True), how, cut))
        began = time.perf_counter()
        try:
            load(path)
        except error_type as error:
            assert "\n" not in str(error), str(error)
            assert str(error).strip()
        assert time.perf_counter() - began < 2.0


FUZZ = settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


@FUZZ
@given(scenario_documents(), DAMAGE, st.integers(0, 40))
@pytest.mark.slow
def test_malformed_scenarios_load_or_give_one_line(doc, how, cut):
    check(load_scenario, ScenarioError, doc, how, cut)


@settings(FUZZ, max_examples=400)
@given(sweep_documents(), DAMAGE, st.integers(0, 40))
def test_malformed_sweeps_load_or_give_one_line(doc, how, cut):
    check(load_sweep, (SweepError, ScenarioError), doc, how, cut)

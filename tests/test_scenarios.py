"""Scenario files: the library validates and runs; extends and --set resolve as documented; every
class of bad input gets a one-line message naming the file, the place and what is allowed."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from sim.engine.events import JoinOrganisation, SetOrgWeight
from sim.inputs.scenario import (
    SCHEMA_PATH,
    ScenarioError,
    json_schema_text,
    list_scenarios,
    load_scenario,
)

LIBRARY = list_scenarios()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_library_has_the_documented_scenarios():
    names = {p.stem for p in LIBRARY}
    assert {
        "baseline",
        "null",
        "brics_cyber_agenda",
        "sco_expansion",
        "digital_silk_road_surge",
        "us_max_pressure",
        "five_eyes_cohesion",
        "dprk_joint_response",
    } <= names


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_library_scenario_validates_and_runs(path):
    resolved = load_scenario(path)
    s = resolved.scenario
    assert s.question and "\n" not in s.question.strip()
    model = resolved.build_model()
    first_event = min((e.step for e in s.events), default=3)
    for _ in range(max(3, first_event)):
        model.step()
    assert model.step_index == max(3, first_event)
    assert model.state.alignment.min() >= -1 and model.state.alignment.max() <= 1


def test_extends_merges_parameters_and_appends_events(tmp_path):
    write(
        tmp_path,
        "parent.yaml",
        """
        name: parent
        question: q
        steps: 24
        parameters: {china_budget: 2.0, org_weights: {brics: 2.0}}
        events:
          - {step: 2, kind: set_org_weight, organisation: sco, weight: 4.0}
        """,
    )
    child = write(
        tmp_path,
        "child.yaml",
        """
        extends: parent.yaml
        name: child
        parameters: {org_weights: {nato: 0.5}}
        events:
          - {step: 3, kind: join, nation: IRN, organisation: sco}
        """,
    )
    s = load_scenario(child).scenario
    assert (s.name, s.question, s.steps) == ("child", "q", 24)
    assert s.parameters.china_budget == 2.0
    assert s.parameters.org_weights["brics"] == 2.0 and s.parameters.org_weights["nato"] == 0.5
    assert s.parameters.org_weights["eu"] == 1.5  # untouched default
    assert [type(e) for e in s.events] == [SetOrgWeight, JoinOrganisation]


def test_extends_can_drop_parent_events(tmp_path):
    write(
        tmp_path,
        "p.yaml",
        "name: p\nquestion: q\nevents: [{step: 1, kind: attribution, accuser: us, magnitude: 1}]\n",
    )
    child = write(tmp_path, "c.yaml", "extends: p.yaml\ninherit_events: false\nevents: []\n")
    assert load_scenario(child).scenario.events == []


def test_set_overrides_any_path_and_parses_values():
    resolved = load_scenario(
        "baseline",
        [
            "parameters.china_budget=2.5",
            "parameters.org_weights.brics=4",
            "parameters.confidence_bound=null",
            "steps=12",
            "watch=[CHN, USA]",
        ],
    )
    s = resolved.scenario
    assert s.parameters.china_budget == 2.5
    assert s.parameters.org_weights["brics"] == 4.0
    assert s.parameters.confidence_bound is None
    assert s.steps == 12 and s.watch == ["CHN", "USA"]
    assert resolved.content_hash != load_scenario("baseline").content_hash


def test_content_hash_is_stable():
    assert load_scenario("baseline").content_hash == load_scenario("baseline").content_hash


BAD_INPUTS = [
    ("malformed", "name: x\nquestion: [unclosed\n", r"bad\.yaml:\d+: malformed YAML"),
    (
        "unknown key",
        "name: x\nquestion: q\nstpes: 10\n",
        r"bad\.yaml:3: stpes: unknown key; did you mean 'steps'\?",
    ),
    (
        "unknown parameter",
        "name: x\nquestion: q\nparameters:\n  china_budgte: 1\n",
        r"bad\.yaml:4: parameters\.china_budgte: unknown key; did you mean 'china_budget'\?",
    ),
    (
        "wrong type",
        "name: x\nquestion: q\nsteps: ten\n",
        r"bad\.yaml:3: steps: Input should be a valid integer",
    ),
    (
        "out of range",
        "name: x\nquestion: q\nparameters: {china_budget: -1}\n",
        r"bad\.yaml:3: parameters\.china_budget: Input should be greater than or equal to 0",
    ),
    (
        "bad choice",
        "name: x\nquestion: q\nparameters: {china_targeting: everywhere}\n",
        r"parameters\.china_targeting: Input should be 'observed', 'africa_arab_need', 'need', 'swing' or 'uniform'",
    ),
    (
        "unknown nation",
        "name: x\nquestion: q\nevents:\n  - {step: 1, kind: join, nation: IRM, organisation: sco}\n",
        r"bad\.yaml:4: events\.0\.nation: unknown nation code 'IRM'; did you mean .*IRN \(Iran\)",
    ),
    (
        "event after the end",
        "name: x\nquestion: q\nsteps: 12\nevents:\n  - {step: 13, kind: attribution, accuser: us, magnitude: 1}\n",
        r"bad\.yaml:5: events\.0\.step: step 13 is after the last step \(12\)",
    ),
    (
        "unknown event kind",
        "name: x\nquestion: q\nevents:\n  - {step: 1, kind: invade, nation: TWN}\n",
        r"bad\.yaml:4: events\.0: unknown event kind; allowed: attribution, join, leave",
    ),
    (
        "non-numeric parameter event",
        "name: x\nquestion: q\nevents:\n  - {step: 1, kind: scale_parameter, parameter: china_targeting, factor: 2}\n",
        r"events\.0\.parameter: 'china_targeting' is not a numeric parameter \(allowed: ",
    ),
    ("missing field", "question: q\n", r"bad\.yaml: name: required field is missing"),
    (
        "inconsistent parameters",
        "name: x\nquestion: q\nparameters: {peer_weight: 0.8, stubbornness: 0.5}\n",
        r"parameters: peer_weight \+ stubbornness must be <= 1",
    ),
    ("not a mapping", "- a\n- b\n", r"bad\.yaml:1: a scenario must be a mapping"),
    (
        "missing parent",
        "extends: nowhere.yaml\nname: x\nquestion: q\n",
        r"extends: .*nowhere\.yaml: file not found",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_gives_one_line_message(tmp_path, text, message):
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ScenarioError, match=message) as caught:
        load_scenario(path)
    assert "\n" not in str(caught.value)
    assert str(path.name) in str(caught.value) or "--set" in str(caught.value)


def test_extends_cycle_is_reported(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\nquestion: q\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\nquestion: q\n")
    with pytest.raises(ScenarioError, match=r"'extends' cycle: a\.yaml -> b\.yaml -> a\.yaml"):
        load_scenario(tmp_path / "a.yaml")


def test_missing_file_names_the_library():
    with pytest.raises(
        ScenarioError, match=r"nope\.yaml: file not found \(library scenarios: .*baseline"
    ):
        load_scenario("nope.yaml")


def test_bad_set_is_reported():
    with pytest.raises(ScenarioError, match=r"--set parameters\.china_budget: expected PATH=VALUE"):
        load_scenario("baseline", ["parameters.china_budget"])
    with pytest.raises(
        ScenarioError,
        match=r"--set parameters\.china_budgt=1: parameters\.china_budgt: unknown key; did you mean",
    ):
        load_scenario("baseline", ["parameters.china_budgt=1"])


def test_nothing_is_evaluated_as_code(tmp_path):
    path = write(
        tmp_path,
        "evil.yaml",
        "name: !!python/object/apply:os.system ['echo hacked']\nquestion: q\n",
    )
    with pytest.raises(ScenarioError, match="malformed YAML"):
        load_scenario(path)


def test_nation_overrides_and_csv_source(tmp_path):
    from sim.world.nations import load_nations

    frame = load_nations()
    frame.loc[frame.iso3 == "IND", "alignment_initial"] = 0.9
    frame.to_csv(tmp_path / "world.csv", index=False)
    path = write(
        tmp_path,
        "custom.yaml",
        """
        name: custom
        question: q
        nations:
          source: world.csv
          overrides:
            - {nation: BRA, alignment_initial: 0.5, non_intervention: 0.9}
        """,
    )
    nations = load_scenario(path).nations.set_index("iso3")
    assert nations.loc["IND", "alignment_initial"] == 0.9
    assert nations.loc["BRA", "alignment_initial"] == 0.5
    assert nations.loc["BRA", "non_intervention"] == 0.9


def test_exported_json_schema_is_current():
    """docs/scenario.schema.json is generated (`run.py schema --out ...`); it must match the code."""
    assert SCHEMA_PATH.read_text() == json_schema_text()
    schema = json.loads(json_schema_text())
    assert "china_budget" in json.dumps(schema)
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("parent", ["\n", "", "   ", "a\nb.yaml"])
def test_extends_that_is_no_file_name_gives_one_line(tmp_path, parent):
    """Found by the fuzz test: `extends: "\\n"` gave a two-line message."""
    path = tmp_path / "child.yaml"
    path.write_text(json.dumps({"name": "c", "question": "q", "extends": parent}))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message and "extends: must be a file name" in message

"""Scenario files: the only place that parses user input.

A scenario (YAML, in ``scenarios/``) describes one experiment: the world, the parameters, the
scheduled events, the seed and the length of the run. Loading goes

    read file -> safe YAML -> resolve ``extends`` (deep merge) -> apply ``--set`` overrides
    -> validate (pydantic) -> check nation codes against the nations table

and every failure becomes a ``ScenarioError`` whose message is one line naming the file, the line
(or field path) and what is allowed. Nothing in a file is ever evaluated as code
(``yaml.safe_load`` only).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import types
import typing
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim import paths
from sim.engine.events import Event, NationCode
from sim.engine.params import ORGANISATIONS, ModelParams
from sim.engine.simulation import numeric_parameters

# re-exported: the one definition is sim.paths (light enough for the CLI's --help)
SCENARIO_DIR, DEFAULT_SCENARIO = paths.SCENARIO_DIR, paths.DEFAULT_SCENARIO


class ScenarioError(ValueError):
    """Bad scenario input; the message is a single line meant for the user."""


class NationOverride(BaseModel):
    """Replace some attributes of one nation in the table (for counterfactual worlds)."""

    model_config = ConfigDict(extra="forbid")

    nation: NationCode
    alignment_initial: float | None = Field(None, ge=-1.0, le=1.0)
    non_intervention: float | None = Field(None, ge=0.0, le=1.0)
    digital_gap: float | None = Field(None, ge=0.0, le=1.0)
    population: float | None = Field(None, gt=0.0)
    gdp_usd: float | None = Field(None, gt=0.0)


class NationsSpec(BaseModel):
    """Which nations table to use: the embedded 2023 one, or a CSV with the same columns."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        "embedded",
        description="'embedded' or a CSV path (relative to the scenario file) with the columns "
        "of sim/data/nations.csv.",
    )
    overrides: list[NationOverride] = Field(default_factory=list)


class Scenario(BaseModel):
    """One experiment. Every field except ``name`` and ``question`` has a default."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
        max_length=100,
        description="Short identifier, used in output folder names: letters, digits, '_', '.', "
        "'-' (no path separators).",
    )
    question: str = Field(description="The one-line question this scenario asks.")
    description: str = Field("", description="Longer explanation: assumptions, sources.")
    start: date = Field(
        date(2023, 1, 1),
        validation_alias=AliasChoices("start", "baseline_date"),
        description="Date of step 0, 2011-01-01 to 2023-01-01. The world is built as it stood on "
        "that date from data up to that date only (memberships, Taiwan recognition, population, "
        "GDP, internet use, UN votes): docs/data.md, 'The world at a date'.",
    )
    step_unit: Literal["month"] = Field("month", description="Calendar time one step stands for.")
    steps: int = Field(120, ge=1, le=2400, description="Number of steps (months) to run.")
    seed: int = Field(42, ge=0, description="Seed of the run's random numbers.")
    nations: NationsSpec = Field(default_factory=NationsSpec)
    parameters: ModelParams = Field(default_factory=ModelParams)
    events: list[Event] = Field(default_factory=list)
    inherit_events: bool = Field(
        True, description="With 'extends': keep the parent's events and add these after them."
    )
    watch: list[NationCode] = Field(
        default_factory=lambda: ["CHN", "RUS", "IND", "BRA", "ZAF", "IRN", "SAU", "EGY", "USA"],
        description="Nations whose trajectories the figures show.",
    )

    @field_validator("start")
    @classmethod
    def _start_within_data(cls, value: date) -> date:
        from sim.world.dated import check_date

        return check_date(value)

    @model_validator(mode="after")
    def _events_within_run(self) -> Scenario:
        for i, event in enumerate(self.events):
            if event.step > self.steps:
                raise ValueError(
                    f"events.{i}: step {event.step} is after the last step ({self.steps})"
                )
        return self


@dataclass
class ResolvedScenario:
    """A validated scenario with where it came from and the world it runs on."""

    scenario: Scenario
    path: Path | None
    nations: pd.DataFrame = field(repr=False)
    overrides: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        """SHA-256 of the resolved scenario (after extends and --set), canonical JSON."""
        text = json.dumps(self.scenario.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def world(self):
        """The scenario's world (``sim.world.world.World``) at its start date, with the drivers
        known then."""
        from sim.world.world import World

        return World.from_frame(self.nations, start=self.scenario.start)

    def drivers(self) -> dict[str, Any]:
        """Where the scenario's drivers come from over its steps (the ``drivers`` block of a
        manifest: "conditional on observed drivers" when the record after ``start`` is used;
        sim.engine.drivers.describe). Events that change parameters are not reflected."""
        from sim.engine.drivers import describe

        s = self.scenario
        return describe(self.world(), s.parameters, s.steps)

    def build_model(self, *, collect_agent_data: bool = False, seed: int | None = None):
        """A fresh model for this scenario (optionally with another seed)."""
        from sim.mesa.model import CyberBlocModel

        s = self.scenario
        return CyberBlocModel(
            params=s.parameters,
            nations=self.nations,
            events=s.events,
            baseline_date=s.start.isoformat(),
            collect_agent_data=collect_agent_data,
            rng=s.seed if seed is None else seed,
        )


# --- loading -------------------------------------------------------------------------------------
def load_scenario(
    path: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    origins: list[str] | tuple[str, ...] = (),
) -> ResolvedScenario:
    """Read, resolve and validate a scenario file; raise ScenarioError with a one-line message.

    ``origins`` names where each override came from (``--steps -5``), so an error in it is
    blamed on what the user typed; by default ``--set PATH=VALUE``."""
    path = find_scenario(path)
    raw, lines = read_with_extends(path, chain=())
    for i, assignment in enumerate(overrides):
        origin = origins[i] if i < len(origins) else f"--set {assignment}"
        apply_set(raw, assignment, origin)
        key = tuple(_split_path(assignment.partition("=")[0]))
        lines = {k: v for k, v in lines.items() if k[: len(key)] != key}
        lines[key] = (origin, 0)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(describe_validation_error(error, path, lines)) from None
    nations = resolve_nations(scenario, path, lines)
    warnings = no_op_warnings(scenario, nations, path, lines)
    return ResolvedScenario(scenario, path, nations, tuple(overrides), tuple(warnings))


def no_op_warnings(
    scenario: Scenario, nations: pd.DataFrame, path: Path | None, lines: Lines
) -> list[str]:
    """Events that would change nothing (joining what one belongs to, leaving what one is not
    in, a sanction of the US by the US): valid, but almost always a mistake worth a word."""
    from sim.world.world import ROLE_STRENGTH, World

    world = World.from_frame(nations)
    strength = {
        (code, org): float(world.column(org)[row])
        for org in ORGANISATIONS
        for code, row in world.index.items()
    }
    out = []
    for i, event in enumerate(scenario.events):
        where = _location(("events", i), path, lines) if path else f"events.{i}"
        kind = event.kind
        if kind == "join":
            key = (event.nation, event.organisation)
            wanted = ROLE_STRENGTH[event.role]
            if strength.get(key) == wanted:
                out.append(
                    f"{where}: events.{i}: {event.nation} is already a {event.role} of "
                    f"{event.organisation} at that point: the event does nothing"
                )
            strength[key] = wanted
        elif kind == "leave":
            key = (event.nation, event.organisation)
            if strength.get(key, 0.0) == 0.0:
                out.append(
                    f"{where}: events.{i}: {event.nation} is not in {event.organisation} at that "
                    "point: the event does nothing"
                )
            strength[key] = 0.0
        elif kind == "sanction" and event.target == "USA":
            out.append(f"{where}: events.{i}: the US sanctions itself: the event does nothing")
    return out


def scenario_from_dict(raw: dict[str, Any], base_dir: Path | None = None) -> ResolvedScenario:
    """Validate an in-memory scenario (the front end and tests use this)."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(describe_validation_error(error, None, {})) from None
    origin = (base_dir or SCENARIO_DIR) / "<memory>"
    return ResolvedScenario(scenario, None, resolve_nations(scenario, origin, {}))


SCHEMA_PATH = paths.DOCS_DIR / "scenario.schema.json"


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario file (editors use it to complete and check YAML files)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "cyberbloc scenario"
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Another scenario file (relative path) whose values this one overrides.",
    }
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def list_scenarios(directory: Path = SCENARIO_DIR) -> list[Path]:
    """Scenario files in the library, sorted by name."""
    return sorted(directory.glob("*.yaml"))


def locate(path: str | Path, library: Path) -> Path | None:
    """A file by path, or by bare name from a library folder ('baseline'); None if neither."""
    candidate = Path(path)
    if not candidate.exists() and not candidate.suffix:
        named = library / f"{candidate.name}.yaml"
        if named.exists():
            return named
    return candidate.resolve() if candidate.exists() else None


def find_scenario(path: str | Path) -> Path:
    """Accept a path, or a bare scenario name from the library ('baseline')."""
    found = locate(path, SCENARIO_DIR)
    if found is None:
        known = ", ".join(p.stem for p in list_scenarios())
        raise ScenarioError(f"{path}: file not found (library scenarios: {known})")
    return found


Lines = dict[tuple, tuple[str, int]]


def read_with_extends(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], Lines]:
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(f"{chain[-1]}: 'extends' cycle: {cycle}")
    try:
        text = read_input_text(path)
    except FileNotFoundError:
        where = f"{chain[-1]}: extends: " if chain else ""
        raise ScenarioError(f"{where}{path}: file not found") from None
    raw, node = parse_yaml(text, path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}:1: a scenario must be a mapping of keys to values")
    lines = {key: (str(path), line) for key, line in node_lines(node, ()).items()}
    parent_name = raw.pop("extends", None)
    if parent_name is None:
        return raw, lines
    if (
        not isinstance(parent_name, str)
        or not parent_name.strip()
        or any(ch in parent_name for ch in "\n\r\0")
    ):
        raise ScenarioError(
            f"{path}:{lines[('extends',)][1]}: extends: must be a file name, got {parent_name!r}"
        )
    parent_path = (path.parent / parent_name).resolve()
    parent, parent_lines = read_with_extends(parent_path, (*chain, path))
    inherit = raw.get("inherit_events", True)
    merged = _deep_merge(parent, raw)
    if inherit and "events" in raw and "events" in parent:
        merged["events"] = list(parent["events"]) + list(raw["events"] or [])
        offset = len(parent["events"])
        lines = {
            (k[0], k[1] + offset, *k[2:]) if k[:1] == ("events",) and len(k) > 1 else k: v
            for k, v in lines.items()
        }
    return merged, {**parent_lines, **lines}


def read_input_text(path: Path, error: type[Exception] = ScenarioError) -> str:
    """The text of an input file (scenario, sweep, calibration) as UTF-8.

    Why: a folder, an unreadable file, a binary file or a file saved as UTF-16 must be one
    line naming the file (exit 2), never a traceback. A missing file raises FileNotFoundError so
    callers can say where it was named (e.g. in ``extends``)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a YAML file") from None
    except OSError as problem:
        raise error(f"{path}: cannot read: {problem.strerror or problem}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(f"{path}: file is UTF-16 text; save it as UTF-8")
    if b"\x00" in data:
        raise error(f"{path}: binary file (NUL bytes), not YAML text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise error(
            f"{path}:{line}: not UTF-8 text (byte {problem.start}); save it as UTF-8"
        ) from None


#: Largest YAML document read (characters) and largest tree after aliases are expanded (nodes):
#: a "billion laughs" alias bomb is refused instead of filling memory.
MAX_YAML_CHARS = 1_000_000
MAX_YAML_NODES = 100_000

#: YAML 1.2 floats that YAML 1.1 (PyYAML) reads as strings: 1e3, 1.0e308, 2E-5.
_YAML12_FLOAT = re.compile(
    r"""^(?:[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+
        |[-+]?\.[0-9_]+[eE][-+]?[0-9]+)$""",
    re.X,
)


class StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 floats and duplicate keys as errors."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key '{key}' (lines {seen[key]} and {line})",
                    key_node.start_mark,
                )
            if isinstance(key, Hashable):
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_FLOAT, list("-+0123456789."))


def expanded_size(node: yaml.Node, limit: int) -> int:
    """Nodes in the tree with every alias expanded, counted without expanding (memo per node);
    stops counting past ``limit``."""
    sizes: dict[int, int] = {}

    def size(current: yaml.Node) -> int:
        key = id(current)
        if key in sizes:
            return sizes[key]
        sizes[key] = limit + 1  # a cycle counts as too big
        total = 1
        if isinstance(current, yaml.MappingNode):
            for k, v in current.value:
                total += size(k) + size(v)
                if total > limit:
                    break
        elif isinstance(current, yaml.SequenceNode):
            for item in current.value:
                total += size(item)
                if total > limit:
                    break
        sizes[key] = min(total, limit + 1)
        return sizes[key]

    return size(node)


def parse_yaml(
    text: str, path: Path, error: type[Exception] = ScenarioError
) -> tuple[Any, yaml.Node | None]:
    """Safe-load YAML text and compose its node tree (for line numbers); malformed YAML raises
    ``error`` with one line naming the file and line. Nothing is ever constructed as code.
    Duplicate keys are errors; ``1e3`` is a number (YAML 1.2); oversized or alias-bomb documents
    are refused before they are expanded."""
    if len(text) > MAX_YAML_CHARS:
        raise error(f"{path}: file too large ({len(text)} characters; at most {MAX_YAML_CHARS})")
    try:
        loader = StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and expanded_size(node, MAX_YAML_NODES) > MAX_YAML_NODES:
                raise error(
                    f"{path}: YAML too large once its aliases are expanded (more than "
                    f"{MAX_YAML_NODES} nodes): aliases (*name) may not multiply the document"
                )
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
        return data, node
    except yaml.YAMLError as problem_error:
        mark = getattr(problem_error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(problem_error, "problem", None) or str(problem_error).splitlines()[0]
        raise error(f"{where}: malformed YAML: {problem}") from None


def node_lines(node: yaml.Node | None, prefix: tuple) -> dict[tuple, int]:
    """Map each key path in a composed YAML tree to its 1-based line number."""
    out: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*prefix, key_node.value)
            out[key] = key_node.start_mark.line + 1
            out.update(node_lines(value_node, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            key = (*prefix, i)
            out[key] = item.start_mark.line + 1
            out.update(node_lines(item, key))
    return out


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; any other value in ``update`` replaces the base value."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _split_path(dotted: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in dotted.strip().split(".")]


def apply_set(raw: dict[str, Any], assignment: str, origin: str | None = None) -> None:
    """--set a.b.c=value: the value is parsed as YAML (numbers, booleans, null, lists).
    Errors name ``origin`` (what the user typed; default ``--set a.b.c=value``)."""
    origin = origin or f"--set {assignment}"
    dotted, sep, text = assignment.partition("=")
    if not sep or not dotted.strip():
        raise ScenarioError(f"{origin}: expected PATH=VALUE, e.g. parameters.china_budget=2")
    try:
        value = yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError:
        raise ScenarioError(f"{origin}: value is not valid YAML") from None
    keys = _split_path(dotted)
    target: Any = raw
    for depth, key in enumerate(keys[:-1]):
        try:
            target = target[key] if isinstance(target, list) else target.setdefault(key, {})
        except (IndexError, TypeError, AttributeError):
            prefix = ".".join(str(k) for k in keys[: depth + 1])
            raise ScenarioError(f"{origin}: no such place '{prefix}'") from None
    if isinstance(target, list):
        if not isinstance(keys[-1], int) or keys[-1] >= len(target):
            raise ScenarioError(f"{origin}: no such list item '{dotted}'")
        target[keys[-1]] = value
    elif isinstance(target, dict):
        target[keys[-1]] = value
    else:
        raise ScenarioError(f"{origin}: '{dotted}' is inside a plain value")


# --- error messages ------------------------------------------------------------------------------
_EVENT_KINDS = {
    "set_org_weight",
    "join",
    "leave",
    "set_parameter",
    "scale_parameter",
    "attribution",
    "sanction",
}


def _allowed_keys(loc: tuple) -> list[str]:
    """Field names allowed at a location, for 'did you mean' hints."""
    from sim.engine import events as ev

    models: dict[str, type[BaseModel]] = {
        cls.model_fields["kind"].default: cls
        for cls in (
            ev.SetOrgWeight,
            ev.JoinOrganisation,
            ev.LeaveOrganisation,
            ev.SetParameter,
            ev.ScaleParameter,
            ev.AttributionClaim,
            ev.Sanction,
        )
    }
    if loc == ():
        return [*Scenario.model_fields, "extends"]
    if loc == ("parameters",):
        return list(ModelParams.model_fields)
    if loc == ("parameters", "org_weights"):
        return list(ORGANISATIONS)
    if loc == ("nations",):
        return list(NationsSpec.model_fields)
    if loc[:2] == ("nations", "overrides"):
        return list(NationOverride.model_fields)
    if loc[:1] == ("events",) and len(loc) >= 3 and loc[2] in models:
        return list(models[loc[2]].model_fields)
    return []


def _location(loc: tuple, path: Path | None, lines: Lines) -> str:
    """'file:line' for the deepest part of loc that the YAML defines."""
    clean = tuple(part for part in loc if part not in _EVENT_KINDS)
    for size in range(len(clean), 0, -1):
        if clean[:size] in lines:
            file, line = lines[clean[:size]]
            return file if file.startswith("--") else f"{file}:{line}"
    return str(path) if path else "<scenario>"


#: A whole-scenario check that names its field in the message ("events.3: step 50 is after ..").
_NAMED_FIELD = re.compile(r"^(events)\.(\d+): (step .*)$")


def _keys_of_model(root: type[BaseModel], loc: tuple) -> list[str]:
    """Field names (aliases where set) of the pydantic model at ``loc`` under ``root``, following
    fields typed as a model, an optional model or a dict of models."""
    node: Any = root
    for part in loc:
        node = _without_none(node)
        if typing.get_origin(node) is dict:
            node = typing.get_args(node)[1]  # ``part`` is a key of the dict
            continue
        if not (isinstance(node, type) and issubclass(node, BaseModel)):
            return []
        fields = {f.alias: f for f in node.model_fields.values() if f.alias}
        fields.update(node.model_fields)
        if part not in fields:
            return []
        node = fields[part].annotation
    node = _without_none(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return [f.alias or name for name, f in node.model_fields.items()]
    return []


def _without_none(node: Any) -> Any:
    """``X`` for ``X | None``; anything else unchanged."""
    args = [a for a in typing.get_args(node) if a is not type(None)]
    if typing.get_origin(node) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return node


def describe_validation_error(
    error: ValidationError,
    path: Path | None,
    lines: Lines,
    root: type[BaseModel] | None = None,
) -> str:
    """Every error of a validation, each as 'origin: field: what is allowed', on one line.

    Why every one: fixing errors one run at a time is slow. Why each with its own origin: with
    ``extends`` and ``--set`` the errors of one scenario come from several places. ``root``:
    the model validated when it is not a scenario (a calibration file), for the allowed keys."""
    described: list[str] = []
    for problem in error.errors():
        text = _describe_one(problem, path, lines, root)
        if text not in described:
            described.append(text)
    return "; ".join(described)


def _describe_one(
    first: Any, path: Path | None, lines: Lines, root: type[BaseModel] | None = None
) -> str:
    loc = tuple(first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    named = _NAMED_FIELD.match(message) if first["type"] == "value_error" and not loc else None
    if named:
        loc, message = (named[1], int(named[2]), "step"), named[3]
        steps_from = lines.get(("steps",), ("", 0))[0]
        if steps_from.startswith("--"):
            message += f" (steps from {steps_from})"
    clean = tuple(part for part in loc if part not in _EVENT_KINDS)
    dotted = ".".join(str(part) for part in clean) or "(top level)"
    if first["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1]) if root is None else _keys_of_model(root, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        message = f"unknown key{hint} (allowed: {', '.join(allowed)})"
    elif first["type"] == "missing":
        message = "required field is missing"
    elif first["type"] == "union_tag_invalid":
        message = f"unknown event kind; allowed: {', '.join(sorted(_EVENT_KINDS))}"
    elif first["type"] == "string_pattern_mismatch" and "[A-Z]{3}" in str(first.get("ctx")):
        message = (
            f"'{first['input']}' is not an ISO 3166-1 alpha-3 code (three capitals, e.g. 'IRN')"
        )
    return f"{_location(loc, path, lines)}: {dotted}: {message}"


# --- nations ---------------------------------------------------------------------------------------
def resolve_nations(scenario: Scenario, path: Path, lines: Lines) -> pd.DataFrame:
    from sim.world.dated import nations_at
    from sim.world.nations import load_nations

    spec = scenario.nations
    if spec.source == "embedded":
        try:
            frame = nations_at(scenario.start)
        except ValueError as error:
            raise ScenarioError(f"{_location(('start',), path, lines)}: start: {error}") from None
    else:
        csv = (path.parent / spec.source).resolve()
        if not csv.exists():
            where = _location(("nations", "source"), path, lines)
            raise ScenarioError(f"{where}: nations.source: file not found: {csv}")
        try:
            frame = load_nations(csv)
        except (KeyError, ValueError) as error:
            where = _location(("nations", "source"), path, lines)
            raise ScenarioError(f"{where}: nations.source: {csv.name}: {error}") from None
    duplicated = sorted(set(frame["iso3"][frame["iso3"].duplicated()]))
    if duplicated:
        where = _location(("nations", "source"), path, lines)
        raise ScenarioError(
            f"{where}: nations.source: {spec.source}: duplicate rows for {', '.join(duplicated)} "
            "(one row per nation)"
        )
    known = set(frame["iso3"])

    names = {
        str(name).lower(): str(code)
        for name, code in zip(frame["name"], frame["iso3"], strict=True)
    }
    label = dict(zip(frame["iso3"], frame["name"], strict=True))

    def suggest(code: str) -> list[str]:
        """The code of a nation name typed for a code, else codes sharing the first letters."""
        if code.lower() in names:
            return [names[code.lower()]]
        same_start = sorted(c for c in known if c[:2] == code[:2].upper())
        return difflib.get_close_matches(code.upper(), same_start, n=3, cutoff=0.3)

    def check(code: str, loc: tuple) -> None:
        if code not in known:
            close = [f"{c} ({label[c]})" for c in suggest(code)]
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            dotted = ".".join(str(p) for p in loc)
            raise ScenarioError(
                f"{_location(loc, path, lines)}: {dotted}: unknown nation code '{code}'{hint} "
                "(ISO 3166-1 alpha-3 codes of sim/data/nations.csv)"
            )

    for i, code in enumerate(scenario.watch):
        check(code, ("watch", i))
    for i, event in enumerate(scenario.events):
        for attribute in ("nation", "target"):
            code = getattr(event, attribute, None)
            if code is not None:
                check(code, ("events", i, attribute))
        parameter = getattr(event, "parameter", None)
        if parameter is not None:
            numeric = numeric_parameters(scenario.parameters)
            if parameter not in numeric:
                loc = ("events", i, "parameter")
                raise ScenarioError(
                    f"{_location(loc, path, lines)}: events.{i}.parameter: '{parameter}' is not a "
                    f"numeric parameter (allowed: {', '.join(numeric)})"
                )
    if spec.overrides:
        frame = frame.copy()
        for i, override in enumerate(spec.overrides):
            check(override.nation, ("nations", "overrides", i, "nation"))
            row = frame.index[frame["iso3"] == override.nation][0]
            for column, value in override.model_dump(exclude={"nation"}, exclude_none=True).items():
                frame.loc[row, column] = value
    return frame

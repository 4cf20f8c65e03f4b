"""Sweep files: what to vary, how to sample it, how often to repeat it, what to keep.

A sweep file (YAML, in ``scenarios/sweeps/``) names a base scenario and the scenario fields to vary
by their dotted path — the same paths ``run.py run --set`` takes, e.g.
``parameters.china_budget`` or ``parameters.org_weights.brics``. Loading goes

    safe YAML -> validate the sweep schema (pydantic) -> resolve the base scenario (extends)
    -> apply ``fixed`` overrides -> probe every varied path at its extremes through the
    scenario schema

With ``scenarios: [a, b, ...]`` instead of ``base`` every scenario is resolved and probed the
same way (the scenario factor, crossed with the design in ``sim.studies.sweep.design``),
so a typo in a path, a value the scenario would reject or a design that cannot work fails before
any run starts, with the scenario loader's one-line style: ``file:line: field: what is allowed``.
Format reference: docs/sweeps.md.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim import paths
from sim.engine.metrics import METRIC_NAMES
from sim.inputs.scenario import (
    Lines,
    ResolvedScenario,
    Scenario,
    ScenarioError,
    apply_set,
    describe_validation_error,
    find_scenario,
    locate,
    node_lines,
    parse_yaml,
    read_input_text,
    read_with_extends,
    resolve_nations,
)

SWEEP_DIR = paths.SWEEP_DIR

MetricName = Literal[METRIC_NAMES]  # type: ignore[valid-type]

#: Outcomes the analysis and its figures focus on unless a sweep names others: the bloc shares
#: of world GDP (the issue's headline question), polarization and the North Korea coalition.
DEFAULT_OUTCOMES: tuple[str, ...] = (
    "china_gdp_share",
    "us_gdp_share",
    "nonaligned_gdp_share",
    "esteban_ray",
    "sanction_support_share",
)

#: Columns every results row has; a varied parameter may not take one of these names.
RESERVED_COLUMNS: tuple[str, ...] = ("point", "replicate", "seed", "step", "final", "scenario")


class SweepError(ValueError):
    """Bad sweep input or an unusable results folder; the message is one line for the user."""


# --- parameters ---------------------------------------------------------------------------------
class ParameterSpec(BaseModel):
    """How one scenario field varies.

    Give exactly one of: ``values`` (explicit levels), ``range`` (a uniform interval, or
    log-uniform with ``log: true``), or ``distribution`` (normal, optionally truncated to
    ``range``; triangular on ``range`` with ``mode``). A grid needs levels: ``values``, or ``num``
    evenly spaced points of a range (quantiles of a distribution). Sampling designs (lhs, sobol,
    morris) map unit-cube coordinates through the inverse CDF.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: list[float | int | bool | str] | None = Field(
        None, min_length=1, description="Explicit levels (grid, lhs) in the order given."
    )
    range: tuple[float, float] | None = Field(None, description="[low, high] of the parameter.")
    num: int | None = Field(None, ge=2, le=10_000, description="Grid levels across the range.")
    log: bool = Field(False, description="Log scale: geometric grid, log-uniform sampling.")
    distribution: Literal["uniform", "normal", "triangular"] | None = Field(
        None, description="Sampling distribution; 'uniform' on the range is the default."
    )
    mean: float | None = Field(None, description="Mean of a normal distribution.")
    sd: float | None = Field(None, gt=0.0, description="Standard deviation of a normal.")
    mode: float | None = Field(None, description="Mode of a triangular distribution.")
    integer: bool = Field(False, description="Round to whole numbers (e.g. steps).")
    name: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$",
        description="Column name in the results (default: the path without 'parameters.').",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> ParameterSpec:
        distribution = self.distribution or ("uniform" if self.range is not None else None)
        if self.values is not None and (self.range is not None or self.distribution):
            raise ValueError("give either 'values' or 'range'/'distribution', not both")
        if self.values is None and distribution is None:
            raise ValueError("give 'values', 'range' or 'distribution'")
        if self.range is not None:
            low, high = self.range
            if not low < high:
                raise ValueError(f"range: low must be below high, got [{low}, {high}]")
            if self.log and low <= 0:
                raise ValueError("range: a log scale needs a positive low end")
        if distribution == "uniform" and self.range is None:
            raise ValueError("a uniform distribution needs 'range: [low, high]'")
        if distribution == "normal" and (self.mean is None or self.sd is None):
            raise ValueError("a normal distribution needs 'mean' and 'sd'")
        if distribution == "triangular":
            if self.range is None or self.mode is None:
                raise ValueError("a triangular distribution needs 'range' and 'mode'")
            if not self.range[0] <= self.mode <= self.range[1]:
                raise ValueError("mode must lie within range")
        if self.log and distribution not in (None, "uniform"):
            raise ValueError("log: true only works with a range (log-uniform)")
        return self

    @property
    def continuous(self) -> bool:
        return self.values is None

    @property
    def bounded(self) -> bool:
        return self.values is not None or self.range is not None

    def levels(self) -> list[Any]:
        """Grid levels: the values, or ``num`` points of the range (quantiles of a distribution
        at the midpoints of ``num`` equal-probability bins)."""
        if self.values is not None:
            return list(self.values)
        if self.num is None:
            raise ValueError("a grid needs 'values' or 'num' (how many levels)")
        if self.distribution in (None, "uniform") and self.range is not None:
            low, high = self.range
            points = (
                np.geomspace(low, high, self.num) if self.log else np.linspace(low, high, self.num)
            )
        else:
            points = self.from_unit((np.arange(self.num) + 0.5) / self.num)
        return self._finish(np.asarray(points)).tolist()

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map unit-cube coordinates in [0, 1] to parameter values (the inverse CDF)."""
        u = np.asarray(u, dtype=float)
        if self.values is not None:
            index = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return np.asarray(self.values, dtype=object)[index]
        distribution = self.distribution or "uniform"
        if distribution == "uniform":
            low, high = self.range  # type: ignore[misc]
            if self.log:
                values = np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
            else:
                values = low + u * (high - low)
        elif distribution == "normal":
            from scipy import stats  # here, not at the top: it costs every command 0.35 s

            # Infinite support: keep the extreme quantiles finite.
            u = np.clip(u, 1e-12, 1.0 - 1e-12)
            if self.range is None:
                values = stats.norm.ppf(u, loc=self.mean, scale=self.sd)
            else:
                a = (self.range[0] - self.mean) / self.sd  # type: ignore[operator]
                b = (self.range[1] - self.mean) / self.sd  # type: ignore[operator]
                values = stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        else:  # triangular
            from scipy import stats

            low, high = self.range  # type: ignore[misc]
            c = (self.mode - low) / (high - low)  # type: ignore[operator]
            values = stats.triang.ppf(u, c, loc=low, scale=high - low)
        return self._finish(values)

    def _finish(self, values: np.ndarray) -> np.ndarray:
        return np.rint(values).astype(np.int64) if self.integer else values.astype(float)


# --- designs --------------------------------------------------------------------------------------
class GridDesign(BaseModel):
    """Full factorial: every combination of every parameter's levels."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["grid"] = "grid"


class LhsDesign(BaseModel):
    """Latin hypercube (scipy.stats.qmc.LatinHypercube): ``samples`` points, each parameter's
    range cut into ``samples`` equal-probability strata, each stratum used once."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["lhs"] = "lhs"
    samples: int = Field(ge=2, le=10_000_000)
    optimization: Literal["random-cd", "lloyd"] | None = Field(
        None, description="scipy's space-filling improvement of the hypercube, if any."
    )


class SobolDesign(BaseModel):
    """Saltelli's scheme for Sobol indices (SALib.sample.sobol): N (D + 2) points, or
    N (2D + 2) with second-order indices. N must be a power of two."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["sobol"] = "sobol"
    samples: int = Field(ge=2, le=1_048_576, description="N, a power of two.")
    second_order: bool = False

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            lower = 1 << (value.bit_length() - 1)
            raise ValueError(f"must be a power of two (e.g. {lower} or {lower * 2}), got {value}")
        return value


class MorrisDesign(BaseModel):
    """Morris elementary effects (SALib.sample.morris): ``trajectories`` (D + 1) points on a
    ``levels``-level grid."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["morris"] = "morris"
    trajectories: int = Field(ge=2, le=100_000)
    levels: int = Field(4, ge=2, le=100)

    @field_validator("levels")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError(f"must be even (Morris' recommended step needs it), got {value}")
        return value


class PointsDesign(BaseModel):
    """An explicit list of points, each a mapping from dotted path to value."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["points"] = "points"
    points: list[dict[str, Any]] = Field(min_length=1)


Design = Annotated[
    GridDesign | LhsDesign | SobolDesign | MorrisDesign | PointsDesign,
    Field(discriminator="kind"),
]
DESIGN_KINDS = ("grid", "lhs", "sobol", "morris", "points")


class OutputsSpec(BaseModel):
    """What each run keeps. Metrics at the final step always; more only on request, because
    per-step and per-nation rows cost time and disk for every run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metrics: list[MetricName] | Literal["all"] = Field(  # type: ignore[valid-type]
        "all", description="Model-level metrics to keep (sim.engine.metrics.METRIC_NAMES)."
    )
    every: int | None = Field(
        None, ge=1, description="Also keep metrics at step 0 and every k steps."
    )
    nations: bool = Field(
        False, description="Also keep each nation's alignment and bloc at the kept steps."
    )

    @property
    def metric_names(self) -> tuple[str, ...]:
        return METRIC_NAMES if self.metrics == "all" else tuple(self.metrics)


class AnalysisSpec(BaseModel):
    """Which outcomes ``run.py analyze`` computes sensitivity indices and figures for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcomes: list[MetricName] | None = Field(  # type: ignore[valid-type]
        None, description=f"Default: {', '.join(DEFAULT_OUTCOMES)} (those kept)."
    )


class SweepSpec(BaseModel):
    """One study: base scenario(s), what varies, the design, replicates, seed, outputs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="Used in the results folder name.")
    question: str = Field(description="The question the sweep answers, in one line.")
    description: str = Field("", description="Longer explanation: design choices, caveats.")
    base: str | None = Field(
        None,
        description="Base scenario: a path relative to this file, or a name. Give this or "
        "'scenarios'.",
    )
    scenarios: list[str] | None = Field(
        None,
        min_length=1,
        description="Scenarios as a factor: every design point runs on each of these base "
        "scenarios (paths relative to this file, or names). Give this or 'base'.",
    )
    fixed: dict[str, Any] = Field(
        default_factory=dict, description="Overrides applied to every run (dotted path: value)."
    )
    vary: dict[str, ParameterSpec] = Field(
        default_factory=dict, description="Varied fields by dotted scenario path."
    )
    design: Design
    replicates: int = Field(1, ge=1, le=1_000_000, description="Runs per design point.")
    seed: int = Field(ge=0, description="Master seed; every run's seed derives from it.")
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)
    analysis: AnalysisSpec = Field(default_factory=AnalysisSpec)

    @field_validator("design", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """``design: grid`` is short for ``design: {kind: grid}``."""
        return {"kind": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _base_or_scenarios(self) -> SweepSpec:
        if (self.base is None) == (self.scenarios is None):
            raise ValueError(
                "give either 'base' (one scenario) or 'scenarios' (a list: the scenario "
                "factor), not both or neither"
            )
        return self

    @model_validator(mode="after")
    def _design_fits_parameters(self) -> SweepSpec:
        kind = self.design.kind
        if kind == "points":
            if self.vary:
                raise ValueError(
                    "design 'points' takes its values from design.points; remove 'vary'"
                )
            keys = list(self.design.points[0])
            for i, point in enumerate(self.design.points):
                if list(point) != keys:
                    raise ValueError(
                        f"design.points.{i}: every point must set the same paths in the same "
                        f"order as point 0 ({', '.join(keys)})"
                    )
            return self
        if not self.vary and kind != "grid":  # a grid of nothing: one point (replicates only)
            raise ValueError(f"design '{kind}' needs at least one parameter under 'vary'")
        for path, parameter in self.vary.items():
            if kind == "grid" and parameter.values is None and parameter.num is None:
                raise ValueError(f"vary.{path}: a grid needs 'values' or 'num' (how many levels)")
            if kind in ("sobol", "morris") and not parameter.continuous:
                raise ValueError(
                    f"vary.{path}: design '{kind}' needs a continuous parameter ('range' or "
                    "'distribution'); 'values' works with grid, lhs and points"
                )
            if kind == "morris" and not parameter.bounded:
                raise ValueError(f"vary.{path}: design 'morris' needs a bounded 'range'")
        if kind in ("sobol", "morris") and len(self.vary) < 2:
            raise ValueError(f"design '{kind}' needs at least two varied parameters")
        return self

    @property
    def paths(self) -> list[str]:
        """Dotted scenario paths of the varied fields, in file order."""
        if isinstance(self.design, PointsDesign):
            return list(self.design.points[0])
        return list(self.vary)

    @property
    def bases(self) -> list[str]:
        """The base scenario references: the one 'base', or the 'scenarios' list."""
        return list(self.scenarios) if self.scenarios is not None else [str(self.base)]

    @property
    def names(self) -> list[str]:
        """Results column of each varied field: its ``name``, else the path minus 'parameters.'."""
        out = []
        for path in self.paths:
            spec = self.vary.get(path)
            out.append(spec.name if spec and spec.name else path.removeprefix("parameters."))
        return out

    @property
    def outcomes(self) -> list[str]:
        kept = self.outputs.metric_names
        chosen = self.analysis.outcomes or [m for m in DEFAULT_OUTCOMES if m in kept]
        return list(chosen) or list(kept)


# --- loading --------------------------------------------------------------------------------------
@dataclass
class LoadedSweep:
    """A validated sweep with its resolved base scenario."""

    spec: SweepSpec
    path: Path
    text: str
    base: ResolvedScenario  # the base scenario with ``fixed`` applied
    base_raw: dict[str, Any] = field(repr=False)  # the same, as the raw mapping runs start from
    lines: Lines = field(repr=False, default_factory=dict)
    #: With a scenario factor: every scenario by its name (first = ``base``), resolved with
    #: ``fixed`` applied, and its raw mapping. Empty for a one-base sweep.
    factor: dict[str, tuple[ResolvedScenario, dict[str, Any]]] = field(
        repr=False, default_factory=dict
    )

    @property
    def sweep_hash(self) -> str:
        """SHA-256 over everything that decides the results: the validated sweep, the resolved
        base scenario and the nations table. Comments and formatting do not count."""
        payload: dict[str, Any] = {
            "sweep": self.spec.model_dump(mode="json"),
            "base_scenario": self.base.content_hash,
            "nations": self.nations_hash,
        }
        if self.factor:
            payload["scenarios"] = {
                name: [resolved.content_hash, _frame_hash(resolved.nations)]
                for name, (resolved, _) in self.factor.items()
            }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    @property
    def nations_hash(self) -> str:
        """SHA-256 of the base nations table's contents."""
        return _frame_hash(self.base.nations)

    @property
    def varies_nations(self) -> bool:
        """Runs must rebuild the world only when a varied path touches the nations table or the
        start date (the world of another date: its nations and the drivers known then)."""
        return any(path.split(".")[0] in ("nations", "start") for path in self.spec.paths)


def _frame_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's contents."""
    rows = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    return hashlib.sha256(rows.tobytes()).hexdigest()


def find_sweep(path: str | Path) -> Path:
    """Accept a path, or a bare sweep name from ``scenarios/sweeps/``."""
    found = locate(path, SWEEP_DIR)
    if found is None:
        known = ", ".join(p.stem for p in sorted(SWEEP_DIR.glob("*.yaml")))
        raise SweepError(f"{path}: file not found (library sweeps: {known or 'none'})")
    return found


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read and validate a sweep file and its base scenario; SweepError with a one-line message."""
    path = find_sweep(path)
    try:
        text = read_input_text(path, SweepError)
    except FileNotFoundError:
        raise SweepError(f"{path}: file not found") from None
    raw, node = parse_yaml(text, path, SweepError)
    if not isinstance(raw, dict):
        raise SweepError(f"{path}:1: a sweep file must be a mapping of keys to values")
    lines = {key: (str(path), line) for key, line in node_lines(node, ()).items()}
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as error:
        raise SweepError(_describe_sweep_error(error, path, lines)) from None
    factor: dict[str, tuple[ResolvedScenario, dict[str, Any]]] = {}
    for i, reference in enumerate(spec.bases):
        keys = ("scenarios", i) if spec.scenarios is not None else ("base",)
        resolved, raw_base = _resolve_base(reference, keys, spec, path, lines)
        name = resolved.scenario.name
        if name in factor:
            raise SweepError(
                f"{_where(path, lines, *keys)}: scenarios.{i}: scenario name '{name}' is "
                "already in the list; every scenario needs its own name"
            )
        factor[name] = (resolved, raw_base)
    base, base_raw = next(iter(factor.values()))
    loaded = LoadedSweep(
        spec, path, text, base, base_raw, lines, factor if spec.scenarios is not None else {}
    )
    _check_names(loaded)
    _probe_paths(loaded)
    return loaded


def _where(path: Path, lines: Lines, *keys: Any) -> str:
    """'file:line' of the deepest of ``keys`` the file defines."""
    for size in range(len(keys), 0, -1):
        if keys[:size] in lines:
            return f"{path}:{lines[keys[:size]][1]}"
    return str(path)


_MODELS: dict[tuple, type[BaseModel]] = {
    (): SweepSpec,
    ("outputs",): OutputsSpec,
    ("analysis",): AnalysisSpec,
}


def _describe_sweep_error(error: ValidationError, path: Path, lines: Lines) -> str:
    """One line: file:line: field: message (with 'did you mean' for unknown keys)."""
    first = error.errors()[0]
    loc = tuple(first["loc"])
    # Pydantic puts the chosen union member's tag in the location; users never wrote it.
    clean = tuple(
        p
        for p in loc
        if (p not in DESIGN_KINDS or loc[:1] != ("design",))
        and not (isinstance(p, str) and p.startswith(("list[", "literal[")))
    )
    dotted = ".".join(str(p) for p in clean) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        parent = clean[:-1]
        model = _MODELS.get(parent)
        if parent[:1] == ("vary",) and len(parent) == 2:
            model = ParameterSpec
        elif parent == ("design",) and len(loc) > len(clean):
            kind = loc[1]
            model = {
                "grid": GridDesign,
                "lhs": LhsDesign,
                "sobol": SobolDesign,
                "morris": MorrisDesign,
                "points": PointsDesign,
            }[kind]
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(clean[-1]), allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        message = f"unknown key{hint} (allowed: {', '.join(allowed)})"
    elif first["type"] == "missing":
        message = "required field is missing"
    elif first["type"] == "union_tag_invalid":
        message = f"unknown design kind; allowed: {', '.join(DESIGN_KINDS)}"
    elif first["type"] == "literal_error" and clean[:2] in (("outputs", "metrics"),):
        message = f"unknown metric; allowed: 'all' or a list of {', '.join(METRIC_NAMES)}"
    # A value failing a union (a list of metrics, or 'all') fails each member: count it once.
    mine = tuple(str(p) for p in clean)
    others = {
        tuple(str(p) for p in e["loc"] if not str(p).startswith(("list[", "literal[")))
        for e in error.errors()[1:]
    }
    others = {o for o in others if o != mine[: len(o)]}
    more = f" (+{len(others)} more)" if others else ""
    return f"{_where(path, lines, *clean)}: {dotted}: {message}{more}"


def _resolve_base(
    reference: str, keys: tuple, spec: SweepSpec, path: Path, lines: Lines
) -> tuple[ResolvedScenario, dict]:
    """A base scenario (extends resolved) with the sweep's ``fixed`` overrides applied.
    ``keys`` locate the reference in the sweep file (``base``, or ``scenarios``, i)."""
    candidate = (path.parent / reference).resolve()
    dotted = ".".join(str(k) for k in keys)
    try:
        scenario_path = candidate if candidate.is_file() else find_scenario(reference)
        raw, scenario_lines = read_with_extends(scenario_path, chain=())
    except ScenarioError as error:
        raise SweepError(f"{_where(path, lines, *keys)}: {dotted}: {error}") from None
    for dotted, value in spec.fixed.items():
        try:
            assign(raw, dotted, value)
        except ScenarioError as error:
            raise SweepError(f"{_where(path, lines, 'fixed', dotted)}: fixed.{error}") from None
        scenario_lines[tuple(_split(dotted))] = (
            str(path),
            lines.get(("fixed", dotted), ("", 0))[1],
        )
    try:
        scenario = Scenario.model_validate(raw)
        nations = resolve_nations(scenario, scenario_path, scenario_lines)
    except ValidationError as error:
        raise SweepError(describe_validation_error(error, scenario_path, scenario_lines)) from None
    except ScenarioError as error:
        raise SweepError(str(error)) from None
    return ResolvedScenario(scenario, scenario_path, nations), raw


def _check_names(loaded: LoadedSweep) -> None:
    spec = loaded.spec
    seen: dict[str, str] = {}
    for path, name in zip(spec.paths, spec.names, strict=True):
        where = _where(loaded.path, loaded.lines, "vary", path)
        if name in RESERVED_COLUMNS or name in METRIC_NAMES:
            raise SweepError(
                f"{where}: vary.{path}: column name '{name}' is taken by the results table; "
                "give this parameter a 'name'"
            )
        if name in seen:
            raise SweepError(
                f"{where}: vary.{path}: column name '{name}' is also used by '{seen[name]}'; "
                "give one of them a 'name'"
            )
        seen[name] = path


def probe_values(loaded: LoadedSweep) -> list[list[Any]]:
    """Values at which each varied path is checked before the sweep starts: its extremes."""
    probes = []
    for parameter in loaded.spec.vary.values():
        if isinstance(loaded.spec.design, GridDesign) or parameter.values is not None:
            levels = parameter.levels()
            probes.append([levels[0], levels[-1]] if len(levels) > 1 else levels)
        else:
            probes.append(parameter.from_unit(np.array([0.0, 1.0])).tolist())
    return probes


def _probe_paths(loaded: LoadedSweep) -> None:
    """Every varied path must exist in the scenario schema and accept its extreme values.

    Each path is probed on its own so the message can name it (every point of a 'points'
    design is checked whole); values in between are checked per run, where an invalid one
    becomes a recorded failure rather than a crash.
    """
    spec = loaded.spec
    bases = [(r.path, raw, n) for n, (r, raw) in loaded.factor.items()] or [
        (loaded.base.path, loaded.base_raw, None)
    ]
    for base, base_raw, label in bases:
        on = f" (scenario {label})" if label else ""
        if isinstance(spec.design, PointsDesign):
            for i, point in enumerate(spec.design.points):
                try:
                    resolve_scenario(
                        base_raw, list(point), list(point.values()), base, with_nations=True
                    )
                except ScenarioError as error:
                    where = _where(loaded.path, loaded.lines, "design", "points", i)
                    raise SweepError(f"{where}: design.points.{i}{on}: {error}") from None
            continue
        for path, values in zip(spec.paths, probe_values(loaded), strict=True):
            for value in values:
                try:
                    resolve_scenario(base_raw, [path], [value], base, with_nations=True)
                except ScenarioError as error:
                    where = _where(loaded.path, loaded.lines, "vary", path)
                    raise SweepError(f"{where}: vary.{path} = {value!r}{on}: {error}") from None


# --- the dotted-path mechanism shared with ``run.py run --set`` ----------------------------------
def _split(dotted: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in dotted.strip().split(".")]


def _assign_plain(raw: dict[str, Any], dotted: str, value: float | int | bool) -> bool:
    """Set a plain number or flag where ``apply_set`` would put it, without the YAML text round
    trip (the value would read back as itself: safe_dump writes floats that round-trip exactly),
    which cost about 1.5 ms per design point. False, touching nothing, where the path is not a
    simple place; ``assign`` then takes the general route and its error messages."""
    keys = _split(dotted)
    target: Any = raw
    for key in keys[:-1]:
        if isinstance(target, dict) and isinstance(target.get(key, {}), (dict, list)):
            target = target.setdefault(key, {})
        elif isinstance(target, list) and isinstance(key, int) and 0 <= key < len(target):
            target = target[key]
        else:
            return False
    last = keys[-1]
    if isinstance(target, dict) and not isinstance(last, int):
        target[last] = value
        return True
    if isinstance(target, list) and isinstance(last, int) and 0 <= last < len(target):
        target[last] = value
        return True
    return False


def assign(raw: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a scenario field by dotted path, exactly as ``--set path=value`` would.

    The value goes through ``sim.inputs.scenario.apply_set`` as YAML text; ``yaml.safe_dump`` writes
    floats so that they read back bit-identically. Errors name the path, not the ``--set``.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if type(value) in (float, int, bool) and _assign_plain(raw, dotted, value):
        return
    text = yaml.safe_dump(value, default_flow_style=True).strip()
    text = text.removesuffix("...").strip()
    assignment = f"{dotted}={text}"
    try:
        apply_set(raw, assignment)
    except ScenarioError as error:
        raise ScenarioError(
            f"{dotted}: " + str(error).removeprefix(f"--set {assignment}: ")
        ) from None


def resolve_scenario(
    base_raw: dict[str, Any],
    paths: list[str],
    values: list[Any],
    scenario_path: Path | None,
    with_nations: bool = False,
) -> tuple[Scenario, pd.DataFrame | None]:
    """The scenario of one design point: base + values at paths, validated by the scenario
    schema. Raises ScenarioError with a one-line message naming the field."""
    raw = copy.deepcopy(base_raw)
    for path, value in zip(paths, values, strict=True):
        assign(raw, path, value)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        where: Lines = {tuple(_split(p)): ("--set", 0) for p in paths}
        message = describe_validation_error(error, None, where)
        message = message.replace("--set: ", "").replace("<scenario>: ", "")
        raise ScenarioError(message) from None
    nations = None
    if with_nations:
        nations = resolve_nations(scenario, scenario_path or Path("<memory>"), {})
    return scenario, nations


# --- JSON Schema ----------------------------------------------------------------------------------
SCHEMA_PATH = paths.DOCS_DIR / "sweep.schema.json"


def json_schema() -> dict[str, Any]:
    """JSON Schema of a sweep file (editors use it to complete and check YAML files)."""
    schema = SweepSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "cyberbloc sweep"
    design = schema["properties"]["design"]
    # ``design: grid`` is short for ``design: {kind: grid}`` (SweepSpec._shorthand).
    schema["properties"]["design"] = {
        "anyOf": [{"type": "string", "enum": list(DESIGN_KINDS)}, design],
        "description": "The design: a kind name, or a mapping with 'kind' and its settings.",
    }
    schema["anyOf"] = [{"required": ["base"]}, {"required": ["scenarios"]}]
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"

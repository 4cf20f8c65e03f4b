"""Calibration files: which parameters to fit, their priors, the window, the algorithm.

Loaded like scenarios and sweeps (one safe YAML parser, one-line errors naming the file, line and
field). Format reference: docs/calibration.md; JSON Schema: ``run.py schema --calibration``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim import paths
from sim.engine.params import ModelParams
from sim.inputs.scenario import (
    ScenarioError,
    describe_validation_error,
    find_scenario,
    node_lines,
    parse_yaml,
    read_input_text,
)
from sim.world.dated import EARLIEST, OBSERVED_UNTIL

CALIBRATION_DIR = paths.CALIBRATION_DIR


class CalibrationError(ScenarioError):
    """Bad calibration input; one line for the user."""


class Prior(BaseModel):
    """A prior on one numeric model parameter."""

    model_config = ConfigDict(extra="forbid")

    distribution: Literal["uniform", "loguniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError("a loguniform prior needs low > 0")
        return self


class Window(BaseModel):
    """The run starts on ``start`` from the world of that date and is compared with the observed
    alignment on every 1 January after it up to ``end``."""

    model_config = ConfigDict(extra="forbid")

    start: date
    end: date

    @model_validator(mode="after")
    def _inside_record(self) -> Window:
        if not EARLIEST <= self.start < self.end <= OBSERVED_UNTIL:
            raise ValueError(
                f"need {EARLIEST} <= start < end <= {OBSERVED_UNTIL} (the observed record)"
            )
        if self.end.year - self.start.year < 2 or (self.start.month, self.start.day) != (1, 1):
            raise ValueError("start on a 1 January and cover at least two observed years")
        return self


class Algorithm(BaseModel):
    """pyabc ABC-SMC settings."""

    model_config = ConfigDict(extra="forbid")

    population: int = Field(200, ge=10, le=100_000, description="Particles per generation.")
    generations: int = Field(6, ge=1, le=100, description="Generations to run at most.")
    min_epsilon: float = Field(0.0, ge=0.0, description="Stop once epsilon falls below this.")
    min_acceptance: float = Field(
        0.01, ge=0.0, le=1.0, description="Stop once a generation accepts fewer than this share."
    )


class Calibration(BaseModel):
    """One calibration study."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", max_length=100)
    question: str
    description: str = ""
    base: str = Field("baseline", description="Scenario whose parameters the unfitted ones keep.")
    priors: dict[str, Prior] = Field(min_length=1)
    train: Window
    validate_window: Window | None = Field(None, alias="validate")
    replicates: int = Field(2, ge=1, le=100, description="Seeds per parameter set.")
    horizon: int | None = Field(
        None,
        ge=1,
        le=9,
        description="Rolling origins: when set, the fit runs from the world of every 1 January "
        "from train.start to train.end minus this many years, each run this many years ahead, "
        "and averages the discrepancy over the runs (sim/history/calibrate/target.py). Unset: one run "
        "from train.start to train.end.",
    )
    observation_error: bool = Field(
        True,
        description="Add the observed series' measurement error (bootstrap SE) to simulated "
        "changes before comparing (sim/history/calibrate/target.py).",
    )
    algorithm: Algorithm = Field(default_factory=Algorithm)
    seed: int = Field(1, ge=0)

    @model_validator(mode="after")
    def _known_parameters(self) -> Calibration:
        numeric = {
            name
            for name, field in ModelParams.model_fields.items()
            if field.annotation in (float, "float")
        }
        for name in self.priors:
            if name not in numeric:
                raise ValueError(
                    f"priors: '{name}' is not a numeric model parameter "
                    f"(one of: {', '.join(sorted(numeric))})"
                )
        if self.horizon is not None and self.horizon > self.train.end.year - self.train.start.year:
            raise ValueError(
                f"horizon: {self.horizon} years is longer than the training window "
                f"({self.train.start} to {self.train.end})"
            )
        if self.validate_window and self.validate_window.start < self.train.end:
            raise ValueError("validate.start must not be before train.end (no overlap)")
        return self

    @property
    def content_hash(self) -> str:
        text = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def find_calibration(path: str | Path) -> Path:
    candidate = Path(path)
    for option in (candidate, CALIBRATION_DIR / candidate, CALIBRATION_DIR / f"{candidate}.yaml"):
        if option.is_file():
            return option
    raise CalibrationError(
        f"{path}: no such calibration file (library: {CALIBRATION_DIR}: "
        + ", ".join(sorted(p.stem for p in CALIBRATION_DIR.glob("*.yaml")))
        + ")"
    )


def load_calibration(path: str | Path) -> tuple[Calibration, Path, str]:
    """(validated calibration, its path, its text); CalibrationError with one line otherwise."""
    path = find_calibration(path)
    try:
        text = read_input_text(path, CalibrationError)
    except FileNotFoundError:
        raise CalibrationError(f"{path}: file not found") from None
    raw, node = parse_yaml(text, path, CalibrationError)
    if not isinstance(raw, dict):
        raise CalibrationError(f"{path}: expected a mapping of fields")
    lines = {k: (str(path), v) for k, v in node_lines(node, ()).items()}
    try:
        spec = Calibration.model_validate(raw)
    except ValidationError as error:
        raise CalibrationError(describe_validation_error(error, path, lines, Calibration)) from None
    find_scenario(spec.base)
    return spec, path, text


def json_schema_text() -> str:
    return json.dumps(Calibration.model_json_schema(by_alias=True), indent=2) + "\n"

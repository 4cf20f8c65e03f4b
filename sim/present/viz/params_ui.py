"""Slider specifications generated from ``sim.engine.params.ModelParams`` — never a second hand-kept list.

Label, unit, range and help text of each slider come from the field's metadata (its
description, ``json_schema_extra["unit"]`` and ``ge``/``le`` bounds). Only *which* parameters
get a slider is chosen here. Specs use Mesa's ``model_params`` dictionary format, so Mesa's
``UserInputs`` renders them.

Settings (what the sliders hold) are a flat dict: parameter names, ``org_weights.<org>`` for the
organisations' peer weights, plus ``scenario_name`` and ``seed``. ``ExplorerModel`` turns them
into ``--set`` style overrides of the scenario, so they are validated exactly like the CLI's.
"""

from __future__ import annotations

import math
from typing import Any

from annotated_types import Ge, Gt, Le, Lt

from sim.engine.params import DEFAULT_ORG_WEIGHTS, ORGANISATION_LABELS, ORGANISATIONS, ModelParams

#: The parameters an analyst moves most: the two actors' strategies, peer influence, blocs.
KEY_PARAMETERS: tuple[str, ...] = (
    "china_budget",
    "us_pressure_budget",
    "pressure_pull",
    "backlash_strength",
    "peer_weight",
    "us_bloc_threshold",
    "china_bloc_threshold",
)
ORG_PREFIX = "org_weights."
ORG_LABELS: dict[str, str] = ORGANISATION_LABELS
#: Open-ended parameters get a slider up to this multiple of their default.
SPAN_OF_DEFAULT = 4.0
SLIDER_STEPS = 100  # about this many positions per slider


def _nice_step(span: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about SLIDER_STEPS positions."""
    raw = span / SLIDER_STEPS
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    low = high = None
    for item in metadata:
        if isinstance(item, Ge | Gt):
            low = float(item.ge if isinstance(item, Ge) else item.gt)
        elif isinstance(item, Le | Lt):
            high = float(item.le if isinstance(item, Le) else item.lt)
    return low, high


def _on_grid(value: float, low: float, step: float) -> bool:
    k = (value - low) / step
    return math.isclose(k, round(k), abs_tol=1e-9)


def _step_through(value: float, low: float, span: float) -> float:
    """The slider step: the round step for the span (``_nice_step``), made finer (1, 2, 5 times
    a power of ten) until ``value`` is one of the slider's positions. Why: the browser's slider
    snaps its value to a position and sends it back, so a default between two positions (the
    calibrated 0.33 on a 0.02 grid) became 0.34 on load, the page said "Settings changed" though
    nothing was touched, and Reset then ran a parameter nobody chose (issue 12)."""
    step = _nice_step(span)
    while not _on_grid(value, low, step) and step > 1e-9:
        power = 10 ** math.floor(math.log10(step) + 1e-12)
        mantissa = round(step / power)
        step = {10: 5, 5: 2, 2: 1, 1: 0.5}[mantissa] * power
    return step


def _slider(label: str, default: float, low: float | None, high: float | None) -> dict[str, Any]:
    low = 0.0 if low is None else low
    reach = max(abs(default) * SPAN_OF_DEFAULT, 1.0 if default == 0 else 0.0)
    high = low + reach if high is None else min(high, low + reach)
    step = _step_through(default, low, high - low)
    return {
        "type": "SliderFloat",
        "label": label,
        "value": default,
        "min": low,
        "max": round(math.ceil(high / step) * step, 10),
        "step": step,
    }


def humanise(name: str) -> str:
    """'us_pressure_budget' -> 'US pressure budget'."""
    words = name.split("_")
    words = [w.upper() if w in {"us", "gdp"} else w for w in words]
    text = " ".join(words)
    return text[0].upper() + text[1:]


def parameter_spec(name: str) -> dict[str, Any]:
    """Mesa slider spec for one ModelParams field, plus its unit and description."""
    field = ModelParams.model_fields[name]
    unit = (field.json_schema_extra or {}).get("unit", "")
    low, high = _bounds(field.metadata)
    spec = _slider(f"{humanise(name)} ({unit})", float(field.get_default()), low, high)
    spec["help"] = field.description or ""
    return spec


def org_label(org: str) -> str:
    """Display name of an organisation (new ones in sim.engine.params get a readable fallback)."""
    return ORG_LABELS.get(org) or humanise(org)


def org_weight_spec(org: str) -> dict[str, Any]:
    """Mesa slider spec for one organisation's peer weight (ModelParams.org_weights)."""
    field = ModelParams.model_fields["org_weights"]
    unit = (field.json_schema_extra or {}).get("unit", "")
    default = DEFAULT_ORG_WEIGHTS.get(org, 1.0)
    spec = _slider(f"{org_label(org)} ({unit})", default, 0.0, None)
    spec["help"] = field.description or ""
    return spec


def slider_specs() -> dict[str, dict[str, Any]]:
    """Every slider, keyed by its settings name, in display order."""
    specs = {name: parameter_spec(name) for name in KEY_PARAMETERS}
    specs |= {ORG_PREFIX + org: org_weight_spec(org) for org in ORGANISATIONS}
    return specs


def settings_from_params(params: ModelParams) -> dict[str, float]:
    """The slider values a parameter object stands for."""
    values: dict[str, float] = {name: float(getattr(params, name)) for name in KEY_PARAMETERS}
    values |= {ORG_PREFIX + org: float(params.org_weights[org]) for org in ORGANISATIONS}
    return values


def same_value(a: float, b: float) -> bool:
    """Equal up to float rounding: a browser slider sends 0.33000000000000002 for 0.33."""
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def overrides_from_settings(settings: dict[str, Any], params: ModelParams) -> list[str]:
    """``--set`` assignments for the slider values that differ from ``params``."""
    current = settings_from_params(params)
    overrides = []
    for name, value in settings.items():
        if name not in current or value is None:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"{name}: expected a number, got {value!r}")
        if not same_value(float(value), current[name]):
            overrides.append(f"parameters.{name}={_yaml_number(float(value))}")
    return overrides


def settings_differ(wanted: dict[str, Any], running: dict[str, Any]) -> bool:
    """Whether a Reset with ``wanted`` would build another run than ``running``: another
    scenario or seed, or a slider further than float rounding from the running value
    (``same_value``)."""
    if wanted.keys() != running.keys():
        return True
    for name, value in wanted.items():
        other = running[name]
        numbers = all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in (value, other)
        )
        if numbers and name != "seed":
            if not same_value(float(value), float(other)):
                return True
        elif value != other:
            return True
    return False


def _yaml_number(value: float) -> str:
    """Plain decimal notation: YAML 1.1 reads '1e-05' as a string, not a number."""
    text = f"{value:.12f}".rstrip("0")
    return text + "0" if text.endswith(".") else text

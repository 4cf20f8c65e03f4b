"""The model's parameters: one validated object, the single place where each name, default, unit
and meaning is written down.

Every rate is *per step*, and one step stands for one calendar month (``STEP_MONTHS``). The docs
(``docs/ODD.md``), the command line's ``describe`` and the front end's sliders are generated from
the field metadata here, so nothing else keeps a second list.

Validation happens here, at the boundary (scikit-learn's habit): the dynamics kernel trusts what
it is given and carries no checks of its own.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The organisations are facts of the world; re-exported here, where parameters name them.
from sim.world.organisations import ORGANISATION_LABELS as ORGANISATION_LABELS
from sim.world.organisations import ORGANISATIONS as ORGANISATIONS
from sim.world.organisations import Organisation

#: Calendar time one model step stands for. Every per-step rate below is a monthly rate.
STEP_MONTHS = 1

#: The six magnitudes fitted to the record (docs/validation.md): each default is the weighted
#: posterior median of the shipped calibration (scenarios/calibration/history_2011_2019.yaml,
#: sim/data/posterior_2011_2019.parquet), to two significant figures; a test checks they match.
CALIBRATED_DEFAULTS: dict[str, float] = {
    "investment_pull": 0.0056,
    "pressure_pull": 0.0092,
    "backlash_strength": 0.33,
    "peer_weight": 0.047,
    "stubbornness": 0.11,
    "noise_sd": 0.0056,
}
#: The values those six had before the calibration, chosen by hand: kept so the validation table
#: can score the "uncalibrated" model against the calibrated one.
HAND_SET_VALUES: dict[str, float] = {
    "investment_pull": 0.02,
    "pressure_pull": 0.03,
    "backlash_strength": 0.6,
    "peer_weight": 0.03,
    "stubbornness": 0.03,
    "noise_sd": 0.005,
}

#: Peer-network weight of each organisation (how much two co-members listen to each other).
#: Rationale in docs/ODD.md, "Submodel 3": intelligence-sharing and treaty alliances bind tighter
#: than broad forums; the Non-Aligned Movement (120 states) is a loose tie. ``us_alliance`` is the
#: US hub-and-spoke alliance system (membership strength = security tie; the US itself 1), which
#: is what ties Japan, Korea, Israel or Taiwan to the US side.
DEFAULT_ORG_WEIGHTS: dict[str, float] = {
    "five_eyes": 3.0,
    "nato": 1.5,
    "eu": 1.5,
    "brics": 1.0,
    "sco": 1.0,
    "csto": 1.0,
    "gcc": 1.0,
    "asean": 0.6,
    "arab_league": 0.5,
    "african_union": 0.3,
    "nam": 0.05,
    "us_alliance": 1.0,
}

ChinaTargeting = Literal["observed", "africa_arab_need", "need", "swing", "uniform"]
UsTargeting = Literal["observed", "drifting", "allies", "swing", "uniform"]
DriverSource = Literal["observed", "rules"]


def _field(default: Any, unit: str, description: str, **limits: Any) -> Any:
    """A pydantic Field that also carries a unit, so docs and UIs can show it."""
    return Field(default, description=description, json_schema_extra={"unit": unit}, **limits)


class ModelParams(BaseModel):
    """All tunable parameters of the cyber-bloc model, with defaults for the 2023 baseline."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    # --- 0. Where the drivers come from ---------------------------------------------------------
    driver_source: DriverSource = _field(
        "observed",
        "choice",
        "Where each year's Chinese finance and US sanction cases come from (docs/ODD.md 7.1-7.2): "
        "'observed' = the observed drivers for every year the record covers (2000-2021 finance, "
        "2013-2022 sanctions), the allocation rules after it: a run conditional on what happened "
        "(hindcasts); 'rules' = the allocation rules fitted on the data before the start date from "
        "the first month: what a forecast can know.",
    )

    # --- 1. Chinese infrastructure investment (Digital Silk Road) ---------------------------
    china_budget: float = _field(
        1.0,
        "multiplier",
        "Multiplier on China's investment flows: 1 = as observed / as the allocation rule "
        "predicts (Chinese official finance, AidData, spread over each year's 12 months); "
        "2 = China doubles its budget; 0 = no new investment (the stock built before the start "
        "date remains).",
        ge=0.0,
        le=100.0,
    )
    china_targeting: ChinaTargeting = _field(
        "observed",
        "choice",
        "Who gets the flows: 'observed' = each state its own observed or rule-predicted flow. "
        "The legacy strategies split the same yearly total by made-up weights (every one scales "
        "by the economy's size, its absorptive capacity): 'africa_arab_need' = by market plus "
        "infrastructure need, with priority to African and Arab states; 'need' = by market plus "
        "need only; 'swing' = by market plus need times closeness to neutrality; 'uniform' = by "
        "economy size only. Under the legacy strategies nations that recognise Taiwan get nothing.",
    )
    china_priority_weight: float = _field(
        3.0,
        "ratio",
        "Legacy 'africa_arab_need' targeting only: weight of an African or Arab state relative "
        "to another state of equal need.",
        ge=0.0,
        le=100.0,
    )
    china_market_weight: float = _field(
        0.25,
        "ratio",
        "Legacy targeting only: weight of a fully connected economy relative to the need term: "
        "commercial network and cloud contracts (e.g. Gulf 5G) where the digital gap is closed.",
        ge=0.0,
        le=10.0,
    )
    china_allied_access: float = _field(
        0.25,
        "ratio",
        "Legacy targeting only: weight of US treaty allies relative to others (restricted market "
        "access, e.g. bans on Chinese network vendors).",
        ge=0.0,
        le=1.0,
    )
    infrastructure_depreciation: float = _field(
        0.01,
        "1/step",
        "Share of the infrastructure stock that depreciates each month (also in the stock built "
        "from 2000 up to the start date).",
        ge=0.0,
        le=1.0,
    )
    investment_pull: float = _field(
        CALIBRATED_DEFAULTS["investment_pull"],
        "1/step",
        "Largest monthly pull toward China, reached when dependence is far above dependence_half.",
        ge=0.0,
        le=1.0,
    )
    dependence_half: float = _field(
        0.02,
        "stock/GDP",
        "Dependence (Chinese infrastructure stock over annual GDP) at which the pull is half its "
        "maximum: the diminishing-returns scale.",
        gt=0.0,
        le=10.0,
    )
    china_threat_damping: float = _field(
        1.0,
        "1/threat",
        "How strongly a nation's perceived cyber threat from China damps the investment pull.",
        ge=0.0,
        le=100.0,
    )

    # --- 2. US pressure ------------------------------------------------------------------------
    us_pressure_budget: float = _field(
        1.0,
        "multiplier",
        "Multiplier on the US pressure units: a nation's units are the US sanction cases in force "
        "on it that year (GSDB; observed, or the allocation rule's prediction); 2 = twice the "
        "pressure, 0 = none.",
        ge=0.0,
        le=100.0,
    )
    us_targeting: UsTargeting = _field(
        "observed",
        "choice",
        "Who gets the pressure: 'observed' = each state its own sanction cases in force. The "
        "legacy strategies split the same yearly total of units: 'drifting' = nations outside the "
        "US bloc, more the further toward China (the panel study finds no support for it); "
        "'allies' = by security-tie strength; 'swing' = by closeness to neutrality; 'uniform' = "
        "equal shares.",
    )
    pressure_pull: float = _field(
        CALIBRATED_DEFAULTS["pressure_pull"],
        "1/step",
        "Largest monthly effect of pressure on a nation's alignment.",
        ge=0.0,
        le=1.0,
    )
    pressure_half: float = _field(
        0.5,
        "pressure units",
        "Pressure on one nation at which its effect is half its maximum (diminishing returns).",
        gt=0.0,
        le=1000.0,
    )
    security_tie_gain: float = _field(
        1.0,
        "ratio",
        "Extra pull of pressure on nations with US security ties: effect times (1 + gain * tie).",
        ge=0.0,
        le=100.0,
    )
    backlash_strength: float = _field(
        CALIBRATED_DEFAULTS["backlash_strength"],
        "ratio",
        "Share of pressure that backfires (pushes toward China) on a nation with full "
        "non-intervention commitment and no perceived threat.",
        ge=0.0,
        le=10.0,
    )
    threat_backlash_gain: float = _field(
        1.0,
        "1/threat",
        "How much perceived US cyber threat amplifies backlash: factor (1 + gain * threat).",
        ge=0.0,
        le=100.0,
    )

    # --- 3. Peer influence ----------------------------------------------------------------------
    peer_weight: float = _field(
        CALIBRATED_DEFAULTS["peer_weight"],
        "1/step",
        "Monthly rate at which a nation moves toward the weighted mean of its peers.",
        ge=0.0,
        le=1.0,
    )
    region_weight: float = _field(
        0.5,
        "tie weight",
        "Influence weight between two nations of the same UN sub-region.",
        ge=0.0,
        le=100.0,
    )
    org_weights: dict[Organisation, float] = Field(
        default_factory=lambda: dict(DEFAULT_ORG_WEIGHTS),
        description="Influence weight between two co-members, per organisation. Keys not given "
        "keep their defaults.",
        json_schema_extra={"unit": "tie weight"},
    )
    confidence_bound: float | None = _field(
        None,
        "alignment",
        "Bounded confidence: peers whose alignment differs by more than this are ignored. "
        "None switches it off.",
        gt=0.0,
        le=2.0,
    )

    # --- 4. Stubbornness --------------------------------------------------------------------------
    stubbornness: float = _field(
        CALIBRATED_DEFAULTS["stubbornness"],
        "1/step",
        "Monthly pull back toward each nation's own disposition (docs/ODD.md 7.4: the anchor that "
        "makes the observed starting alignment an equilibrium of peers and stubbornness).",
        ge=0.0,
        le=1.0,
    )

    # --- 4b. The non-intervention ("cyber sovereignty") norm -----------------------------------
    norm_peer_weight: float = _field(
        0.03,
        "1/step",
        "Monthly rate at which a nation's non-intervention norm moves toward its peers' norms "
        "(the norm spreads through the organisations and regions of the influence network).",
        ge=0.0,
        le=1.0,
    )
    norm_stubbornness: float = _field(
        0.03,
        "1/step",
        "Monthly pull of the norm back toward the nation's own norm disposition.",
        ge=0.0,
        le=1.0,
    )
    norm_investment_pull: float = _field(
        0.0,
        "1/step",
        "Largest monthly pull of the norm toward full non-intervention from dependence on "
        "Chinese-built infrastructure (same saturation as the alignment pull).",
        ge=0.0,
        le=1.0,
    )

    # --- 5. Threat perception ----------------------------------------------------------------------
    threat_decay: float = _field(
        0.02,
        "1/step",
        "Share of perceived cyber threat that fades each month.",
        ge=0.0,
        le=1.0,
    )
    initial_us_threat: float = _field(
        0.531,
        "threat",
        "Perceived US cyber threat at the start for a fully China-aligned audience: China's claim "
        "that 53.1% of 42 million malware samples found in 2020 came from the US.",
        ge=0.0,
        le=10.0,
    )
    initial_china_threat: float = _field(
        0.5,
        "threat",
        "Perceived Chinese cyber threat at the start for a fully US-aligned audience (Western "
        "public attributions of Chinese state hacking).",
        ge=0.0,
        le=10.0,
    )

    # --- 6. Noise ----------------------------------------------------------------------------------
    noise_sd: float = _field(
        CALIBRATED_DEFAULTS["noise_sd"],
        "alignment",
        "Standard deviation of the monthly random shock.",
        ge=0.0,
        le=1.0,
    )

    # --- Leaders -----------------------------------------------------------------------------------
    fixed_leaders: bool = _field(
        True,
        "flag",
        "Hold the US at -1 and China at +1: the two bloc leaders do not drift.",
    )

    # --- Blocs and metrics ---------------------------------------------------------------------------
    us_bloc_threshold: float = _field(
        -0.3,
        "alignment",
        "At or below this alignment a nation is in the US-led bloc.",
        ge=-1.0,
        le=0.0,
    )
    china_bloc_threshold: float = _field(
        0.3,
        "alignment",
        "At or above this alignment a nation is in the China-led bloc.",
        ge=0.0,
        le=1.0,
    )
    emergent_bandwidth: float = _field(
        0.1,
        "alignment",
        "Kernel bandwidth of the threshold-free bloc view (modes of the alignment density).",
        gt=0.0,
        le=1.0,
    )
    joint_response_target: str = _field(
        "PRK",
        "ISO3",
        "The state a joint response (e.g. cyber sanctions) would be directed against.",
        pattern=r"^[A-Z]{3}$",
    )

    @field_validator("org_weights", mode="before")
    @classmethod
    def _merge_org_weights(cls, value: Any) -> Any:
        """Partial dicts override the defaults, so a scenario only names what it changes."""
        if isinstance(value, dict):
            return {**DEFAULT_ORG_WEIGHTS, **value}
        return value

    @field_validator("org_weights")
    @classmethod
    def _non_negative_weights(cls, value: dict[str, float]) -> dict[str, float]:
        for name, weight in value.items():
            if weight < 0:
                raise ValueError(f"weight of {name!r} must be >= 0, got {weight}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ModelParams:
        if self.norm_peer_weight + self.norm_stubbornness > 1.0:
            raise ValueError(
                "norm_peer_weight + norm_stubbornness must be <= 1; got "
                f"{self.norm_peer_weight} + {self.norm_stubbornness}"
            )
        if self.peer_weight + self.stubbornness > 1.0:
            raise ValueError(
                "peer_weight + stubbornness must be <= 1 (otherwise a nation overshoots its "
                f"targets); got {self.peer_weight} + {self.stubbornness}"
            )
        if not self.us_bloc_threshold < self.china_bloc_threshold:
            raise ValueError("us_bloc_threshold must be below china_bloc_threshold")
        return self

    def replace(self, **changes: Any) -> ModelParams:
        """A validated copy with some fields changed (the object itself is frozen)."""
        return ModelParams(**{**self.model_dump(), **changes})


def parameter_table() -> list[dict[str, Any]]:
    """Name, default, unit and meaning of every parameter: the source for docs and ``describe``."""
    rows = []
    for name, field in ModelParams.model_fields.items():
        extra = field.json_schema_extra or {}
        default = field.get_default(call_default_factory=True)
        rows.append(
            {
                "name": name,
                "default": default,
                "unit": extra.get("unit", ""),
                "description": field.description or "",
            }
        )
    return rows


def parameter_markdown() -> str:
    """docs/parameters.md: the parameter table, generated (``run.py describe --markdown``)."""
    lines = [
        "# Model parameters",
        "",
        "Generated from `sim/engine/params.py` by `uv run run.py describe --markdown docs/parameters.md`;",
        "do not edit by hand. One step is one month: every rate is per step. Equations: docs/ODD.md.",
        "",
        "| parameter | default | unit | meaning |",
        "|---|---|---|---|",
    ]
    for row in parameter_table():
        default = row["default"]
        if isinstance(default, dict):
            default = ", ".join(f"{k} {v}" for k, v in default.items())
        lines.append(f"| `{row['name']}` | {default} | {row['unit']} | {row['description']} |")
    return "\n".join(lines) + "\n"

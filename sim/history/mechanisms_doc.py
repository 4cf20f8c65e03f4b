"""Write the panel study's tables into docs/mechanisms.md (between two markers).

Why a module of its own: the estimates (sim/history/mechanisms.py) are numbers; this turns them into
the tables a reader sees, in units they can picture, and leaves the hand-written prose around the
markers alone, so a rerun on another position series replaces only the numbers.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from sim import paths
from sim.history import mechanisms as panel_study
from sim.world import build_drivers
from sim.world.drivers import load_drivers

DOC_PATH = paths.DOCS_DIR / "mechanisms.md"
BEGIN = (
    "<!-- panel-study tables: begin (written by uv run python -m sim.history.mechanisms_doc) -->"
)
END = "<!-- panel-study tables: end -->"

#: The calibrated monthly rates and their priors (docs/ODD.md, docs/calibration.md), for comparison.
CALIBRATED = {
    "investment_pull": (0.0056, 0.0022, 0.024, 0.002, 0.2),
    "pressure_pull": (0.0092, 0.0035, 0.036, 0.003, 0.3),
}


def _num(value: float, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if value != 0 and abs(value) < 10**-digits:
        return f"{value:.1e}"
    return f"{value:.{digits}f}"


def _ci(row: pd.Series, factor: float = 1.0, digits: int = 4) -> str:
    star = " *" if row["p"] < 0.05 else ""
    return (
        f"{_num(factor * row['coef'], digits)} [{_num(factor * row['low'], digits)}, "
        f"{_num(factor * row['high'], digits)}]{star}"
    )


def _sample(fit: panel_study.Fit) -> str:
    return f"{fit.nobs} / {fit.nations} / {fit.years[0]}-{fit.years[1]}"


def forward_single_table(study: panel_study.Study) -> list[str]:
    lines = [
        "| driver at t-1 | unit | b [95% CI] (position per unit) | one within-nation SD moves the position by (alignment units) | obs / nations / years of change |",
        "|---|---|---|---|---|",
    ]
    for fit in study.forward_single:
        row = fit.table.iloc[0]
        unit = panel_study.FEATURES[fit.name][2]
        per_sd = study.scale * row["sd_within"]
        lines.append(f"| {fit.name} | {unit} | {_ci(row)} | {_ci(row, per_sd)} | {_sample(fit)} |")
    return lines


def forward_joint_table(study: panel_study.Study) -> list[str]:
    fits = study.forward_joint[:5]
    drivers = list(dict.fromkeys(x for fit in fits for x in fit.table.index))
    lines = [
        "| driver at t-1 | " + " | ".join(fit.name for fit in fits) + " |",
        "|---|" + "---|" * len(fits),
    ]
    for driver in drivers:
        cells = [(_ci(fit.table.loc[driver]) if driver in fit.table.index else "") for fit in fits]
        lines.append(f"| {driver} | " + " | ".join(cells) + " |")
    lines.append("| obs / nations / years | " + " | ".join(_sample(f) for f in fits) + " |")
    return lines


def pictured_table(study: panel_study.Study) -> list[str]:
    lines = [
        "| specification | driver at t-1 | b [95% CI] (position per unit) | unit | in alignment units per unit | obs / nations / years |",
        "|---|---|---|---|---|---|",
    ]
    for fit in [*study.forward_joint[5:], *study.model_form]:
        for driver, row in fit.table.iterrows():
            unit = (
                panel_study.FEATURES[driver][2]
                if driver in panel_study.FEATURES
                else "S = D/(D + D½)"
            )
            lines.append(
                f"| {fit.name} | {driver} | {_ci(row)} | {unit} | "
                f"{_ci(row, study.scale)} | {_sample(fit)} |"
            )
    return lines


def _percent_for_move(coef: float, scale: float, move: float = 0.1) -> float:
    """Percent change of exp(driver) for a move of ``move`` alignment units toward China."""
    return 100 * (math.exp(coef * move / scale) - 1)


def reverse_table(study: panel_study.Study) -> list[str]:
    pooled = {fit.name: fit for fit in study.reverse_pooled}
    lines = [
        "| driver at t | unit | d [95% CI], nation + year FE (within) | 0.1 alignment units toward China changes the driver by | d [95% CI], year FE only (between + within) | same, pooled | obs / nations / years |",
        "|---|---|---|---|---|---|---|",
    ]
    for fit in study.reverse:
        row = fit.table.iloc[0]
        unit = panel_study.FEATURES[fit.name][2]
        pct = (
            f"{_percent_for_move(row['coef'], study.scale):+.1f}% "
            f"[{_percent_for_move(row['low'], study.scale):+.1f}, {_percent_for_move(row['high'], study.scale):+.1f}]"
        )
        other, other_pct = "", ""
        if fit.name in pooled:
            prow = pooled[fit.name].table.iloc[0]
            other = _ci(prow)
            other_pct = (
                f"{_percent_for_move(prow['coef'], study.scale):+.1f}% "
                f"[{_percent_for_move(prow['low'], study.scale):+.1f}, {_percent_for_move(prow['high'], study.scale):+.1f}]"
            )
        lines.append(
            f"| {fit.name} | {unit} | {_ci(row)} | {pct} | {other} | {other_pct} | {_sample(fit)} |"
        )
    return lines


def rates_table(study: panel_study.Study) -> list[str]:
    lines = [
        "| model rate (per month) | implied by | estimate [95% CI] | calibrated default [90% interval] | prior |",
        "|---|---|---|---|---|",
    ]
    a_inv = CALIBRATED["investment_pull"]
    for fit in study.model_form:
        row = fit.table.iloc[0]
        vals = [
            panel_study.implied_investment_pull(row[k], study.scale, study.mean_alignment)
            for k in ("coef", "low", "high")
        ]
        lines.append(
            f"| investment_pull | {fit.name} (S of stock/GDP at t-1) | "
            f"{_num(vals[0])} [{_num(vals[1])}, {_num(vals[2])}] | "
            f"{a_inv[0]} [{a_inv[1]}, {a_inv[2]}] | {a_inv[3]}-{a_inv[4]} |"
        )
    a_p = CALIBRATED["pressure_pull"]
    sanctions = [f for f in study.forward_single if f.name == "us_sanctions"]
    sanctions += [f for f in study.forward_joint if "us_sanctions" in f.table.index]
    for fit in sanctions:
        row = fit.table.loc["us_sanctions"]
        vals = sorted(
            panel_study.implied_pressure_pull(row[k], study.scale, study.mean_alignment)
            for k in ("coef", "low", "high")
        )
        est = panel_study.implied_pressure_pull(row["coef"], study.scale, study.mean_alignment)
        label = (
            "one US sanction case, alone"
            if fit.name == "us_sanctions"
            else f"one US sanction case ({fit.name})"
        )
        lines.append(
            f"| pressure_pull | {label}, were it saturating | "
            f"{_num(est)} [{_num(vals[0])}, {_num(vals[2])}] | "
            f"{a_p[0]} [{a_p[1]}, {a_p[2]}] | {a_p[3]}-{a_p[4]} |"
        )
    return lines


def render(study: panel_study.Study, source: str) -> str:
    """The generated block (markers included)."""
    parts = [
        BEGIN,
        "",
        f"Position series: {source}. Alignment units per position unit: {study.scale:.3f} "
        f"(US -1, China +1); SD of the yearly change in position: {study.position_sd_change:.3f} "
        f"({study.scale * study.position_sd_change:.3f} alignment units); mean alignment of the "
        f"sample {study.mean_alignment:+.3f}. Brackets: 95% intervals, SEs clustered by nation; "
        "* p < 0.05. USA and China are left out.",
        "",
        "**Table 1. Yearly change in position on one lagged driver** (nation and year fixed effects).",
        "",
        *forward_single_table(study),
        "",
        "**Table 2. All drivers together, and robustness** (coefficients in position units per unit of the driver).",
        "",
        *forward_joint_table(study),
        "",
        "**Table 3. Effects in pictured units: USD bn, shares of GDP, and the model's own form** (nation and year FE).",
        "",
        *pictured_table(study),
        "",
        "**Table 4. Reverse direction: drivers in year t on the position in t-1.**",
        "",
        *reverse_table(study),
        "",
        "**Table 5. The model's monthly rates implied by the panel** (conversion in the text above).",
        "",
        *rates_table(study),
        "",
        END,
    ]
    return "\n".join(parts)


def write_doc(block: str, path: Path = DOC_PATH) -> None:
    """Replace the block between the markers (or append it if the doc has none)."""
    text = path.read_text() if path.is_file() else "# Mechanisms\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run the panel study; write docs/mechanisms.md tables."
    )
    parser.add_argument(
        "--positions",
        type=Path,
        default=None,
        help="CSV with iso3, year, position (China-ward); default: BSV ideal points",
    )
    parser.add_argument("--doc", type=Path, default=DOC_PATH)
    args = parser.parse_args(argv)
    if args.positions is not None:
        if not args.positions.is_file():
            print(f"error: positions file not found: {args.positions}", file=sys.stderr)
            return 2
        positions = panel_study.positions_from_long(
            pd.read_csv(args.positions, comment="#", keep_default_na=False, na_values=[""])
        )
        source = f"`{args.positions}`"
    else:
        try:
            positions = panel_study.bsv_positions()
        except FileNotFoundError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        source = (
            "Bailey-Strezhnev-Voeten ideal points, sessions 55-76 (2000-2021), sign flipped "
            "so that China-ward is positive"
        )
    nations = pd.read_csv(build_drivers.NATIONS_PATH, keep_default_na=False, na_values=[""])
    study = panel_study.run_study(positions, load_drivers(), nations)
    write_doc(render(study, source), args.doc)
    print(f"wrote the panel tables into {args.doc}")
    return 0

"""Write the allocation rules' tables into docs/mechanisms.md (between their markers).

Why generated: the coefficients, their standard errors and the out-of-sample check change
whenever the drivers or positions tables are rebuilt; the text around them is written by hand
and left alone. Run

    uv run python -m sim.history.allocation_doc

Tables: the 2023 fit (the one the embedded world uses, ``sim/data/allocation_rules_2023.json``),
the fit of every yearly world 2012-2023 (how stable the rules are), and an out-of-sample check:
the rules of the world of 2020-01-01 (fitted on 2011-2019 and 2014-2019) predicting the years
after it one step ahead, with the observed lag and position, against persistence.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from sim import paths
from sim.world.allocation import AllocationRules, Fit, china_panel, fit_rules, rules_at, us_panel

DOC = paths.DOCS_DIR / "mechanisms.md"
BEGIN = "<!-- allocation-rule tables: begin (written by uv run python -m sim.history.allocation_doc) -->"
END = "<!-- allocation-rule tables: end -->"
SPLIT = dt.date(2020, 1, 1)
LABELS = {
    "intercept": "intercept",
    "lag_log_finance": "log(1 + F) of t-1",
    "position": "position p at t-1 (world of 1 Jan t)",
    "log_gdp_bn": "log GDP (USD bn)",
    "bri_member": "Belt and Road member at t-1",
    "lag_cases": "cases in force at t-1",
}


def _stars(coef: float, se: float) -> str:
    return " *" if se > 0 and abs(coef / se) > 1.96 else ""


def coefficient_table(fit: Fit) -> list[str]:
    rows = ["| term | coefficient | SE (clustered by nation) | 95% interval |", "|---|---|---|---|"]
    for term, coef, se in zip(fit.terms, fit.coef, fit.se, strict=True):
        rows.append(
            f"| {LABELS[term]} | {coef:+.4f}{_stars(coef, se)} | {se:.4f} | "
            f"[{coef - 1.96 * se:+.4f}, {coef + 1.96 * se:+.4f}] |"
        )
    return rows


def fit_line(fit: Fit) -> str:
    years = f"{fit.years[0]}-{fit.years[1]}" if fit.years else "-"
    text = (
        f"{fit.n_obs} state-years, {fit.n_nations} states, years {years}; R^2 {fit.r2:.3f}, "
        f"residual SD {fit.residual_sd:.3f}"
    )
    if fit.duan_smearing != 1.0:
        s0, s1 = fit.smearing
        text += (
            f"; smearing S(yhat) = exp({s0:.3f} {s1:+.3f} yhat) (Duan's constant: "
            f"{fit.duan_smearing:.2f})"
        )
    return text


def in_sample_totals(rules: AllocationRules, start: dt.date) -> pd.DataFrame:
    """Observed and expected Chinese finance (USD bn) per year of the sample."""
    panel = china_panel(start)
    expected = rules.china_usd_m(
        rules.china_log(
            panel["lag"].to_numpy(),
            panel["position"].to_numpy(),
            panel["log_gdp_bn"].to_numpy(),
            panel["bri_member"].to_numpy(),
        )
    )
    frame = pd.DataFrame(
        {"year": panel["year"], "observed": np.expm1(panel["y"]) / 1e3, "expected": expected / 1e3}
    )
    return frame.groupby("year").sum()


def out_of_sample(split: dt.date = SPLIT) -> pd.DataFrame:
    """One-step-ahead predictions of the rules of ``split`` for every later year of the record,
    with the observed lag and position: R^2 and RMSE on the rule's scale, persistence's RMSE,
    and totals."""
    rules = fit_rules(split)
    rows = []
    for name, panel_of, predict in (
        (
            "China: log(1 + F)",
            china_panel,
            lambda p: rules.china_log(
                p["lag"].to_numpy(),
                p["position"].to_numpy(),
                p["log_gdp_bn"].to_numpy(),
                p["bri_member"].to_numpy(),
            ),
        ),
        (
            "US: cases in force",
            us_panel,
            lambda p: rules.us_cases(p["lag"].to_numpy(), p["position"].to_numpy()),
        ),
    ):
        panel = panel_of(dt.date(2023, 1, 1))
        later = panel[panel["year"] >= split.year]
        for year, rows_of_year in later.groupby("year"):
            y = rows_of_year["y"].to_numpy()
            prediction = predict(rows_of_year)
            residual = y - prediction
            persistence = y - rows_of_year["lag"].to_numpy()
            total = float(np.sum((y - y.mean()) ** 2))
            record = {
                "rule": name,
                "year": int(year),
                "n": len(y),
                "r2": 1.0 - float(residual @ residual) / total if total > 0 else float("nan"),
                "rmse": float(np.sqrt(np.mean(residual**2))),
                "rmse_persistence": float(np.sqrt(np.mean(persistence**2))),
            }
            if name.startswith("China"):
                record["observed_total"] = float(np.expm1(y).sum() / 1e3)
                record["expected_total"] = float(rules.china_usd_m(prediction).sum() / 1e3)
            else:
                record["observed_total"] = float(y.sum())
                record["expected_total"] = float(np.maximum(prediction, 0.0).sum())
            rows.append(record)
    return pd.DataFrame(rows)


def stability_table() -> list[str]:
    rows = [
        "| world of | China: n | c1 lag | c2 position [SE] | c3 log GDP | US: n | u1 lag | u2 "
        "position [SE] |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for year in range(2012, 2024):
        rules = rules_at(dt.date(year, 1, 1))
        c, u = rules.china, rules.us

        def cell(fit: Fit, term: str) -> str:
            return f"{fit.coefficient(term):+.3f}"

        china = (
            f"{c.n_obs} | {cell(c, 'lag_log_finance')} | {cell(c, 'position')} "
            f"[{c.se[2]:.3f}] | {cell(c, 'log_gdp_bn')}"
            if c.kind == "ols"
            else "persistence | | | "
        )
        us = (
            f"{u.n_obs} | {cell(u, 'lag_cases')} | {cell(u, 'position')} [{u.se[2]:.3f}]"
            if u.kind == "ols"
            else "persistence | | "
        )
        rows.append(f"| {year}-01-01 | {china} | {us} |")
    return rows


def tables() -> str:
    committed = rules_at(dt.date(2023, 1, 1))
    lines = [
        "**Table 6. China's rule, world of 2023-01-01** (`sim/data/allocation_rules_2023.json`): "
        "log(1 + F[i,t]), F Chinese official finance in USD million (constant 2021).",
        "",
        *coefficient_table(committed.china),
        "",
        fit_line(committed.china) + ". * p < 0.05.",
        "",
        "**Table 7. The US rule, world of 2023-01-01**: US sanction cases in force N[i,t].",
        "",
        *coefficient_table(committed.us),
        "",
        fit_line(committed.us) + ".",
        "",
        "**Table 8. Chinese finance in the sample, observed and the rule's expected total** "
        "(USD bn, in-sample, one step ahead with the observed lag).",
        "",
    ]
    totals = in_sample_totals(committed, dt.date(2023, 1, 1))
    lines += [
        "| " + " | ".join(["year", *(str(y) for y in totals.index)]) + " |",
        "|" + "---|" * (len(totals) + 1),
        "| observed | " + " | ".join(f"{v:.1f}" for v in totals["observed"]) + " |",
        "| expected | " + " | ".join(f"{v:.1f}" for v in totals["expected"]) + " |",
        "",
        f"**Table 9. Out of sample: the rules of the world of {SPLIT.isoformat()}** (fitted on "
        "the years before it) predicting each later year of the record one step ahead, with the "
        "observed lag and position. R^2 and RMSE on the rule's scale; persistence predicts last "
        "year's value.",
        "",
        "| rule | year | states | R^2 | RMSE | RMSE of persistence | observed total | expected "
        "total |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in out_of_sample().itertuples():
        unit = " bn" if row.rule.startswith("China") else ""
        lines.append(
            f"| {row.rule} | {row.year} | {row.n} | {row.r2:.3f} | {row.rmse:.3f} | "
            f"{row.rmse_persistence:.3f} | {row.observed_total:.1f}{unit} | "
            f"{row.expected_total:.1f}{unit} |"
        )
    lines += [
        "",
        "**Table 10. The rules of every yearly world** (each fitted on the years complete before "
        "its date; 'persistence' where the record leaves no sample).",
        "",
        *stability_table(),
    ]
    return "\n".join(lines)


def write(doc: Path = DOC) -> None:
    text = doc.read_text()
    if BEGIN not in text or END not in text:
        raise ValueError(f"{doc}: markers for the allocation-rule tables not found")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(head + BEGIN + "\n\n" + tables() + "\n\n" + END + tail)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Rewrite the allocation-rule tables in " + DOC.name
    )
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    write(args.doc)
    print(f"wrote the allocation-rule tables of {args.doc}")


if __name__ == "__main__":
    main()

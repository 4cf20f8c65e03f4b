"""Allocation rules: who gets Chinese official finance and US sanctions, fitted on the years
before a world's date.

Why: a forecast from date D cannot know the money and the sanctions of the years after D. The
panel study (docs/mechanisms.md) found that money follows positions (between states, China
gives more to the states already leaning toward it) more visibly than positions follow money,
so the forecast's drivers come from rules of that form, fitted on what was known at D only,
and evaluated in a run once a year with the model's own alignment (a feedback: the reverse
arrow of the panel study). Equations (docs/ODD.md 7.1-7.2, docs/mechanisms.md "Allocation rules"):

    China:  log1p(F[i,t]) = c0 + c1 log1p(F[i,t-1]) + c2 p[i,t-1] + c3 log(Y[i,t]) + c4 B[i,t-1] + e
            E[F[i,t]] = max(exp(yhat) * S(yhat) - 1, 0),   S(yhat) = exp(s0 + s1 yhat)
    US:     N[i,t] = u0 + u1 N[i,t-1] + u2 p[i,t-1] + v,   E[N[i,t]] = max(yhat, 0)

F Chinese official finance (AidData total, USD million, constant 2021), p the UN-vote position
the world of 1 January t knew (``unga_alignment``, sim/data/positions_by_year.csv), Y nominal
GDP in USD bn on that date (last full year), B Belt and Road membership at the end of t-1,
N the US sanction cases in force. China's rule is fitted on the states of AidData's scope, the
US rule on every state; the leaders (USA, CHN) are left out of both. Ordinary least squares,
standard errors clustered by nation.

S(yhat) is Duan's (1983) smearing estimator E[exp(e)] made a function of the prediction: the
residuals of small predicted flows (many zeros beside sudden large loans) spread far more than
those of large ones, and Duan's constant factor (s1 = 0, S = mean(exp(e)) = 8.1 in the 2023
fit) over-predicted the sample's total finance 1.9-fold, the large recipients most. (s0, s1)
solve the Poisson pseudo-likelihood equations of exp(e) on (1, yhat): sum (exp(e) - S(yhat))
(1, yhat) = 0, so the in-sample means of exp(e) and of yhat exp(e) are matched exactly; with
s1 > -1 the expected flow still rises with the prediction.

A date whose known record leaves no sample (China before 2012: the positions start with the
world of 2011-01-01; the US before 2015: sanctions are known from 2013) gets the persistence
rule (next year = last year; coefficient 1 on the lag, 0 elsewhere, S = 1).

The 2023 world's rules are committed (``sim/data/allocation_rules_2023.json``, rewritten by
``uv run python -m sim.world.allocation``); a test checks the file equals a refit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim import paths
from sim.world.drivers import drivers_known_at
from sim.world.positions import positions_known_at

RULES_PATH = paths.DATA_DIR / "allocation_rules_2023.json"
#: The date of the committed fit: the embedded world's.
COMMITTED_DATE = dt.date(2023, 1, 1)

CHINA_TERMS = ("intercept", "lag_log_finance", "position", "log_gdp_bn", "bri_member")
US_TERMS = ("intercept", "lag_cases", "position")
LEADERS = ("USA", "CHN")
#: Fewer rows than this many per coefficient: the persistence rule instead of a fit.
MIN_ROWS_PER_TERM = 10


@dataclass(frozen=True)
class Fit:
    """One fitted rule: coefficients in the order of ``terms``, nation-clustered standard
    errors, the sample and its fit. ``kind`` is 'ols' or 'persistence' (no sample)."""

    terms: tuple[str, ...]
    coef: tuple[float, ...]
    se: tuple[float, ...]
    kind: str
    n_obs: int
    n_nations: int
    years: tuple[int, int] | None
    r2: float
    residual_sd: float
    smearing: tuple[float, float]  # (s0, s1) of S(yhat) = exp(s0 + s1 yhat); (0, 0) for the US
    duan_smearing: float  # Duan's constant factor mean(exp(residual)), for comparison; 1 if none
    dropped: tuple[str, ...] = ()  # terms constant in the sample (not identified): coefficient 0

    def coefficient(self, term: str) -> float:
        return self.coef[self.terms.index(term)]


@dataclass(frozen=True)
class AllocationRules:
    """The two rules of one date (``fitted_at``: fitted on data complete before it)."""

    fitted_at: dt.date
    china: Fit
    us: Fit

    def china_log(
        self,
        lag_log: np.ndarray,
        position: np.ndarray,
        log_gdp_bn: np.ndarray,
        bri: np.ndarray,
    ) -> np.ndarray:
        """The rule's prediction of log1p(finance, USD million): elementwise, in a fixed order
        (a column of a stack gets the bits of the same column alone)."""
        c0, c1, c2, c3, c4 = self.china.coef
        return c0 + c1 * lag_log + c2 * position + c3 * log_gdp_bn + c4 * bri

    def china_usd_m(self, log_prediction: np.ndarray) -> np.ndarray:
        """Expected finance in USD million from the log prediction, >= 0:
        exp(yhat) S(yhat) - 1 = exp(s0 + (1 + s1) yhat) - 1."""
        s0, s1 = self.china.smearing
        return np.maximum(np.exp(s0 + (1.0 + s1) * log_prediction) - 1.0, 0.0)

    def us_cases(self, lag: np.ndarray, position: np.ndarray) -> np.ndarray:
        """Expected US sanction cases in force, >= 0."""
        u0, u1, u2 = self.us.coef
        return np.maximum(u0 + u1 * lag + u2 * position, 0.0)

    def to_json(self) -> dict:
        return {
            "fitted_at": self.fitted_at.isoformat(),
            "china": _fit_json(self.china),
            "us": _fit_json(self.us),
        }

    @classmethod
    def from_json(cls, data: dict) -> AllocationRules:
        return cls(
            fitted_at=dt.date.fromisoformat(data["fitted_at"]),
            china=_fit_from_json(data["china"]),
            us=_fit_from_json(data["us"]),
        )


def _fit_json(fit: Fit) -> dict:
    out = asdict(fit)
    out["terms"] = list(fit.terms)
    out["coef"] = dict(zip(fit.terms, fit.coef, strict=True))
    out["se"] = dict(zip(fit.terms, fit.se, strict=True))
    out["years"] = list(fit.years) if fit.years else None
    out["smearing"] = list(fit.smearing)
    out["dropped"] = list(fit.dropped)
    return out


def _fit_from_json(data: dict) -> Fit:
    terms = tuple(data["terms"])
    return Fit(
        terms=terms,
        coef=tuple(float(data["coef"][t]) for t in terms),
        se=tuple(float(data["se"][t]) for t in terms),
        kind=data["kind"],
        n_obs=int(data["n_obs"]),
        n_nations=int(data["n_nations"]),
        years=tuple(data["years"]) if data["years"] else None,
        r2=float(data["r2"]),
        residual_sd=float(data["residual_sd"]),
        smearing=(float(data["smearing"][0]), float(data["smearing"][1])),
        duan_smearing=float(data["duan_smearing"]),
        dropped=tuple(data.get("dropped", ())),
    )


# --- the panels -----------------------------------------------------------------------------------
def _wide(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """iso3 x year of one column."""
    return table.pivot(index="iso3", columns="year", values=column)


def _lagged_panel(
    known: pd.DataFrame, positions: pd.DataFrame, column: str, first_year: int
) -> pd.DataFrame:
    """Rows (iso3, year t) with the column at t and t-1, the position and GDP of the world of
    1 January t and Belt and Road membership at the end of t-1 (missing -> 0)."""
    value = _wide(known, column)
    bri = _wide(known, "bri_member")
    rows = []
    for t in sorted(set(positions["year"])):
        if t < first_year or t not in value.columns or t - 1 not in value.columns:
            continue
        at = positions[positions["year"] == t].set_index("iso3")
        frame = pd.DataFrame(
            {
                "iso3": value.index,
                "year": t,
                "y": value[t].to_numpy(),
                "lag": value[t - 1].to_numpy(),
                "bri_member": bri[t - 1].fillna(0.0).to_numpy() if t - 1 in bri else 0.0,
            }
        )
        frame["position"] = at["unga_alignment"].reindex(frame["iso3"]).to_numpy()
        frame["gdp_usd"] = at["gdp_usd"].reindex(frame["iso3"]).to_numpy()
        rows.append(frame)
    columns = ["iso3", "year", "y", "lag", "bri_member", "position", "gdp_usd"]
    if not rows:
        return pd.DataFrame(columns=columns)
    panel = pd.concat(rows, ignore_index=True)
    panel = panel[~panel["iso3"].isin(LEADERS)]
    return panel.dropna(subset=["y", "lag", "position", "gdp_usd"]).reset_index(drop=True)


def china_panel(
    start: dt.date, drivers: pd.DataFrame | None = None, positions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The sample of China's rule for a world of date ``start``: AidData-scope states (a known
    finance value at t and t-1), years t whose finance was complete before ``start``, with the
    regressors of the rule (y and lag as log1p of USD million)."""
    known = drivers_known_at(start, drivers)
    panel = _lagged_panel(
        known, positions_known_at(start, positions), "china_finance_usd_2021", 2001
    )
    panel["y"] = np.log1p(panel["y"].to_numpy(dtype=float) / 1e6)
    panel["lag"] = np.log1p(panel["lag"].to_numpy(dtype=float) / 1e6)
    panel["log_gdp_bn"] = np.log(panel["gdp_usd"].to_numpy(dtype=float) / 1e9)
    return panel


def us_panel(
    start: dt.date, drivers: pd.DataFrame | None = None, positions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The sample of the US rule for a world of date ``start``: cases in force at t and t-1
    known (t from 2014), the position of the world of 1 January t."""
    known = drivers_known_at(start, drivers)
    return _lagged_panel(known, positions_known_at(start, positions), "us_sanctions_cases", 2014)


# --- least squares --------------------------------------------------------------------------------
def ols(y: np.ndarray, X: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Coefficients, nation-clustered standard errors (CR1: the sandwich with the small-sample
    factor G/(G-1) (N-1)/(N-K), as Stata and statsmodels) and R^2."""
    n, k = X.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    residual = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    codes, index = np.unique(groups, return_inverse=True)
    scores = np.zeros((len(codes), k))
    np.add.at(scores, index, X * residual[:, None])
    meat = scores.T @ scores
    g = len(codes)
    factor = g / (g - 1) * (n - 1) / (n - k) if g > 1 and n > k else 1.0
    cov = factor * bread @ meat @ bread
    total = np.sum((y - y.mean()) ** 2)
    r2 = 1.0 - float(residual @ residual) / total if total > 0 else 0.0
    return beta, np.sqrt(np.maximum(np.diag(cov), 0.0)), r2


def smearing(prediction: np.ndarray, residual: np.ndarray) -> tuple[float, float]:
    """(s0, s1) of S(yhat) = exp(s0 + s1 yhat): Newton's method on the Poisson pseudo-likelihood
    equations sum (exp(e) - S(yhat)) (1, yhat) = 0, started at Duan's constant."""
    target = np.exp(residual)
    b = np.array([np.log(target.mean()), 0.0])
    if np.ptp(prediction) == 0.0:  # one predicted value: the slope is not identified
        return float(b[0]), 0.0
    Z = np.column_stack([np.ones_like(prediction), prediction])
    for _ in range(100):
        mu = np.exp(Z @ b)
        step = np.linalg.solve((Z * mu[:, None]).T @ Z, Z.T @ (target - mu))
        b += step
        if np.abs(step).max() < 1e-13:
            break
    return float(b[0]), float(b[1])


def persistence(terms: tuple[str, ...]) -> Fit:
    """Next year = last year: coefficient 1 on the lag (the second term), 0 elsewhere."""
    coef = tuple(1.0 if i == 1 else 0.0 for i in range(len(terms)))
    zeros = (0.0,) * len(terms)
    return Fit(terms, coef, zeros, "persistence", 0, 0, None, 0.0, 0.0, (0.0, 0.0), 1.0)


def fit_rule(panel: pd.DataFrame, terms: tuple[str, ...], log_scale: bool) -> Fit:
    """OLS of y on ``terms`` (the intercept and the panel's columns), or the persistence rule
    when the sample is too small or its design singular. A term constant in the sample (Belt and
    Road membership before 2013, when nobody was a member) is not identified: it is dropped and
    gets coefficient 0."""
    columns = {"lag_log_finance": "lag", "lag_cases": "lag"}
    if len(panel) < MIN_ROWS_PER_TERM * len(terms):
        return persistence(terms)
    values = {t: panel[columns.get(t, t)].to_numpy(dtype=float) for t in terms[1:]}
    dropped = tuple(t for t, v in values.items() if np.ptp(v) == 0.0)
    kept = [t for t in terms if t not in dropped]
    X = np.column_stack([np.ones(len(panel))] + [values[t] for t in kept[1:]])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return persistence(terms)
    y = panel["y"].to_numpy(dtype=float)
    beta_kept, se_kept, r2 = ols(y, X, panel["iso3"].to_numpy())
    residual = y - X @ beta_kept
    beta = {t: float(b) for t, b in zip(kept, beta_kept, strict=True)}
    se = {t: float(v) for t, v in zip(kept, se_kept, strict=True)}
    years = (int(panel["year"].min()), int(panel["year"].max()))
    return Fit(
        terms=terms,
        coef=tuple(beta.get(t, 0.0) for t in terms),
        se=tuple(se.get(t, 0.0) for t in terms),
        kind="ols",
        n_obs=len(panel),
        n_nations=int(panel["iso3"].nunique()),
        years=years,
        r2=float(r2),
        residual_sd=float(np.std(residual, ddof=len(terms))),
        smearing=smearing(X @ beta_kept, residual) if log_scale else (0.0, 0.0),
        duan_smearing=float(np.mean(np.exp(residual))) if log_scale else 1.0,
        dropped=dropped,
    )


def fit_rules(
    start: dt.date, drivers: pd.DataFrame | None = None, positions: pd.DataFrame | None = None
) -> AllocationRules:
    """Both rules fitted on what a world of date ``start`` may see (nothing complete after it)."""
    return AllocationRules(
        fitted_at=start,
        china=fit_rule(china_panel(start, drivers, positions), CHINA_TERMS, log_scale=True),
        us=fit_rule(us_panel(start, drivers, positions), US_TERMS, log_scale=False),
    )


@lru_cache(maxsize=32)
def _committed_tables_rules(start: dt.date) -> AllocationRules:
    if start == COMMITTED_DATE and RULES_PATH.is_file():
        return load_rules()
    return fit_rules(start)


def rules_at(
    start: dt.date | str,
    drivers: pd.DataFrame | None = None,
    positions: pd.DataFrame | None = None,
) -> AllocationRules:
    """The rules of a world of date ``start``: the committed 2023 fit for the embedded world,
    a (cached) fit on the committed tables for other dates, a fresh fit for other tables."""
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    if drivers is None and positions is None:
        return _committed_tables_rules(start)
    return fit_rules(start, drivers, positions)


def load_rules(path: Path = RULES_PATH) -> AllocationRules:
    return AllocationRules.from_json(json.loads(Path(path).read_text()))


def rules_json_text(rules: AllocationRules) -> str:
    data = {
        "about": "Allocation rules of the world of 2023-01-01, fitted on the drivers and "
        "positions complete before that date (sim/world/allocation.py; docs/mechanisms.md). "
        "Rewrite: uv run python -m sim.world.allocation",
        **rules.to_json(),
    }
    return json.dumps(data, indent=2) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Refit and rewrite " + RULES_PATH.name)
    parser.add_argument("--out", type=Path, default=RULES_PATH)
    args = parser.parse_args(argv)
    rules = fit_rules(COMMITTED_DATE)
    args.out.write_text(rules_json_text(rules))
    for name, fit in (("China", rules.china), ("US", rules.us)):
        terms = ", ".join(
            f"{t} {c:+.4f} ({s:.4f})" for t, c, s in zip(fit.terms, fit.coef, fit.se, strict=True)
        )
        print(f"{name}: {terms}; R2 {fit.r2:.3f}, n {fit.n_obs}, years {fit.years}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

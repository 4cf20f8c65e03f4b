"""The mechanism tested outside the ABM: do observed drivers move UN voting positions, and does
money follow positions? Fixed-effects panel regressions on the drivers table.

Why: the model's investment pull and pressure pull are rates per month on alignment; before the
ABM is driven by observed drivers (issue 21, item 3), the plain statistical question must be
answered with the same data: a state's yearly change in position on its lagged drivers, and the
reverse (drivers on the lagged position: China giving to the already aligned, Dreher et al.,
ISQ 2018). Equations, data and results: docs/mechanisms.md (written by this module between
markers; prose outside the markers is kept).

    uv run python -m sim.history.mechanisms_doc                   # BSV ideal points, rewrites the tables
    uv run python -m sim.history.mechanisms_doc --positions FILE  # another position series (iso3,year,position)

Forward (mechanism), nation i, year t, driver transform x, lag L = 1:

    p[i,t] - p[i,t-1] = b' x[i,t-L] + a_i + g_t + e[i,t]

Reverse (allocation):

    x[i,t] = d * p[i,t-1] + a_i + g_t + u[i,t]

a_i, g_t nation and year fixed effects; standard errors clustered by nation (linearmodels
PanelOLS). The position is an argument (a wide DataFrame, index iso3, columns years), so the study
reruns unchanged on the project's own votes-only target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from linearmodels import PanelOLS

from sim import paths
from sim.world import build_drivers

GDP_PATH = paths.RAW_DIR / "history" / "gdp_nominal_wb.csv"
BSV_FILE = "voeten_idealpoints_by_session_1_76.csv"
BSV_SESSIONS = range(55, 77)  # 2000-2021: session s is held in the autumn of year 1945 + s


# --- the position series ---------------------------------------------------------------------


def bsv_positions(raw_dir=None) -> pd.DataFrame:
    """Bailey-Strezhnev-Voeten ideal points as a China-ward position: -IdealPointAll (their scale
    puts the US high; the model puts China at +1), wide: index iso3, columns years 2000-2021."""
    raw_dir = raw_dir or build_drivers.find_raw_dir()
    if raw_dir is None:
        raise FileNotFoundError("BSV ideal points need ../shared/data/extension_2019_2022")
    bsv = pd.read_csv(raw_dir / BSV_FILE, comment="#", keep_default_na=False, na_values=[""])
    bsv = bsv[bsv["session"].isin(BSV_SESSIONS)]
    bsv = build_drivers.map_keys(bsv, "bsv", bsv["iso3c"])
    bsv["year"] = 1945 + bsv["session"]
    return -bsv.pivot_table(index="iso3", columns="year", values="IdealPointAll", aggfunc="mean")


def positions_from_long(frame: pd.DataFrame) -> pd.DataFrame:
    """A long table (iso3, year, position) as the wide position argument."""
    missing = {"iso3", "year", "position"} - set(frame.columns)
    if missing:
        raise ValueError(f"positions need columns iso3, year, position; missing {sorted(missing)}")
    return frame.pivot_table(index="iso3", columns="year", values="position", aggfunc="mean")


def alignment_scale(positions: pd.DataFrame) -> float:
    """Alignment units per position unit: 2 / (China - US), averaged over the years both have, so
    the US maps to -1 and China to +1 as in the model (1.0 for a series already on that scale)."""
    if not {"USA", "CHN"} <= set(positions.index):
        raise ValueError("positions must include USA and CHN to set the alignment scale")
    gap = (positions.loc["CHN"] - positions.loc["USA"]).dropna()
    if gap.empty or gap.mean() <= 0:
        raise ValueError("positions must put China above the US (China-ward scale)")
    return float(2.0 / gap.mean())


# --- driver transforms -----------------------------------------------------------------------

#: Transformed drivers: name -> (column of drivers.csv, transform, unit shown in the tables).
#: log1p of USD millions (or TIV, troops) tames the heavy right tail and keeps zeros; negative
#: net aid obligations (de-obligations) count as 0.
FEATURES = {
    "china_finance": ("china_finance_usd_2021", "log1p_m", "log(1 + USD m, const. 2021)"),
    "china_oda": ("china_oda_usd_2021", "log1p_m", "log(1 + USD m)"),
    "china_oof": ("china_oof_usd_2021", "log1p_m", "log(1 + USD m)"),
    "china_deals": ("china_deals_usd_m", "log1p", "log(1 + USD m, nominal)"),
    "china_telecom": ("china_telecom_deals_usd_m", "log1p", "log(1 + USD m, nominal)"),
    "bri_member": ("bri_member", "identity", "0/1"),
    "arms_china_russia": ("arms_orders_china_russia_tiv", "log1p", "log(1 + TIV m)"),
    "arms_us": ("arms_orders_us_tiv", "log1p", "log(1 + TIV m)"),
    "us_aid": ("us_aid_obligations_usd_2022", "log1p_m", "log(1 + USD m, const. 2022)"),
    "us_troops": ("us_troops", "log1p", "log(1 + troops)"),
    "us_trade": ("us_trade_usd", "log1p_m", "log(1 + USD m, nominal)"),
    "us_sanctions": ("us_sanctions_cases", "identity", "cases in force"),
    # Levels and shares, for effects in pictured units.
    "china_finance_bn": ("china_finance_usd_2021", "bn", "USD bn"),
    "china_telecom_bn": ("china_telecom_deals_usd_m", "bn_from_m", "USD bn"),
    "china_finance_gdp": ("china_finance_usd_2021", "pct_gdp", "% of GDP"),
    "china_telecom_gdp": ("china_telecom_deals_usd_m", "pct_gdp_from_m", "% of GDP"),
}


#: The model's defaults (sim/params.py: infrastructure_depreciation per month, dependence_half),
#: repeated so the data layer does not import the engine; tests/test_panel_study.py checks them.
MONTHLY_DEPRECIATION = 0.01
DEPENDENCE_HALF = 0.02
#: Model-form regressors: the saturation S = D / (D + D_half) of the stock built from a flow,
#: D = stock / GDP, the stock carried from year to year at (1 - monthly depreciation)^12.
SATURATION_FEATURES = {
    "china_finance_saturation": ("china_finance_usd_2021", 1.0),
    "china_telecom_saturation": ("china_telecom_deals_usd_m", 1e6),
}


def stock(
    flows: pd.DataFrame,
    column: str,
    factor: float = 1.0,
    monthly_depreciation: float = MONTHLY_DEPRECIATION,
) -> pd.Series:
    """K[t] = (1 - delta)^12 K[t-1] + I[t], per nation from its first observed year (K = I
    there); a missing flow makes the stock missing from that year on (it cannot be carried)."""
    keep = (1.0 - monthly_depreciation) ** 12
    ordered = flows.sort_values(["iso3", "year"])
    out = pd.Series(np.nan, index=ordered.index)
    for _iso3, rows in ordered.groupby("iso3", sort=False):
        level, broken, started = 0.0, False, False
        for index, value in zip(
            rows.index, rows[column].to_numpy(dtype=float) * factor, strict=True
        ):
            if np.isnan(value):
                broken = broken or started
                continue
            started = True
            level = keep * level + value
            out[index] = np.nan if broken else level
    return out.reindex(flows.index)


def driver_features(drivers: pd.DataFrame, gdp: pd.DataFrame | None = None) -> pd.DataFrame:
    """The transformed drivers, long: iso3, year, one column per FEATURES entry, plus the
    model-form saturations. Shares of GDP use nominal GDP of the same year (World Bank,
    2009-2022; missing before 2009)."""
    gdp = load_gdp() if gdp is None else gdp
    out = drivers[["iso3", "year"]].copy()
    merged = drivers.merge(gdp, on=["iso3", "year"], how="left")
    for name, (column, factor) in SATURATION_FEATURES.items():
        dependence = stock(merged, column, factor) / merged["gdp_usd"]
        out[name] = (dependence / (dependence + DEPENDENCE_HALF)).to_numpy()
    for name, (column, transform, _unit) in FEATURES.items():
        raw = merged[column].astype(float)
        if transform == "log1p_m":
            values = np.log1p(raw.clip(lower=0) / 1e6)
        elif transform == "log1p":
            values = np.log1p(raw.clip(lower=0))
        elif transform == "bn":
            values = raw / 1e9
        elif transform == "bn_from_m":
            values = raw / 1e3
        elif transform == "pct_gdp":
            values = 100 * raw / merged["gdp_usd"]
        elif transform == "pct_gdp_from_m":
            values = 100 * raw * 1e6 / merged["gdp_usd"]
        else:
            values = raw
        out[name] = values.to_numpy()
    return out


def load_gdp() -> pd.DataFrame:
    """Nominal GDP (current USD), iso3 x year 2009-2022, as committed in sim/data/raw/history."""
    return pd.read_csv(GDP_PATH, comment="#", keep_default_na=False, na_values=[""])


# --- the panels ------------------------------------------------------------------------------


def forward_panel(positions: pd.DataFrame, features: pd.DataFrame, lag: int = 1) -> pd.DataFrame:
    """Rows (iso3, year t) with dpos = p[t] - p[t-1] (consecutive years only) and every feature
    taken at t - lag: the feature table's year is moved forward by ``lag`` before the join."""
    if lag < 0:
        raise ValueError("lag must be >= 0")
    long = positions.stack().rename("position").reset_index()
    long.columns = ["iso3", "year", "position"]
    long["year"] = long["year"].astype(int)
    previous = long.assign(year=long["year"] + 1).rename(columns={"position": "position_prev"})
    panel = long.merge(previous, on=["iso3", "year"], how="inner")
    panel["dpos"] = panel["position"] - panel["position_prev"]
    lagged = features.assign(year=features["year"] + lag)
    return panel.merge(lagged, on=["iso3", "year"], how="inner")


def reverse_panel(positions: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Rows (iso3, year t) with every feature at t and the position of t - 1 (``position_prev``)."""
    long = positions.stack().rename("position_prev").reset_index()
    long.columns = ["iso3", "year", "position_prev"]
    long["year"] = long["year"].astype(int) + 1
    return features.merge(long, on=["iso3", "year"], how="inner")


# --- the estimator ---------------------------------------------------------------------------


@dataclass
class Fit:
    """One regression: coefficients with clustered 95% intervals, and its sample."""

    name: str
    table: pd.DataFrame  # index regressor: coef, se, low, high, p, sd_within
    nobs: int
    nations: int
    years: tuple[int, int]
    notes: dict = field(default_factory=dict)


def fit_fe(
    panel: pd.DataFrame,
    y: str,
    xs: list[str],
    *,
    name: str = "",
    entity_effects: bool = True,
    time_effects: bool = True,
    subset: pd.Series | None = None,
) -> Fit:
    """OLS of y on xs with nation and year fixed effects, SEs clustered by nation (PanelOLS).
    Rows with any missing value are dropped (listwise), so the sample is the one all xs share."""
    data = panel if subset is None else panel[subset]
    data = data[["iso3", "year", y, *xs]].dropna()
    if data["iso3"].nunique() < 3 or len(data) <= len(xs) + 2:
        raise ValueError(f"{name or y}: too few observations ({len(data)})")
    indexed = data.set_index(["iso3", "year"])
    exog = indexed[xs]
    if not (entity_effects or time_effects):
        exog = exog.assign(const=1.0)
    model = PanelOLS(
        indexed[y],
        exog,
        entity_effects=entity_effects,
        time_effects=time_effects,
        check_rank=False,
        drop_absorbed=True,
    )
    result = model.fit(cov_type="clustered", cluster_entity=True)
    ci = result.conf_int(level=0.95)
    within_sd = (data[xs] - data.groupby("iso3")[xs].transform("mean")).std()
    table = pd.DataFrame(
        {
            "coef": result.params,
            "se": result.std_errors,
            "low": ci["lower"],
            "high": ci["upper"],
            "p": result.pvalues,
        }
    ).reindex(xs)
    table["sd_within"] = within_sd.reindex(xs)
    table["sd"] = data[xs].std().reindex(xs)
    return Fit(
        name or y,
        table,
        int(result.nobs),
        int(data["iso3"].nunique()),
        (int(data["year"].min()), int(data["year"].max())),
    )


# --- the study -------------------------------------------------------------------------------


#: Africa (UN M49 region) plus the Arab League: the states the model's invented rule favoured.
def africa_arab(nations: pd.DataFrame) -> set[str]:
    return set(nations.loc[(nations["region"] == "Africa") | (nations["arab_league"] == 1), "iso3"])


CHINA_SIDE = ["china_finance", "china_deals", "bri_member", "arms_china_russia"]
US_SIDE = ["us_aid", "us_troops", "arms_us", "us_trade"]
SINGLE = [
    "china_finance",
    "china_oda",
    "china_oof",
    "china_deals",
    "china_telecom",
    "bri_member",
    "arms_china_russia",
    "arms_us",
    "us_aid",
    "us_troops",
    "us_trade",
    "us_sanctions",
]
REVERSE = [
    "china_finance",
    "china_oda",
    "china_oof",
    "china_deals",
    "china_telecom",
    "arms_china_russia",
    "arms_us",
    "us_aid",
    "us_troops",
    "us_trade",
]
#: The leaders and the bloc poles are not "recipients": left out of every regression.
EXCLUDED = ("USA", "CHN")


@dataclass
class Study:
    forward_single: list[Fit]
    forward_joint: list[Fit]
    model_form: list[Fit]
    reverse: list[Fit]
    reverse_pooled: list[Fit]
    scale: float  # alignment units per position unit
    position_sd_change: float  # SD of the yearly change (the noise a driver must beat)
    mean_alignment: float  # mean alignment of the estimation sample (for rate conversion)


def run_study(
    positions: pd.DataFrame,
    drivers: pd.DataFrame,
    nations: pd.DataFrame,
    gdp: pd.DataFrame | None = None,
) -> Study:
    """Every regression of docs/mechanisms.md, on the given position series."""
    scale = alignment_scale(positions) if {"USA", "CHN"} <= set(positions.index) else 1.0
    positions = positions.drop(index=[i for i in EXCLUDED if i in positions.index])
    features = driver_features(drivers, gdp)
    fwd = forward_panel(positions, features)
    rev = reverse_panel(positions, features)
    region = fwd["iso3"].isin(africa_arab(nations))

    single = [fit_fe(fwd, "dpos", [x], name=x) for x in SINGLE]
    joint_xs = CHINA_SIDE + US_SIDE
    joint = [
        fit_fe(fwd, "dpos", joint_xs, name="all drivers (nation + year FE)"),
        fit_fe(fwd, "dpos", joint_xs, name="without year FE", time_effects=False),
        fit_fe(fwd, "dpos", joint_xs, name="Africa + Arab League only", subset=region),
        fit_fe(
            fwd,
            "dpos",
            ["china_finance", "china_telecom", "bri_member", "arms_china_russia", *US_SIDE],
            name="telecom deals instead of all deals",
        ),
        fit_fe(fwd, "dpos", [*joint_xs, "us_sanctions"], name="with US sanctions (2014-2021)"),
        fit_fe(fwd, "dpos", ["china_finance_bn", "china_telecom_bn"], name="levels, USD bn"),
        fit_fe(
            fwd,
            "dpos",
            ["china_finance_gdp", "china_telecom_gdp"],
            name="shares of GDP (2010-2021)",
        ),
    ]
    model_form = [
        fit_fe(fwd, "dpos", ["china_finance_saturation"], name="official finance stock"),
        fit_fe(fwd, "dpos", ["china_telecom_saturation"], name="telecom deals stock"),
        fit_fe(
            fwd,
            "dpos",
            ["china_finance_saturation"],
            name="official finance stock, Africa + Arab",
            subset=region,
        ),
    ]
    reverse = [fit_fe(rev, x, ["position_prev"], name=x) for x in REVERSE]
    pooled = [
        fit_fe(rev, x, ["position_prev"], name=x, entity_effects=False)
        for x in ("china_finance", "china_oda", "china_oof", "us_aid")
    ]
    sample = fwd.dropna(subset=["dpos"])
    return Study(
        single,
        joint,
        model_form,
        reverse,
        pooled,
        scale,
        float(sample["dpos"].std()),
        float((scale * sample["position"]).mean()),
    )


# --- conversion to the model's monthly rates -------------------------------------------------


def implied_investment_pull(
    coef_per_saturation: float, scale: float, mean_alignment: float
) -> float:
    """The model's investment_pull that reproduces ``coef``: the yearly change in position per
    unit of last year's saturation S (the model-form regressor).

    Model (docs/ODD.md 7.1), no threat damping: the monthly pull is a_inv * S * (1 - x), so over
    a year (S held) alignment moves by 12 * a_inv * S * (1 - x). Setting that equal to
    scale * coef * S gives a_inv = scale * coef / (12 * (1 - x)), x the sample's mean alignment.
    With threat damping (1 + kappa T) the implied rate is larger by that factor.
    """
    return scale * coef_per_saturation / (12 * (1 - mean_alignment))


def implied_pressure_pull(coef_per_case: float, scale: float, mean_alignment: float) -> float:
    """The monthly pressure rate that reproduces a yearly change ``coef`` (position units) from one
    more US sanction case, were that pressure saturating: the model's largest pull toward the US
    is a_p * (1 + x) a month (docs/ODD.md 7.2, no ties, no backlash), so a_p = -scale * coef /
    (12 * (1 + x)); a negative result means the change ran toward China (backlash)."""
    return -scale * coef_per_case / (12 * (1 + mean_alignment))

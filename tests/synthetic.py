"""A small made-up world for tests of the mechanics (the real data has its own tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.world.nations import FLAG_COLUMNS

# The 0/1 columns of the real table (bri_mou, un_charter_friends, p5 play no part in the dynamics).
FLAGS = [
    c for c in FLAG_COLUMNS if c not in ("bri_mou", "un_charter_friends", "p5", "recognises_taiwan")
]


def synthetic_nations(n: int = 30, seed: int = 0) -> pd.DataFrame:
    """n nations: USA, CHN, GBR, FRA, RUS and PRK first, the rest random, in 4 sub-regions."""
    rng = np.random.default_rng(seed)
    named = ["USA", "CHN", "GBR", "FRA", "RUS", "PRK"]
    iso3 = named + [f"X{i:02d}" for i in range(n - len(named))]
    frame = pd.DataFrame(
        {
            "iso3": iso3,
            "name": [f"Nation {code}" for code in iso3],
            "region": rng.choice(["Africa", "Asia", "Europe", "Americas"], n),
            "subregion": rng.choice(["A", "B", "C", "D"], n),
            "population": rng.uniform(1e6, 1e8, n),
            "gdp_usd": rng.uniform(1e10, 1e12, n),
            "digital_gap": rng.uniform(0.0, 0.9, n),
            "non_intervention": rng.uniform(0.0, 1.0, n),
            "alignment_initial": rng.uniform(-0.8, 0.8, n),
        }
    )
    for flag in FLAGS:
        frame[flag] = (rng.random(n) < 0.25).astype(int)
    frame["recognises_taiwan"] = (rng.random(n) < 0.15).astype(int)
    frame["security_tie"] = np.where(
        frame["us_treaty_ally"] | frame["five_eyes"], 1.0, 0.5 * frame["us_mnna"]
    )
    frame.loc[frame.iso3 == "USA", ["alignment_initial", "five_eyes", "nato"]] = [-1.0, 1, 1]
    frame.loc[frame.iso3 == "CHN", ["alignment_initial", "brics", "sco_member"]] = [1.0, 1, 1]
    frame.loc[frame.iso3 == "GBR", ["alignment_initial", "five_eyes", "nato"]] = [-0.7, 1, 1]
    frame.loc[frame.iso3 == "RUS", ["alignment_initial", "brics", "sco_member", "csto"]] = [
        0.7,
        1,
        1,
        1,
    ]
    frame.loc[frame.iso3 == "PRK", "alignment_initial"] = 0.95
    frame.loc[frame.iso3.isin(["USA", "CHN"]), "recognises_taiwan"] = 0
    return frame


#: Columns of sim/data/drivers.csv (the synthetic tables leave the ones the model ignores empty).
DRIVER_COLUMNS = (
    "iso3",
    "year",
    "china_finance_usd_2021",
    "china_finance_projects",
    "china_oda_usd_2021",
    "china_oof_usd_2021",
    "china_vague_usd_2021",
    "china_deals_usd_m",
    "china_technology_deals_usd_m",
    "china_telecom_deals_usd_m",
    "bri_member",
    "bri_join_date",
    "arms_orders_china_russia_tiv",
    "arms_orders_us_tiv",
    "us_aid_obligations_usd_2022",
    "us_troops",
    "us_sanctions_cases",
    "us_trade_usd",
)


def synthetic_drivers(
    frame: pd.DataFrame, seed: int = 0, out_of_scope: float = 0.2
) -> pd.DataFrame:
    """A drivers table for the nations of ``frame``, 2000-2022, as the real one is shaped:
    Chinese finance (USD, lognormal, a quarter of the years zero) 2000-2021 for the states in
    AidData's scope (a share ``out_of_scope`` has none: missing), missing in 2022 and for
    China; US sanction cases 2013-2022 (missing before, and for the US); Belt and Road
    membership from a random year."""
    rng = np.random.default_rng(seed)
    rows = []
    for iso3 in frame["iso3"]:
        scope = iso3 != "CHN" and iso3 != "USA" and rng.random() >= out_of_scope
        level = rng.uniform(0.0, 6.0)  # log10 USD million scale of the state's usual flows
        joins = int(rng.integers(2013, 2030))
        base_cases = int(rng.integers(0, 4)) if rng.random() < 0.4 else 0
        for year in range(2000, 2023):
            finance = np.nan
            if scope and year <= 2021:
                finance = 0.0 if rng.random() < 0.25 else 10 ** (level + rng.normal(0, 0.5)) * 1e6
            cases = np.nan
            if year >= 2013 and iso3 != "USA":
                cases = float(max(0, base_cases + int(rng.integers(-1, 2))))
            rows.append(
                {
                    "iso3": iso3,
                    "year": year,
                    "china_finance_usd_2021": finance,
                    "bri_member": np.nan if iso3 == "CHN" else float(year >= joins),
                    "bri_join_date": "",
                    "us_sanctions_cases": cases,
                }
            )
    table = pd.DataFrame(rows).reindex(columns=list(DRIVER_COLUMNS))
    table["bri_join_date"] = ""
    return table


def synthetic_positions(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Positions by year 2011-2023 for the nations of ``frame``: the starting alignment plus a
    random walk, GDP as in the frame."""
    rng = np.random.default_rng(seed)
    rows = []
    for iso3, x, gdp in zip(
        frame["iso3"], frame["alignment_initial"], frame["gdp_usd"], strict=True
    ):
        position = float(x)
        for year in range(2011, 2024):
            position = float(np.clip(position + rng.normal(0, 0.05), -1, 1))
            rows.append({"iso3": iso3, "year": year, "unga_alignment": position, "gdp_usd": gdp})
    return pd.DataFrame(rows)

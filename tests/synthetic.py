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

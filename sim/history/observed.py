"""The observed alignment series: each nation's alignment on every 1 January 2011-2023, with its
uncertainty, shipped as ``sim/data/observed_alignment.csv``.

Why a shipped table: a hindcast or a calibration compares model runs with these numbers thousands
of times; rebuilding the world of each date (a vote scaling per date) every time would cost
seconds per comparison. The table is what ``sim.world.dated.nations_at(D)`` gives for
``alignment_initial``, ``unga_alignment`` and ``non_intervention`` at each date D (a test checks
it), plus a bootstrap standard error of the vote component:

    alignment_se = 0.6 * sd_b( vote score recomputed with roll calls resampled with replacement )

B = ``BOOTSTRAP`` resamples per date (seeded), drawn as multinomial counts over the roll calls
held before D that enter the scaling (a roll call drawn k times weighs k times in the ideal-point
fit). The tie score is not resampled: memberships are facts, not estimates. Polities without
votes (Palestine, Taiwan, Kosovo) and the two anchors have no standard error (NaN, 0).

Regenerate (about three minutes):  uv run python -m sim.history.observed
"""

from __future__ import annotations

import argparse
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim import paths
from sim.world import ties, unga
from sim.world.dated import EARLIEST, LATEST, nations_at

OBSERVED_CSV = paths.DATA_DIR / "observed_alignment.csv"
BOOTSTRAP = 200
SEED = 20230101
COLUMNS = (
    "date",
    "iso3",
    "alignment",
    "alignment_se",
    "vote_score",
    "tie_score",
    "non_intervention",
)


def yearly_dates() -> list[date]:
    return [date(y, 1, 1) for y in range(EARLIEST.year, LATEST.year + 1)]


def vote_score_bootstrap(when: date, draws: int, seed: int) -> pd.DataFrame:
    """Bootstrap replicates of the vote score (iso3 x draws) from the roll calls before ``when``."""
    roll_calls, votes = unga.load_votes()
    roll_calls = roll_calls[roll_calls["date"] < pd.Timestamp(when)]
    votes = votes[votes["rcid"].isin(roll_calls.index)]
    matrix = unga.vote_matrix(votes, roll_calls)
    topics = unga.roll_call_topics(roll_calls, matrix)
    cols = unga.select_roll_calls(matrix, topics)
    recency = unga.recency_weights(roll_calls.loc[cols], 3.0)
    rng = np.random.default_rng([seed, when.toordinal()])
    out = {}
    for b in range(draws):
        counts = rng.multinomial(len(cols), np.full(len(cols), 1.0 / len(cols)))
        weights = recency * counts
        theta = unga.orient(unga.ideal_points(matrix[cols], weights))
        out[b] = unga.rescale(theta)
    return pd.DataFrame(out)


def build_table(draws: int = BOOTSTRAP, seed: int = SEED) -> pd.DataFrame:
    """The table for every yearly date (long format, COLUMNS)."""
    frames = []
    for when in yearly_dates():
        world = nations_at(when).set_index("iso3")
        boot = vote_score_bootstrap(when, draws, seed).reindex(world.index)
        se = ties.W_VOTES * boot.std(axis=1, ddof=1)
        se[world.index.isin(["USA", "CHN"])] = 0.0  # the anchors of the scale
        from sim.world.initial_alignment import tie_score

        frames.append(
            pd.DataFrame(
                {
                    "date": when.isoformat(),
                    "iso3": world.index,
                    "alignment": world["alignment_initial"].to_numpy(),
                    "alignment_se": se.to_numpy(),
                    "vote_score": world["unga_alignment"].to_numpy(),
                    "tie_score": tie_score(world.reset_index()).reindex(world.index).to_numpy(),
                    "non_intervention": world["non_intervention"].to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]


def to_csv_text(table: pd.DataFrame) -> str:
    return table.to_csv(index=False, float_format="%.6f", lineterminator="\n")


@lru_cache(maxsize=1)
def load_table(path: Path = OBSERVED_CSV) -> pd.DataFrame:
    """The shipped table (dates as ``datetime.date``)."""
    table = pd.read_csv(path, keep_default_na=True)
    table["date"] = [date.fromisoformat(d) for d in table["date"]]
    return table


def observed(column: str = "alignment", dates: list[date] | None = None) -> pd.DataFrame:
    """One column of the table as (dates x iso3)."""
    table = load_table()
    wide = table.pivot(index="date", columns="iso3", values=column)
    return wide if dates is None else wide.reindex(dates)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Rebuild sim/data/observed_alignment.csv")
    ap.add_argument("--draws", type=int, default=BOOTSTRAP)
    ap.add_argument("--out", type=Path, default=OBSERVED_CSV)
    args = ap.parse_args(argv)
    table = build_table(args.draws)
    args.out.write_text(to_csv_text(table))
    print(f"wrote {args.out} ({len(table)} rows)")


if __name__ == "__main__":
    main()

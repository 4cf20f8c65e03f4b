"""Per-session UN vote scores 2010-2019 with bootstrap uncertainty, and a smoothed series at a date.

Why a per-session series next to ``sim.history.observed``: that table is the *cumulative* score of
each 1 January (all roll calls before the date, recency-weighted), which moves slowly by
construction. Calibration and validation of year-to-year change need each year's votes on their
own: this module applies the method of docs/initial_alignment.md to one General Assembly session
at a time (sessions 65-74, year = the session's start year 2010-2019).

Per session s (docs/observed_votes.md states every rule and the measured numbers):

* roll calls: those of session s, selected by the pooled default's rules (US and China voted
  differently, not nuclear, minority share >= 2.5%); the nuclear topic flag is computed on the
  roll calls of sessions <= s only (sessions 69-70 have no titles and borrow them from earlier
  look-alike roll calls), so a session's score never reads a later session;
* states with fewer than ``MIN_VOTES`` votes on the selected roll calls are left out of the fit
  (NaN score): a handful of votes does not place a state, and it would shift the median anchor;
* ideal points (ALS, unweighted: ``half_life=None``), oriented US < China, rescaled by the median
  rule (US -1, median member 0, China +1) -> ``vote_score``;
* uncertainty: ``BOOTSTRAP`` resamples of the session's selected roll calls with replacement
  (seeded per session), each re-fitted, re-oriented and re-rescaled; ``vote_score_se`` is their
  standard deviation, ``q05``/``q95`` their 5% and 95% quantiles (the anchors have SE 0);
* ``non_intervention``: (no + 1/2 abstain) / votes cast on the session's country-specific
  human-rights roll calls (``unga.COUNTRY_HR_ROLL_CALLS``), NaN with fewer than 2 votes.

Regenerate ``sim/data/observed_votes.csv`` and docs/observed_votes.md (about two minutes)::

    PYTHONPATH=. uv run python -m sim.history.observed_votes
"""

from __future__ import annotations

import argparse
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim import paths
from sim.world import unga

VOTES_CSV = paths.DATA_DIR / "observed_votes.csv"
DOC = paths.DOCS_DIR / "observed_votes.md"
SESSIONS = range(65, 75)
FIRST_YEAR = 2010  # session 65 opened in September 2010
BOOTSTRAP = 200
SEED = 20100914  # the opening day of session 65
MIN_VOTES = 10  # selected roll calls a state must have voted on to get a session score
MIN_PARTIAL_ROLL_CALLS = 10  # selected roll calls of a session under way to use it at all
MIN_HR_VOTES = 2  # country-specific human-rights votes for a session's non-intervention score
HALF_LIFE = 3.0  # sessions, for the smoothed series
COLUMNS = (
    "iso3",
    "session",
    "year",
    "vote_score",
    "vote_score_se",
    "q05",
    "q95",
    "non_intervention",
    "n_votes",
    "n_hr_votes",
)


def session_year(session: int) -> int:
    return FIRST_YEAR + session - SESSIONS.start


@lru_cache(maxsize=1)
def _raw() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    roll_calls, votes = unga.load_votes()
    return roll_calls, votes, unga.vote_matrix(votes, roll_calls)


def session_roll_calls(session: int, roll_calls: pd.DataFrame, matrix: pd.DataFrame) -> pd.Index:
    """The session's roll calls that enter the scaling (pooled default's rules, causal topics)."""
    upto = roll_calls.index[roll_calls["session"] <= session]
    topics = unga.roll_call_topics(roll_calls.loc[upto], matrix[upto])
    own = roll_calls.index[roll_calls["session"] == session]
    return unga.select_roll_calls(matrix[own], topics.loc[own])


def score(matrix: pd.DataFrame, weights: pd.Series | None = None) -> pd.Series:
    """Ideal points -> orient -> median rescale (the pooled method, one call)."""
    return unga.rescale(unga.orient(unga.ideal_points(matrix, weights)), "median")


def bootstrap(matrix: pd.DataFrame, draws: int, rng: np.random.Generator) -> pd.DataFrame:
    """(states x draws) scores with the roll calls resampled with replacement.

    A roll call drawn k times weighs k in the fit; roll calls not drawn are dropped, and so is a
    state left without a vote in a draw (NaN there) rather than placed at an arbitrary 0.
    """
    cols = matrix.columns
    out = {}
    for b in range(draws):
        counts = rng.multinomial(len(cols), np.full(len(cols), 1.0 / len(cols)))
        keep = counts > 0
        sub = matrix.loc[:, keep]
        sub = sub[sub.notna().any(axis=1)]
        out[b] = score(sub, pd.Series(counts[keep].astype(float), index=sub.columns))
    return pd.DataFrame(out).reindex(matrix.index)


def non_intervention_counts(
    matrix: pd.DataFrame, roll_calls: pd.DataFrame, session: int
) -> pd.DataFrame:
    """Per state: ``opposed`` (no + 1/2 abstain) and ``cast`` on the session's HR roll calls."""
    hr = unga.country_hr_roll_calls(roll_calls)
    rcids = hr.index[hr["session"] == session]
    sub = matrix.reindex(columns=rcids)
    return pd.DataFrame(
        {
            "opposed": (sub == -1).sum(axis=1) + 0.5 * (sub == 0).sum(axis=1),
            "cast": sub.notna().sum(axis=1),
        }
    )


def session_table(session: int, draws: int = BOOTSTRAP, seed: int = SEED) -> pd.DataFrame:
    """The rows of one session (COLUMNS)."""
    roll_calls, _, matrix = _raw()
    cols = session_roll_calls(session, roll_calls, matrix)
    sub = matrix[cols]
    n_votes = sub.notna().sum(axis=1)
    fitted = sub[n_votes >= MIN_VOTES]
    point = score(fitted)
    boot = bootstrap(fitted, draws, np.random.default_rng([seed, session]))
    ni = non_intervention_counts(matrix, roll_calls, session)
    states = matrix.index[(n_votes > 0) | (ni["cast"] > 0)]
    frame = pd.DataFrame(
        {
            "iso3": states,
            "session": session,
            "year": session_year(session),
            "vote_score": point.reindex(states).to_numpy(),
            "vote_score_se": boot.std(axis=1, ddof=1).reindex(states).to_numpy(),
            "q05": boot.quantile(0.05, axis=1).reindex(states).to_numpy(),
            "q95": boot.quantile(0.95, axis=1).reindex(states).to_numpy(),
            "non_intervention": (ni["opposed"] / ni["cast"])
            .where(ni["cast"] >= MIN_HR_VOTES)
            .reindex(states)
            .to_numpy(),
            "n_votes": n_votes.reindex(states).fillna(0).astype(int).to_numpy(),
            "n_hr_votes": ni["cast"].reindex(states).astype(int).to_numpy(),
        }
    )
    return frame[list(COLUMNS)]


def build_table(
    sessions: range | list[int] = SESSIONS, draws: int = BOOTSTRAP, seed: int = SEED
) -> pd.DataFrame:
    return pd.concat([session_table(s, draws, seed) for s in sessions], ignore_index=True)


def to_csv_text(table: pd.DataFrame) -> str:
    return table.to_csv(index=False, float_format="%.6f", lineterminator="\n")


@lru_cache(maxsize=1)
def load_table(path: Path = VOTES_CSV) -> pd.DataFrame:
    """The shipped per-session table."""
    return pd.read_csv(path, keep_default_na=True)


# ------------------------------------------------------------------ smoothed series at a date


def partial_session_row(
    session: int, before: date, table: pd.DataFrame | None = None
) -> pd.DataFrame | None:
    """The session's scores from its roll calls held before ``before`` only (point estimate).

    Used for a session under way at the date (sessions 65-69 and 71 resume into the next year
    with up to 6 roll calls, e.g. 68/262 on Ukraine in March 2014). The SE is the full session's
    bootstrap SE times sqrt(full / partial roll calls) (the usual 1/sqrt(n) scaling; not
    re-bootstrapped, to keep a world-at-a-date build fast). None when fewer than
    ``MIN_PARTIAL_ROLL_CALLS`` selected roll calls were held before the date.
    """
    roll_calls, _, matrix = _raw()
    known = roll_calls[roll_calls["date"] < pd.Timestamp(before)]
    cols = session_roll_calls(session, known, matrix[known.index])
    if len(cols) < MIN_PARTIAL_ROLL_CALLS:
        return None
    sub = matrix[cols]
    n_votes = sub.notna().sum(axis=1)
    point = score(sub[n_votes >= MIN_VOTES])
    full = (load_table() if table is None else table).set_index("iso3")
    full = full[full["session"] == session]
    inflate = np.sqrt(full["n_votes"].max() / max(n_votes.max(), 1))
    hr = unga.country_hr_roll_calls(known, missing_ok=True)
    hr_sub = matrix.reindex(columns=hr.index[hr["session"] == session])
    cast = hr_sub.notna().sum(axis=1)
    opposed = (hr_sub == -1).sum(axis=1) + 0.5 * (hr_sub == 0).sum(axis=1)
    states = point.index.union(cast.index[cast > 0])
    return pd.DataFrame(
        {
            "iso3": states,
            "session": session,
            "vote_score": point.reindex(states).to_numpy(),
            "vote_score_se": (full["vote_score_se"] * inflate).reindex(states).to_numpy(),
            "non_intervention": (opposed / cast)
            .where(cast >= MIN_HR_VOTES)
            .reindex(states)
            .to_numpy(),
            "n_hr_votes": cast.reindex(states).fillna(0).astype(int).to_numpy(),
        }
    )


def smoothed_vote_score(
    before: date, half_life: float = HALF_LIFE, table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """EWMA of the per-session scores over what was known before ``before``.

    A vote is known from its roll-call date on. Sessions whose last roll call is strictly before
    ``before`` enter with their shipped row; a session under way at the date (begun but not
    ended) enters through :func:`partial_session_row` (its roll calls before the date only), or
    not at all when too few of them were held. Weights ``0.5 ** ((s_last - s) / half_life)`` with
    s_last the latest session entered; a state's unscored sessions are skipped and the weights
    renormalised over the rest.

    Columns (index iso3): ``vote_score``, ``vote_score_se`` (sqrt(sum w^2 se^2) / sum w, sessions
    taken as independent), ``non_intervention`` (the same weights on the *counts*: weighted
    no + 1/2 abstain over weighted votes cast, over the sessions where the state cast at least
    ``MIN_HR_VOTES`` such votes; NaN where there is none), ``sessions`` (sessions with a score).
    """
    table = load_table() if table is None else table
    roll_calls, _, _ = _raw()
    by_session = roll_calls.groupby(roll_calls["session"].astype(int))["date"]
    starts, ends = by_session.min(), by_session.max()
    cut = pd.Timestamp(before)
    frames = [table[table["session"].isin([int(s) for s in ends.index[ends < cut]])]]
    for session in starts.index[(starts < cut) & (ends >= cut)]:
        partial = partial_session_row(int(session), before, table)
        if partial is not None:
            frames.append(partial)
    rows = pd.concat(frames, ignore_index=True)
    if rows.empty:
        raise ValueError(f"no General Assembly vote in the data before {before}")
    rows["w"] = 0.5 ** ((rows["session"].max() - rows["session"]) / half_life)
    scored = rows[rows["vote_score"].notna()]
    by = scored.assign(
        wx=scored["w"] * scored["vote_score"],
        w2se2=(scored["w"] * scored["vote_score_se"]) ** 2,
    ).groupby("iso3")
    total = by["w"].sum()
    hr = rows[rows["non_intervention"].notna()]
    hw = hr["w"] * hr["n_hr_votes"]
    out = pd.DataFrame(
        {
            "vote_score": by["wx"].sum() / total,
            "vote_score_se": np.sqrt(by["w2se2"].sum()) / total,
            "sessions": by["w"].size(),
        }
    )
    ni = (hw * hr["non_intervention"]).groupby(hr["iso3"]).sum() / hw.groupby(hr["iso3"]).sum()
    out["non_intervention"] = ni.reindex(out.index)
    out.index.name = "iso3"
    return out


# ------------------------------------------------------------------ stability


def stability(table: pd.DataFrame, pooled: pd.Series) -> pd.DataFrame:
    """Per session: Pearson/Spearman correlation with the previous session and with ``pooled``,
    median bootstrap SE and states scored (the numbers docs/observed_votes.md reports)."""
    wide = table.pivot(index="iso3", columns="session", values="vote_score")
    se = table.pivot(index="iso3", columns="session", values="vote_score_se")
    rows = []
    for s in wide.columns:
        row = {
            "session": int(s),
            "year": session_year(int(s)),
            "states": int(wide[s].notna().sum()),
            "median_se": float(se[s].median()),
            "r_pooled": wide[s].corr(pooled.reindex(wide.index)),
            "rho_pooled": wide[s].corr(pooled.reindex(wide.index), method="spearman"),
        }
        if s - 1 in wide.columns:
            row["r_previous"] = wide[s].corr(wide[s - 1])
            row["rho_previous"] = wide[s].corr(wide[s - 1], method="spearman")
            change = (wide[s] - wide[s - 1]).abs()
            noise = 1.96 * np.sqrt(se[s] ** 2 + se[s - 1] ** 2)
            both = change.notna() & noise.notna()
            row["median_abs_change"] = float(change[both].median())
            row["share_beyond_noise"] = float((change[both] > noise[both]).mean())
        rows.append(row)
    return pd.DataFrame(rows).set_index("session")


def noisiest(table: pd.DataFrame, count: int = 8) -> pd.Series:
    """The states with the largest median bootstrap SE over the sessions."""
    return table.groupby("iso3")["vote_score_se"].median().nlargest(count)


def smoothed_stability(table: pd.DataFrame, half_life: float = HALF_LIFE) -> pd.DataFrame:
    """Correlation of consecutive smoothed series (at each 1 January 2012-2020)."""
    rows = []
    previous = None
    for year in range(2011, 2021):
        now = smoothed_vote_score(date(year, 1, 1), half_life, table)["vote_score"]
        if previous is not None:
            both = pd.concat([now, previous], axis=1).dropna()
            rows.append(
                {
                    "date": f"{year}-01-01",
                    "r_previous": both.iloc[:, 0].corr(both.iloc[:, 1]),
                    "rho_previous": both.iloc[:, 0].corr(both.iloc[:, 1], method="spearman"),
                    "mean_abs_change": float((both.iloc[:, 0] - both.iloc[:, 1]).abs().mean()),
                }
            )
        previous = now
    return pd.DataFrame(rows).set_index("date")


# ------------------------------------------------------------------ report and builder


def _fmt(value: float) -> str:
    return "" if pd.isna(value) else f"{value:.3f}"


def report(table: pd.DataFrame, pooled: pd.Series) -> str:
    """docs/observed_votes.md: the rules (module docstring) and the measured numbers."""
    per = stability(table, pooled)
    smooth = smoothed_stability(table)
    lines = [
        "# Observed vote scores per General Assembly session",
        "",
        "Generated by `PYTHONPATH=. uv run python -m sim.history.observed_votes` (do not edit by",
        "hand; `tests/test_observed_votes.py` checks the table and these numbers). Code:",
        "`sim/history/observed_votes.py`; the scaling method: docs/initial_alignment.md.",
        "",
        "## Rules",
        "",
        "For each session 65-74 (year = the session's start year, 2010-2019), the session's own",
        "roll calls only:",
        "",
        "* roll-call selection as in the pooled default: the US and China voted differently,",
        "  nuclear-weapons roll calls dropped, minority share at least 2.5%. The nuclear flag is",
        "  computed from sessions up to the session itself (sessions 69-70 have no titles and",
        "  borrow them from earlier look-alike roll calls), so no session reads a later one;",
        f"* states with fewer than {MIN_VOTES} votes on those roll calls are not scored (NaN) and",
        "  do not enter the median anchor;",
        "* ideal points by alternating least squares, unweighted within the session",
        "  (`half_life=None`), oriented US < China, median rescale: US -1, median member 0,",
        "  China +1 -> `vote_score`. The scale is re-anchored every session, so a drift of the",
        "  whole Assembly (or of the median member) does not show; positions are relative;",
        f"* uncertainty: {BOOTSTRAP} bootstrap resamples of the session's selected roll calls",
        "  (with replacement, seeded per session), each re-fitted and re-anchored:",
        "  `vote_score_se` = their standard deviation, `q05`/`q95` = their 5% and 95% quantiles.",
        "  The anchors (US, China) have SE 0 by construction;",
        "* `non_intervention` = (no + 1/2 abstain) / votes cast on the session's country-specific",
        f"  human-rights roll calls, NaN with fewer than {MIN_HR_VOTES} such votes (`n_hr_votes`",
        "  gives the count; sessions 67-68 and 73-74 have 3-5 such roll calls, 65 has 2).",
        "",
        "Columns of `sim/data/observed_votes.csv`: " + ", ".join(f"`{c}`" for c in COLUMNS) + ".",
        "",
        "## Stability of single sessions",
        "",
        "Correlation of each session's `vote_score` with the previous session's and with the",
        "pooled score (`unga.vote_scores()`, all sessions, recency-weighted); median bootstrap SE;",
        "median absolute change from the previous session, and the share of states whose change",
        "exceeds 1.96 sqrt(SE_s^2 + SE_{s-1}^2) (a change the bootstrap says is not noise).",
        "",
        "| session | year | states | median SE | r previous | rho previous | median abs change"
        " | share beyond noise | r pooled | rho pooled |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s, row in per.iterrows():
        lines.append(
            f"| {s} | {int(row['year'])} | {int(row['states'])} | {_fmt(row['median_se'])} | "
            f"{_fmt(row.get('r_previous'))} | {_fmt(row.get('rho_previous'))} | "
            f"{_fmt(row.get('median_abs_change'))} | {_fmt(row.get('share_beyond_noise'))} | "
            f"{_fmt(row['r_pooled'])} | {_fmt(row['rho_pooled'])} |"
        )
    lines += [
        "",
        f"Single sessions are stable in level: correlation {per['r_previous'].min():.2f}-"
        f"{per['r_previous'].max():.2f} with the previous session and {per['r_pooled'].min():.2f}-"
        f"{per['r_pooled'].max():.2f} with the pooled score. They are noisy in *change*: the",
        f"median SE ({per['median_se'].min():.2f}-{per['median_se'].max():.2f}) is of the order of",
        f"the median year-to-year change ({per['median_abs_change'].min():.2f}-"
        f"{per['median_abs_change'].max():.2f}), and only {per['share_beyond_noise'].min():.0%}-"
        f"{per['share_beyond_noise'].max():.0%} of states change by more than the bootstrap",
        "noise in a given year. Calibrating on year-to-year changes should therefore use the",
        "smoothed series or carry the SE as measurement error.",
        "",
        "States with the largest median SE over the sessions (their single-session scores are",
        "the least reliable): "
        + ", ".join(f"{iso3} {value:.2f}" for iso3, value in noisiest(table).items())
        + ".",
        "",
        "## Smoothed series at a date",
        "",
        "`smoothed_vote_score(before, half_life=3)`: an exponentially weighted mean of the",
        "per-session scores over what was known before the date, weight 0.5^((s_last - s)/3);",
        "a state's unscored sessions are skipped and the weights renormalised. A vote is known",
        "from its roll-call date. A session whose last roll call is before the date enters with",
        "its shipped row. Sessions 65-69 and 71 resume into the next year (1-6 roll calls, e.g.",
        "68/262 on Ukraine, March 2014), so at 1 January a session can be under way: it then",
        "enters with a point estimate from its roll calls held before the date only (same",
        f"method; at least {MIN_PARTIAL_ROLL_CALLS} selected roll calls, else left out), its SE",
        "the full session's times sqrt(full/partial roll calls). SE of the mean:",
        "sqrt(sum w^2 SE_s^2)/sum w (sessions independent). `non_intervention` applies the same",
        "weights to the counts (weighted no + 1/2 abstain over weighted votes cast, sessions with",
        f"at least {MIN_HR_VOTES} such votes), so it comes from roll calls before the date only.",
        "",
        "Consecutive smoothed series (1 January of each year):",
        "",
        "| date | r previous | rho previous | mean abs change |",
        "|---|---|---|---|",
    ]
    for d, row in smooth.iterrows():
        lines.append(
            f"| {d} | {_fmt(row['r_previous'])} | {_fmt(row['rho_previous'])} | "
            f"{_fmt(row['mean_abs_change'])} |"
        )
    final = smoothed_vote_score(date(2020, 1, 1), table=table)
    both = pd.concat([final["vote_score"], pooled], axis=1).dropna()
    lines += [
        "",
        "On 2020-01-01 (every session ended) the smoothed series correlates "
        f"{both.iloc[:, 0].corr(both.iloc[:, 1]):.3f} (Spearman "
        f"{both.iloc[:, 0].corr(both.iloc[:, 1], method='spearman'):.3f}) with the pooled score",
        "of the same half-life, fitted on all roll calls at once; median absolute difference "
        f"{(both.iloc[:, 0] - both.iloc[:, 1]).abs().median():.3f}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Rebuild sim/data/observed_votes.csv and its doc")
    ap.add_argument("--draws", type=int, default=BOOTSTRAP)
    ap.add_argument("--out", type=Path, default=VOTES_CSV)
    ap.add_argument(
        "--report-only", action="store_true", help="rewrite the doc from the shipped table"
    )
    args = ap.parse_args(argv)
    if not args.report_only:
        table = build_table(draws=args.draws)
        args.out.write_text(to_csv_text(table))
        load_table.cache_clear()
    shipped = pd.read_csv(args.out)
    DOC.write_text(report(shipped, unga.vote_scores()["unga_alignment"]))
    print(f"wrote {args.out} ({len(shipped)} rows) and {DOC}")


if __name__ == "__main__":
    main()

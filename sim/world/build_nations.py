"""Build ``sim/data/nations.csv`` (baseline 2023-01-01) from the files in ``sim/data/raw/``.

Run::

    uv run python -m sim.world.build_nations            # writes sim/data/nations.csv
    uv run python -m sim.world.build_nations --out X.csv

Reads only ``sim/data/raw/`` (committed extracts + hand-coded tables) and needs only
pandas. The output is sorted by iso3 and formatted deterministically, so re-running
it reproduces the file byte for byte. Column meanings: ``docs/data.md``.
"""

from __future__ import annotations

import argparse
import csv
import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sim import paths
from sim.world import dated_tables
from sim.world.nations import MEMBERSHIP_COLUMNS

DATA_DIR = paths.DATA_DIR
RAW_DIR = DATA_DIR / "raw"
DEFAULT_OUT = DATA_DIR / "nations.csv"
BASELINE_DATE = date(2023, 1, 1)  # the embedded table's date


COLUMNS: tuple[str, ...] = (
    "iso3",
    "iso2",
    "name",
    "un_status",
    "region",
    "subregion",
    "intermediate_region",
    "population",
    "gdp_usd",
    "gdp_ppp_usd",
    "internet_users_pct",
    "lat",
    "lon",
    *MEMBERSHIP_COLUMNS,
    "recognises_taiwan",
    "digital_gap",
    "arab_state",
    "african",
    "security_tie",
    "unga_n_votes",
    "unga_agree_us",
    "unga_agree_china",
    "unga_alignment",
    "non_intervention",
    "alignment_initial",
)

# The membership encoding lives in sim.world.dated_tables (one definition for every date).
MEMBERSHIP_RULES = dated_tables.MEMBERSHIP_RULES
US_TREATY_RULES = dated_tables.US_TREATY_RULES


def build_frame(raw_dir: Path = RAW_DIR, at: date = BASELINE_DATE) -> pd.DataFrame:
    """The nations table as of ``at`` from data known by then (docs/data.md).

    Geography comes from the static files; memberships, Taiwan recognition and the yearly
    attributes from the dated tables (``sim.world.dated_tables``); vote scores from the roll calls held
    before ``at``. ``at = 2023-01-01`` gives the embedded ``nations.csv``.
    """
    m49 = dated_tables.read_raw("countries_m49.csv", raw_dir).set_index("iso3")
    extra = dated_tables.read_raw("extra_polities.csv", raw_dir).set_index("iso3")
    caps = dated_tables.read_raw("capitals.csv", raw_dir).set_index("iso3")
    members = dated_tables.membership_rows_at(at, raw_dir)
    imput = dated_tables.read_raw("imputations.csv", raw_dir)

    every = sorted(set(m49.index[m49["un_member"] == "1"]) | set(extra.index))
    iso3s = dated_tables.nations_present_at(at, every)
    # yearly series of the last full year, with the documented fallbacks (sim.world.dated_tables)
    attributes = dated_tables.attributes_at(at, iso3s, raw_dir=raw_dir)

    rows = []
    for iso3 in iso3s:
        base = m49.loc[iso3] if iso3 in m49.index else None
        ext = extra.loc[iso3] if iso3 in extra.index else None
        region = (ext["region"] if ext is not None and ext["region"] else None) or base["region"]
        subregion = (ext["subregion"] if ext is not None and ext["subregion"] else None) or base[
            "subregion"
        ]
        lat, lon = caps.loc[iso3, "capital_lat"], caps.loc[iso3, "capital_lon"]
        if (not lat or not lon) and base is not None:
            lat, lon = base["centroid_lat"], base["centroid_lon"]
        values = attributes.loc[iso3]
        rows.append(
            {
                "iso3": iso3,
                "iso2": ext["iso2"] if ext is not None else base["iso2"],
                "name": caps.loc[iso3, "name"],
                "un_status": ext["un_status"] if ext is not None else "member",
                "region": region,
                "subregion": subregion,
                "intermediate_region": (base["intermediate_region"] if base is not None else "")
                or subregion,
                "population": None if pd.isna(values["population"]) else int(values["population"]),
                "gdp_usd": values["gdp_usd"],
                "gdp_ppp_usd": values["gdp_ppp_usd"],
                "internet_users_pct": values["internet_users_pct"],
                "lat": float(lat),
                "lon": float(lon),
            }
        )
    df = pd.DataFrame(rows).set_index("iso3")

    # Documented fallbacks for cells no source provides.
    for _, r in imput.iterrows():
        if r["iso3"] in df.index and pd.isna(df.loc[r["iso3"], r["column"]]):
            df.loc[r["iso3"], r["column"]] = float(r["value"])

    # Membership flags (the encoding of sim.world.dated_tables, shared with memberships_at).
    unknown = set(members["iso3"]) - set(every) - {"ESH"}
    if unknown:
        raise ValueError(f"membership codes not in the dataset: {sorted(unknown)}")
    flags = dated_tables.membership_flags(members, list(df.index))
    for col in flags.columns:
        df[col] = flags[col]

    def flag(org: str, roles: tuple[str, ...]) -> pd.Series:
        sel = members[(members["organisation"] == org) & members["role"].isin(roles)]
        return pd.Series(df.index.isin(sel["iso3"]).astype(int), index=df.index)

    # Taiwan itself counts as "recognising Taipei": China does not build Taiwan's networks.
    recognisers = dated_tables.taiwan_recognisers_at(at, raw_dir) | {"TWN"}
    df["recognises_taiwan"] = df.index.isin(recognisers).astype(int)

    df["digital_gap"] = (1.0 - df["internet_users_pct"] / 100.0).clip(0.0, 1.0)
    df["arab_state"] = df["arab_league"]
    df["african"] = (df["region"] == "Africa").astype(int)
    rio = flag("rio_treaty", ("party",)).astype(bool)
    compact = flag("cofa", ("party",)).astype(bool)
    df["security_tie"] = security_tie(df, rio, compact)
    df = add_vote_columns(df, at)

    df = df.reset_index()[list(COLUMNS)].sort_values("iso3").reset_index(drop=True)
    df["population"] = df["population"].astype("int64")
    _check(df, at)
    return df


def security_tie(df: pd.DataFrame, rio: pd.Series, compact: pd.Series) -> pd.Series:
    """Strength of a nation's security tie to the US (pressure mechanism, US alliance network).

    1.0: Five Eyes, NATO, a bilateral/ANZUS mutual-defence treaty ally, or a Compact of Free
    Association state (the US holds its defence authority); 0.5: a Rio Treaty
    party only (a dormant pact without basing or intelligence ties) or a Major Non-NATO Ally;
    0 otherwise. The same reading of the Rio Treaty as in ``initial_alignment.RIO_TREATY_TIE``.
    """
    full = df["five_eyes"].astype(bool) | df["nato"].astype(bool)
    full |= (df["us_treaty_ally"].astype(bool) & ~rio) | compact
    half = rio | df["us_mnna"].astype(bool)
    return pd.Series(np.where(full, 1.0, np.where(half, 0.5, 0.0)), index=df.index)


def add_vote_columns(df: pd.DataFrame, at: date = BASELINE_DATE) -> pd.DataFrame:
    """UN General Assembly vote scores (roll calls before ``at``) and the starting alignment
    (docs/initial_alignment.md).

    ``non_intervention`` for polities without votes (Palestine, Taiwan, Kosovo) is the mean of
    their sub-region's UN members: a documented fallback, like the vote score's.
    """
    from sim.world.initial_alignment import initial_alignment
    from sim.world.unga import vote_scores

    scores = vote_scores(before=at)
    frame = df.reset_index()
    joined = scores.reindex(frame["iso3"])
    for column in ("unga_n_votes", "unga_agree_us", "unga_agree_china", "unga_alignment"):
        frame[column] = joined[column].to_numpy()
    frame["unga_n_votes"] = frame["unga_n_votes"].fillna(0).astype(int)
    nonint = pd.Series(joined["non_intervention"].to_numpy(), index=frame.index)
    fallback = nonint.groupby(frame["subregion"]).transform("mean")
    frame["non_intervention"] = nonint.fillna(fallback).fillna(nonint.mean())
    # a state needs votes on half the roll calls held so far (at most 100) to be scored by them
    held = len(scores) and int(scores["unga_n_votes"].max())
    frame["alignment_initial"] = (
        initial_alignment(frame, scores, min_votes=min(100, held // 2))
        .reindex(frame["iso3"])
        .to_numpy()
    )
    return frame.set_index("iso3")


def _check(df: pd.DataFrame, at: date = BASELINE_DATE) -> None:
    required = [
        "population",
        "gdp_usd",
        "gdp_ppp_usd",
        "internet_users_pct",
        "lat",
        "lon",
        "digital_gap",
    ]
    missing = df[df[required].isna().any(axis=1)]
    if not missing.empty:
        raise ValueError(f"missing values:\n{missing[['iso3', *required]]}")
    if df["iso3"].duplicated().any() or df["iso2"].duplicated().any():
        raise ValueError("duplicate iso3/iso2")
    expected = 193 if at >= dated_tables.NATION_SINCE["SSD"] else 192
    if (df["un_status"] == "member").sum() != expected:
        raise ValueError(f"expected {expected} UN members on {at}")


VOTE_FLOATS = (
    "unga_agree_us",
    "unga_agree_china",
    "unga_alignment",
    "non_intervention",
    "alignment_initial",
)


def _fmt(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_csv_text(df: pd.DataFrame) -> str:
    """Deterministic CSV text: fixed column order, fixed float formatting, LF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for rec in df.itertuples(index=False):
        r = rec._asdict()
        out = []
        for col in COLUMNS:
            v = r[col]
            if col in ("gdp_usd", "gdp_ppp_usd"):
                out.append(f"{v:.1f}")
            elif col == "internet_users_pct" or col in ("lat", "lon"):
                out.append(_fmt(v, 4))
            elif col in ("digital_gap", "security_tie") or col in VOTE_FLOATS:
                out.append("" if pd.isna(v) else _fmt(v, 6))
            else:
                out.append(str(v))
        w.writerow(out)
    return buf.getvalue()


def build(out_path: Path | str = DEFAULT_OUT, raw_dir: Path = RAW_DIR) -> Path:
    """Build nations.csv from ``raw_dir`` into ``out_path`` and return the path."""
    out_path = Path(out_path)
    df = build_frame(raw_dir)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(to_csv_text(df).encode("utf-8"))
    return out_path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output CSV path")
    args = ap.parse_args(argv)
    path = build(args.out)
    df = pd.read_csv(path)
    print(f"wrote {path} ({len(df)} rows, {int((df['un_status'] == 'member').sum())} UN members)")
    for col in MEMBERSHIP_COLUMNS:
        print(f"  {col:24s} {int(df[col].sum())}")


if __name__ == "__main__":
    main()

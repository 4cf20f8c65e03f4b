"""The dated tables: memberships, Taiwan recognition and yearly attributes as of any date.

Why: to start the model at a date before 2023, the world must be rebuilt as it stood then from
data known by then (docs/data.md, "The world at a date"). This module answers "what held on date
D?" from the raw files; ``sim.world.build_nations`` turns the answers into a nations table.

Rules (each stated in docs/data.md):

* A membership row is in force on D when ``since <= D < until``. A ``since`` given only as a year
  or year-month counts from the *end* of that period (``2019`` -> 2020-01-01), so a world never
  sees a change that may have happened after its date; a blank ``since`` means held before 2010.
  Belt and Road documents without a recorded date count from 2022-03-31, the date by which the
  source list had them all (the same conservative rule).
* While a ``suspended_member`` row is in force it replaces the member row of that organisation.
* Yearly attributes on D are those of the last full year before D (the 2022 value on 2023-01-01):
  a year's population, GDP or internet share is not known until that year is over. Gaps inside a
  series are filled linearly between the neighbouring observed years; a series ending early is
  carried forward from its last observation; a nation without any observation in the series
  falls back to its value in the 2023 table (documented per nation in docs/data.md).
  ``attributes_at(D, mode="interpolate")`` instead interpolates linearly between mid-year points
  (1 July of each year): smoother, but it reads the value of D's own year, i.e. it looks ahead,
  so the world builder never uses it.

Public API (pure functions of the date and the raw files): ``memberships_at``,
``taiwan_recognisers_at``, ``attributes_at``, ``nations_present_at``.
"""

from __future__ import annotations

import io
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim import paths

RAW_DIR = paths.RAW_DIR
#: The embedded table's attribute year (values: the latest year <= this) and the oldest ITU
#: internet value still taken as current at that year.
BASELINE_YEAR = 2022  # attribute values: latest year <= this
STALE_BEFORE = 2017  # an ITU internet value older than this is treated as stale
HISTORY_DIR = RAW_DIR / "history"

#: Belt and Road documents with no recorded date count from here (see the module docstring).
BRI_UNDATED_FROM = date(2022, 3, 31)
#: South Sudan's independence: it is not in the world before this date.
NATION_SINCE: dict[str, date] = {"SSD": date(2011, 7, 9)}


# (organisation, roles) in raw/memberships.csv -> nations.csv column. Roles not listed here
# (revoked, contested, party_obligations_suspended) are documented but not coded.
MEMBERSHIP_RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "brics": ("brics", ("member",)),
    "sco_member": ("sco", ("member",)),
    "sco_observer": ("sco", ("observer",)),
    "sco_dialogue_partner": ("sco", ("dialogue_partner",)),
    "five_eyes": ("five_eyes", ("member",)),
    "nato": ("nato", ("member",)),
    "eu": ("eu", ("member",)),
    "african_union": ("african_union", ("member", "suspended_member")),
    "au_suspended": ("african_union", ("suspended_member",)),
    "arab_league": ("arab_league", ("member", "suspended_member")),
    "arab_league_suspended": ("arab_league", ("suspended_member",)),
    "asean": ("asean", ("member",)),
    "gcc": ("gcc", ("member",)),
    "csto": ("csto", ("member",)),
    "us_mnna": ("us_mnna", ("designated", "treated_as")),
    "nam": ("nam", ("member",)),
    "bri_mou": ("bri", ("cooperation_document",)),
    "un_charter_friends": ("un_charter_friends", ("member",)),
    "p5": ("unsc", ("permanent_member",)),
}
#: us_treaty_ally: party to a US mutual-defence treaty in force (the US itself is not flagged).
US_TREATY_RULES: tuple[tuple[str, str], ...] = (
    ("nato", "member"),
    ("anzus", "party"),
    ("rio_treaty", "party"),
    ("us_bilateral_defense_treaty", "party"),
)
#: Attribute columns of ``attributes_at`` (the names nations.csv uses).
ATTRIBUTES: tuple[str, ...] = ("population", "gdp_usd", "gdp_ppp_usd", "internet_users_pct")


def as_date(when: date | str) -> date:
    """A ``date`` from a date or an ISO string (the API accepts both)."""
    return date.fromisoformat(when) if isinstance(when, str) else when


def read_table(path: Path) -> pd.DataFrame:
    """A raw CSV without its ``#`` comment lines, every column as text."""
    text = path.read_text(encoding="utf-8")
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


def effective_date(text: str, *, blank: date | None = None) -> date | None:
    """The first day a dated fact is known to hold: ISO dates as they are, a bare year or
    year-month from the first day after that period (``blank`` for an empty cell)."""
    text = text.strip()
    if not text:
        return blank
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        year, month = parts
        return date(year + month // 12, month % 12 + 1, 1)
    return date(parts[0] + 1, 1, 1)


@lru_cache(maxsize=1)
def membership_rows(raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """All membership rows, current and ended, with parsed ``start`` / ``end`` dates."""
    current = read_table(raw_dir / "memberships.csv").assign(until="")
    ended = read_table(raw_dir / "history" / "membership_changes.csv")
    rows = pd.concat([current, ended], ignore_index=True)
    undated_bri = (rows["organisation"] == "bri") & (rows["since"].str.strip() == "")
    rows["start"] = [
        effective_date(s, blank=BRI_UNDATED_FROM if bri else date.min)
        for s, bri in zip(rows["since"], undated_bri, strict=True)
    ]
    rows["end"] = [effective_date(u, blank=date.max) for u in rows["until"]]
    return rows


def membership_rows_at(when: date, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """The membership rows in force on ``when`` (columns iso3, organisation, role, ...)."""
    rows = membership_rows(raw_dir)
    live = rows[(rows["start"] <= when) & (when < rows["end"])]
    suspended = live.loc[live["role"] == "suspended_member", ["iso3", "organisation"]]
    key = live["iso3"] + "|" + live["organisation"]
    replaced = key.isin(suspended["iso3"] + "|" + suspended["organisation"]) & (
        live["role"] == "member"
    )
    return live[~replaced].reset_index(drop=True)


def membership_flags(rows: pd.DataFrame, nations: list[str]) -> pd.DataFrame:
    """The 0/1 membership columns of nations.csv for ``nations`` from membership rows in force.

    One encoding for the embedded table and for any date (``build_nations`` calls this).
    """
    index = pd.Index(nations, name="iso3")

    def flag(org: str, roles: tuple[str, ...]) -> pd.Series:
        sel = rows[(rows["organisation"] == org) & rows["role"].isin(roles)]
        return pd.Series(index.isin(sel["iso3"]).astype(int), index=index)

    out = pd.DataFrame({col: flag(org, roles) for col, (org, roles) in MEMBERSHIP_RULES.items()})
    ally = sum(flag(org, (role,)) for org, role in US_TREATY_RULES).clip(upper=1)
    if "USA" in ally.index:
        ally.loc["USA"] = 0
    out.insert(list(MEMBERSHIP_RULES).index("csto") + 1, "us_treaty_ally", ally)
    return out


def all_polities(raw_dir: Path = RAW_DIR) -> list[str]:
    """Every polity the dataset can hold: the 193 UN members plus the extra polities."""
    m49 = read_table(raw_dir / "countries_m49.csv")
    extra = read_table(raw_dir / "extra_polities.csv")
    return sorted(set(m49.loc[m49["un_member"] == "1", "iso3"]) | set(extra["iso3"]))


def memberships_at(when: date | str, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """Membership flags (iso3 x nations.csv membership columns, 0/1) on ``when``.

    Rows are the nations present on that date (``nations_present_at``); columns and their
    encoding are those of nations.csv, so on 2023-01-01 this equals the embedded table's columns.
    """
    when = as_date(when)
    return membership_flags(
        membership_rows_at(when, raw_dir), nations_present_at(when, raw_dir=raw_dir)
    )


def taiwan_recognisers_at(when: date | str, raw_dir: Path = RAW_DIR) -> set[str]:
    """UN member states recognising the Republic of China (Taiwan) on ``when``."""
    when = as_date(when)
    table = read_table(raw_dir / "history" / "taiwan_recognition.csv")
    out = set()
    for row in table.itertuples(index=False):
        start = effective_date(row.since, blank=date.min)
        end = effective_date(row.until, blank=date.max)
        if start <= when < end:
            out.add(row.iso3)
    return out


def nations_present_at(
    when: date | str, nations: list[str] | None = None, raw_dir: Path = RAW_DIR
) -> list[str]:
    """The nations (of ``nations``, default every polity of the dataset) that existed on ``when``."""
    when = as_date(when)
    codes = all_polities(raw_dir) if nations is None else nations
    return [code for code in codes if NATION_SINCE.get(code, date.min) <= when]


@lru_cache(maxsize=8)
def yearly_series(name: str, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """One yearly attribute (years x iso3), gaps filled as the module docstring says.

    ``name`` is one of population, gdp_usd, gdp_ppp_usd, internet_users_pct.
    """
    files = {
        "population": "population_wb.csv",
        "gdp_usd": "gdp_nominal_wb.csv",
        "gdp_ppp_usd": "gdp_ppp_wb.csv",
        "internet_users_pct": "internet_itu_yearly.csv",
    }
    table = read_table(raw_dir / "history" / files[name])
    wide = (
        table.assign(year=table["year"].astype(int), value=table[name].astype(float))
        .pivot(index="year", columns="iso3", values="value")
        .sort_index()
    )
    # linear inside gaps, carried forward after the last observation; nothing before the first
    return wide.interpolate(method="index", limit_area="inside").ffill()


def attribute_at(name: str, when: date, nations: list[str], raw_dir: Path = RAW_DIR) -> pd.Series:
    """``name`` per nation on ``when``: the value of the last full year before it (NaN where the
    series has no observation up to that year; the caller applies the 2023 fallback)."""
    series = yearly_series(name, raw_dir)
    year = when.year - 1
    known = series.loc[series.index <= year]
    if known.empty:
        return pd.Series(np.nan, index=nations, name=name)
    return known.iloc[-1].reindex(nations).rename(name)


def interpolated_at(
    name: str, when: date, nations: list[str], raw_dir: Path = RAW_DIR
) -> pd.Series:
    """``name`` per nation on ``when``, linear between the mid-year (1 July) points of the yearly
    series and held flat outside them. Looks ahead within the year: not for building worlds."""
    series = yearly_series(name, raw_dir)
    midyear = np.array([date(y, 7, 1).toordinal() for y in series.index], dtype=float)
    t = float(when.toordinal())
    out = {}
    for code in nations:
        if code not in series.columns or series[code].isna().all():
            out[code] = np.nan
            continue
        values = series[code].to_numpy(dtype=float)
        ok = ~np.isnan(values)
        out[code] = float(np.interp(t, midyear[ok], values[ok]))
    return pd.Series(out, name=name, dtype=float)


def read_raw(name: str, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """Read a raw CSV, skipping leading ``#`` comment lines; all columns as strings."""
    text = (raw_dir / name).read_text(encoding="utf-8")
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


def latest_internet(raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """Internet users % per iso3 (columns internet_users_pct, year, source).

    Rule: the ITU series' latest observation with year <= BASELINE_YEAR, if it is no older
    than STALE_BEFORE. Otherwise (stale or absent) the observation closest to the baseline
    year among the ITU value and the CIA Factbook value (ties: the earlier year, then ITU).
    """
    itu = read_raw("internet_users_itu.csv", raw_dir)
    itu["source"] = "itu"
    fb = read_raw("factbook_economy.csv", raw_dir)
    fb = fb[fb["internet_users_pct"] != ""].rename(columns={"internet_users_year": "year"})
    fb["source"] = "factbook"
    cols = ["iso3", "internet_users_pct", "year", "source"]
    cand = pd.concat([itu[cols], fb[cols]], ignore_index=True)
    cand["year"] = cand["year"].astype(int)
    cand["internet_users_pct"] = cand["internet_users_pct"].astype(float)
    cand = cand[(cand["source"] == "factbook") | (cand["year"] <= BASELINE_YEAR)]

    chosen = []
    for _, grp in cand.groupby("iso3", sort=True):
        fresh = grp[
            (grp["source"] == "itu")
            & (grp["year"] <= BASELINE_YEAR)
            & (grp["year"] >= STALE_BEFORE)
        ]
        if not fresh.empty:
            chosen.append(fresh.sort_values("year").iloc[-1])
            continue
        g = grp.assign(
            dist=(grp["year"] - BASELINE_YEAR).abs(),
            src_rank=(grp["source"] != "itu").astype(int),
        )
        chosen.append(g.sort_values(["dist", "year", "src_rank"]).iloc[0][cols])
    return pd.DataFrame(chosen)[cols].set_index("iso3")


def _fallbacks(raw_dir: Path) -> dict[str, pd.Series]:
    """Values for nations a yearly series never covers (docs/data.md lists them):
    population from UN WPP 2022 (Taiwan), nominal GDP from the Factbook's official-exchange-rate
    GDP (North Korea, Taiwan), internet use from the baseline rule of build_nations."""
    pop = read_table(raw_dir / "population_wpp2022.csv").set_index("iso3")["population"]
    fb = read_table(raw_dir / "factbook_economy.csv").set_index("iso3")["gdp_nominal_usd"]
    inet = latest_internet(raw_dir)["internet_users_pct"]
    return {
        "population": pd.to_numeric(pop, errors="coerce"),
        "gdp_usd": pd.to_numeric(fb, errors="coerce"),
        "internet_users_pct": inet.astype(float),
    }


def ppp_ratio_fallback(ppp: pd.Series, nominal: pd.Series, subregion: pd.Series) -> pd.Series:
    """PPP GDP where the series has none: nominal GDP times the median PPP/nominal ratio of the
    nation's UN sub-region on the same date (Cuba, Liechtenstein, Monaco, North Korea, Taiwan)."""
    ratio = (ppp / nominal).where(ppp.notna() & nominal.notna())
    median = ratio.groupby(subregion.reindex(ratio.index)).transform("median")
    return ppp.fillna(nominal * median)


def attributes_at(
    when: date | str,
    nations: list[str] | None = None,
    mode: str = "last_full_year",
    raw_dir: Path = RAW_DIR,
) -> pd.DataFrame:
    """Population, nominal GDP, PPP GDP and internet use per nation on ``when`` (index iso3).

    ``mode="last_full_year"`` (the world builder's rule, no look-ahead): the values of the last
    full year before ``when``. ``mode="interpolate"``: linear between mid-year points. Nations
    without any observation get the documented fallbacks; nominal and PPP GDP are positive.
    """
    when = as_date(when)
    codes = nations_present_at(when, raw_dir=raw_dir) if nations is None else list(nations)
    if mode == "last_full_year":
        pick = attribute_at
    elif mode == "interpolate":
        pick = interpolated_at
    else:
        raise ValueError(f"mode must be 'last_full_year' or 'interpolate', not {mode!r}")
    frame = pd.DataFrame({name: pick(name, when, codes, raw_dir) for name in ATTRIBUTES})
    frame.index.name = "iso3"
    for name, fallback in _fallbacks(raw_dir).items():
        frame[name] = frame[name].fillna(fallback.reindex(frame.index))
    m49 = read_table(raw_dir / "countries_m49.csv").set_index("iso3")["subregion"]
    extra = read_table(raw_dir / "extra_polities.csv").set_index("iso3")["subregion"]
    subregion = pd.concat([m49, extra[extra != ""]])
    subregion = subregion[~subregion.index.duplicated(keep="last")]
    frame["gdp_ppp_usd"] = ppp_ratio_fallback(frame["gdp_ppp_usd"], frame["gdp_usd"], subregion)
    for name in ("gdp_usd", "gdp_ppp_usd"):
        if (frame[name] <= 0).any():
            raise ValueError(f"{name} must be positive: {list(frame.index[frame[name] <= 0])}")
    return frame

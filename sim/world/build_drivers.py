"""Build the observed drivers table (`sim/data/drivers.csv`): one row per polity and year 2000-2022.

Why: the model's two drivers (Chinese investment, US pressure) were invented; this table holds what
was observed, so the mechanism can be tested against the record (`sim/history/mechanisms.py`) and,
later, the model can be driven by it. It is derived from the raw files of
``../shared/data/extension_2019_2022/`` (their licences forbid committing raw rows: only this
country-year table is committed, with every source cited in docs/data.md, "Observed drivers").

    uv run python -m sim.world.build_drivers              # rewrites sim/data/drivers.csv
    uv run python -m sim.world.build_drivers --raw DIR --out /tmp/drivers.csv

Every source's country names or codes go through one explicit, hand-checked table,
``sim/data/raw/drivers_country_keys.csv`` (source, key, iso3, until_year, note): a key missing from
that table is an error, never a silent drop. Missing is not zero unless the source says so: the
rule of each column is in ``MISSING_RULES`` (and in docs/data.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim import paths

DATA_DIR = paths.DATA_DIR
PROJECT_DIR = paths.PROJECT_DIR
NATIONS_PATH = DATA_DIR / "nations.csv"
KEYS_PATH = DATA_DIR / "raw" / "drivers_country_keys.csv"
DRIVERS_PATH = DATA_DIR / "drivers.csv"
#: Where the raw files live, relative to an ancestor of the repository (CI: ../shared).
SHARED_SUBDIR = Path("shared") / "data" / "extension_2019_2022"
#: Environment variable that overrides the search for the raw directory.
RAW_ENV = "CYBERBLOC_EXTENSION_DATA"

FIRST_YEAR, LAST_YEAR = 2000, 2022
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))

FILES = {
    "gcdf_country_year": "china_finance_gcdf3_country_year.csv",
    "gcdf_flow_cow": "china_finance_gcdf3_by_flow_cow.csv",
    "cgit": "china_investment_cgit_2005_2022.csv",
    "bri": "bri_countries_to_2022.csv",
    "sipri": "sipri_arms_transfers_orders_2000_2022.csv",
    "us_aid": "us_foreign_aid_country_fy2000_2022.csv",
    "us_troops": "us_troops_country_year_2000_2022.csv",
    "gsdb": "sanctions_gsdb3_cases_active_2013_2022.csv",
    "dots": "us_trade_dots_2000_2022.csv",
}

#: AidData GCDF 3.0 covers "165 low- and middle-income countries". A polity with at least one row
#: in the file is in that scope; these six low/middle-income states have no recorded project at
#: all (five recognised Taiwan for most of the period; Bhutan has no relations with Beijing) and
#: are in scope with zero. Every other polity absent from the file (high-income states, China
#: itself, Kosovo) is outside AidData's scope: missing, not zero.
AIDDATA_IN_SCOPE_NO_PROJECT = ("BLZ", "BTN", "GTM", "SWZ", "TUV", "VCT")
#: Polities present in AidData's country-year file but absent from the flow-class file (no COW
#: code there): their ODA/OOF/vague split is missing although the total is known.
AIDDATA_NO_FLOW_SPLIT = ("PSE", "SRB")
#: CGIT: what counts as "communications infrastructure" (the article's term).
CGIT_TELECOM = {"Subsector": "Telecom"}  # 96 deals, all in Sector "Technology"
CGIT_TECHNOLOGY = {"Sector": "Technology"}  # Telecom + 68 deals with no subsector (IT, chips)
ARMS_CHINA_RUSSIA = ("China", "Russia")
ARMS_US = ("United States",)
SANCTIONS_FIRST_YEAR = 2013  # GSDB cut: cases that ended before 2013 are not in the file
SANCTIONS_SENDER = "United States"
#: Polities that became states after 2000: their rows before this year are missing in every
#: column (not zero: there was no state to give to). Serbia before 2006 is Serbia and Montenegro,
#: mapped to SRB through the key table.
STATE_SINCE = {"TLS": 2002, "MNE": 2006, "XKX": 2008, "SSD": 2011}

#: Output columns, in order, with unit and source (docs/data.md repeats them).
COLUMNS = (
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

#: The missing-value rule of each column (the code below implements exactly these).
MISSING_RULES = {
    "china_finance_usd_2021": "0 for a year 2000-2021 without a recorded project, for the polities in AidData's scope (in the file, or one of AIDDATA_IN_SCOPE_NO_PROJECT); missing for polities outside its scope (high-income states, China, Kosovo) and for 2022 (not covered)",
    "china_finance_projects": "as china_finance_usd_2021",
    "china_oda_usd_2021": "as china_finance_usd_2021, and missing for PSE and SRB (no flow split in the source)",
    "china_oof_usd_2021": "as china_oda_usd_2021",
    "china_vague_usd_2021": "as china_oda_usd_2021",
    "china_deals_usd_m": "0 for a year 2005-2022 without a recorded deal (the tracker covers every host country, deals of USD 95 m or more); missing 2000-2004 (not covered) and for China itself",
    "china_technology_deals_usd_m": "as china_deals_usd_m",
    "china_telecom_deals_usd_m": "as china_deals_usd_m",
    "bri_member": "1 from the year of the signing date, 0 before it and for polities not on the list (the list is complete to 2022-12-31); for the 4 members with no date (AUT, COD, NER, RUS) 1 in 2022 and missing before; missing for China",
    "bri_join_date": "empty if not a member by 2022-12-31 or the source gives no date",
    "arms_orders_china_russia_tiv": "0 for a year without an order (the register covers every recipient); missing for China and Russia themselves",
    "arms_orders_us_tiv": "0 for a year without an order; missing for the United States",
    "us_aid_obligations_usd_2022": "0 for a fiscal year without a row, for polities that have a row in some year; missing for polities never in the source (AND, LIE, MCO, SMR) and the United States",
    "us_troops": "as reported (the source lists every host, zeros included); missing for a polity-year without a row (e.g. PSE) and for the United States",
    "us_sanctions_cases": "0 for 2013-2022 when no US case is in force; missing before 2013 (cases that ended before 2013 are not in the cut) and for the United States",
    "us_trade_usd": "exports + imports; one side blank while the other is reported counts as 0 (the US reports all its customs flows, e.g. imports from Myanmar under the 2003-2012 ban); missing for a polity-year without a row and for the United States",
}


def find_raw_dir() -> Path | None:
    """The raw directory: ``$CYBERBLOC_EXTENSION_DATA`` or ``shared/data/extension_2019_2022``
    beside the repository or one of its ancestors (CI lays it at ../shared); None if absent."""
    env = os.environ.get(RAW_ENV)
    if env:
        return Path(env) if Path(env).is_dir() else None
    for parent in (PROJECT_DIR, *PROJECT_DIR.parents):
        candidate = parent / SHARED_SUBDIR
        if candidate.is_dir():
            return candidate
    return None


def read_raw(raw_dir: Path, source: str) -> pd.DataFrame:
    """One raw file, read the way its README asks (``#`` comments; ``NA`` is Namibia, not NaN)."""
    path = Path(raw_dir) / FILES[source]
    if not path.is_file():
        raise FileNotFoundError(f"raw driver file missing: {path}")
    return pd.read_csv(path, comment="#", keep_default_na=False, na_values=[""], low_memory=False)


def nations() -> list[str]:
    """The 196 polities of nations.csv (iso3), sorted."""
    table = pd.read_csv(NATIONS_PATH, keep_default_na=False, na_values=[""], usecols=["iso3"])
    return sorted(table["iso3"])


def load_keys(path: Path = KEYS_PATH) -> pd.DataFrame:
    """The hand-checked key table: source, key (str), iso3 ('' = dropped), until_year (or NaN)."""
    keys = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    keys["until_year"] = pd.to_numeric(keys["until_year"].replace("", np.nan))
    return keys


def map_keys(
    frame: pd.DataFrame,
    source: str,
    key: pd.Series,
    year: pd.Series | None = None,
    keys: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Attach ``iso3`` to each row of ``frame`` through the key table.

    A row whose key is absent from the table raises (a new name must be mapped or dropped by
    hand); a dropped key's rows are removed; a key naming several states is repeated once per
    state (a sanction case on three states is in force on each); rows after a key's
    ``until_year`` are removed.
    """
    keys = load_keys() if keys is None else keys
    table = keys[keys["source"] == source].set_index("key")
    key = key.astype(str)
    unknown = sorted(set(key) - set(table.index))
    if unknown:
        raise ValueError(f"{source}: country keys not in {KEYS_PATH.name}: {unknown}")
    out = frame.copy()
    out["iso3"] = key.map(table["iso3"]).to_numpy()
    if year is not None:
        until = key.map(table["until_year"]).to_numpy(dtype=float)
        keep = np.isnan(until) | (year.to_numpy(dtype=float) <= until)
        out = out[keep]
    out = out[out["iso3"] != ""]
    out["iso3"] = out["iso3"].str.split(" ")
    return out.explode("iso3", ignore_index=True)


def _grid(index: list[str]) -> pd.MultiIndex:
    return pd.MultiIndex.from_product([index, YEARS], names=["iso3", "year"])


def _sum_by_nation_year(frame: pd.DataFrame, value: str, year: str = "year") -> pd.Series:
    summed = frame.groupby(["iso3", year])[value].sum()
    summed.index = summed.index.set_names(["iso3", "year"])
    return summed


def _fill(series: pd.Series, grid: pd.MultiIndex, zero_nations, zero_years) -> pd.Series:
    """Reindex to the grid; 0 where (nation in zero_nations, year in zero_years) has no row."""
    out = series.reindex(grid).astype(float)
    iso = grid.get_level_values("iso3")
    yr = grid.get_level_values("year")
    zero = np.isin(iso, list(zero_nations)) & np.isin(yr, list(zero_years))
    return out.where(~(zero & out.isna()), 0.0)


def china_finance(raw_dir: Path, grid: pd.MultiIndex, keys: pd.DataFrame) -> pd.DataFrame:
    """AidData GCDF 3.0 commitments (constant 2021 USD): total, projects, ODA/OOF/vague split."""
    total = read_raw(raw_dir, "gcdf_country_year")
    total = map_keys(total, "gcdf_country_year", total["iso3"].rename("key"), keys=keys)
    flow = read_raw(raw_dir, "gcdf_flow_cow")
    flow = map_keys(flow, "gcdf_flow_cow", flow["ccode"], keys=keys)
    in_scope = set(total["iso3"]) | set(AIDDATA_IN_SCOPE_NO_PROJECT)
    years = range(FIRST_YEAR, 2022)  # 2000-2021
    out = pd.DataFrame(index=grid)
    out["china_finance_usd_2021"] = _fill(
        _sum_by_nation_year(total, "usd_const_2021"), grid, in_scope, years
    )
    out["china_finance_projects"] = _fill(
        _sum_by_nation_year(total, "projects"), grid, in_scope, years
    )
    split_scope = in_scope - set(AIDDATA_NO_FLOW_SPLIT)
    for column, raw in (
        ("china_oda_usd_2021", "oda_adj"),
        ("china_oof_usd_2021", "oof_adj"),
        ("china_vague_usd_2021", "vof_adj"),
    ):
        out[column] = _fill(_sum_by_nation_year(flow, raw), grid, split_scope, years)
    return out


def china_investment(raw_dir: Path, grid: pd.MultiIndex, keys: pd.DataFrame) -> pd.DataFrame:
    """AEI/Heritage CGIT deals (investment + construction, nominal USD m), total/technology/telecom."""
    deals = read_raw(raw_dir, "cgit")
    deals = map_keys(deals, "cgit", deals["Country"], keys=keys)
    deals["usd_m"] = deals["Quantity in Millions"].astype(float)
    covered = set(nations()) - {"CHN"}
    years = range(2005, LAST_YEAR + 1)
    out = pd.DataFrame(index=grid)
    selections = {
        "china_deals_usd_m": pd.Series(True, index=deals.index),
        "china_technology_deals_usd_m": _match(deals, CGIT_TECHNOLOGY),
        "china_telecom_deals_usd_m": _match(deals, CGIT_TELECOM),
    }
    for column, chosen in selections.items():
        summed = _sum_by_nation_year(deals[chosen], "usd_m", year="Year")
        out[column] = _fill(summed, grid, covered, years)
    return out


def _match(frame: pd.DataFrame, rule: dict[str, str]) -> pd.Series:
    chosen = pd.Series(True, index=frame.index)
    for column, value in rule.items():
        chosen &= frame[column] == value
    return chosen


def belt_and_road(raw_dir: Path, grid: pd.MultiIndex, keys: pd.DataFrame) -> pd.DataFrame:
    """BRI memorandum: member at the end of each year, and the signing date (Nedopil 2025)."""
    bri = read_raw(raw_dir, "bri")
    bri = map_keys(bri, "bri", bri["iso3"].rename("key"), keys=keys)
    if bri["exited"].notna().any():
        raise ValueError("bri: exits before 2022-12-31 are not handled; code them first")
    joined = pd.to_datetime(bri.set_index("iso3")["joined"], errors="raise")
    iso = grid.get_level_values("iso3")
    yr = np.asarray(grid.get_level_values("year"))
    join_year = iso.map(joined.dt.year).to_numpy(dtype=float)
    member = (yr >= join_year).astype(float)  # NaN join year -> 0 here, fixed below
    undated = np.isin(iso, [i for i, d in joined.items() if pd.isna(d)])
    member = np.where(undated, np.where(yr == LAST_YEAR, 1.0, np.nan), member)
    member = np.where(iso == "CHN", np.nan, member)
    out = pd.DataFrame(index=grid)
    out["bri_member"] = member
    out["bri_join_date"] = iso.map(joined.dt.strftime("%Y-%m-%d")).fillna("").to_numpy()
    return out


def arms_orders(raw_dir: Path, grid: pd.MultiIndex, keys: pd.DataFrame) -> pd.DataFrame:
    """SIPRI orders by order year (TIV of the whole order), from China+Russia and from the US."""
    orders = read_raw(raw_dir, "sipri")
    orders = map_keys(orders, "sipri", orders["Recipient"], keys=keys)
    orders["year"] = orders["Year of order"].astype(int)
    orders["tiv"] = orders["SIPRI TIV for total order"].fillna(0.0)
    out = pd.DataFrame(index=grid)
    everyone = set(nations())
    for column, suppliers in (
        ("arms_orders_china_russia_tiv", ARMS_CHINA_RUSSIA),
        ("arms_orders_us_tiv", ARMS_US),
    ):
        chosen = orders[orders["Supplier"].isin(suppliers)]
        covered = everyone - set(_SUPPLIER_ISO[s] for s in suppliers)
        out[column] = _fill(_sum_by_nation_year(chosen, "tiv"), grid, covered, YEARS)
        out.loc[~out.index.get_level_values("iso3").isin(covered), column] = np.nan
    return out


_SUPPLIER_ISO = {"China": "CHN", "Russia": "RUS", "United States": "USA"}


def us_aid(raw_dir: Path, grid: pd.MultiIndex, keys: pd.DataFrame) -> pd.DataFrame:
    """ForeignAssistance.gov obligations, constant 2022 USD; fiscal year Y (Oct Y-1 to Sep Y) -> Y."""
    aid = read_raw(raw_dir, "us_aid")
    aid = aid[aid["Transaction Type Name"] == "Obligations"]
    key = aid["Country Code"].fillna(aid["Country Name"])
    aid = aid.assign(year=aid["Fiscal Year"].astype(int))
    aid = map_keys(aid, "us_aid", key, year=aid["year"], keys=keys)
    covered = set(aid["iso3"]) - {"USA"}
    out = pd.DataFrame(index=grid)
    out["us_aid_obligations_usd_2022"] = _fill(
        _sum_by_nation_year(aid, "constant_amount"), grid, covered, YEARS
    )
    return out


def us_troops(raw_dir: Path, grid: pd.MultiIndex, keys: pd.DataFrame) -> pd.DataFrame:
    """troopdata active-duty personnel by host; two series of one host in a year are summed."""
    troops = read_raw(raw_dir, "us_troops")
    troops = map_keys(troops, "us_troops", troops["ccode"], keys=keys)
    troops = troops[troops["iso3"] != "USA"]
    out = pd.DataFrame(index=grid)
    out["us_troops"] = _sum_by_nation_year(troops, "troops_ad").reindex(grid).astype(float)
    return out


def us_sanctions(raw_dir: Path, grid: pd.MultiIndex, keys: pd.DataFrame) -> pd.DataFrame:
    """GSDB v3 cases with the US among the senders, counted per target and year in force."""
    cases = read_raw(raw_dir, "gsdb")
    senders = cases["sanctioning_state"].str.split(", ")
    cases = cases[senders.apply(lambda names: SANCTIONS_SENDER in names)]
    cases = map_keys(cases, "gsdb", cases["sanctioned_state"], keys=keys)
    rows = [
        (iso, year)
        for iso, begin, end in cases[["iso3", "begin", "end"]].itertuples(index=False)
        for year in range(max(begin, SANCTIONS_FIRST_YEAR), end + 1)
    ]
    counted = pd.DataFrame(rows, columns=["iso3", "year"]).assign(n=1.0)
    covered = set(nations()) - {"USA"}
    out = pd.DataFrame(index=grid)
    out["us_sanctions_cases"] = _fill(
        _sum_by_nation_year(counted, "n"), grid, covered, range(SANCTIONS_FIRST_YEAR, LAST_YEAR + 1)
    )
    return out


def us_trade(raw_dir: Path, grid: pd.MultiIndex, keys: pd.DataFrame) -> pd.DataFrame:
    """IMF DOTS, US as reporter: goods exports FOB + imports CIF with each partner, current USD."""
    trade = read_raw(raw_dir, "dots")
    exports = [c for c in trade.columns if c.startswith("Goods, Value of Exports")]
    imports = [c for c in trade.columns if c.startswith("Goods, Value of Imports")]
    if len(exports) != 1 or len(imports) != 1:
        raise ValueError("dots: expected one exports and one imports column")
    trade = map_keys(trade, "dots", trade["Counterpart Country Name"], keys=keys)
    both_blank = trade[exports[0]].isna() & trade[imports[0]].isna()
    trade["usd"] = trade[exports[0]].fillna(0.0) + trade[imports[0]].fillna(0.0)
    trade = trade[~both_blank & (trade["iso3"] != "USA")]
    out = pd.DataFrame(index=grid)
    out["us_trade_usd"] = _sum_by_nation_year(trade, "usd", year="Time Period").reindex(grid)
    return out


BUILDERS = (
    china_finance,
    china_investment,
    belt_and_road,
    arms_orders,
    us_aid,
    us_troops,
    us_sanctions,
    us_trade,
)


def build(raw_dir: Path) -> pd.DataFrame:
    """The drivers table: iso3, year, then COLUMNS; one row per polity of nations.csv and year."""
    keys = load_keys()
    grid = _grid(nations())
    parts = [builder(Path(raw_dir), grid, keys) for builder in BUILDERS]
    table = pd.concat(parts, axis=1)[list(COLUMNS)].reset_index()
    numeric = [c for c in COLUMNS if c != "bri_join_date"]
    for iso3, since in STATE_SINCE.items():
        table.loc[(table["iso3"] == iso3) & (table["year"] < since), numeric] = np.nan
    return table


def write(table: pd.DataFrame, path: Path = DRIVERS_PATH) -> None:
    """Deterministic CSV (fixed column order, LF line ends). Floats keep 10 significant digits so
    a sum checked by hand against the raw rows matches to the dollar."""
    out = table.copy()
    header = (
        "# Observed drivers, nation x year 2000-2022, derived by sim/world/build_drivers.py from\n"
        "# ../shared/data/extension_2019_2022/ (AidData GCDF 3.0, AEI/Heritage CGIT, Nedopil BRI list, SIPRI,\n"
        "# ForeignAssistance.gov, troopdata, GSDB v3, IMF DOTS). Units, sources, missing rules: docs/data.md.\n"
    )
    Path(path).write_text(
        header + out.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build sim/data/drivers.csv from the raw files.")
    parser.add_argument("--raw", type=Path, default=None, help="raw directory (default: found)")
    parser.add_argument("--out", type=Path, default=DRIVERS_PATH)
    args = parser.parse_args(argv)
    raw_dir = args.raw or find_raw_dir()
    if raw_dir is None or not Path(raw_dir).is_dir():
        print(f"error: raw directory not found (set {RAW_ENV} or pass --raw)", file=sys.stderr)
        return 2
    table = build(raw_dir)
    write(table, args.out)
    print(f"wrote {args.out} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

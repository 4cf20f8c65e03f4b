"""The observed drivers table (sim/data/drivers.csv) and its build from the raw files.

Known values below were summed by hand from the raw rows of ../shared/data/extension_2019_2022/
(only the sums are written here: the licences of AEI and GSDB forbid committing their rows).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest

from sim.world import build_drivers as bd
from sim.world.drivers import complete_on, drivers_known_at, load_drivers

RAW = bd.find_raw_dir()
needs_raw = pytest.mark.skipif(
    RAW is None, reason="raw driver files absent (../shared/data/extension_2019_2022 not found)"
)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """A fresh build from the raw files when they are here (so these tests test the code),
    else the committed table (the rebuild test below ties the two together)."""
    if RAW is None:
        return load_drivers()
    built = bd.build(RAW)
    built["bri_join_date"] = built["bri_join_date"].fillna("")
    return built


def cell(table: pd.DataFrame, iso3: str, year: int, column: str):
    row = table[(table["iso3"] == iso3) & (table["year"] == year)]
    assert len(row) == 1, (iso3, year)
    return row[column].iloc[0]


# --- shape -----------------------------------------------------------------------------------


def test_one_row_per_polity_and_year_2000_2022_only(table):
    nations = pd.read_csv(bd.NATIONS_PATH, keep_default_na=False, na_values=[""])["iso3"]
    assert set(table["iso3"]) == set(nations) and len(set(nations)) == 196
    assert table["year"].between(2000, 2022).all()
    assert sorted(table["year"].unique()) == list(range(2000, 2023))
    assert len(table) == 196 * 23
    assert not table.duplicated(["iso3", "year"]).any()
    assert list(table.columns) == ["iso3", "year", *bd.COLUMNS]
    assert "NAM" in set(table["iso3"])  # Namibia's iso2 "NA" must not turn into NaN anywhere


# --- known values, summed by hand from raw rows ---------------------------------------------


@pytest.mark.parametrize(
    ("iso3", "year", "column", "expected"),
    [
        # AEI/Heritage CGIT: Nigeria 2013 has seven deals, two of them Technology/Telecom (750 + 480).
        ("NGA", 2013, "china_telecom_deals_usd_m", 1230.0),
        ("NGA", 2013, "china_technology_deals_usd_m", 1230.0),
        ("NGA", 2013, "china_deals_usd_m", 3960.0),
        # Pakistan 2007: four deals (280 + 100 + 180 + 150), two Telecom (280 + 180).
        ("PAK", 2007, "china_telecom_deals_usd_m", 460.0),
        ("PAK", 2007, "china_deals_usd_m", 710.0),
        # Russia 2010: one Technology deal without a subsector (USD 300 m): technology, not telecom.
        ("RUS", 2010, "china_technology_deals_usd_m", 300.0),
        ("RUS", 2010, "china_telecom_deals_usd_m", 0.0),
        # SIPRI, Egypt, orders placed in 2015: eleven Russian orders, none Chinese;
        # 60+40+713+50+1875+50+28+180+13+120+12.5 = 3141.5 TIV; five US orders 1.54+17.8+7+27.92+70.3.
        ("EGY", 2015, "arms_orders_china_russia_tiv", 3141.5),
        ("EGY", 2015, "arms_orders_us_tiv", 124.56),
        # ForeignAssistance.gov, FY2005 (Oct 2004 - Sep 2005) -> 2005: "Sudan (former)" 1,535,760,101
        # plus "Sudan" 9,441,249 (constant USD); FY2012: Sudan alone (the former-Sudan key ends 2011).
        ("SDN", 2005, "us_aid_obligations_usd_2022", 1_545_201_350.0),
        ("SDN", 2012, "us_aid_obligations_usd_2022", 170_135_335.0),
        # GSDB: US cases on Venezuela in force: 2 in 2013 (begun 2006, 2008); 6 in 2019.
        ("VEN", 2013, "us_sanctions_cases", 2.0),
        ("VEN", 2019, "us_sanctions_cases", 6.0),
        # troopdata: Antigua 2008 is reported under two names (2 + 3 troops).
        ("ATG", 2008, "us_troops", 5.0),
        # Belt and Road: Italy signed in March 2019.
        ("ITA", 2018, "bri_member", 0.0),
        ("ITA", 2019, "bri_member", 1.0),
        # AidData: Afghanistan 2000, one project of USD 1,283,228 (constant 2021).
        ("AFG", 2000, "china_finance_usd_2021", 1_283_228.364),
    ],
)
def test_known_values(table, iso3, year, column, expected):
    assert cell(table, iso3, year, column) == pytest.approx(expected, rel=1e-9, abs=1e-3)


def test_bri_join_date_is_the_sources_date(table):
    assert cell(table, "ITA", 2000, "bri_join_date") == "2019-03-01"
    assert cell(table, "USA", 2022, "bri_join_date") == ""


# --- missing is not zero ---------------------------------------------------------------------


def test_sanctions_before_2013_are_missing_not_zero(table):
    before = table[table["year"] < bd.SANCTIONS_FIRST_YEAR]["us_sanctions_cases"]
    assert before.isna().all()
    after = table[(table["year"] >= 2013) & (table["iso3"] != "USA")]["us_sanctions_cases"]
    assert after.notna().all() and (after == 0).sum() > 100


def test_coverage_windows_of_each_source(table):
    assert table[table["year"] < 2005]["china_deals_usd_m"].isna().all()  # CGIT starts 2005
    assert table[table["year"] == 2022]["china_finance_usd_2021"].isna().all()  # AidData ends 2021
    # Outside AidData's scope (high-income, China): missing; in scope with no project: zero.
    assert math.isnan(cell(table, "DEU", 2015, "china_finance_usd_2021"))
    assert math.isnan(cell(table, "CHN", 2015, "china_finance_usd_2021"))
    assert cell(table, "BTN", 2015, "china_finance_usd_2021") == 0.0
    # A flow split the source does not give is missing even where the total is known.
    assert not math.isnan(cell(table, "SRB", 2016, "china_finance_usd_2021"))
    assert math.isnan(cell(table, "SRB", 2016, "china_oda_usd_2021"))


def test_a_donor_or_supplier_has_no_value_for_itself(table):
    for column in (
        "us_aid_obligations_usd_2022",
        "us_troops",
        "us_sanctions_cases",
        "us_trade_usd",
        "arms_orders_us_tiv",
    ):
        assert table[table["iso3"] == "USA"][column].isna().all(), column
    for iso3 in ("CHN", "RUS"):
        assert table[table["iso3"] == iso3]["arms_orders_china_russia_tiv"].isna().all()
    assert table[table["iso3"] == "CHN"]["china_deals_usd_m"].isna().all()


def test_no_value_before_a_state_existed(table):
    numeric = [c for c in bd.COLUMNS if c != "bri_join_date"]
    for iso3, since in bd.STATE_SINCE.items():
        early = table[(table["iso3"] == iso3) & (table["year"] < since)][numeric]
        assert early.isna().all().all(), iso3


def test_undated_bri_members_are_unknown_before_2022(table):
    russia = table[table["iso3"] == "RUS"].set_index("year")["bri_member"]
    assert russia[2022] == 1.0 and russia.loc[:2021].isna().all()


# --- country keys ----------------------------------------------------------------------------


def _norm(name: str) -> str:
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z ]", " ", name).split())


def test_key_table_is_well_formed():
    keys = bd.load_keys()
    assert not keys.duplicated(["source", "key"]).any()
    assert set(keys["source"]) == set(bd.FILES) | {"bsv"}
    nations = set(pd.read_csv(bd.NATIONS_PATH, keep_default_na=False, na_values=[""])["iso3"])
    mapped = keys[keys["iso3"] != ""]["iso3"].str.split(" ").explode()
    assert set(mapped) <= nations
    dropped = keys[keys["iso3"] == ""]
    assert (dropped["note"].str.len() > 0).all(), "every dropped key says why"


def test_no_state_of_the_dataset_is_dropped():
    """A dropped key must not be a UN member, Palestine, Taiwan or Kosovo under any name the
    dataset or the BSV ideal points know (names, iso3 codes)."""
    nations = pd.read_csv(bd.NATIONS_PATH, keep_default_na=False, na_values=[""])
    names = {_norm(n) for n in nations["name"]} | set(nations["iso3"])
    names |= {
        "united states",
        "usa",
        "west bank and gaza",
        "taiwan province of china",
        "korea rep of",
        "russian federation",
        "britain",
    }
    dropped = bd.load_keys().query("iso3 == ''")
    clash = [k for k in dropped["key"] if _norm(k) in names or k in names]
    assert not clash, clash


@needs_raw
def test_every_raw_key_is_in_the_table():
    """A new country name in a raw file must be mapped or dropped by hand (map_keys raises)."""
    keys = bd.load_keys()
    for source in bd.FILES:
        raw = bd.read_raw(RAW, source)
        column = {
            "gcdf_country_year": "iso3",
            "gcdf_flow_cow": "ccode",
            "cgit": "Country",
            "bri": "iso3",
            "sipri": "Recipient",
            "us_troops": "ccode",
            "gsdb": "sanctioned_state",
            "dots": "Counterpart Country Name",
        }.get(source)
        series = (
            raw["Country Code"].fillna(raw["Country Name"]) if source == "us_aid" else raw[column]
        )
        known = set(keys[keys["source"] == source]["key"])
        assert set(series.astype(str)) <= known, source


def test_map_keys_refuses_an_unknown_key():
    keys = pd.DataFrame(
        {"source": ["x"], "key": ["A"], "iso3": ["AFG"], "until_year": [np.nan], "note": [""]}
    )
    frame = pd.DataFrame({"name": ["A", "Atlantis"]})
    with pytest.raises(ValueError, match="Atlantis"):
        bd.map_keys(frame, "x", frame["name"], keys=keys)


def test_map_keys_splits_multi_state_keys_and_honours_until_year():
    keys = pd.DataFrame(
        {
            "source": ["x", "x"],
            "key": ["A, B", "C"],
            "iso3": ["AFG ALB", "DZA"],
            "until_year": [np.nan, 2011.0],
            "note": ["", ""],
        }
    )
    frame = pd.DataFrame({"name": ["A, B", "C", "C"], "year": [2015, 2011, 2012]})
    out = bd.map_keys(frame, "x", frame["name"], year=frame["year"], keys=keys)
    assert sorted(zip(out["iso3"], out["year"], strict=True)) == [
        ("AFG", 2015),
        ("ALB", 2015),
        ("DZA", 2011),
    ]


# --- rebuild ---------------------------------------------------------------------------------


@needs_raw
def test_committed_table_equals_a_rebuild(tmp_path):
    out = tmp_path / "drivers.csv"
    bd.write(bd.build(RAW), out)
    assert out.read_bytes() == bd.DRIVERS_PATH.read_bytes()


# --- the date each value becomes known -------------------------------------------------------


def test_complete_on_calendar_and_fiscal_years():
    assert complete_on("china_deals_usd_m", 2019) == dt.date(2020, 1, 1)
    assert complete_on("us_aid_obligations_usd_2022", 2019) == dt.date(2019, 10, 1)


def test_a_world_sees_only_completed_years(table):
    seen = drivers_known_at("2019-10-01", table)
    assert seen[seen["year"] >= 2019]["china_deals_usd_m"].isna().all()
    assert seen[(seen["year"] == 2018) & (seen["iso3"] == "NGA")]["china_deals_usd_m"].notna().all()
    kenya = seen[(seen["iso3"] == "KEN") & (seen["year"] == 2019)]
    assert kenya["us_aid_obligations_usd_2022"].notna().all()  # FY2019 ended 2019-09-30
    assert cell(seen, "ITA", 2022, "bri_join_date") == "2019-03-01"
    assert cell(drivers_known_at("2019-03-01", table), "ITA", 2022, "bri_join_date") == ""

"""Facts about the embedded nations dataset (baseline 2023-01-01) and its reproducible build."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.world import build_nations
from sim.world.nations import MEMBERSHIP_COLUMNS, NATIONS_CSV, load_nations

EXPECTED_COLUMNS = [
    "iso3", "iso2", "name", "un_status", "region", "subregion", "intermediate_region",
    "population", "gdp_usd", "gdp_ppp_usd",
    "internet_users_pct", "lat", "lon", "brics", "sco_member", "sco_observer",
    "sco_dialogue_partner", "five_eyes", "nato", "eu", "african_union", "au_suspended",
    "arab_league", "arab_league_suspended", "asean", "gcc", "csto", "us_treaty_ally", "us_mnna",
    "nam", "bri_mou", "un_charter_friends", "p5", "recognises_taiwan", "digital_gap", "arab_state",
    "african",
    "security_tie", "unga_n_votes", "unga_agree_us", "unga_agree_china", "unga_alignment",
    "non_intervention", "alignment_initial",
]  # fmt: skip


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return load_nations()


@pytest.fixture(scope="module")
def by_iso(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("iso3")


def members(df: pd.DataFrame, col: str) -> set[str]:
    return set(df.loc[df[col], "iso3"])


def test_columns_exact_and_in_order(df):
    assert list(df.columns) == EXPECTED_COLUMNS
    assert set(MEMBERSHIP_COLUMNS) <= set(df.columns)
    for col in (*MEMBERSHIP_COLUMNS, "recognises_taiwan", "arab_state", "african"):
        assert df[col].dtype == bool, col


def test_193_un_members_and_unique_codes(df):
    assert (df["un_status"] == "member").sum() == 193
    assert set(df["un_status"]) <= {"member", "observer", "non_member"}
    assert df["iso3"].is_unique and df["iso2"].is_unique
    assert df["iso3"].str.fullmatch(r"[A-Z]{3}").all()
    assert df["iso2"].str.fullmatch(r"[A-Z]{2}").all()
    assert list(df["iso3"]) == sorted(df["iso3"])


def test_optional_rows_flagged(by_iso):
    assert by_iso.loc["PSE", "un_status"] == "observer"
    assert by_iso.loc["TWN", "un_status"] == "non_member"
    assert by_iso.loc["XKX", "un_status"] == "non_member"
    assert by_iso.loc["NAM", "iso2"] == "NA"  # Namibia's code must not be read as missing


@pytest.mark.parametrize(
    ("col", "expected"),
    [
        ("brics", 5),
        ("sco_member", 8),
        ("sco_observer", 4),
        ("sco_dialogue_partner", 8),
        ("five_eyes", 5),
        ("nato", 30),
        ("eu", 27),
        ("asean", 10),
        ("gcc", 6),
        ("arab_league", 22),
        ("arab_league_suspended", 1),
        ("african_union", 54),
        ("au_suspended", 4),
        ("csto", 6),
        ("p5", 5),
        ("nam", 120),
        ("un_charter_friends", 19),
        ("us_mnna", 19),
    ],
)
def test_membership_counts(df, col, expected):
    assert df[col].sum() == expected


def test_membership_sets(df):
    assert members(df, "brics") == {"BRA", "RUS", "IND", "CHN", "ZAF"}
    assert members(df, "sco_member") == {"CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB", "IND", "PAK"}
    assert members(df, "sco_observer") == {"AFG", "BLR", "IRN", "MNG"}
    assert members(df, "sco_dialogue_partner") == {
        "ARM", "AZE", "KHM", "NPL", "LKA", "TUR", "EGY", "QAT",
    }  # fmt: skip
    assert members(df, "five_eyes") == {"USA", "GBR", "CAN", "AUS", "NZL"}
    assert members(df, "gcc") == {"BHR", "KWT", "OMN", "QAT", "SAU", "ARE"}
    assert members(df, "csto") == {"ARM", "BLR", "KAZ", "KGZ", "RUS", "TJK"}
    assert members(df, "p5") == {"USA", "GBR", "FRA", "CHN", "RUS"}
    assert members(df, "au_suspended") == {"MLI", "GIN", "SDN", "BFA"}
    assert members(df, "asean") == {
        "BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM",
    }  # fmt: skip


def test_no_facts_after_baseline(by_iso):
    assert not by_iso.loc["FIN", "nato"] and not by_iso.loc["SWE", "nato"]
    assert by_iso.loc["IRN", "sco_observer"] and not by_iso.loc["IRN", "sco_member"]
    for iso3 in ("EGY", "ETH", "IRN", "ARE", "SAU"):
        assert not by_iso.loc[iso3, "brics"], iso3
    assert not by_iso.loc["SAU", "sco_dialogue_partner"]  # memorandum approved March 2023
    assert not by_iso.loc["TLS", "asean"]
    assert by_iso.loc["SYR", "arab_league"] and by_iso.loc["SYR", "arab_league_suspended"]
    assert not by_iso.loc["NER", "au_suspended"] and not by_iso.loc["GAB", "au_suspended"]
    assert not by_iso.loc["AFG", "us_mnna"]  # designation terminated July 2022
    assert not by_iso.loc["MLI", "un_charter_friends"]  # joined after 2022


def test_specific_cases(by_iso):
    usa = by_iso.loc["USA"]
    assert usa["five_eyes"] and usa["nato"] and usa["p5"]
    for iso3 in ("JPN", "KOR", "PHL", "THA", "AUS", "CAN", "BRA", "ARG", "TTO"):
        assert by_iso.loc[iso3, "us_treaty_ally"], iso3
    for iso3 in ("NZL", "MEX", "BOL", "ECU", "NIC", "VEN", "CUB", "USA", "FIN", "SWE"):
        assert not by_iso.loc[iso3, "us_treaty_ally"], iso3
    assert by_iso.loc["TWN", "us_mnna"]
    assert by_iso.loc["PSE", "arab_league"] and by_iso.loc["PSE", "arab_state"]
    assert by_iso.loc["MAR", "african_union"]
    assert by_iso.loc["ITA", "bri_mou"] and not by_iso.loc["IND", "bri_mou"]
    assert by_iso.loc["CHN", "population"] > 1.3e9
    assert by_iso.loc["IND", "population"] > 1.3e9
    assert by_iso.loc["USA", "gdp_usd"] > 2e13
    assert (
        by_iso.loc["CHN", "region"] == "Asia" and by_iso.loc["CHN", "subregion"] == "Eastern Asia"
    )
    assert by_iso.loc["EGY", "subregion"] == "Northern Africa"


def test_convenience_flags(df):
    assert (df["arab_state"] == df["arab_league"]).all()
    assert (df["african"] == (df["region"] == "Africa")).all()
    # every African UN member is in the AU (SADR, a non-UN AU member, is not in the dataset)
    africa_members = df[(df["region"] == "Africa") & (df["un_status"] == "member")]
    assert africa_members["african_union"].all() and len(africa_members) == 54
    assert not (df["au_suspended"] & ~df["african_union"]).any()
    assert not (df["arab_league_suspended"] & ~df["arab_league"]).any()
    assert not (df["sco_member"] & (df["sco_observer"] | df["sco_dialogue_partner"])).any()


def test_numeric_columns_complete_and_in_range(df):
    required = ["population", "gdp_usd", "internet_users_pct", "lat", "lon", "digital_gap"]
    assert not df[required].isna().any().any()
    assert (df["population"] > 0).all()
    assert (df["gdp_usd"] > 0).all()
    assert df["internet_users_pct"].between(0, 100).all()
    assert df["digital_gap"].between(0, 1).all()
    expected_gap = (1 - df["internet_users_pct"] / 100).clip(0, 1)
    assert (df["digital_gap"] - expected_gap).abs().max() < 1e-6
    assert df["lat"].between(-90, 90).all() and df["lon"].between(-180, 180).all()
    for col in ("region", "subregion", "name"):
        assert (df[col].str.len() > 0).all(), col


def test_build_reproduces_csv_byte_for_byte(tmp_path):
    out = build_nations.build(tmp_path / "nations.csv")
    assert out.read_bytes() == NATIONS_CSV.read_bytes()
    # and the CLI entry point writes the same bytes
    cli_out = tmp_path / "cli.csv"
    build_nations.main(["--out", str(cli_out)])
    assert cli_out.read_bytes() == NATIONS_CSV.read_bytes()


def test_security_tie_reads_rio_treaty_as_half(by_iso):
    assert set(by_iso["security_tie"].unique()) <= {0.0, 0.5, 1.0}
    assert by_iso.loc[["GBR", "JPN", "KOR", "AUS", "CAN", "TUR"], "security_tie"].eq(1.0).all()
    assert by_iso.loc[["BRA", "ARG"], "security_tie"].eq(0.5).all()  # Rio Treaty only
    assert by_iso.loc[["EGY", "MAR", "PAK"], "security_tie"].eq(0.5).all()  # MNNA
    assert by_iso.loc[["CHN", "RUS", "IND", "FIN"], "security_tie"].eq(0.0).all()
    assert by_iso.loc["NZL", "security_tie"] == 1.0  # Five Eyes, although ANZUS is suspended


def test_model_inputs_complete_and_in_range(df):
    assert df["alignment_initial"].between(-1, 1).all()
    assert df["non_intervention"].between(0, 1).all()
    assert df[["alignment_initial", "non_intervention", "intermediate_region"]].notna().all().all()
    # vote columns are missing exactly for the polities that do not vote in the General Assembly
    no_votes = set(df.loc[df["unga_n_votes"] == 0, "iso3"])
    assert no_votes == {"PSE", "TWN", "XKX"}


def test_intermediate_region_splits_sub_saharan_africa(by_iso):
    assert by_iso.loc["NGA", "intermediate_region"] == "Western Africa"
    assert by_iso.loc["KEN", "intermediate_region"] == "Eastern Africa"
    assert by_iso.loc["FRA", "intermediate_region"] == "Western Europe"  # falls back to sub-region


def test_sco_strength_is_the_strongest_role_held(df):
    """One SCO mapping for the model's membership matrix and the starting tie score: member 1,
    observer 0.5, dialogue partner 0.25 (sim.world.world.ROLE_STRENGTH)."""
    import numpy as np

    from sim.world.initial_alignment import tie_score
    from sim.world.world import sco_strength

    flags = pd.DataFrame(
        {
            "sco_member": [1, 0, 0, 0, 1],
            "sco_observer": [0, 1, 0, 0, 1],
            "sco_dialogue_partner": [0, 0, 1, 0, 0],
        }
    )
    np.testing.assert_array_equal(sco_strength(flags), [1.0, 0.5, 0.25, 0.0, 1.0])
    real = df.set_index("iso3")
    strengths = dict(zip(real.index, sco_strength(real), strict=True))
    assert strengths["CHN"] == 1.0 and strengths["MNG"] == 0.5
    assert strengths["TUR"] == strengths["NPL"] == 0.25
    # the tie score sees the same strengths: a dialogue partner leans more to China than a
    # copy of itself without the SCO role
    nepal = real.loc[["NPL"]].reset_index().assign(bri_mou=0)  # its other 0.1-level tie
    without = nepal.assign(sco_dialogue_partner=0)
    assert tie_score(nepal).iloc[0] > tie_score(without).iloc[0]

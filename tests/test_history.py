"""The world at a date: dated memberships, Taiwan recognition, yearly attributes and votes, each
checked against known facts, and a check that nothing after the date leaks in."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sim.world import dated_tables, unga
from sim.world.dated import EARLIEST, check_date, nations_at, observed_alignment
from sim.world.nations import load_nations


def flags_at(when: str) -> pd.DataFrame:
    return nations_at(when).set_index("iso3")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-06-09", date(2017, 6, 9)),
        ("2015-07", date(2015, 8, 1)),  # a month counts from its end: no look-ahead
        ("2022-12", date(2023, 1, 1)),
        ("2019", date(2020, 1, 1)),
    ],
)
def test_partial_dates_count_from_the_end_of_their_period(text, expected):
    assert dated_tables.effective_date(text) == expected


def test_memberships_change_on_their_dates():
    before, after = flags_at("2017-01-01"), flags_at("2018-01-01")
    for code in ("IND", "PAK"):  # SCO observers until the Astana summit of June 2017
        assert (before.loc[code, "sco_observer"], before.loc[code, "sco_member"]) == (1, 0)
        assert (after.loc[code, "sco_observer"], after.loc[code, "sco_member"]) == (0, 1)
    assert flags_at("2020-01-01").loc["GBR", "eu"] and not flags_at("2020-03-01").loc["GBR", "eu"]
    assert (
        flags_at("2012-01-01").loc["UZB", "csto"] and not flags_at("2013-01-01").loc["UZB", "csto"]
    )
    syria = flags_at("2011-06-01").loc["SYR"], flags_at("2012-01-01").loc["SYR"]
    assert (syria[0]["arab_league"], syria[0]["arab_league_suspended"]) == (1, 0)
    assert (syria[1]["arab_league"], syria[1]["arab_league_suspended"]) == (1, 1)
    assert flags_at("2014-01-01").loc["EGY", "au_suspended"]  # July 2013 - June 2014
    assert not flags_at("2015-01-01").loc["EGY", "au_suspended"]
    assert (
        flags_at("2018-01-01").loc["MNE", "nato"] and not flags_at("2017-01-01").loc["MNE", "nato"]
    )
    # the Group of Friends of the UN Charter was launched in July 2021
    assert flags_at("2021-01-01")["un_charter_friends"].sum() == 0
    assert flags_at("2022-01-01")["un_charter_friends"].sum() >= 18
    # undated Belt and Road documents are not seen before the date the list had them all
    assert flags_at("2016-01-01")["bri_mou"].sum() < 10


def test_taiwan_recognition_switches_on_its_dates():
    assert "PAN" in dated_tables.taiwan_recognisers_at(date(2017, 1, 1))
    assert "PAN" not in dated_tables.taiwan_recognisers_at(date(2018, 1, 1))
    assert "GMB" in dated_tables.taiwan_recognisers_at(date(2013, 1, 1))
    assert len(dated_tables.taiwan_recognisers_at(date(2011, 1, 1))) == 22
    on_baseline = dated_tables.taiwan_recognisers_at(date(2023, 1, 1))
    assert len(on_baseline) == 13 and {"HND", "NRU", "SWZ"} <= on_baseline  # switched later
    table = load_nations().set_index("iso3")
    assert set(table.index[table["recognises_taiwan"]]) == on_baseline | {"TWN"}  # and itself


def test_south_sudan_exists_only_after_independence():
    assert "SSD" not in set(nations_at("2011-01-01")["iso3"])
    assert "SSD" in set(nations_at("2012-01-01")["iso3"])
    assert (nations_at("2011-01-01")["un_status"] == "member").sum() == 192


def test_yearly_attributes_are_last_full_year_and_gaps_follow_the_rules():
    gdp = dated_tables.yearly_series("gdp_usd")
    nations = ["USA", "VEN"]
    on = dated_tables.attribute_at("gdp_usd", date(2016, 1, 1), nations)
    assert on["USA"] == gdp.loc[2015, "USA"]  # 2015 is the last full year before 2016-01-01
    # Venezuela's series ends in 2014: carried forward from its last observation
    assert (
        dated_tables.attribute_at("gdp_usd", date(2020, 1, 1), nations)["VEN"]
        == gdp.loc[2014, "VEN"]
    )
    # linear inside gaps: a synthetic series with a hole is filled on the straight line
    frame = pd.DataFrame({"x": [1.0, np.nan, 3.0, np.nan]}, index=[2010, 2011, 2012, 2013])
    filled = frame.interpolate(method="index", limit_area="inside").ffill()
    assert filled["x"].tolist() == [1.0, 2.0, 3.0, 3.0]
    world = flags_at("2016-01-01")
    assert world.loc["USA", "gdp_usd"] == pytest.approx(gdp.loc[2015, "USA"])


def test_the_2023_world_is_the_embedded_table():
    from sim.world.build_nations import build_frame

    built = build_frame(at=date(2023, 1, 1))
    embedded = load_nations()
    for column in ("alignment_initial", "non_intervention", "gdp_usd", "security_tie"):
        assert np.allclose(built[column], embedded[column], atol=1e-6), column


def test_no_vote_after_the_date_enters_the_world(monkeypatch):
    """Scramble every vote cast on or after the date: the world at the date must not change."""
    when = date(2015, 1, 1)
    real = nations_at(when).set_index("iso3")
    original = unga.load_votes

    def scrambled(*args, **kwargs):
        roll_calls, votes = original(*args, **kwargs)
        later = roll_calls.index[roll_calls["date"] >= pd.Timestamp(when)]
        flip = votes["rcid"].isin(later)
        votes = votes.copy()
        votes.loc[flip, "value"] = -votes.loc[flip, "value"]
        votes.loc[flip, "vote"] = votes.loc[flip, "vote"].map(
            {"yes": "no", "no": "yes", "abstain": "abstain"}
        )
        return roll_calls, votes

    monkeypatch.setattr(unga, "load_votes", scrambled)
    from sim.world.build_nations import build_frame

    again = build_frame(at=when).set_index("iso3")
    assert np.array_equal(again["alignment_initial"], real["alignment_initial"])
    assert np.array_equal(again["non_intervention"], real["non_intervention"])
    # and the scrambling is real: the 2023 world does change
    changed = build_frame(at=date(2023, 1, 1)).set_index("iso3")
    assert not np.allclose(changed["alignment_initial"], load_nations()["alignment_initial"])


def test_dates_outside_the_data_are_refused_with_the_range():
    with pytest.raises(ValueError, match=r"2011-01-01\.\.2023-01-01"):
        check_date(date(2010, 6, 1))
    assert check_date(EARLIEST) == EARLIEST


def test_observed_alignment_is_the_starting_alignment_at_each_date():
    dates = [date(2014, 1, 1), date(2018, 1, 1)]
    series = observed_alignment(dates)
    assert series.loc[dates[1], "RUS"] == flags_at("2018-01-01").loc["RUS", "alignment_initial"]
    # Russia's votes harden after 2014 (the Crimea resolutions)
    assert series.loc[dates[1], "RUS"] > series.loc[dates[0], "RUS"]


def test_scenario_start_builds_the_world_of_that_date(tmp_path):
    from sim.inputs.scenario import ScenarioError, load_scenario

    resolved = load_scenario("baseline", ["start=2013-01-01", "steps=12"])
    frame = resolved.nations.set_index("iso3")
    assert frame.loc["PAN", "recognises_taiwan"] and not frame.loc["IND", "sco_member"]
    model = resolved.build_model()
    assert model.date == "2013-01-01"
    model.step()
    assert model.date == "2013-02-01"
    bad = tmp_path / "early.yaml"
    bad.write_text("name: early\nquestion: q\nstart: 2009-06-01\n")
    with pytest.raises(ScenarioError, match=r"early.yaml:3: start: .*2011-01-01\.\.2023-01-01"):
        load_scenario(bad)


def test_run_takes_a_start_date(tmp_path):
    from typer.testing import CliRunner

    from sim.cli import app

    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["run", "baseline", "--start", "2016-01-01", "--steps", "2", "-q", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    manifest = (out / "manifest.json").read_text()
    assert "2016-01-01" in manifest


# --- the history API: memberships_at, taiwan_recognisers_at, attributes_at, nations_present_at


def test_memberships_at_sco_india_joins_in_june_2017():
    before, after = (
        dated_tables.memberships_at("2016-01-01"),
        dated_tables.memberships_at("2018-01-01"),
    )
    assert before.loc["IND", "sco_member"] == 0 and before.loc["IND", "sco_observer"] == 1
    assert after.loc["IND", "sco_member"] == 1 and after.loc["IND", "sco_observer"] == 0
    assert before["sco_member"].sum() == 6 and after["sco_member"].sum() == 8
    # the day itself: the Astana summit of 2017-06-09 admits them
    assert dated_tables.memberships_at("2017-06-08").loc["PAK", "sco_member"] == 0
    assert dated_tables.memberships_at("2017-06-09").loc["PAK", "sco_member"] == 1


def test_memberships_at_known_dates():
    m = dated_tables.memberships_at
    assert m("2011-01-01").loc["ZAF", "brics"] == 1 and m("2010-06-01").loc["ZAF", "brics"] == 0
    assert m("2013-06-30").loc["HRV", "eu"] == 0 and m("2013-07-01").loc["HRV", "eu"] == 1
    assert m("2020-01-31").loc["GBR", "eu"] == 1 and m("2020-02-01").loc["GBR", "eu"] == 0
    assert m("2020-03-26").loc["MKD", "nato"] == 0 and m("2020-03-27").loc["MKD", "nato"] == 1
    assert m("2016-06-01").loc["MAR", "african_union"] == 0
    assert m("2017-02-01").loc["MAR", "african_union"] == 1
    # Egypt suspended from the AU 2013-07-05 .. 2014-06-17, still an AU member meanwhile
    egypt = m("2014-01-01").loc["EGY"]
    assert (egypt["african_union"], egypt["au_suspended"]) == (1, 1)
    assert m("2014-06-17").loc["EGY", "au_suspended"] == 0
    # Libya's Arab League seat suspended Feb-Aug 2011
    assert m("2011-05-01").loc["LBY", "arab_league_suspended"] == 1
    assert m("2011-09-01").loc["LBY", "arab_league_suspended"] == 0
    # MNNA: Afghanistan until July 2022, Brazil from 2019 (a bare year counts from its end)
    assert m("2022-01-01").loc["AFG", "us_mnna"] == 1 and m("2023-01-01").loc["AFG", "us_mnna"] == 0
    assert m("2019-12-31").loc["BRA", "us_mnna"] == 0 and m("2020-01-01").loc["BRA", "us_mnna"] == 1
    # Rio Treaty withdrawals end the US treaty tie; the US itself is never its own ally
    assert m("2012-01-01").loc["VEN", "us_treaty_ally"] == 1
    assert m("2015-01-01").loc["VEN", "us_treaty_ally"] == 0
    assert m("2015-01-01").loc["USA", "us_treaty_ally"] == 0
    assert m("2011-01-01").loc["AZE", "nam"] == 0 and m("2012-01-01").loc["AZE", "nam"] == 1


def test_memberships_at_south_sudan_joins_the_au_after_independence():
    assert "SSD" not in dated_tables.memberships_at("2011-07-08").index
    assert dated_tables.memberships_at("2011-07-20").loc["SSD", "african_union"] == 0
    assert dated_tables.memberships_at("2012-01-01").loc["SSD", "african_union"] == 1


def test_nations_present_at_default_is_every_polity_but_south_sudan_before_2011_07_09():
    early, late = (
        dated_tables.nations_present_at("2011-07-08"),
        dated_tables.nations_present_at("2011-07-09"),
    )
    assert len(late) == 196 and set(late) - set(early) == {"SSD"}
    assert set(late) == set(load_nations()["iso3"])


def test_at_2023_the_functions_reproduce_the_embedded_table_exactly():
    table = load_nations().set_index("iso3")
    flags = dated_tables.memberships_at("2023-01-01")
    from sim.world.nations import MEMBERSHIP_COLUMNS

    assert list(flags.columns) == list(MEMBERSHIP_COLUMNS)
    assert flags.index.tolist() == table.index.tolist()
    for column in MEMBERSHIP_COLUMNS:
        assert (flags[column].astype(bool) == table[column]).all(), column
    recognisers = dated_tables.taiwan_recognisers_at("2023-01-01")
    assert recognisers | {"TWN"} == set(table.index[table["recognises_taiwan"]])  # and itself
    attrs = dated_tables.attributes_at("2023-01-01")
    assert attrs.index.tolist() == table.index.tolist()
    assert (attrs["population"].astype("int64") == table["population"]).all()
    for column, decimals in (("gdp_usd", 1), ("gdp_ppp_usd", 1), ("internet_users_pct", 4)):
        assert np.allclose(attrs[column].round(decimals), table[column], rtol=0, atol=1e-9), column


def test_attributes_at_uses_the_last_full_year_and_positive_gdp():
    attrs = dated_tables.attributes_at("2016-06-30", ["USA", "CHN", "PRK", "TWN"])
    gdp, ppp = dated_tables.yearly_series("gdp_usd"), dated_tables.yearly_series("gdp_ppp_usd")
    assert attrs.loc["CHN", "gdp_usd"] == gdp.loc[2015, "CHN"]
    assert attrs.loc["CHN", "gdp_ppp_usd"] == ppp.loc[2015, "CHN"]
    # the US is the numeraire of PPP: PPP GDP equals nominal GDP in the source release
    assert attrs.loc["USA", "gdp_ppp_usd"] == pytest.approx(ppp.loc[2015, "USA"])
    assert ppp.loc[2015, "USA"] == pytest.approx(gdp.loc[2015, "USA"], rel=0.01)
    # China's price level is below the US's: its PPP GDP exceeds its nominal GDP
    assert attrs.loc["CHN", "gdp_ppp_usd"] > 1.3 * attrs.loc["CHN", "gdp_usd"]
    assert (attrs[["gdp_usd", "gdp_ppp_usd"]] > 0).all().all()
    assert attrs.notna().all().all()  # North Korea and Taiwan through the documented fallbacks


def test_ppp_fallback_is_the_subregion_median_ratio():
    ppp = pd.Series({"A": 20.0, "B": 30.0, "E": 100.0, "C": np.nan, "D": 8.0})
    nominal = pd.Series({"A": 10.0, "B": 10.0, "E": 10.0, "C": 5.0, "D": 4.0})
    region = pd.Series({"A": "x", "B": "x", "E": "x", "C": "x", "D": "y"})
    out = dated_tables.ppp_ratio_fallback(ppp, nominal, region)
    # ratios 2, 3 and 10 in sub-region x: the median 3, not the mean 5
    assert out["C"] == pytest.approx(5.0 * 3.0) and out["A"] == 20.0 and out["D"] == 8.0


def test_attributes_interpolate_between_mid_years():
    pop = dated_tables.yearly_series("population")
    on_new_year = dated_tables.attributes_at("2016-01-01", ["IND"], mode="interpolate")
    lo, hi = pop.loc[2015, "IND"], pop.loc[2016, "IND"]
    share = (date(2016, 1, 1) - date(2015, 7, 1)).days / (date(2016, 7, 1) - date(2015, 7, 1)).days
    assert on_new_year.loc["IND", "population"] == pytest.approx(lo + share * (hi - lo))
    at_mid = dated_tables.attributes_at("2016-07-01", ["IND"], mode="interpolate")
    assert at_mid.loc["IND", "population"] == pytest.approx(hi)
    with pytest.raises(ValueError, match="mode"):
        dated_tables.attributes_at("2016-07-01", ["IND"], mode="nearest")


def test_taiwan_recognisers_accept_iso_strings_and_switch_on_the_day():
    assert "SLV" in dated_tables.taiwan_recognisers_at("2018-08-20")
    assert "SLV" not in dated_tables.taiwan_recognisers_at("2018-08-21")
    assert "HND" in dated_tables.taiwan_recognisers_at("2023-01-01")  # switched 2023-03-26


def test_dated_belt_and_road_documents_count_from_their_dates():
    m = dated_tables.memberships_at
    assert m("2015-06-05").loc["HUN", "bri_mou"] == 0 and m("2015-06-06").loc["HUN", "bri_mou"] == 1
    assert m("2018-01-01").loc["PAN", "bri_mou"] == 1 and m("2017-11-16").loc["PAN", "bri_mou"] == 0
    assert m("2018-01-01").loc["PAK", "bri_mou"] == 1 and m("2018-01-01").loc["SEN", "bri_mou"] == 0
    # nothing before the initiative existed, and undated documents wait for the source list date
    assert m("2013-09-01")["bri_mou"].sum() == 0
    assert m("2022-03-30")["bri_mou"].sum() == 30 and m("2022-03-31")["bri_mou"].sum() == 148


def test_every_source_key_of_the_dated_tables_is_cited_in_sources_md():
    cited = (dated_tables.RAW_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for name in ("memberships.csv", "history/membership_changes.csv",
                 "history/taiwan_recognition.csv"):  # fmt: skip
        keys = set(dated_tables.read_table(dated_tables.RAW_DIR / name)["source"])
        missing = {k for k in keys if f"`{k}`" not in cited}
        assert not missing, (name, missing)


def test_guinea_reinstated_the_day_cote_divoire_was_suspended():
    before, after = (
        dated_tables.memberships_at("2010-12-08"),
        dated_tables.memberships_at("2010-12-09"),
    )
    assert before.loc["GIN", "au_suspended"] == 1 and after.loc["GIN", "au_suspended"] == 0
    assert before.loc["CIV", "au_suspended"] == 0 and after.loc["CIV", "au_suspended"] == 1


def test_a_suspension_replaces_the_member_row_while_it_lasts():
    rows = dated_tables.membership_rows_at(date(2014, 1, 1))
    egypt = rows[(rows["iso3"] == "EGY") & (rows["organisation"] == "african_union")]
    assert egypt["role"].tolist() == ["suspended_member"]
    rows = dated_tables.membership_rows_at(date(2015, 1, 1))
    egypt = rows[(rows["iso3"] == "EGY") & (rows["organisation"] == "african_union")]
    assert egypt["role"].tolist() == ["member"]

"""The page's account of events (issue 12 items 1 and 3): numbered marks on the time charts, the
scenario's description and event list, the sliders a scheduled event will move, and the
definitions behind the summary bar's figures."""

from __future__ import annotations

import re

from mesa.visualization.utils import force_update
from pydantic import TypeAdapter

from sim.engine.events import Event
from sim.engine.metrics import METRIC_DEFINITIONS
from sim.present.viz import charts
from sim.present.viz.controls import load_scenario_now
from sim.present.viz.event_marks import (
    chart_marks,
    describe,
    event_marks,
    month_label,
    slider_schedule,
)
from tests.viz_helpers import measure_chart, render_page

EVENT = TypeAdapter(Event)


def ev(**fields) -> Event:
    return EVENT.validate_python(fields)


def test_each_event_kind_is_described_in_words():
    cases = {
        "IRN joins SCO": ev(step=3, kind="join", nation="IRN", organisation="sco"),
        "IRN joins SCO as observer": ev(
            step=3, kind="join", nation="IRN", organisation="sco", role="observer"
        ),
        "GBR leaves EU": ev(step=1, kind="leave", nation="GBR", organisation="eu"),
        "us_pressure_budget x3": ev(
            step=1, kind="scale_parameter", parameter="us_pressure_budget", factor=3.0
        ),
        "china_budget set to 2.5": ev(
            step=1, kind="set_parameter", parameter="china_budget", value=2.5
        ),
        "BRICS peer weight set to 0.4": ev(
            step=1, kind="set_org_weight", organisation="brics", weight=0.4
        ),
        "China makes an attribution claim (0.2)": ev(
            step=1, kind="attribution", accuser="china", magnitude=0.2
        ),
        "US sanctions PRK (2 for 6 months)": ev(
            step=1, kind="sanction", target="PRK", intensity=2.0, duration=6
        ),
        "PAN recognises Beijing": ev(step=1, kind="recognition", nation="PAN", recognises="prc"),
    }
    for text, event in cases.items():
        assert describe(event) == text


def test_month_labels_count_calendar_months_from_the_start():
    assert month_label("2023-01-01", 0) == "2023-01"
    assert month_label("2023-01-01", 13) == "2024-02"
    assert month_label("2013-07-01", 6) == "2014-01"
    assert month_label("2013-07-01", 18) == "2015-01"


def test_marks_are_numbered_in_the_order_events_take_effect():
    scheduled = [
        ev(step=13, kind="join", nation="EGY", organisation="brics", note="Egypt"),
        ev(step=1, kind="scale_parameter", parameter="china_budget", factor=2.0, note="surge"),
        ev(step=1, kind="scale_parameter", parameter="pressure_pull", factor=1.5),
    ]
    triggered = [ev(step=5, kind="sanction", target="PRK", note="page")]
    marks = event_marks(scheduled, triggered, "2023-01-01")
    assert [(m.number, m.step, m.source) for m in marks] == [
        (1, 1, "scenario"),
        (2, 5, "triggered"),
        (3, 13, "scenario"),
    ]
    assert marks[0].text == "china_budget x2; pressure_pull x1.5"  # one month, one mark
    assert marks[0].note == "surge"
    assert marks[2].date == "2024-02"
    assert chart_marks(marks, 12) == [
        (1, "1: china_budget x2; pressure_pull x1.5"),
        (5, "2: US sanctions PRK (1 for 1 month)"),
    ]


def test_slider_schedule_names_the_sliders_the_scenario_moves():
    scheduled = [
        ev(step=1, kind="scale_parameter", parameter="us_pressure_budget", factor=3.0),
        ev(step=24, kind="set_parameter", parameter="us_pressure_budget", value=5.0),
        ev(step=2, kind="set_org_weight", organisation="brics", weight=0.5),
        ev(step=2, kind="join", nation="IRN", organisation="brics"),
    ]
    schedule = slider_schedule(scheduled, "2023-01-01")
    assert schedule == {
        "us_pressure_budget": ["month 1 (2023-02): x3", "month 24 (2025-01): set to 5"],
        "org_weights.brics": ["month 2 (2023-03): set to 0.5"],
    }


def test_event_lines_sit_at_their_month_on_a_chart():
    svg = charts.line_svg(
        list(range(25)), [0.0] * 25, "t", "2023-01-01", events=[(12, "1: x"), (30, "2: later")]
    )
    assert svg.count('class="cb-event"') == 1  # month 30 is beyond the chart
    x0, w = 40, 300 - 52
    assert f'x1="{x0 + 12 / 24 * w:.1f}"' in svg.split('class="cb-event"')[1]
    assert "<title>1: x</title>" in svg


render = render_page


def html(rc, ref: str) -> str:
    return rc.find(meta_ref=ref).widget.unsafe_innerHTML


def test_scenario_card_lists_its_events_and_the_sliders_they_move():
    state, rc = render("us_max_pressure")
    try:
        listed = html(rc, "scenario-events")
        assert "month 1 (2023-02)" in listed
        assert "us_pressure_budget x3; pressure_pull x1.5" in listed
        assert "Maximum pressure campaign" in listed
        note = rc.find(meta_ref="schedule-us_pressure_budget").widget.children[0]
        assert "month 1 (2023-02): x3" in note
        assert not rc.find(meta_ref="schedule-china_budget").widgets  # not moved by it
        load_scenario_now(state, "brics_enlargement")
        listed = html(rc, "scenario-events")
        assert len(re.findall(r"<li ", listed)) == 2  # four joins in month 13, one in 25
        assert "EGY joins BRICS; ETH joins BRICS; IRN joins BRICS; ARE joins BRICS" in listed
        assert "IDN joins BRICS" in listed and "month 25 (2025-02)" in listed
    finally:
        rc.close()


def test_time_charts_mark_events_once_the_run_reaches_them():
    state, rc = render("us_max_pressure")
    try:
        rc.find(meta_ref="bloc-shares")  # the map tab's side chart
        assert 'class="cb-event"' not in html(rc, "bloc-shares")  # month 0: nothing yet
        for _ in range(2):
            state.model.value.step()
        force_update()
        shares = html(rc, "bloc-shares")
        assert shares.count('class="cb-event"') == 1
        assert "1: us_pressure_budget x3; pressure_pull x1.5" in shares
        state.tab.set(4)  # Measures
        for name in ("china_count", "esteban_ray"):
            chart = measure_chart(html(rc, "measures"), name)
            assert chart.count('class="cb-event"') == 1
    finally:
        rc.close()


def test_summary_figures_carry_their_definitions():
    _state, rc = render("baseline")
    try:
        counts = html(rc, "count-china")
        assert METRIC_DEFINITIONS["china_count"].replace("'", "&#x27;") in counts
        assert METRIC_DEFINITIONS["china_gdp_share"] in counts
        head = html(rc, "step-counter")
        assert METRIC_DEFINITIONS["esteban_ray"] in head
        assert METRIC_DEFINITIONS["emergent_blocs"] in head
        assert METRIC_DEFINITIONS["veto_opponents"] in html(rc, "dprk")
    finally:
        rc.close()

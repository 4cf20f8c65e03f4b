"""Browserless tests of the readability and accessibility fixes of issue 12 item 6: state that
survives a tab switch, a table count that follows the search, legends that carry 0 and the bloc
thresholds, text sizes in the generated SVG, mechanism numbers clear of their bars, the map's
keyboard labels. The real-browser side (axe-core, keyboard, zoom, rendered sizes) is
tests/ui/test_a11y_e2e.py.
"""

from __future__ import annotations

import re

import ipyvuetify as v
import numpy as np
import pytest
from test_viz import click, html, show_tab, ui  # noqa: F401 (ui is a fixture)

from sim.engine.params import ModelParams
from sim.present.viz import charts
from sim.present.viz.colors import MISSING, OCEAN, alignment_hex
from sim.present.viz.legends import LEGEND_FONT, alignment_scale_svg, heatmap_legend_svg
from sim.present.viz.views import (
    DIST_CHART_HEIGHT,
    DIST_CHART_WIDTH,
    DIST_FONT,
    MOVES_NUMBER_X,
    _moves_svg,
    search_rows,
)

#: Half of the main area at a 1280 px window (sidebar 420 px, card padding): the narrowest column
#: the distribution charts are drawn in. The real-browser test measures it.
HALF_COLUMN_PX_AT_1280 = 370
MIN_TEXT_PX = 11


def _font_sizes(svg: str) -> list[float]:
    return [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]


def _viewbox_width(svg: str) -> float:
    return float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))


# --- state kept across tab switches ----------------------------------------------------------------
def test_table_filters_and_shares_toggle_survive_a_tab_switch(ui):  # noqa: F811
    state, rc = ui
    rc.find(meta_ref="bloc-measure").widget.v_model = 2  # GDP
    assert "GDP" in html(rc, "bloc-shares")
    show_tab(rc, 3)
    rc.find(v.Select, label="Region").widget.v_model = "Africa"
    rc.find(v.TextField, label="Search").widget.v_model = "ke"
    africa_ke = {r["iso3"] for r in rc.find(meta_ref="nations-table").widget.items}
    assert "KEN" in africa_ke and "DEU" not in africa_ke

    show_tab(rc, 0)  # the table unmounts (lazy tabs) ...
    assert "GDP" in html(rc, "bloc-shares")  # ... the shares toggle kept GDP
    show_tab(rc, 3)  # ... and comes back with its filters
    assert rc.find(v.Select, label="Region").widget.v_model == "Africa"
    assert rc.find(v.TextField, label="Search").widget.v_model == "ke"
    assert {r["iso3"] for r in rc.find(meta_ref="nations-table").widget.items} == africa_ke
    assert state.table_region.value == "Africa" and state.table_search.value == "ke"


def test_table_count_follows_the_search_box(ui):  # noqa: F811
    state, rc = ui
    show_tab(rc, 3)
    world = state.model.value.world
    rc.find(v.TextField, label="Search").widget.v_model = "kenya"
    items = rc.find(meta_ref="nations-table").widget.items
    assert [r["iso3"] for r in items] == ["KEN"]
    assert f"1 nations in month {state.model.value.step_index}" in _table_caption(rc)
    rc.find(v.TextField, label="Search").widget.v_model = ""
    assert f"{world.n} nations in month" in _table_caption(rc)
    # the search matches any shown column, case-insensitively: a region name too
    rows = rc.find(meta_ref="nations-table").widget.items
    europe = search_rows(rows, "EUROPE")
    assert europe and all("Europe" in r["region"] for r in europe)


def _table_caption(rc) -> str:
    captions = [
        str(w.children[0])
        for w in rc.find(v.Html, tag="span").widgets
        if w.children and "nations in month" in str(w.children[0])
    ]
    assert len(captions) == 1, captions
    return captions[0]


# --- legends: 0 and the bloc thresholds ------------------------------------------------------------
def test_map_legend_labels_zero_and_the_thresholds_of_the_run(ui):  # noqa: F811
    state, rc = ui
    p = state.model.value.params
    legend = html(rc, "map-legend")
    values = sorted(float(x) for x in re.findall(r'data-value="([-+\d.e]+)"', legend))
    assert values == sorted([-1.0, p.us_bloc_threshold, 0.0, p.china_bloc_threshold, 1.0])
    assert ">0<" in legend and ">-1<" in legend and ">+1<" in legend


def test_alignment_scale_follows_other_thresholds():
    svg = alignment_scale_svg(-0.45, 0.2)
    assert re.findall(r'data-value="([-+\d.e]+)"', svg) == ["-1", "-0.45", "0", "0.2", "1"]
    assert ">-0.45<" in svg and ">+0.2<" in svg
    assert svg.count('stroke-dasharray="3 2"') == 2  # only the two thresholds are dashed


def test_defaults_thresholds_reach_the_legend():
    p = ModelParams()
    svg = alignment_scale_svg(p.us_bloc_threshold, p.china_bloc_threshold)
    assert f'data-value="{p.us_bloc_threshold:g}"' in svg
    assert f'data-value="{p.china_bloc_threshold:g}"' in svg


def test_network_and_heatmap_have_legends(ui):  # noqa: F811
    state, rc = ui
    show_tab(rc, 2)
    legend = html(rc, "network-legend")
    assert "ring = bloc" in legend and "population" in legend and 'data-value="0"' in legend
    show_tab(rc, 1)
    click(rc, "Step")
    heat = html(rc, "heatmap-legend")
    history = state.model.value.history.alignment[: state.model.value.step_index + 1]
    top = float(charts.density_rows(history).max())
    assert f">{top:.0%}<" in heat and ">0<" in heat


def test_heatmap_legend_names_the_busiest_cell():
    assert ">25%<" in heatmap_legend_svg(0.25) and ">6%<" in heatmap_legend_svg(0.25)


# --- colours: neutral nations are not the sea ------------------------------------------------------
def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], float)


def test_neutral_nations_stand_out_from_the_ocean():
    ocean = _rgb(OCEAN)
    for value in (-0.2, -0.1, 0.0, 0.1, 0.2):
        nation = _rgb(alignment_hex(np.array([value]))[0])
        assert np.abs(nation - ocean).sum() > 60, (value, OCEAN)
    assert np.abs(_rgb(MISSING) - ocean).sum() > 60


# --- text sizes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("chart", ["histogram", "heatmap"])
def test_distribution_text_is_at_least_11_px_in_a_half_column_at_1280(ui, chart):  # noqa: F811
    _state, rc = ui
    show_tab(rc, 1)
    svg = html(rc, chart)
    sizes = _font_sizes(svg)
    assert sizes and min(sizes) == DIST_FONT
    scale = HALF_COLUMN_PX_AT_1280 / _viewbox_width(svg)
    assert (
        _viewbox_width(svg) == DIST_CHART_WIDTH
        and f"0 0 {DIST_CHART_WIDTH} {DIST_CHART_HEIGHT}" in svg
    )
    assert min(sizes) * scale >= MIN_TEXT_PX


def test_legends_are_drawn_at_natural_size_with_12_px_text():
    for svg in (alignment_scale_svg(-0.3, 0.3), heatmap_legend_svg(0.1)):
        width = re.search(r'<svg[^>]* width="(\d+)"', svg).group(1)
        assert f'viewBox="0 0 {width} ' in svg  # 1 unit = 1 px
        assert set(_font_sizes(svg)) == {float(LEGEND_FONT)} and LEGEND_FONT >= 12


# --- mechanism bars do not cover their numbers ------------------------------------------------------
def test_mechanism_numbers_sit_right_of_the_longest_bar():
    moves = np.array([0.02, -0.05, 0.01, 0.0, -0.001])[: len(_mechanisms())]
    svg = _moves_svg(moves)
    right_edges = [
        float(x) + float(w)
        for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    ]
    number_x = [
        float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*font-family="monospace"', svg)
    ]
    assert len(number_x) == len(moves) and set(number_x) == {MOVES_NUMBER_X}
    assert max(right_edges) < MOVES_NUMBER_X
    assert 'role="img"' in svg and f"{moves[1]:+.5f}" in svg


def _mechanisms() -> tuple:
    from sim.engine.dynamics import MECHANISMS

    return MECHANISMS


# --- keyboard and screen-reader labels --------------------------------------------------------------
def test_map_labels_name_every_modelled_nation_with_its_alignment(ui):  # noqa: F811
    state, rc = ui
    click(rc, "Step")
    model = state.model.value
    widget = rc.find(meta_ref="world-map").widget
    labels = dict(widget.labels)
    assert set(labels) == {str(c) for c in model.world.iso3}
    row = model.world.idx("KEN")
    assert labels["KEN"].startswith("Kenya, alignment ")
    assert f"{model.history.alignment[-1][row]:+.2f}" in labels["KEN"]
    assert "Enter" in widget.description
    # the Enter key calls the same select event as a click
    widget._event_callbacks["select"]("KEN")
    assert state.selected.value == "KEN"

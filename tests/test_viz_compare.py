"""Pin-and-compare and bands (issue 12 items 4 and 7): values, not "something changed"."""

from __future__ import annotations

import re

import numpy as np
from mesa.visualization.utils import force_update

from sim.engine.metrics import METRIC_NAMES
from sim.inputs.scenario import load_scenario
from sim.present.viz import charts
from sim.present.viz.comparison import (
    forecast_band,
    layers_from_metrics,
    metric_path,
    nation_differences,
    pin,
    seed_band,
)
from sim.present.viz.explorer import ExplorerModel
from sim.studies.forecast import forecast
from sim.studies.sweep.seeds import run_seed
from tests.viz_helpers import measure_chart, render_page


def stepped(months: int, **kwargs) -> ExplorerModel:
    model = ExplorerModel(scenario_name="baseline", **kwargs)
    for _ in range(months):
        model.step()
    return model


def test_a_pinned_run_is_a_frozen_copy():
    model = stepped(6)
    pinned = pin(model)
    china = [m["china_count"] for m in model.history.metrics]
    for _ in range(6):
        model.step()
    assert pinned.steps == list(range(7))
    assert metric_path(pinned, "china_count") == china
    np.testing.assert_array_equal(pinned.alignment[-1], model.history.alignment[6])
    assert "baseline · seed 42" in pinned.label and "to month 6" in pinned.label


def test_nation_differences_are_live_minus_pinned_at_the_same_month():
    reference = pin(stepped(12))
    live = stepped(12, seed=3)
    diffs = nation_differences(live, 12, reference)
    row = live.world.idx("IND")
    assert diffs["IND"] == live.history.alignment[12][row] - reference.alignment[12][row]
    assert set(diffs) == set(reference.iso3)
    same = nation_differences(stepped(12), 12, reference)
    assert max(abs(v) for v in same.values()) == 0.0
    shorter = pin(stepped(4))  # stopped earlier: compared with its last month
    d = nation_differences(live, 12, shorter)
    assert d["IND"] == live.history.alignment[12][row] - shorter.alignment[4][row]


def test_bloc_layers_from_metrics_are_shares_that_add_to_one():
    model = stepped(3)
    layers = layers_from_metrics(model.history.metrics, "count", model.world.n)
    np.testing.assert_allclose(layers.sum(axis=0), 1.0)
    assert layers[2, 0] == model.history.metrics[0]["china_count"] / model.world.n


def test_seed_band_is_the_5_95_range_of_separate_runs():
    model = ExplorerModel(scenario_name="null")
    band = seed_band(model, 5)
    resolved = load_scenario("null")
    paths = []
    for member in range(5):  # reference: each seed run alone from the scenario file
        alone = resolved.build_model(seed=run_seed(42, 0, member))
        while alone.step_index < resolved.scenario.steps:
            alone.step()
        paths.append([m["china_count"] for m in alone.history.metrics])
    lo, hi = np.quantile(np.array(paths), [0.05, 0.95], axis=0)
    np.testing.assert_array_equal(band.lo["china_count"], lo)
    np.testing.assert_array_equal(band.hi["china_count"], hi)
    assert set(band.lo) == set(METRIC_NAMES) and band.steps == list(range(121))


def test_forecast_band_agrees_with_the_forecast_command_every_january():
    model = ExplorerModel(scenario_name="baseline")
    band = forecast_band(model, 4)
    result = forecast(load_scenario("baseline"), draws=4, seeds=1)
    counts = result.outcomes.pivot(index="member", columns="date", values="china_bloc_count")
    yearly = np.array(counts.to_numpy(), dtype=float)
    lo, hi = np.quantile(yearly, [0.05, 0.95], axis=0)
    np.testing.assert_array_equal(band.lo["china_count"][::12], lo)
    np.testing.assert_array_equal(band.hi["china_count"][::12], hi)


def test_reference_and_band_are_drawn_where_their_values_are():
    svg = charts.line_svg(
        [0, 1, 2],
        [0.0, 0.5, 1.0],
        "t",
        "2023-01-01",
        reference=charts.Series([0, 1, 2, 3, 4], [1.0, 1.0, 1.0, 1.0, 2.0], "pinned"),
        band=charts.BandSeries([0, 4], [-1.0, -1.0], [2.0, 2.0], "band"),
    )
    x0, y0, w, h = 40, 18, 300 - 52, 130 - 40
    ref = re.search(r'class="cb-reference" points="([^"]+)"', svg).group(1).split()
    assert ref[-1] == f"{x0 + w:.1f},{y0:.1f}"  # step 4 at the right end, value 2 at the top
    assert ref[0] == f"{x0:.1f},{y0 + h - 2 / 3 * h:.1f}"  # 1.0 on a -1..2 axis
    band = re.search(r'class="cb-band" points="([^"]+)"', svg).group(1).split()
    assert band[0] == f"{x0:.1f},{y0:.1f}" and band[-1] == f"{x0:.1f},{y0 + h:.1f}"


def test_pinned_run_and_band_appear_on_every_time_chart_and_the_map():
    state, rc = render_page("baseline")
    try:
        for _ in range(3):
            state.model.value.step()
        rc.find(meta_ref="pin").widget.click()
        state.model.set(ExplorerModel(scenario_name="baseline", seed=9))
        state.model.value.step()
        state.band.set(seed_band(state.model.value, 5))
        force_update()
        shares = rc.find(meta_ref="bloc-shares").widget.unsafe_innerHTML
        assert shares.count('class="cb-reference"') == 2  # the two bloc boundaries
        assert shares.count('class="cb-band"') == 2  # US-led and China-led share ranges
        assert "5-95% of 5 seeds" in rc.find(meta_ref="band-label").widget.children[0]
        switch = rc.find(meta_ref="map-difference").widget
        switch.v_model = True
        fills = rc.find(meta_ref="world-map").widget.fills
        diffs = nation_differences(state.model.value, 1, state.pinned.value)
        from sim.present.viz.colors import alignment_hex

        assert fills["IND"] == alignment_hex(np.array([diffs["IND"] / 0.3]))[0]
        state.tab.set(4)
        for name in ("china_count", "mean_alignment"):
            grid = rc.find(meta_ref="measures").widget.unsafe_innerHTML
            chart = measure_chart(grid, name)
            assert chart.count('class="cb-reference"') == 1
            assert chart.count('class="cb-band"') == 1
    finally:
        rc.close()

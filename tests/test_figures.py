"""Static figures a reader can trust (issue 11 item 6): checked on the figures' own artists."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

from sim.figures import (
    BLOC_COLOURS,
    alignment_heatmap_figure,
    bloc_shares_figure,
    nation_colour,
    watch_figure,
)
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def frames():
    resolved = load_scenario("baseline", ["steps=24"])
    model = resolved.build_model()
    for _ in range(24):
        model.step()
    return model.history.model_frame(), model.history.nations_frame(model.world)


def lines_by_code(figure) -> dict[str, str]:
    return {
        line.get_gid(): to_hex(line.get_color()) for line in figure.axes[0].lines if line.get_gid()
    }


def test_a_nation_has_one_colour_whatever_the_plot_order(frames):
    _model, nations = frames
    one = lines_by_code(watch_figure(nations, ["CHN", "RUS", "IND", "USA"], (-0.3, 0.3)))
    other = lines_by_code(watch_figure(nations, ["USA", "IND", "RUS", "CHN"], (-0.3, 0.3)))
    assert one == other
    assert one["USA"] == BLOC_COLOURS["us"] and one["CHN"] == BLOC_COLOURS["china"]
    assert to_hex(nation_colour("RUS")) not in (BLOC_COLOURS["us"], BLOC_COLOURS["china"])
    watched = {*load_scenario("baseline").scenario.watch, "NGA", "IDN", "TUR", "ETH", "GBR"}
    assert len({to_hex(nation_colour(c)) for c in watched}) == len(watched)  # all distinct


def test_watch_thresholds_are_drawn_and_labelled(frames):
    _model, nations = frames
    ax = watch_figure(nations, ["USA", "CHN"], (-0.3, 0.3)).axes[0]
    levels = sorted(line.get_ydata()[0] for line in ax.lines if not line.get_gid())
    assert levels == [-0.3, 0.3]
    labels = [t.get_text() for t in ax.texts]
    assert "US-led bloc threshold -0.3" in labels and "China-led bloc threshold +0.3" in labels


def test_heatmap_time_axis_is_in_dates(frames):
    _model, nations = frames
    figure = alignment_heatmap_figure(nations)
    FigureCanvasAgg(figure).draw()
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels() if t.get_text()]
    assert any(text.startswith(("2023", "2024", "2025")) for text in ticks), ticks
    assert figure.axes[0].get_xlabel() == "date"


def test_bloc_share_title_overlaps_no_panel(frames):
    model_frame, _nations = frames
    figure = bloc_shares_figure(model_frame, title="five_eyes_cohesion: a long title " * 3)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    title = figure._suptitle.get_window_extent(renderer)
    for ax in figure.axes:
        panel = ax.get_tightbbox(renderer)
        assert not title.overlaps(panel), ax.get_title()
    assert pd.Series([ax.get_xlabel() for ax in figure.axes]).eq("date").all()


def test_sweep_heatmap_colours_by_actor_and_draws_the_one_third_contour():
    import numpy as np

    from sim.sweep.analysis import SHARE_CONTOUR, heatmap

    grid = pd.DataFrame(
        [
            {"china_budget": b, "us_pressure_budget": p, "mean": 0.1 * b + 0.01 * p}
            for b in (1.0, 2.0, 4.0, 6.0)
            for p in (0.0, 10.0, 20.0)
        ]
    )
    china = heatmap(grid, "china_budget", "us_pressure_budget", "china_gdp_share").axes[0]
    assert china.images[0].get_cmap().name == "Reds"
    contours = [c for c in china.collections if hasattr(c, "levels")] or [
        c for c in china.get_children() if type(c).__name__ == "QuadContourSet"
    ]
    assert contours and np.allclose(contours[0].levels, [SHARE_CONTOUR])
    us = heatmap(grid, "china_budget", "us_pressure_budget", "us_gdp_share").axes[0]
    assert us.images[0].get_cmap().name == "Blues"
    signed = grid.assign(mean=grid["mean"] - 0.3)
    diverging = heatmap(signed, "china_budget", "us_pressure_budget", "mean_alignment").axes[0]
    assert diverging.images[0].norm.vcenter == 0.0


def test_scheduled_events_are_marked_at_their_month():
    from matplotlib.dates import date2num

    from sim.figures import event_dates

    resolved = load_scenario("brics_enlargement")  # joins in months 13 and 25
    marks = event_dates(resolved.scenario.events, "2023-01-01")
    assert [(str(when.date()), n) for when, n in marks] == [
        ("2024-02-01", "1"),
        ("2025-02-01", "2"),
    ]
    model = resolved.build_model()
    for _ in range(30):
        model.step()
    figure = bloc_shares_figure(model.history.model_frame(), "t", marks)
    for ax in figure.axes:
        lines = {line.get_gid(): line.get_xdata()[0] for line in ax.lines if line.get_gid()}
        assert set(lines) == {"event-1", "event-2"}
        assert date2num(lines["event-1"]) == date2num(pd.Timestamp("2024-02-01"))


def test_a_scenario_has_one_colour_in_every_comparison_whatever_the_order():
    from sim.compare import SCENARIO_COLOURS, compare_figure, scenario_colour
    from sim.figures import BLOC_COLOURS as RUN_BLOC_COLOURS

    def table(order):
        rows = []
        for name in order:
            for date in ("2023-01-01", "2024-01-01"):
                row = {"scenario": name, "date": date}
                for outcome in (
                    "china_bloc_count",
                    "china_bloc_gdp_share",
                    "joint_response_support",
                ):
                    row |= {f"{outcome}_{s}": 1.0 for s in ("mean", "lo", "hi")}
                rows.append(row)
        return pd.DataFrame(rows)

    def colours(order):
        ax = compare_figure(table(order)).axes[0]
        return {line.get_gid(): to_hex(line.get_color()) for line in ax.lines}

    one = colours(["baseline", "us_max_pressure", "my_own"])
    assert one == colours(["my_own", "us_max_pressure", "baseline"])
    assert one["us_max_pressure"] == SCENARIO_COLOURS["us_max_pressure"]
    assert one["my_own"] == to_hex(scenario_colour("my_own"))
    blocs = {RUN_BLOC_COLOURS["us"], RUN_BLOC_COLOURS["china"], "#1f4e9c", "#b2182b"}
    assert not set(SCENARIO_COLOURS.values()) & blocs
    assert len(set(SCENARIO_COLOURS.values())) == len(SCENARIO_COLOURS)

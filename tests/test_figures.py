"""Static figures a reader can trust (issue 11 item 6): checked on the figures' own artists."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

from sim.inputs.scenario import load_scenario
from sim.present.figures.run import (
    BLOC_COLOURS,
    alignment_heatmap_figure,
    bloc_shares_figure,
    nation_colour,
    watch_figure,
)


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

    from sim.present.figures.sweep import SHARE_CONTOUR, heatmap

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

    from sim.present.figures.run import event_dates

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


def compare_table(order: list[str]) -> pd.DataFrame:
    """A comparison table (sim.studies.compare.summary's columns) of constant scenarios."""
    rows = []
    for name in order:
        for date in ("2023-01-01", "2024-01-01"):
            row = {"scenario": name, "date": date}
            for outcome in ("china_bloc_count", "china_bloc_gdp_share", "joint_response_support"):
                row |= {f"{outcome}_{s}": 1.0 for s in ("mean", "lo", "hi")}
            rows.append(row)
    return pd.DataFrame(rows)


def test_a_scenario_has_one_colour_in_every_comparison_whatever_the_order():
    from sim.present.figures.compare import SCENARIO_COLOURS, compare_figure, scenario_colour
    from sim.present.figures.run import BLOC_COLOURS as RUN_BLOC_COLOURS

    def colours(order):
        ax = compare_figure(compare_table(order)).axes[0]
        return {line.get_gid(): to_hex(line.get_color()) for line in ax.lines}

    one = colours(["baseline", "us_max_pressure", "my_own"])
    assert one == colours(["my_own", "us_max_pressure", "baseline"])
    assert one["us_max_pressure"] == SCENARIO_COLOURS["us_max_pressure"]
    assert one["my_own"] == to_hex(scenario_colour("my_own"))
    blocs = {RUN_BLOC_COLOURS["us"], RUN_BLOC_COLOURS["china"], "#1f4e9c", "#b2182b"}
    assert not set(SCENARIO_COLOURS.values()) & blocs
    assert len(set(SCENARIO_COLOURS.values())) == len(SCENARIO_COLOURS)


# --- one colour per actor everywhere (issue 11 "figures a reader can trust") ------------------------
def handmade_forecast():
    """Three members over two dates, 10 nations: the Forecast the figure draws, without a run."""
    import numpy as np

    from sim.studies.forecast import Forecast

    rows = [
        {"member": m, "draw": m, "seed_index": 0, "seed": m, "date": d,
         "china_bloc_count": 3 + m + k, "us_bloc_count": 4 - k, "china_bloc_gdp_share": 0.2,
         "joint_response_support": 0.5, "unsc_pass_probability": 0.1 * m}
        for m in range(3)
        for k, d in enumerate(("2023-01-01", "2024-01-01"))
    ]  # fmt: skip
    iso3 = np.array([f"N{k}" for k in range(10)])
    return Forecast(
        ["2023-01-01", "2024-01-01"], iso3, pd.DataFrame(rows), np.zeros((3, 2, 10)), ""
    )


def median_lines(ax) -> dict[str, str]:
    return {line.get_gid(): to_hex(line.get_color()) for line in ax.lines if line.get_gid()}


def test_forecast_draws_each_bloc_in_its_colour_and_no_bloc_outcome_in_neither():
    import numpy as np

    from sim.engine.metrics import CHINA_BLOC, NON_ALIGNED, US_BLOC
    from sim.present.figures.forecast import forecast_figure
    from sim.present.viz.colors import BLOC_COLOURS as BY_CODE
    from sim.present.viz.colors import NO_BLOC

    figure = forecast_figure(handmade_forecast(), "t")
    blocs = median_lines(figure.axes[0])
    assert blocs == {
        "china": BY_CODE[CHINA_BLOC],
        "us": BY_CODE[US_BLOC],
        "nonaligned": BY_CODE[NON_ALIGNED],
    }
    assert BY_CODE[CHINA_BLOC] == "#b2182b" and BY_CODE[US_BLOC] == "#1f4e9c"
    # the median non-aligned count is what is left of the 10 nations: 10 - 4 - 4, 10 - 3 - 5
    (nonaligned,) = [line for line in figure.axes[0].lines if line.get_gid() == "nonaligned"]
    assert np.array_equal(nonaligned.get_ydata(), [2, 2])
    for ax in figure.axes[1:]:
        assert set(median_lines(ax).values()) == {NO_BLOC}
    assert NO_BLOC not in BY_CODE.values()


def handmade_hindcast():
    """Two regions, one scored date, a two-member ensemble: what ``regions_figure`` draws."""
    from datetime import date

    import numpy as np

    from sim.history.hindcast import Hindcast

    initial = np.array([-1.0, 1.0, 0.0, 0.2, -0.2])
    observed = np.array([[-1.0, 1.0, 0.1, 0.4, -0.3]])
    return Hindcast(
        start=date(2015, 1, 1),
        dates=[date(2016, 1, 1)],
        iso3=np.array(["USA", "CHN", "AAA", "BBB", "CCC"]),
        region=np.array(["Africa", "Africa", "Africa", "Asia", "Asia"]),
        initial=initial,
        observed=observed,
        ensemble=np.stack([observed, observed + 0.1], axis=-1),
        baselines={"persistence": initial[None, :]},
    )


def fake_target():
    """The attributes of a calibration Target that ``predictive_figure`` reads (no world run)."""
    from datetime import date
    from types import SimpleNamespace

    import numpy as np

    return SimpleNamespace(
        start=date(2015, 1, 1),
        dates=[date(2016, 1, 1), date(2017, 1, 1)],
        regions=np.array(["Africa", "Asia", "Asia"]),
        world=SimpleNamespace(iso3=np.array(["USA", "RUS", "IND", "BRA"])),
        scored=np.array([False, True, True, True]),
        observed_change=np.array([[0.1, 0.0, -0.1], [0.2, 0.1, -0.2]]),
    )


def test_observed_history_is_near_black_in_the_hindcast_and_calibration_figures():
    import numpy as np

    from sim.present.figures.calibration import predictive_figure
    from sim.present.figures.hindcast import regions_figure
    from sim.present.viz.colors import BLOC_COLOURS as BY_CODE
    from sim.present.viz.colors import NO_BLOC, OBSERVED

    assert OBSERVED not in BY_CODE.values() and OBSERVED != NO_BLOC
    for ax in regions_figure(handmade_hindcast()).axes:
        assert median_lines(ax) == {"observed": OBSERVED, "model": NO_BLOC}
    figure = predictive_figure("cal", fake_target(), np.zeros((2, 3, 5)))
    drawn = [median_lines(ax) for ax in figure.axes if ax.lines]
    assert drawn and all(lines == {"observed": OBSERVED} for lines in drawn)


def test_sweep_curves_are_red_only_for_the_china_led_blocs_outcome():
    from sim.engine.metrics import CHINA_BLOC, US_BLOC
    from sim.present.figures.sweep import response_curves, scatter_panels
    from sim.present.viz.colors import BLOC_COLOURS as BY_CODE
    from sim.present.viz.colors import NO_BLOC

    frame = pd.DataFrame(
        {"china_budget": [1.0, 2.0, 3.0], "mean": [0.1, 0.2, 0.3],
         "ci95_low": [0.0, 0.1, 0.2], "ci95_high": [0.2, 0.3, 0.4]}
    )  # fmt: skip
    expected = {
        "china_count": BY_CODE[CHINA_BLOC],
        "us_gdp_share": BY_CODE[US_BLOC],
        "unsc_pass_probability": NO_BLOC,
    }
    for outcome, colour in expected.items():
        curves = response_curves(frame, ["china_budget"], outcome).axes[0]
        assert median_lines(curves) == {"mean-china_budget": colour}
        many = pd.DataFrame({"china_budget": range(40), "mean": range(40)})
        assert median_lines(scatter_panels(many, ["china_budget"], outcome).axes[0]) == {
            "binned": colour
        }


# --- no text of one panel over another, none outside the figure (tests/figure_checks.py) -----------
def sweep_points() -> pd.DataFrame:
    """Per-point means of a 4 x 3 grid over two parameters (sim.studies.sweep.analysis's columns)."""
    return pd.DataFrame(
        [
            {"china_budget": b, "us_pressure_budget": p, "mean": 0.05 * b + 0.01 * p,
             "ci95_low": 0.05 * b, "ci95_high": 0.05 * b + 0.02 * p + 0.01}
            for b in (1.0, 2.0, 4.0, 6.0)
            for p in (0.0, 10.0, 20.0)
        ]
    )  # fmt: skip


def sweep_scenarios() -> pd.DataFrame:
    outcomes = ("china_gdp_share", "us_count", "unsc_pass_probability", "mean_alignment")
    return pd.DataFrame(
        [
            {"scenario": name, "outcome": outcome, "mean": 0.3, "p2_5": 0.1, "p97_5": 0.5}
            for name in ("baseline", "us_max_pressure_no_backlash", "digital_silk_road_surge")
            for outcome in outcomes
        ]
    )


def sobol_indices() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"outcome": o, "parameter": p, "S1": 0.2, "S1_conf": 0.05, "ST": 0.4, "ST_conf": 0.1}
            for o in ("china_gdp_share", "us_count")
            for p in ("china_budget", "us_pressure_budget", "noise_sd")
        ]
    )


def calibration_spec():
    from types import SimpleNamespace

    def prior(low, high, distribution):
        return SimpleNamespace(low=low, high=high, distribution=distribution)

    priors = {
        "investment_pull": prior(0.01, 1.0, "loguniform"),
        "noise_sd": prior(0.0, 0.05, "uniform"),
        "china_budget": prior(1.0, 6.0, "uniform"),
    }
    return SimpleNamespace(name="history_2011_2019", priors=priors, seed=1)


def calibration_posterior():
    import numpy as np

    rng = np.random.default_rng(0)
    investment = rng.uniform(0.01, 1.0, 200)
    return pd.DataFrame(
        {
            "investment_pull": investment,
            "noise_sd": 0.05 * investment + rng.normal(0, 0.002, 200).clip(0),
            "china_budget": rng.uniform(1.0, 6.0, 200),
            "weight": rng.uniform(0.0, 1.0, 200),
        }
    )


def discovery():
    from sim.studies.sweep.discovery import Discovery

    trajectory = pd.DataFrame(
        {"coverage": [1.0, 0.9, 0.7, 0.5], "density": [0.3, 0.4, 0.6, 0.8], "mass": [1.0] * 4,
         "res_dim": [0, 1, 1, 2]}
    )  # fmt: skip
    box = pd.DataFrame({"lower": [3.0]}, index=["china_budget"]).assign(upper=6.0)
    return Discovery("china_gdp_share > 0.33", 40, 100, trajectory, box, 2)


def test_the_peeling_trajectory_colours_a_count_in_whole_numbers():
    from sim.present.figures.discovery import tradeoff_figure

    fig = tradeoff_figure(discovery())
    bar = fig.axes[-1]  # the colour bar's axes
    ticks = [t.get_text() for t in bar.get_yticklabels()]
    assert ticks == ["0", "1", "2"]
    assert bar.get_ylabel() == "inputs the box restricts"


def every_figure(frames) -> dict:
    """A builder per figure the project writes (grep savefig sim), on small made-up inputs."""
    import numpy as np

    from sim.engine.metrics import assign_blocs
    from sim.present.figures import calibration as report
    from sim.present.figures import sweep as analysis
    from sim.present.figures.compare import compare_figure
    from sim.present.figures.discovery import tradeoff_figure
    from sim.present.figures.forecast import forecast_figure
    from sim.present.figures.hindcast import regions_figure
    from sim.present.figures.run import world_map_figure

    model_frame, nations = frames
    last = nations[nations["step"] == nations["step"].max()]
    points = sweep_points()
    names = ["china_budget", "us_pressure_budget"]
    long_title = "five_eyes_cohesion with a long descriptive title: " * 2
    return {
        "bloc_shares": lambda: bloc_shares_figure(model_frame, long_title),
        "alignment_heatmap": lambda: alignment_heatmap_figure(nations),
        "world_map": lambda: world_map_figure(
            last["iso3"].to_numpy(),
            last["alignment"].to_numpy(),
            assign_blocs(last["alignment"].to_numpy(), -0.3, 0.3),
            long_title,
        ),
        "watch": lambda: watch_figure(nations, ["USA", "CHN", "RUS", "IND", "BRA"], (-0.3, 0.3)),
        "forecast": lambda: forecast_figure(handmade_forecast(), long_title),
        "hindcast_regions": lambda: regions_figure(handmade_hindcast()),
        "compare": lambda: compare_figure(compare_table(["baseline", "us_max_pressure", "x"])),
        "calibration_marginals": lambda: report.marginals_figure(
            calibration_spec(), calibration_posterior()
        ),
        "calibration_pairs": lambda: report.pairs_figure(
            calibration_spec(), calibration_posterior()
        ),
        "calibration_one_pair": lambda: report.pairs_figure(  # a two-parameter fit: one panel
            calibration_spec(), calibration_posterior(), top=1
        ),
        "calibration_predictive": lambda: report.predictive_figure(
            "history_2011_2019", fake_target(), np.zeros((2, 3, 5))
        ),
        "sweep_response_interaction": lambda: analysis.response_curves(
            points, names, "china_gdp_share"
        ),
        "sweep_response_categorical": lambda: analysis.response_curves(
            points.assign(us_pressure_budget=points["us_pressure_budget"].map(str)),
            ["us_pressure_budget", "china_budget"],
            "us_count",
        ),
        "sweep_heatmap": lambda: analysis.heatmap(
            points, "china_budget", "us_pressure_budget", "china_gdp_share"
        ),
        "sweep_scatter": lambda: analysis.scatter_panels(
            pd.DataFrame({**{n: np.linspace(0, 1, 60) for n in names}, "mean": range(60)}),
            names,
            "unsc_pass_probability",
        ),
        "sweep_scenarios": lambda: analysis.scenario_figure(
            sweep_scenarios(), list(dict.fromkeys(sweep_scenarios()["outcome"]))
        ),
        "sweep_sensitivity": lambda: analysis.sensitivity_bars(sobol_indices(), "sobol"),
        "sweep_discovery": lambda: tradeoff_figure(discovery()),
    }


FIGURES = [
    "bloc_shares", "alignment_heatmap", "world_map", "watch", "forecast", "hindcast_regions",
    "compare", "calibration_marginals", "calibration_pairs", "calibration_one_pair",
    "calibration_predictive",
    "sweep_response_interaction", "sweep_response_categorical", "sweep_heatmap", "sweep_scatter",
    "sweep_scenarios", "sweep_sensitivity", "sweep_discovery",
]  # fmt: skip


@pytest.mark.parametrize("name", FIGURES)
def test_no_text_of_a_figure_overlaps_another_panel_or_leaves_the_figure(frames, name):
    from tests.figure_checks import assert_no_overlap

    builders = every_figure(frames)
    assert sorted(builders) == sorted(FIGURES)
    assert_no_overlap(builders[name]())


def test_the_overlap_check_fails_on_overlapping_panels_and_on_text_off_the_figure():
    from matplotlib.figure import Figure

    from tests.figure_checks import assert_no_overlap

    crowded = Figure(figsize=(4, 3))  # no layout: long labels run into the next panel
    left, right = crowded.subplots(1, 2)
    left.set_title("a title far too long for its panel, over the next one")
    right.set_ylabel("a y label")
    with pytest.raises(AssertionError, match="over"):
        assert_no_overlap(crowded)
    off = Figure(figsize=(4, 3), layout="constrained")
    off.subplots().text(1.5, 0.5, "outside", transform=off.axes[0].transAxes)
    with pytest.raises(AssertionError, match="outside the figure"):
        assert_no_overlap(off)
    tidy = Figure(figsize=(8, 3), layout="constrained")
    for ax in tidy.subplots(1, 2):
        ax.set_title("short")
        ax.set_ylabel("y")
    assert_no_overlap(tidy)  # and a clean figure passes

"""Front-end frame cost: one model step plus the redraw of every view, on the 193-nation world.

    uv run python benchmarks/bench_viz.py [--steps 60]

All views are rendered at once (the app itself draws only the visible tab, so a real frame is
cheaper), through ``solara.render`` exactly as the server does, then every view's data is
JSON-encoded as it would be for the browser. The Measures view draws every metric with a
pinned reference run and a 20-seed band behind it (the heaviest case). For scale, the same run
times one matplotlib frame of the world map alone (recolour + PNG), the approach this front end
avoids. Then the whole page (only the visible tab drawn, as served) plays the 120-month
baseline with no pause through the run controls' own play loop.
Targets (issue 12): step + redraw of all views median <= 60 ms; the 120-month play at 0 ms
pause under 5 s without an error.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

import ipywidgets
import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import force_update, update_counter

from sim.present.geo import WorldMap
from sim.present.viz.comparison import pin, seed_band
from sim.present.viz.controls import ScenarioEvents
from sim.present.viz.explorer import ExplorerModel
from sim.present.viz.snapshot import snapshot
from sim.present.viz.views import (
    BlocCounts,
    BlocSharesView,
    DistributionView,
    Headline,
    JointResponseCard,
    MeasuresView,
    NationDetail,
    NationsTable,
    NetworkView,
    WorldMapView,
)

TARGET_MS = 60.0
PLAY_TARGET_S = 5.0


def all_views(model_ref: solara.Reactive[ExplorerModel], pinned, band):
    @solara.component
    def AllViews():  # noqa: N802 (a component)
        update_counter.get()
        model = model_ref.value
        snap = snapshot(model)
        selected = solara.use_reactive("KEN")
        Headline(model, snap)
        BlocCounts(snap)
        JointResponseCard(model, snap)
        WorldMapView(model, snap, selected, pinned)
        NationDetail(model, snap, selected.value, pinned)
        BlocSharesView(model, snap, pinned=pinned, band=band)
        DistributionView(model, snap)
        NetworkView(model, snap, selected)
        NationsTable(model, snap, selected)
        MeasuresView(model, snap, pinned, band)
        ScenarioEvents(model)

    return AllViews()


def play_seconds() -> tuple[float, int]:
    """Seconds for the page to play the 120-month baseline at 0 ms pause, one month a frame,
    through the run controls' play loop (sim.present.viz.run_controls), and the month reached."""
    from sim.present.viz import app as viz_app
    from sim.present.viz.run_controls import play_loop
    from sim.present.viz.state import use_explorer_state

    held = {}

    @solara.component
    def Page():  # noqa: N802 (a component)
        state = use_explorer_state("baseline")
        held["state"] = state
        viz_app.Explorer(state)

    _box, rc = solara.render(Page(), handle_error=False)
    state = held["state"]
    state.play_interval.value = 0
    model = state.model.value
    start = time.perf_counter()
    state.playing.value = True  # the ▶ button; its task would run this loop in a thread
    play_loop(state, model)
    seconds = time.perf_counter() - start
    rc.close()
    return seconds, model.step_index


def payload_bytes() -> int:
    """JSON-encode the synced state of every live widget, i.e. of the page (what a frame
    sends, at most: the server only sends traits that changed)."""
    total = 0
    for widget in list(ipywidgets.Widget.widgets.values()):  # deprecated API, still the registry
        state = widget.get_state()
        state.pop("buffer_paths", None)
        total += len(json.dumps(state, default=str))
    return total


def matplotlib_map_frame(model: ExplorerModel, repeats: int = 5) -> float:
    """Median ms of one matplotlib world-map frame: recolour (artists reused) + PNG encode."""
    figure = Figure(figsize=(9, 4))
    world_map = WorldMap(figure.add_subplot(), {})
    times = []
    for _ in range(repeats):
        values = dict(zip(model.world.iso3.tolist(), model.state.alignment.tolist(), strict=True))
        start = time.perf_counter()
        world_map.update(values)
        figure.savefig(io.BytesIO(), format="png", dpi=100)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()

    model = solara.reactive(ExplorerModel(scenario_name="baseline"))
    reference = ExplorerModel(scenario_name="baseline", seed=7)
    while reference.step_index < 120:
        reference.step()
    pinned, band = pin(reference), seed_band(reference, 20)
    _box, rc = solara.render(all_views(model, pinned, band), handle_error=False)
    for _ in range(3):  # warm-up: geometry, layout and first render are once per session
        model.value.step()
        force_update()

    step_ms, frame_ms, encode_ms = [], [], []
    for _ in range(args.steps):
        start = time.perf_counter()
        model.value.step()
        stepped = time.perf_counter()
        force_update()  # what the run controls do after each frame
        drawn = time.perf_counter()
        size = payload_bytes()
        encoded = time.perf_counter()
        step_ms.append((stepped - start) * 1000)
        frame_ms.append((encoded - start) * 1000)
        encode_ms.append((encoded - drawn) * 1000)
    rc.close()

    world = model.value.world
    median = statistics.median(frame_ms)
    print(f"{world.n} nations (193 UN members + observers), {args.steps} frames, all views visible")
    print(f"  model step:                          median {statistics.median(step_ms):7.1f} ms")
    print(
        f"  JSON encoding of all views' state:   median {statistics.median(encode_ms):7.1f} ms"
        f"  ({size / 1e3:.0f} kB in all, only changes are sent)"
    )
    print(
        f"  step + redraw of all views (total):  median {median:7.1f} ms, "
        f"p90 {statistics.quantiles(frame_ms, n=10)[-1]:.1f} ms"
    )
    mpl = matplotlib_map_frame(model.value)
    print(
        f"  for scale, one matplotlib map frame: median {mpl:7.1f} ms "
        f"(ratio {mpl / median:.1f}x the whole frame here)"
    )
    print(f"target <= {TARGET_MS:.0f} ms: {'met' if median <= TARGET_MS else 'MISSED'}")
    seconds, reached = play_seconds()
    print(f"  120-month play at 0 ms pause (page, visible tab): {seconds:.1f} s to month {reached}")
    ok = seconds <= PLAY_TARGET_S and reached == 120
    print(f"target <= {PLAY_TARGET_S:.0f} s to month 120: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()

"""World-map drawing speed: first draw after the geometry is cached, and a recolouring update.

Moved here from tests/test_geo.py (issue 10: wall-clock limits flake on a shared machine; a
benchmark prints figures instead). The page redraws the map on every step, so an update should
stay well under the front end's 60 ms budget (benchmarks/bench_viz.py measures the whole page).

    uv run python benchmarks/bench_geo.py
"""

from __future__ import annotations

import statistics
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from sim.present.geo import WorldMap, draw_world_map, load_world
from sim.world.nations import load_nations


def main() -> None:
    nations = load_nations()
    load_world()
    values = dict.fromkeys(nations["iso3"], 0.5)
    fig, ax = plt.subplots()
    WorldMap(ax, values)  # warm the flattened-vertex cache
    plt.close(fig)
    draws = []
    for _ in range(5):
        fig, ax = plt.subplots()
        began = time.perf_counter()
        world_map = draw_world_map(ax, values)
        draws.append(time.perf_counter() - began)
        plt.close(fig)
    updates = []
    for _ in range(20):
        began = time.perf_counter()
        world_map.update(values)
        updates.append(time.perf_counter() - began)
    print(
        f"draw (cached geometry): best {min(draws) * 1e3:.1f} ms, median {statistics.median(draws) * 1e3:.1f} ms"
    )
    print(
        f"update (recolour):      best {min(updates) * 1e3:.2f} ms, median {statistics.median(updates) * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()

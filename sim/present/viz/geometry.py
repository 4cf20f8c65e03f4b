"""Static geometry of the views, computed once per world and cached: map outlines as SVG paths
and the influence network's fixed layout.

The browser receives the geometry once; each step only the colours change. That keeps a
redraw of all views far below the 190 ms a matplotlib network frame costs, and nothing is fetched
from a map or chart CDN (outlines come from ``sim/data/geo/world.geojson``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np

from sim.engine.params import DEFAULT_ORG_WEIGHTS, ModelParams
from sim.present.geo import LAT_RANGE, LON_RANGE, load_world
from sim.world.network import influence_matrix, row_normalise
from sim.world.world import World

#: SVG units per degree: coordinates are sent as integers.
SCALE = 10
MAP_WIDTH = int((LON_RANGE[1] - LON_RANGE[0]) * SCALE)
MAP_HEIGHT = int((LAT_RANGE[1] - LAT_RANGE[0]) * SCALE)
#: Vertices closer than this (SVG units, 0.4 degrees) to the last kept one are dropped: finer
#: detail than a pixel on a screen-wide map only costs bytes.
MIN_SEGMENT = 4.0
MIN_RING_AREA = 20.0  # SVG units^2 (0.2 square degrees); a nation keeps its largest ring anyway
POINT_RADIUS = 9
NETWORK_SIZE = 1000  # the network's viewBox is NETWORK_SIZE square


@dataclass(frozen=True)
class MapShape:
    """One nation's outline: an SVG path, or a circle for small states."""

    iso3: str
    path: str  # "" for point states
    cx: float
    cy: float


def _project(ring: np.ndarray) -> np.ndarray:
    x = (ring[:, 0] - LON_RANGE[0]) * SCALE
    y = (LAT_RANGE[1] - ring[:, 1]) * SCALE
    return np.column_stack([x, y])


def _thin(points: np.ndarray) -> np.ndarray:
    kept = [points[0]]
    for p in points[1:-1]:
        if abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= MIN_SEGMENT:
            kept.append(p)
    kept.append(points[-1])
    return np.rint(np.asarray(kept)).astype(int)


def _area(points: np.ndarray) -> float:
    x, y = points[:, 0].astype(float), points[:, 1].astype(float)
    return abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))) / 2.0


def _ring_path(points: np.ndarray) -> str:
    coords = " ".join(f"{x} {y}" for x, y in points[:-1])
    return f"M{coords}Z"


@lru_cache(maxsize=1)
def map_shapes() -> dict[str, MapShape]:
    """iso3 -> outline, from the embedded GeoJSON (about 160 kB of path data in all)."""
    shapes: dict[str, MapShape] = {}
    for code, geometry in load_world().items():
        if isinstance(geometry, tuple):
            x, y = _project(np.array([geometry]))[0]
            shapes[code] = MapShape(code, "", round(float(x), 1), round(float(y), 1))
            continue
        rings = [_thin(_project(ring)) for ring in geometry]
        rings = [ring for ring in rings if len(ring) >= 4]
        if not rings:
            continue
        areas = [_area(ring) for ring in rings]
        largest = int(np.argmax(areas))
        keep = [r for i, r in enumerate(rings) if i == largest or areas[i] >= MIN_RING_AREA]
        centre = rings[largest].mean(axis=0)
        path = "".join(_ring_path(ring) for ring in keep)
        shapes[code] = MapShape(code, path, round(float(centre[0]), 1), round(float(centre[1]), 1))
    return shapes


def world_key(world: World) -> tuple:
    """What the network layout depends on: the nations, their sub-regions and memberships."""
    return (tuple(world.iso3), tuple(world.subregion), world.membership.tobytes())


_LAYOUTS: dict[tuple, np.ndarray] = {}


#: A faint tie between every pair of nations, for the layout only: without it, groups with no
#: tie to the rest (e.g. Polynesia) drift off and squeeze everything else into a corner.
LAYOUT_BACKGROUND_TIE = 0.002


def network_layout(world: World) -> np.ndarray:
    """(n, 2) node positions in [0, NETWORK_SIZE]: a force-directed layout of the influence
    network at the default weights, computed once per world and cached — never per step, and
    the same across resets, so runs with other sliders can be compared by eye."""
    key = world_key(world)
    if key not in _LAYOUTS:
        ties = influence_matrix(
            world.membership,
            world.subregion,
            DEFAULT_ORG_WEIGHTS,
            ModelParams().region_weight,
            world.iso3,
        )
        # Row-normalised attention, made symmetric for the spring layout (A is directed).
        attention = row_normalise(ties).toarray()
        weights = attention + attention.T + LAYOUT_BACKGROUND_TIE
        np.fill_diagonal(weights, 0.0)
        layout = nx.spring_layout(nx.from_numpy_array(weights), seed=7, iterations=100)
        xy = np.array([layout[i] for i in range(world.n)])
        xy -= xy.min(axis=0)
        xy /= max(float(xy.max()), 1e-9)
        _LAYOUTS[key] = np.round(40 + xy * (NETWORK_SIZE - 80), 1)
    return _LAYOUTS[key]


def strongest_ties(ties, per_node: int = 3) -> list[tuple[int, int]]:
    """Each nation's ``per_node`` strongest ties (deduplicated): the edges worth drawing. All
    ties would be ~10,000 lines, mostly the loose Non-Aligned Movement."""
    edges: set[tuple[int, int]] = set()
    for i in range(ties.shape[0]):
        start, end = ties.indptr[i], ties.indptr[i + 1]
        columns, weights = ties.indices[start:end], ties.data[start:end]
        for j in columns[np.argsort(-weights, kind="stable")[:per_node]]:
            edges.add((min(i, int(j)), max(i, int(j))))
    return sorted(edges)


def edges_path(xy: np.ndarray, edges: list[tuple[int, int]]) -> str:
    """All edges as one SVG path (one DOM element instead of hundreds)."""
    return "".join(
        f"M{xy[i, 0]:.0f} {xy[i, 1]:.0f}L{xy[j, 0]:.0f} {xy[j, 1]:.0f}" for i, j in edges
    )

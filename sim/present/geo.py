"""Offline world map for alignment choropleths (numpy + matplotlib only).

Geometry comes from ``sim/data/geo/world.geojson`` (simplified Natural Earth, public domain; see
``sim/data/geo/SOURCES.md``), keyed by ISO 3166-1 alpha-3.  Small states are Point features and
are drawn as scatter markers.

Typical use::

    fig, ax = plt.subplots(figsize=(10, 5))
    wm = draw_world_map(ax, {"USA": -1.0, "CHN": 1.0}, outline={"USA": "navy"})
    wm.colorbar(label="alignment (US -1 .. China +1)")
    ...
    wm.update(new_values)  # each step: only face colours change
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import Colormap, Normalize, to_rgba

from sim import paths

WORLD_GEOJSON = paths.DATA_DIR / "geo" / "world.geojson"

#: Latitude window of the map (drops Antarctica, keeps Svalbard / northern Greenland).
LAT_RANGE = (-58.0, 84.0)
LON_RANGE = (-180.0, 180.0)

Geometry = list[np.ndarray] | tuple[float, float]


def _resolve(path: str | Path | None) -> str:
    return str(Path(path).resolve()) if path is not None else str(WORLD_GEOJSON)


@lru_cache(maxsize=4)
def _read(path: str) -> tuple[dict[str, Geometry], dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        fc = json.load(fh)
    geoms: dict[str, Geometry] = {}
    names: dict[str, str] = {}
    for feat in fc["features"]:
        props, geom = feat["properties"], feat["geometry"]
        code = props["iso3"]
        names[code] = props.get("name", code)
        if geom["type"] == "Point":
            lon, lat = geom["coordinates"][:2]
            geoms[code] = (float(lon), float(lat))
            continue
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = geoms.setdefault(code, [])
        assert isinstance(rings, list)
        for poly in polys:
            # Exterior rings only: holes are enclaves (Lesotho, San Marino ...) which are drawn
            # on top because rings are painted largest first.
            ring = np.asarray(poly[0], dtype=float)
            ring.setflags(write=False)
            rings.append(ring)
    return geoms, names


def load_world(path: str | Path | None = None) -> dict[str, Geometry]:
    """iso3 -> list of exterior rings ((k, 2) lon/lat arrays) or a ``(lon, lat)`` point.

    Cached per path; the returned dict and arrays are shared, so do not modify them.
    """
    return _read(_resolve(path))[0]


def world_names(path: str | Path | None = None) -> dict[str, str]:
    """iso3 -> display name from the GeoJSON."""
    return _read(_resolve(path))[1]


@dataclass(frozen=True)
class _Flat:
    codes: tuple[str, ...]  # polygon states, index space for ``ring_owner``
    verts: tuple[np.ndarray, ...]  # all rings, largest area first
    ring_owner: np.ndarray  # int index into ``codes`` for each ring
    point_codes: tuple[str, ...]
    point_xy: np.ndarray  # (n, 2)
    code_rings: dict[str, np.ndarray]  # iso3 -> ring indices
    code_point: dict[str, int]  # iso3 -> point index


def _ring_area(r: np.ndarray) -> float:
    x, y = r[:, 0], r[:, 1]
    return abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))) / 2


@lru_cache(maxsize=4)
def _flat(path: str) -> _Flat:
    geoms = _read(path)[0]
    codes = tuple(sorted(c for c, g in geoms.items() if isinstance(g, list)))
    items = [(i, r) for i, c in enumerate(codes) for r in geoms[c]]
    items.sort(key=lambda t: -_ring_area(t[1]))
    owner = np.array([i for i, _ in items], dtype=np.intp)
    pcodes = tuple(sorted(c for c, g in geoms.items() if isinstance(g, tuple)))
    pxy = np.array([geoms[c] for c in pcodes], dtype=float).reshape(-1, 2)
    code_rings = {c: np.flatnonzero(owner == i) for i, c in enumerate(codes)}
    return _Flat(
        codes=codes,
        verts=tuple(r for _, r in items),
        ring_owner=owner,
        point_codes=pcodes,
        point_xy=pxy,
        code_rings=code_rings,
        code_point={c: i for i, c in enumerate(pcodes)},
    )


def _values_array(codes: tuple[str, ...], values: Mapping[str, float]) -> np.ndarray:
    arr = np.full(len(codes), np.nan)
    for i, c in enumerate(codes):
        v = values.get(c)
        if v is not None:
            arr[i] = v
    return arr


class WorldMap:
    """A choropleth built once on ``ax``; :meth:`update` only changes colours.

    Attributes
    ----------
    polys : PolyCollection
        All polygon rings in one collection; it is a ScalarMappable (use it for a colorbar).
    points : PathCollection
        Scatter markers for small states (Point features).
    borders : PolyCollection
        Overlay holding only the outlined rings (face ``none``), drawn above the fill.
    """

    def __init__(
        self,
        ax,
        values: Mapping[str, float] | None = None,
        *,
        cmap: str | Colormap = "RdBu_r",
        vmin: float = -1.0,
        vmax: float = 1.0,
        missing_color: str = "#dddddd",
        outline: Mapping[str, str] | None = None,
        title: str | None = None,
        edgecolor: str = "white",
        linewidth: float = 0.25,
        outline_width: float = 1.0,
        point_size: float = 14.0,
        ocean_color: str | None = None,
        path: str | Path | None = None,
    ) -> None:
        self.ax = ax
        self._flat = flat = _flat(_resolve(path))
        cm = colormaps[cmap] if isinstance(cmap, str) else cmap
        self.cmap = cm.with_extremes(bad=missing_color)
        self.norm = Normalize(vmin=vmin, vmax=vmax)
        self.outline_width = outline_width
        self.point_edge = to_rgba("#555555")
        self.point_lw = 0.4

        self.polys = PolyCollection(
            flat.verts,
            closed=False,  # rings in the GeoJSON are already closed
            cmap=self.cmap,
            norm=self.norm,
            edgecolors=edgecolor,
            linewidths=linewidth,
            zorder=1,
        )
        self.borders = PolyCollection(
            [], closed=False, facecolors="none", linewidths=outline_width, zorder=2
        )
        self.points = ax.scatter(
            flat.point_xy[:, 0],
            flat.point_xy[:, 1],
            c=np.full(len(flat.point_codes), np.nan),
            cmap=self.cmap,
            norm=self.norm,
            s=point_size,
            edgecolors=[self.point_edge] * len(flat.point_codes),
            linewidths=self.point_lw,
            zorder=3,
            plotnonfinite=True,
        )
        ax.add_collection(self.polys, autolim=False)
        ax.add_collection(self.borders, autolim=False)
        ax.set_xlim(*LON_RANGE)
        ax.set_ylim(*LAT_RANGE)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if ocean_color is not None:
            ax.set_facecolor(ocean_color)
        if title is not None:
            ax.set_title(title)
        self.update(values or {}, outline=outline)

    # -- public API -----------------------------------------------------------------------
    @property
    def collections(self) -> tuple[PolyCollection, PathCollection, PolyCollection]:
        return (self.polys, self.points, self.borders)

    @property
    def mappable(self) -> PolyCollection:
        """The ScalarMappable to pass to ``fig.colorbar``."""
        return self.polys

    def update(self, values: Mapping[str, float], outline: Mapping[str, str] | None = None) -> None:
        """Recolour from ``values`` (iso3 -> value; absent/NaN -> missing colour).

        ``outline`` (iso3 -> edge colour) replaces the current outlines when given; pass ``{}``
        to clear them, ``None`` to keep them.
        """
        flat = self._flat
        per_state = _values_array(flat.codes, values)
        self.polys.set_array(np.ma.masked_invalid(per_state[flat.ring_owner]))
        self.points.set_array(np.ma.masked_invalid(_values_array(flat.point_codes, values)))
        if outline is not None:
            self._set_outline(outline)

    def colorbar(self, label: str | None = None, **kwargs):
        """Add a colorbar for the map to its figure (kwargs go to ``Figure.colorbar``)."""
        kwargs.setdefault("ax", self.ax)
        kwargs.setdefault("shrink", 0.6)
        cb = self.ax.figure.colorbar(self.polys, **kwargs)
        if label:
            cb.set_label(label)
        return cb

    def ring_indices(self, iso3: str) -> np.ndarray:
        """Indices of ``iso3``'s rings within :attr:`polys` (empty for point states)."""
        return self._flat.code_rings.get(iso3, np.empty(0, dtype=np.intp))

    def facecolor(self, iso3: str) -> np.ndarray:
        """Current RGBA face colour of a state (polygon or point)."""
        flat = self._flat
        if iso3 in flat.code_rings:
            self.polys.update_scalarmappable()
            return np.asarray(self.polys.get_facecolor()[flat.code_rings[iso3][0]])
        if iso3 in flat.code_point:
            self.points.update_scalarmappable()
            return np.asarray(self.points.get_facecolor()[flat.code_point[iso3]])
        raise KeyError(iso3)

    # -- internals ------------------------------------------------------------------------
    def _set_outline(self, outline: Mapping[str, str]) -> None:
        flat = self._flat
        verts: list[np.ndarray] = []
        colors: list[tuple[float, ...]] = []
        for code, color in outline.items():
            rgba = to_rgba(color)
            for i in flat.code_rings.get(code, ()):
                verts.append(flat.verts[i])
                colors.append(rgba)
        self.borders.set_verts(verts, closed=False)
        self.borders.set_edgecolor(colors or "none")
        n = len(flat.point_codes)
        edges = np.tile(self.point_edge, (n, 1))
        widths = np.full(n, self.point_lw)
        for code, color in outline.items():
            j = flat.code_point.get(code)
            if j is not None:
                edges[j] = to_rgba(color)
                widths[j] = self.outline_width
        self.points.set_edgecolor(edges)
        self.points.set_linewidth(widths)


def draw_world_map(
    ax,
    values: Mapping[str, float],
    *,
    cmap: str | Colormap = "RdBu_r",
    vmin: float = -1.0,
    vmax: float = 1.0,
    missing_color: str = "#dddddd",
    outline: Mapping[str, str] | None = None,
    title: str | None = None,
    **kwargs,
) -> WorldMap:
    """Draw a choropleth of ``values`` (iso3 -> value) on ``ax`` (equirectangular, lat -58..84).

    Returns the :class:`WorldMap`; its ``polys`` (PolyCollection, also ``.mappable``) and
    ``points`` (scatter) are the artists, ``wm.colorbar()`` adds a colorbar and
    ``wm.update(values)`` recolours without new artists.  Extra kwargs go to :class:`WorldMap`
    (``edgecolor``, ``linewidth``, ``outline_width``, ``point_size``, ``ocean_color``, ``path``).
    """
    return WorldMap(
        ax,
        values,
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        missing_color=missing_color,
        outline=outline,
        title=title,
        **kwargs,
    )

"""Tests for the offline world map (sim/present/geo.py, sim/data/geo/world.geojson)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.present.geo import (
    LAT_RANGE,
    WORLD_GEOJSON,
    WorldMap,
    draw_world_map,
    load_world,
    world_names,
)

NATIONS_CSV = Path(__file__).resolve().parents[1] / "sim" / "data" / "nations.csv"


@pytest.fixture(scope="module")
def nations() -> pd.DataFrame:
    return pd.read_csv(NATIONS_CSV, keep_default_na=False, usecols=["iso3", "un_status"])


@pytest.fixture(scope="module")
def world():
    return load_world()


@pytest.fixture(scope="module")
def geojson():
    return json.loads(WORLD_GEOJSON.read_text(encoding="utf-8"))


def test_nations_csv_has_193_members(nations):
    assert (nations["un_status"] == "member").sum() == 193
    assert nations["iso3"].is_unique


def test_all_nations_present(world, nations):
    """Every state in sim/data/nations.csv (193 UN members + PSE, TWN, XKX) is on the map."""
    missing = sorted(set(nations["iso3"]) - set(world))
    assert not missing, missing


def test_un_member_flag_matches_nations_csv(geojson, nations):
    flagged = {f["properties"]["iso3"] for f in geojson["features"] if f["properties"]["un_member"]}
    assert flagged == set(nations.loc[nations["un_status"] == "member", "iso3"])


def test_non_members_of_interest_present(world):
    for code in ("TWN", "PSE", "XKX"):
        assert code in world


def test_geojson_properties(geojson):
    assert WORLD_GEOJSON.stat().st_size < 1_500_000
    codes = [f["properties"]["iso3"] for f in geojson["features"]]
    assert len(codes) == len(set(codes)), "one feature per iso3"
    for f in geojson["features"]:
        p = f["properties"]
        assert len(p["iso3"]) == 3 and p["iso3"].isalpha() and p["iso3"].isupper(), p
        assert p["name"]
        assert p["kind"] == ("point" if f["geometry"]["type"] == "Point" else "polygon")
    assert not {"-99", "KOS", "SOL", "CYN"} & set(codes)


def test_codes_fixed(world):
    names = world_names()
    assert names["FRA"] == "France" and isinstance(world["FRA"], list)
    assert names["NOR"] == "Norway" and isinstance(world["NOR"], list)
    assert names["XKX"] == "Kosovo"


def test_geometry_valid(world):
    n_poly = n_point = 0
    for code, geom in world.items():
        if isinstance(geom, tuple):
            lon, lat = geom
            assert -180 <= lon <= 180 and -90 <= lat <= 90, code
            n_point += 1
            continue
        n_poly += 1
        assert geom, code
        for ring in geom:
            assert isinstance(ring, np.ndarray) and ring.ndim == 2 and ring.shape[1] == 2
            assert len(ring) >= 4 and np.array_equal(ring[0], ring[-1]), code
            assert np.isfinite(ring).all()
            assert (np.abs(ring[:, 0]) <= 180).all() and (np.abs(ring[:, 1]) <= 90).all(), code
    assert n_poly > 150 and n_point > 0


def test_large_states_are_polygons_small_are_points(world):
    for code in ("USA", "CHN", "RUS", "BRA", "IND", "DEU", "TWN", "PSE", "XKX"):
        assert isinstance(world[code], list), code
    for code in ("SGP", "MCO", "NRU", "TUV"):
        assert isinstance(world[code], tuple), code


def test_load_world_is_cached(world):
    assert load_world() is world


def _is_blue(rgba):
    return rgba[2] > rgba[0] + 0.2


def _is_red(rgba):
    return rgba[0] > rgba[2] + 0.2


def test_draw_world_map_colours():
    fig, ax = plt.subplots(figsize=(8, 4))
    wm = draw_world_map(ax, {"USA": -1.0, "CHN": 1.0, "SGP": 1.0, "FRA": float("nan")}, title="t")
    fig.canvas.draw()
    assert wm.polys in ax.collections and wm.points in ax.collections
    fc = wm.polys.get_facecolors()
    assert len(fc) == len(wm.polys.get_paths())
    usa = fc[wm.ring_indices("USA")]
    chn = fc[wm.ring_indices("CHN")]
    assert len(usa) and all(_is_blue(c) for c in usa)
    assert len(chn) and all(_is_red(c) for c in chn)
    grey = matplotlib.colors.to_rgba("#dddddd")
    np.testing.assert_allclose(fc[wm.ring_indices("DEU")[0]], grey)  # missing
    np.testing.assert_allclose(fc[wm.ring_indices("FRA")[0]], grey)  # NaN
    assert _is_red(wm.facecolor("SGP"))
    np.testing.assert_allclose(wm.facecolor("MCO"), grey)
    assert ax.get_ylim() == pytest.approx(LAT_RANGE)
    cb = wm.colorbar(label="alignment")
    assert cb.mappable is wm.mappable
    plt.close(fig)


def test_outline():
    fig, ax = plt.subplots()
    wm = draw_world_map(ax, {}, outline={"USA": "navy", "SGP": "red"})
    fig.canvas.draw()
    assert len(wm.borders.get_paths()) == len(wm.ring_indices("USA"))
    navy = matplotlib.colors.to_rgba("navy")
    assert all(np.allclose(c, navy) for c in wm.borders.get_edgecolors())
    j = wm._flat.code_point["SGP"]
    np.testing.assert_allclose(wm.points.get_edgecolors()[j], matplotlib.colors.to_rgba("red"))
    wm.update({}, outline={})
    assert len(wm.borders.get_paths()) == 0
    plt.close(fig)


def test_worldmap_update_changes_colours_only():
    fig, ax = plt.subplots()
    wm = WorldMap(ax)
    fig.canvas.draw()
    n_artists = len(ax.get_children())
    i_usa = wm.ring_indices("USA")[0]
    before = wm.polys.get_facecolors()[i_usa].copy()
    wm.update({"USA": -1.0, "SGP": -1.0})
    fig.canvas.draw()
    after = wm.polys.get_facecolors()[i_usa]
    assert not np.allclose(before, after) and _is_blue(after)
    assert _is_blue(wm.facecolor("SGP"))
    wm.update({"USA": 1.0}, outline={"CHN": "k"})
    fig.canvas.draw()
    assert _is_red(wm.polys.get_facecolors()[i_usa])
    assert len(ax.get_children()) == n_artists
    plt.close(fig)

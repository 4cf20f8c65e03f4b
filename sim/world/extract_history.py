"""Extract the yearly attribute series (2009-2022) into ``sim/data/raw/history/``.

A *build-time* tool: its outputs are committed, and the model never runs it. The three inputs are
public CSV files in public GitHub repositories, read from local clones at the commits recorded in
``sim/data/raw/SOURCES.md``::

    git clone https://github.com/datasets/gdp            # data/gdp.csv
    git clone https://github.com/datasets/population     # data/population.csv
    git clone https://github.com/sberkayuguz/dsa-210-project
    uv run python -m sim.world.extract_history --gdp gdp/data/gdp.csv \
        --population population/data/population.csv \
        --internet dsa-210-project/share-of-individuals-using-the-internet.csv
    git clone https://github.com/relatoscondatos/data_global   # PPP only, see below
    uv run python -m sim.world.extract_history --ppp-gdp <API_NY.GDP.MKTP.CD csv> \
        --ppp-price-level <API_PA.NUS.PPPC.RF csv>               # paths under data/source/worldbank/

* World Bank WDI ``NY.GDP.MKTP.CD`` (GDP, current US$) and ``SP.POP.TOTL`` (population), as
  republished by the Frictionless Data "datasets" organisation (ODC-PDDL; source CC BY 4.0);
* ITU "individuals using the Internet" (WDI ``IT.NET.USER.ZS``) as republished by Our World in
  Data (CC BY 4.0) — the yearly file behind ``raw/internet_users_itu.csv``;
* GDP at purchasing-power parity (WDI ``NY.GDP.MKTP.PP.CD``, current international $), derived as
  ``NY.GDP.MKTP.CD / PA.NUS.PPPC.RF`` — nominal GDP divided by the price level ratio (PPP
  conversion factor over market exchange rate), which is the World Bank's own identity — from one
  WDI release (last updated 2024-06-28) as downloaded into the public repository
  ``relatoscondatos/data_global``. Both inputs come from the *same* release, so the ratio is
  consistent within each year (the mixed-base-year problem of the Factbook's PPP cannot occur).

Only the nations of ``sim/data/nations.csv`` and the years 2009-2022 are kept; values are copied,
not transformed (gaps stay gaps: ``sim.world.dated_tables`` states how they are filled).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim import paths

HISTORY_DIR = paths.RAW_DIR / "history"
FIRST_YEAR, LAST_YEAR = 2009, 2022


def _nations() -> list[str]:
    from sim.world.nations import load_nations

    return sorted(load_nations()["iso3"])


def _write(path: Path, header: list[str], frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        for line in header:
            fh.write(f"# {line}\n")
        frame.to_csv(fh, index=False, lineterminator="\n")
    print(f"wrote {path} ({len(frame)} rows)")


def _keep(frame: pd.DataFrame, code: str, year: str, value: str, name: str) -> pd.DataFrame:
    nations = set(_nations())
    out = frame.rename(columns={code: "iso3", year: "year", value: name})[["iso3", "year", name]]
    out = out[out["iso3"].isin(nations) & out["year"].between(FIRST_YEAR, LAST_YEAR)]
    return out.dropna().sort_values(["iso3", "year"]).reset_index(drop=True)


def _wdi_long(path: Path, name: str) -> pd.DataFrame:
    """A World Bank bulk-download CSV (4 preamble lines, one column per year) in long form."""
    wide = pd.read_csv(path, skiprows=4, encoding="utf-8-sig")
    years = [c for c in wide.columns if c.isdigit()]
    long = wide.melt(id_vars=["Country Code"], value_vars=years, var_name="Year", value_name=name)
    return long.assign(Year=long["Year"].astype(int))


def extract_ppp(gdp_cd: Path, price_level: Path, out_dir: Path = HISTORY_DIR) -> None:
    """GDP PPP (current international $) = GDP current US$ / price level ratio, same release."""
    both = _wdi_long(gdp_cd, "gdp").merge(
        _wdi_long(price_level, "plr"), on=["Country Code", "Year"], how="inner"
    )
    both = both[(both["gdp"] > 0) & (both["plr"] > 0)]
    both["gdp_ppp_usd"] = both["gdp"] / both["plr"]
    p = _keep(both, "Country Code", "Year", "gdp_ppp_usd", "gdp_ppp_usd")
    _write(
        out_dir / "gdp_ppp_wb.csv",
        [
            "source: World Bank WDI, release last updated 2024-06-28 (CC BY 4.0), as downloaded into",
            "the public GitHub repository relatoscondatos/data_global (commit in raw/SOURCES.md).",
            "gdp_ppp_usd = NY.GDP.MKTP.CD / PA.NUS.PPPC.RF (GDP, PPP, current international $: nominal",
            "GDP over the price level ratio, both from that release). Nations of nations.csv, 2009-2022.",
        ],
        p.assign(gdp_ppp_usd=p["gdp_ppp_usd"].map(lambda v: f"{v:.6g}")),
    )


def extract(gdp: Path, population: Path, internet: Path, out_dir: Path = HISTORY_DIR) -> None:
    g = _keep(pd.read_csv(gdp), "Country Code", "Year", "Value", "gdp_usd")
    _write(
        out_dir / "gdp_nominal_wb.csv",
        [
            "source: World Bank WDI NY.GDP.MKTP.CD (GDP, current US$), as republished in the public",
            "GitHub repository datasets/gdp, file data/gdp.csv (commit in raw/SOURCES.md).",
            "Nations of nations.csv, years 2009-2022; values as published (gaps are gaps).",
        ],
        g.assign(gdp_usd=g["gdp_usd"].map(lambda v: f"{v:.6g}")),
    )
    p = _keep(pd.read_csv(population), "Country Code", "Year", "Value", "population")
    _write(
        out_dir / "population_wb.csv",
        [
            "source: World Bank WDI SP.POP.TOTL (population, total; itself from UN WPP), as",
            "republished in the public GitHub repository datasets/population, data/population.csv.",
            "Nations of nations.csv, years 2009-2022.",
        ],
        p.astype({"population": "int64"}),
    )
    raw = pd.read_csv(internet, sep=";")
    value = next(c for c in raw.columns if c.startswith("Individuals using the Internet"))
    i = _keep(raw, "Code", "Year", value, "internet_users_pct")
    _write(
        out_dir / "internet_itu_yearly.csv",
        [
            "source: ITU 'Individuals using the Internet (% of population)' (WDI IT.NET.USER.ZS), as",
            "republished by Our World in Data (CC BY 4.0), file share-of-individuals-using-the-",
            "internet.csv of the public GitHub repository sberkayuguz/dsa-210-project.",
            "Nations of nations.csv, years 2009-2022.",
        ],
        i.assign(internet_users_pct=i["internet_users_pct"].map(lambda v: f"{v:.4g}")),
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gdp", type=Path)
    ap.add_argument("--population", type=Path)
    ap.add_argument("--internet", type=Path)
    ap.add_argument("--ppp-gdp", type=Path, help="WDI NY.GDP.MKTP.CD bulk CSV (PPP release)")
    ap.add_argument("--ppp-price-level", type=Path, help="WDI PA.NUS.PPPC.RF bulk CSV")
    ap.add_argument("--out", type=Path, default=HISTORY_DIR)
    args = ap.parse_args(argv)
    if args.gdp and args.population and args.internet:
        extract(args.gdp, args.population, args.internet, args.out)
    if args.ppp_gdp and args.ppp_price_level:
        extract_ppp(args.ppp_gdp, args.ppp_price_level, args.out)


if __name__ == "__main__":
    main()

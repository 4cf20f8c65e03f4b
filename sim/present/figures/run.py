"""Figures of one run (PNG, matplotlib without pyplot so nothing global is kept alive)."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.engine.metrics import CHINA_BLOC, US_BLOC
from sim.present.geo import draw_world_map
from sim.present.viz.colors import BLOC_COLOURS as _VIZ_BLOCS
from sim.present.viz.colors import BLOC_KEYS

#: The front end's bloc colours (sim.present.viz.colors), so a bloc looks the same in every figure.
BLOC_COLOURS = {key: _VIZ_BLOCS[code] for code, key in BLOC_KEYS.items()}
BLOC_LABELS = {"us": "US-led", "nonaligned": "Non-aligned", "china": "China-led"}
#: The two leaders always in their bloc's colour; every other nation gets a colour from its code,
#: never from plot order, so a nation looks the same in every run and figure (issue 11 item 6).
ACTOR_COLOURS = {"USA": BLOC_COLOURS["us"], "CHN": BLOC_COLOURS["china"]}
#: tab20 without its blues and reds (indices 0, 1, 6, 7): no other nation in a leader's colour.
_NATION_PALETTE = [c for i, c in enumerate(colormaps["tab20"].colors) if i not in (0, 1, 6, 7)]


#: The nations scenarios watch most, one distinct colour each (the 16 of _NATION_PALETTE).
_WATCHED = ("RUS", "IND", "BRA", "ZAF", "IRN", "SAU", "EGY", "ETH",
            "NGA", "IDN", "TUR", "PAK", "KAZ", "ARE", "GBR", "JPN")  # fmt: skip


def nation_colour(iso3: str) -> str | tuple[float, float, float]:
    """The colour a nation is drawn in everywhere: fixed for the US and China, a distinct one
    for each commonly watched nation, otherwise picked by a checksum of its code (stable across
    runs and processes, unlike ``hash``)."""
    if iso3 in ACTOR_COLOURS:
        return ACTOR_COLOURS[iso3]
    if iso3 in _WATCHED:
        return _NATION_PALETTE[_WATCHED.index(iso3)]
    return _NATION_PALETTE[zlib.crc32(iso3.encode()) % len(_NATION_PALETTE)]


def nation_linestyle(iso3: str) -> str:
    """Solid for the leaders and the commonly watched; others dashed or dotted by checksum, so
    two of them sharing a colour still differ."""
    if iso3 in ACTOR_COLOURS or iso3 in _WATCHED:
        return "-"
    return ("--", ":")[zlib.crc32(iso3.encode()) % 2]


EVENT_COLOUR = "#8a5a00"  # as on the front end's charts


def event_dates(events, start: str) -> list[tuple[pd.Timestamp, str]]:
    """(first day of the month, "n") per month with scheduled events: the front end's numbered
    marks (``sim.present.viz.event_marks``), so a number means the same event on the page and here."""
    from sim.present.viz.event_marks import event_marks

    return [(pd.Timestamp(f"{m.date}-01"), str(m.number)) for m in event_marks(events, [], start)]


def mark_events(ax, marks: list[tuple[pd.Timestamp, str]]) -> None:
    """A dotted line and its number at each event month (the legend-free way: the manifest and
    the report list what each number is)."""
    for when, label in marks:
        ax.axvline(when, color=EVENT_COLOUR, linestyle=":", linewidth=1.2, gid=f"event-{label}")
        ax.annotate(
            label,
            (when, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -10),
            textcoords="offset points",
            fontsize=8,
            color=EVENT_COLOUR,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
        )


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=120, bbox_inches="tight")


def bloc_shares_figure(
    model_frame: pd.DataFrame, title: str = "", events: list | None = None
) -> Figure:
    """Stacked areas: bloc shares of nations, world population and world GDP over time;
    ``events`` ((date, number) from ``event_dates``) marked on every panel."""
    fig = Figure(figsize=(12, 3.8), layout="constrained")  # the title never overlaps a panel
    dates = pd.to_datetime(model_frame["date"])
    n = model_frame[["us_count", "nonaligned_count", "china_count"]].sum(axis=1)
    panels = {
        "share of nations": {b: model_frame[f"{b}_count"] / n for b in BLOC_COLOURS},
        "share of world population": {b: model_frame[f"{b}_pop_share"] for b in BLOC_COLOURS},
        "share of world GDP": {b: model_frame[f"{b}_gdp_share"] for b in BLOC_COLOURS},
    }
    axes = fig.subplots(1, 3, sharey=True)
    for ax, (label, series) in zip(axes, panels.items(), strict=True):
        ax.stackplot(
            dates,
            *series.values(),
            labels=[BLOC_LABELS[b] for b in series],
            colors=[BLOC_COLOURS[b] for b in series],
        )
        ax.set_title(label)
        ax.set_ylim(0, 1)
        ax.set_xlabel("date")
        ax.margins(x=0)
        ax.tick_params(axis="x", labelrotation=30)
        mark_events(ax, events or [])
    axes[0].set_ylabel("share (0-1)")
    axes[0].legend(loc="lower left", fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def alignment_heatmap_figure(nations_frame: pd.DataFrame, bins: int = 40) -> Figure:
    """How the alignment distribution moves: nations per alignment bin (rows) and step (cols)."""
    steps = np.sort(nations_frame["step"].unique())
    counts = np.stack(
        [
            np.histogram(group["alignment"], bins=bins, range=(-1, 1))[0]
            for _, group in nations_frame.groupby("step", sort=True)
        ],
        axis=1,
    )
    dates = pd.to_datetime(nations_frame.drop_duplicates("step").sort_values("step")["date"])
    first, last = mdates.date2num(dates.iloc[0]), mdates.date2num(dates.iloc[-1])
    half = (last - first) / max(len(steps) - 1, 1) / 2  # half a month either side of a column
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(
        counts,
        origin="lower",
        aspect="auto",
        extent=(first - half, last + half, -1, 1),
        cmap="magma_r",
        interpolation="nearest",
    )
    ax.xaxis.set_major_locator(mdates.AutoDateLocator())
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.set_xlabel("date")
    ax.set_ylabel("alignment  (-1 US  ...  +1 China)")
    ax.set_title("Alignment distribution over time")
    fig.colorbar(image, ax=ax, label="nations")
    return fig


def world_map_figure(
    iso3: np.ndarray, alignment: np.ndarray, blocs: np.ndarray, title: str = ""
) -> Figure:
    """Choropleth of alignment (blue = US, red = China), blocs outlined in their colour."""
    fig = Figure(figsize=(11, 5.2))
    ax = fig.subplots()
    outline = {
        str(code): (BLOC_COLOURS["us"] if bloc == US_BLOC else BLOC_COLOURS["china"])
        for code, bloc in zip(iso3, blocs, strict=True)
        if bloc in (US_BLOC, CHINA_BLOC)
    }
    world = draw_world_map(
        ax,
        {str(c): float(a) for c, a in zip(iso3, alignment, strict=True)},
        outline=outline,
        title=title or "Final alignment (outlined: members of a bloc)",
    )
    world.colorbar(label="alignment  (-1 US  ...  +1 China)", orientation="horizontal", pad=0.02)
    return fig


def watch_figure(
    nations_frame: pd.DataFrame,
    watch: list[str],
    thresholds: tuple[float, float],
    events: list | None = None,
) -> Figure:
    """Trajectories of the nations a scenario watches, with the bloc thresholds and the
    scheduled events (``event_dates``)."""
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.subplots()
    for code in watch:
        rows = nations_frame[nations_frame["iso3"] == code]
        if len(rows):
            ax.plot(
                pd.to_datetime(rows["date"]),
                rows["alignment"],
                label=rows["name"].iloc[0],
                color=nation_colour(code),
                linestyle=nation_linestyle(code),
                gid=code,
            )
    for level, bloc in zip(thresholds, ("US-led", "China-led"), strict=True):
        ax.axhline(level, color="grey", linestyle="--", linewidth=0.8)
        ax.annotate(
            f"{bloc} bloc threshold {level:+.1f}",
            (0.0, level),
            xycoords=("axes fraction", "data"),
            xytext=(3, 3 if level > 0 else -10),
            textcoords="offset points",
            fontsize=8,
            color="grey",
        )
    ax.set_ylim(-1.05, 1.05)
    mark_events(ax, events or [])
    ax.set_ylabel("alignment  (-1 US  ...  +1 China)")
    ax.set_xlabel("date")
    ax.set_title("Watched nations")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return fig


def write_all(
    model, scenario, folder: Path, model_frame: pd.DataFrame, nations_frame: pd.DataFrame
) -> None:
    """The four standard figures of a run."""
    marks = event_dates(
        [e for e in scenario.events if e.step <= model.step_index], scenario.start.isoformat()
    )
    _save(bloc_shares_figure(model_frame, scenario.name, marks), folder / "bloc_shares.png")
    _save(alignment_heatmap_figure(nations_frame), folder / "alignment_heatmap.png")
    _save(
        world_map_figure(
            model.world.iso3,
            model.state.alignment,
            model.blocs,
            f"{scenario.name}: alignment on {model.date}",
        ),
        folder / "world_map.png",
    )
    thresholds = (model.params.us_bloc_threshold, model.params.china_bloc_threshold)
    _save(
        watch_figure(nations_frame, list(scenario.watch), thresholds, marks),
        folder / "watch.png",
    )

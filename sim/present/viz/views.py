"""The views: Solara components that show one ``Snapshot`` of the run.

Each view takes the model and the snapshot the page shows (live or scrubbed back), so stepping,
resetting and scrubbing all redraw through the same path. Static geometry is sent to the browser
once; per step only colours, numbers and small SVG strings change (see docs/frontend.md).
Elements carry ``.meta(ref=...)`` so tests can find them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from html import escape
from typing import TYPE_CHECKING

import numpy as np
import solara

from sim.engine.dynamics import MECHANISMS
from sim.engine.metrics import METRIC_DEFINITIONS, METRIC_LABELS, METRIC_NAMES
from sim.engine.params import ORGANISATIONS
from sim.present.viz import charts
from sim.present.viz.colors import (
    BLOC_COLOURS,
    BLOC_KEYS,
    BLOC_LABELS,
    BORDER,
    MISSING,
    OCEAN,
    alignment_hex,
)
from sim.present.viz.comparison import (
    PinnedRun,
    RunBand,
    layers_from_metrics,
    metric_path,
    nation_differences,
    run_label,
)
from sim.present.viz.event_marks import EventMark, chart_marks, event_marks
from sim.present.viz.geometry import (
    MAP_HEIGHT,
    MAP_WIDTH,
    NETWORK_SIZE,
    POINT_RADIUS,
    edges_path,
    map_shapes,
    network_layout,
    strongest_ties,
)
from sim.present.viz.legends import heatmap_legend_svg, map_legend_html, network_legend_html
from sim.present.viz.params_ui import org_label
from sim.present.viz.snapshot import (
    MEASURES,
    Snapshot,
    bloc_layers,
    colours,
    dprk_response,
    last_step,
    memberships,
    table_rows,
    tooltips,
)

if TYPE_CHECKING:
    from sim.mesa.model import CyberBlocModel

CARD_STYLE = {"margin": "0 0 12px 0"}
MOVES_NUMBER_X = 222  # the numbers' column in _moves_svg, right of the widest bar (x 212)
#: _moves_svg's canvas: names right-aligned at x 86, bars in x 96-212 (zero at 154), numbers
#: from x 222. Narrow (290 units) so that in the network tab's side card (about 250 px) its
#: 13-unit text is still 11 px; capped at 350 px wide, at most 16 px on a wide screen.
MOVES_WIDTH, MOVES_MAX_PX = 290, 350


def model_event_marks(model: CyberBlocModel) -> list[EventMark]:
    """The numbered event marks of this run: the scenario's events and those triggered here."""
    return event_marks(
        list(model.resolved.scenario.events),
        list(getattr(model, "triggered", [])),
        str(model.history.dates[0]),
    )


# --- Vue-backed widgets: geometry once, colours per step ------------------------------------------
@solara.component_vue("world_map.vue", vuetify=False)
def MapWidget(
    shapes: list,
    width: int,
    height: int,
    radius: float,
    fills: dict,
    strokes: dict,
    tips: dict,
    selected: str,
    missing: str,
    event_select: Callable[[str], None],
    ocean: str = OCEAN,
    border: str = BORDER,
    labels: dict | None = None,
    description: str = "World map",
) -> None:
    """World map (SVG): nations filled by alignment, outlined by bloc; hover (or keyboard
    focus) shows a tooltip, click or Enter calls ``event_select`` with the nation's code.
    ``labels`` (iso3 -> spoken name and alignment) makes a nation focusable; wheel, drag and
    the buttons zoom and pan."""


@solara.component_vue("network.vue", vuetify=False)
def NetworkWidget(
    nodes: list,
    edges: str,
    size: int,
    fills: dict,
    strokes: dict,
    tips: dict,
    selected: str,
    event_select: Callable[[str], None],
    description: str = "Influence network",
) -> None:
    """Influence network (SVG) on a fixed layout: node colour = alignment, ring = bloc; the
    browser names the nodes with a ``rank`` that fit without overlap, at 12 px on screen."""


_GRADIENT = (
    '<span style="display:inline-block;width:140px;height:10px;vertical-align:middle;'
    "background:linear-gradient(to right,#053061,#4393c3,#f7f7f7,#d6604d,#67001f);"
    'margin:0 6px"></span>'
)
#: A difference of this size from the pinned run gets the palette's end colour.
DIFFERENCE_SCALE = 0.3


def _legend(model: CyberBlocModel) -> solara.Element:
    p = model.params
    return solara.HTML(
        tag="div",
        unsafe_innerHTML=map_legend_html(p.us_bloc_threshold, p.china_bloc_threshold),
        style="font-size:12px;color:#333;margin-top:6px",
    ).meta(ref="map-legend")


def nation_labels(model: CyberBlocModel, snap: Snapshot) -> dict[str, str]:
    """iso3 -> what a screen reader says for a nation on the map: name, alignment, bloc."""
    world = model.world
    return {
        str(code): f"{world.name[i]}, alignment {snap.alignment[i]:+.2f}, "
        f"{BLOC_LABELS[int(snap.blocs[i])]}"
        for i, code in enumerate(world.iso3)
    }


@solara.component
def WorldMapView(
    model: CyberBlocModel,
    snap: Snapshot,
    selected: solara.Reactive[str | None],
    pinned: PinnedRun | None = None,
) -> None:
    """World map coloured by alignment with bloc outlines; hover and click for details. With a
    pinned run, a switch colours each nation by its difference from that run instead."""
    shapes = solara.use_memo(lambda: [asdict(s) for s in map_shapes().values()], [])
    show_difference = solara.use_reactive(False)
    fills, strokes = colours(model, snap)
    known = set(fills)
    difference = pinned is not None and show_difference.value
    if difference:
        diffs = nation_differences(model, snap.step, pinned)
        codes = list(diffs)
        scaled = np.array([diffs[c] for c in codes]) / DIFFERENCE_SCALE
        fills = {
            **dict.fromkeys(fills, MISSING),
            **dict(zip(codes, alignment_hex(scaled), strict=True)),
        }

    def choose(code: str) -> None:
        if code in known:
            selected.set(code)

    with solara.Card("World map", style=CARD_STYLE):
        MapWidget(
            shapes=shapes,
            width=MAP_WIDTH,
            height=MAP_HEIGHT,
            radius=POINT_RADIUS,
            fills=fills,
            strokes=strokes,
            tips=tooltips(model, snap),
            selected=selected.value or "",
            missing=MISSING,
            event_select=choose,
            labels=nation_labels(model, snap),
            description=(
                f"World map of {model.world.n} nations coloured by alignment in month "
                f"{snap.step}; Tab moves between nations, Enter selects one"
            ),
        ).meta(ref="world-map")
        if pinned is not None:
            solara.Switch(
                label=f"Colour by difference from the {pinned.label}",
                value=show_difference,
            ).meta(ref="map-difference")
        if difference:
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f"alignment now minus the pinned run's at the same month: "
                    f"-{DIFFERENCE_SCALE} or more toward the US {_GRADIENT} "
                    f"+{DIFFERENCE_SCALE} or more toward China; grey: not in both worlds"
                ),
                style="font-size:12px;color:#444;margin-top:6px",
            ).meta(ref="map-difference-legend")
        else:
            _legend(model)


def _moves_svg(moves: np.ndarray) -> str:
    """Horizontal bars: each mechanism's share of the nation's last move (signed). The bars
    live in their own band and the numbers in a column to the right of it, so a long bar never
    covers a number (issue 12)."""
    scale = max(float(np.abs(moves).max()), 1e-12)
    zero, half = 154, 58
    rows = []
    for k, (name, value) in enumerate(zip(MECHANISMS, moves, strict=True)):
        y, width = 4 + k * 20, half * abs(value) / scale
        x = zero if value >= 0 else zero - width
        colour = BLOC_COLOURS[1] if value > 0 else BLOC_COLOURS[-1]
        rows.append(
            f'<text x="86" y="{y + 12}" text-anchor="end" font-size="13" fill="#333">{name}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="14" fill="{colour}"/>'
            f'<text x="{MOVES_NUMBER_X}" y="{y + 12}" font-size="13" fill="#333" '
            f'font-family="monospace">{value:+.5f}</text>'
        )
    body = f'<line x1="{zero}" x2="{zero}" y1="0" y2="104" stroke="#999"/>' + "".join(rows)
    label = "; ".join(f"{n} {v:+.5f}" for n, v in zip(MECHANISMS, moves, strict=True))
    return (
        f'<svg viewBox="0 0 {MOVES_WIDTH} 106" width="100%" style="max-width:{MOVES_MAX_PX}px" '
        f'role="img" aria-label="{escape(label)}">{body}</svg>'
    )


@solara.component
def NationDetail(
    model: CyberBlocModel, snap: Snapshot, selected: str | None, pinned: PinnedRun | None = None
) -> None:
    """The clicked nation: alignment, bloc, memberships and what moved it in this step."""
    with solara.Card("Selected nation", style=CARD_STYLE):
        if not selected or selected not in model.world.index:
            solara.Text("Click a nation on the map, the network or the table.")
            return
        row = model.world.idx(selected)
        bloc = int(snap.blocs[row])
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<b>{model.world.name[row]}</b> ({selected}) · {model.world.subregion[row]}<br>"
                f"alignment <b>{snap.alignment[row]:+.3f}</b> · "
                f'<span style="color:{BLOC_COLOURS[bloc]}">{BLOC_LABELS[bloc]}</span><br>'
                f"member of: {', '.join(memberships(model, row)) or 'none of the tracked organisations'}"
            ),
            style="font-size:14px",
        ).meta(ref="nation-detail")
        solara.Text(f"What moved it in month {snap.step} (+ toward China, - toward the US):")
        solara.HTML(tag="div", unsafe_innerHTML=_moves_svg(snap.contributions[:, row]))
        path, totals = nation_history(model, row, snap.step)
        solara.Text("Its alignment since month 0, with the two bloc thresholds:")
        solara.HTML(
            tag="div",
            unsafe_innerHTML=charts.line_svg(
                list(range(len(path))),
                path,
                f"alignment of {model.world.name[row]}",
                str(model.history.dates[0]),
                bands=(model.params.us_bloc_threshold, model.params.china_bloc_threshold),
                events=chart_marks(model_event_marks(model), len(path) - 1),
                reference=_pinned_nation_path(pinned, selected),
            ),
            # a 300-unit canvas: capped so its 11-unit text stays under 16 px in a wide card
            style="max-width:420px",
        ).meta(ref="nation-path")
        solara.Text("What moved it in total since month 0:")
        solara.HTML(tag="div", unsafe_innerHTML=_moves_svg(totals)).meta(ref="nation-totals")


def _pinned_nation_path(pinned: PinnedRun | None, code: str) -> charts.Series | None:
    if pinned is None or code not in pinned.iso3:
        return None
    row = pinned.iso3.index(code)
    path = [float(a[row]) for a in pinned.alignment]
    return charts.Series(pinned.steps, path, pinned.label)


def nation_history(model: CyberBlocModel, row: int, last: int) -> tuple[list[float], np.ndarray]:
    """A nation's alignment from month 0 to ``last`` and each mechanism's total contribution
    over months 1..``last`` (what the nation view draws)."""
    h = model.history
    last = min(last, last_step(model))
    path = [float(x[row]) for x in h.alignment[: last + 1]]
    totals = np.zeros(len(MECHANISMS))
    for contributions in h.contributions[1 : last + 1]:
        totals += contributions[:, row]
    return path, totals


@solara.component
def BlocSharesView(
    model: CyberBlocModel,
    snap: Snapshot,
    width: int = charts.WIDTH,
    measure_state: solara.Reactive[str] | None = None,
    pinned: PinnedRun | None = None,
    band: RunBand | None = None,
) -> None:
    """Stacked bloc shares over the whole run so far, by number of nations, population or GDP;
    a dashed line marks the month shown when looking back. ``measure_state`` (the session's)
    keeps the toggle across tab switches."""
    own = solara.use_reactive(MEASURES["count"])
    measure = measure_state if measure_state is not None else own
    key = next(k for k, label in MEASURES.items() if label == measure.value)
    steps, layers = bloc_layers(model, len(model.history.steps) - 1, key)
    current = snap.step if snap.step < steps[-1] else None
    with solara.Card("Bloc shares over time", style=CARD_STYLE):
        with solara.Row(style={"align-items": "center"}):
            solara.Text("share of")
            solara.ToggleButtonsSingle(
                value=measure, values=list(MEASURES.values()), dense=True
            ).meta(ref="bloc-measure")
        solara.HTML(
            tag="div",
            unsafe_innerHTML=charts.stacked_area_svg(
                steps,
                layers,
                measure.value,
                current=current,
                width=width,
                events=chart_marks(model_event_marks(model), int(steps[-1])),
                start=str(model.history.dates[0]),
                reference=(
                    (
                        pinned.steps,
                        layers_from_metrics(pinned.metrics, key, pinned.nations),
                        pinned.label,
                    )
                    if pinned is not None
                    else None
                ),
                band=(
                    (
                        band.steps,
                        layers_from_metrics(band.lo, key, band.nations),
                        layers_from_metrics(band.hi, key, band.nations),
                        band.label,
                    )
                    if band is not None
                    else None
                ),
            ),
            style=f"max-width:{round(width * 1.45)}px",  # a wide screen: no giant text
        ).meta(ref="bloc-shares")
        _bloc_legend()


def _bloc_legend() -> solara.Element:
    items = "".join(
        f'<span style="display:inline-block;width:12px;height:12px;background:{BLOC_COLOURS[b]};'
        f'margin:0 4px 0 12px;vertical-align:middle;opacity:.8"></span>{BLOC_LABELS[b]}'
        for b in (-1, 0, 1)
    )
    return solara.HTML(tag="div", unsafe_innerHTML=items, style="font-size:12px;color:#444")


#: The distribution charts sit in half the main area (about 380 px at a 1280 px window, 700 px at
#: 1920): a 420-unit canvas with 14-unit text shows 12-13 px text at 1280 and, capped at 520 px
#: wide, at most 17 px at 1920 (issue 12: the ticks were 7-8 px).
DIST_CHART_WIDTH, DIST_CHART_HEIGHT, DIST_FONT = 420, 240, 14
DIST_CHART_STYLE = "max-width:520px"


@solara.component
def DistributionView(model: CyberBlocModel, snap: Snapshot) -> None:
    """The alignment distribution: histogram now, heatmap of every step up to now."""
    p = model.params
    size = {"width": DIST_CHART_WIDTH, "height": DIST_CHART_HEIGHT, "font_size": DIST_FONT}
    with solara.Card(f"Alignment distribution in month {snap.step}", style=CARD_STYLE):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=charts.histogram_svg(
                snap.alignment, p.us_bloc_threshold, p.china_bloc_threshold, **size
            ),
            style=DIST_CHART_STYLE,
        ).meta(ref="histogram")
    with solara.Card("Alignment distribution over time", style=CARD_STYLE):
        history = model.history.alignment[: snap.step + 1]
        solara.HTML(
            tag="div",
            unsafe_innerHTML=charts.heatmap_svg(history, start=str(model.history.dates[0]), **size),
            style=DIST_CHART_STYLE,
        ).meta(ref="heatmap")
        max_share = float(charts.density_rows(history).max())
        solara.HTML(tag="div", unsafe_innerHTML=heatmap_legend_svg(max_share)).meta(
            ref="heatmap-legend"
        )


@solara.component
def Guarded(label: str, children: list | None = None) -> None:
    """Shows a message instead of a view that failed to draw, so one broken view never takes
    the page down; 'Try again' draws it anew."""
    error, clear = solara.use_exception()
    if error is not None:
        with solara.Column():
            solara.Error(f"The {label} could not be drawn: {error!r}").meta(ref="view-error")
            solara.Button("Try again", on_click=clear, outlined=True)
        return
    solara.Column(children=children or [])


NETWORK_LABEL_CANDIDATES = 40


@solara.component
def NetworkView(
    model: CyberBlocModel, snap: Snapshot, selected: solara.Reactive[str | None]
) -> None:
    """The influence network on a fixed layout, nodes coloured by alignment, ringed by bloc."""
    world = model.world
    xy = network_layout(world)
    ties = model.ties
    edges = solara.use_memo(lambda: edges_path(xy, strongest_ties(ties)), [id(ties), id(xy)])
    # candidates for a name, largest economy first; the browser keeps those that fit
    rank = {int(i): k for k, i in enumerate(np.argsort(-world.gdp_usd)[:NETWORK_LABEL_CANDIDATES])}
    radius = 5 + 14 * np.sqrt(world.population / world.population.max())
    nodes = solara.use_memo(
        lambda: [
            {
                "iso3": str(code),
                "x": float(xy[i, 0]),
                "y": float(xy[i, 1]),
                "r": round(float(radius[i]), 1),
                "rank": rank.get(i),
            }
            for i, code in enumerate(world.iso3)
        ],
        [id(xy), id(world.population), id(world.gdp_usd)],
    )
    fills, strokes = colours(model, snap)

    def choose(code: str) -> None:
        selected.set(code)

    with solara.Card("Influence network", style=CARD_STYLE):
        solara.Text(
            "Each nation's three strongest ties (shared organisations and sub-region), on a "
            "layout computed once; node size = population, fill = alignment, ring = bloc.",
            style="color:#666;font-size:13px",
        )
        NetworkWidget(
            nodes=nodes,
            edges=edges,
            size=NETWORK_SIZE,
            fills=fills,
            strokes={c: strokes.get(c, "#777777") for c in fills},
            tips=tooltips(model, snap),
            selected=selected.value or "",
            event_select=choose,
            description=(
                f"Influence network of {world.n} nations in month {snap.step}, coloured by "
                "alignment and ringed by bloc; to select a nation by keyboard use the map or "
                "the Nations table"
            ),
        ).meta(ref="network")
        p = model.params
        solara.HTML(
            tag="div",
            unsafe_innerHTML=network_legend_html(p.us_bloc_threshold, p.china_bloc_threshold),
            style="font-size:12px;color:#333;margin-top:6px",
        ).meta(ref="network-legend")


TABLE_HEADERS = [
    {"text": "Nation", "value": "name"},
    {"text": "ISO3", "value": "iso3"},
    {"text": "Region", "value": "region"},
    {"text": "Bloc", "value": "bloc"},
    {"text": "Alignment", "value": "alignment", "align": "end"},
    {"text": "Last move", "value": "move", "align": "end"},
    {"text": "Main driver", "value": "driver"},
    {"text": "Population (m)", "value": "population_m", "align": "end"},
    {"text": "GDP (USD bn)", "value": "gdp_bn", "align": "end"},
    {"text": "Organisations", "value": "orgs", "sortable": False},
]
ALL = "all"


def search_rows(rows: list[dict], text: str) -> list[dict]:
    """Rows with ``text`` (case-insensitive) in any shown column. Filtered here rather than by
    the table's own search so the count above the table is the count of rows in it."""
    needle = text.strip().lower()
    if not needle:
        return rows
    keys = [h["value"] for h in TABLE_HEADERS]
    return [r for r in rows if any(needle in str(r.get(k, "")).lower() for k in keys)]


@solara.component
def NationsTable(
    model: CyberBlocModel,
    snap: Snapshot,
    selected: solara.Reactive[str | None],
    filters: tuple[solara.Reactive[str], solara.Reactive[str], solara.Reactive[str]] | None = None,
) -> None:
    """Every nation at this step; click a header to sort, filter by region or organisation,
    search any column. ``filters`` (the session's region, organisation and search) survive a
    switch to another tab."""
    own = (solara.use_reactive(ALL), solara.use_reactive(ALL), solara.use_reactive(""))
    region, organisation, search = filters if filters is not None else own
    rows = table_rows(model, snap)
    if region.value != ALL:
        rows = [r for r in rows if r["region"] == region.value]
    labels = {org_label(org): org for org in ORGANISATIONS}
    if organisation.value in labels:
        column = ORGANISATIONS.index(labels[organisation.value])
        members = {str(c) for c in model.world.iso3[model.world.membership[:, column] > 0]}
        rows = [r for r in rows if r["iso3"] in members]
    rows = search_rows(rows, search.value)

    def on_row(_widget, _event, item) -> None:
        selected.set(item["iso3"])

    with solara.Card("Nations", style=CARD_STYLE):
        with solara.Row():
            solara.Select(
                "Region", values=[ALL, *sorted(set(model.world.region))], value=region
            ).meta(ref="filter-region")
            solara.Select("Organisation", values=[ALL, *labels], value=organisation).meta(
                ref="filter-org"
            )
            solara.InputText("Search", value=search, continuous_update=True)
        solara.Text(
            f"{len(rows)} nations in month {snap.step}; click a column header to sort, a row to "
            "select the nation. 'Last move' is the change in that month, 'main driver' the "
            "mechanism that pushed hardest.",
            style="color:#666;font-size:12px",
        )
        table = solara.v.DataTable(
            headers=TABLE_HEADERS,
            items=rows,
            items_per_page=15,
            sort_by=["alignment"],
            dense=True,
            class_="cb-nations",
        ).meta(ref="nations-table")
        solara.v.use_event(table, "click:row", on_row)


def _define(metric: str) -> str:
    """The metric's one-line definition, escaped for a title attribute (hover text)."""
    return escape(METRIC_DEFINITIONS[metric], quote=True)


@solara.component
def BlocCounts(snap: Snapshot) -> None:
    """The three blocs now: nations, and shares of world population and GDP."""
    m = snap.metrics
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        for bloc in (-1, 0, 1):
            key = BLOC_KEYS[bloc]
            solara.HTML(
                tag="div",
                unsafe_innerHTML=(
                    f'<div style="font-size:12px;color:#555">{BLOC_LABELS[bloc]}</div>'
                    f'<div class="cb-count" data-bloc="{key}" style="font-size:24px;'
                    f'font-weight:600;color:{BLOC_COLOURS[bloc]}" '
                    f'title="{_define(f"{key}_count")}">{int(m[f"{key}_count"])}</div>'
                    f'<div style="font-size:12px;color:#555">'
                    f'<span title="{_define(f"{key}_pop_share")}">{m[f"{key}_pop_share"]:.0%} pop'
                    f'</span> · <span title="{_define(f"{key}_gdp_share")}">'
                    f"{m[f'{key}_gdp_share']:.0%} GDP</span></div>"
                ),
                style=f"border-left:4px solid {BLOC_COLOURS[bloc]};padding:2px 10px;min-width:120px",
            ).meta(ref=f"count-{key}")


@solara.component
def JointResponseCard(model: CyberBlocModel, snap: Snapshot) -> None:
    """Would a joint cyber-sanction on North Korea find backing (sim.engine.metrics.joint_response)?"""
    r = dprk_response(model, snap)
    veto = (
        "no veto holder opposed: a UNSC resolution could pass"
        if r["passable"]
        else f"veto expected from {', '.join(r['veto_opponents'])}"
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            '<div style="font-size:12px;color:#555">Joint cyber-sanction on North Korea</div>'
            f'<div style="font-size:20px;font-weight:600">'
            f'<span title="{_define("sanction_support_share")}">{r["share_nations"]:.0%} of '
            f'nations</span> · <span title="{_define("sanction_support_gdp_share")}">'
            f"{r['share_gdp']:.0%} of GDP</span></div>"
            f'<div style="font-size:12px;color:#555" title="{_define("veto_opponents")}">'
            f"{veto}</div>"
        ),
        style="border-left:4px solid #555;padding:2px 10px",
    ).meta(ref="dprk")


@solara.component
def Headline(model: CyberBlocModel, snap: Snapshot) -> None:
    """Step counter, date and the polarisation numbers, above every tab."""
    m = snap.metrics
    live = snap.step == model.step_index
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f'<div style="font-size:12px;color:#555">{escape(run_label(model))}'
            f"{'' if live else ' · looking back'}"
            f"{' · end of scenario (Reset to run again)' if not model.running else ''}</div>"
            f'<div class="cb-step" style="font-size:20px;font-weight:600">Step {snap.step}</div>'
            f'<div style="font-size:12px;color:#555">{snap.date} · '
            f'<span title="{_define("esteban_ray")}">polarisation {m["esteban_ray"]:.2f}</span>'
            f' · <span title="{_define("emergent_blocs")}">emergent blocs '
            f"{int(m['emergent_blocs'])}</span></div>"
        ),
        style="padding:2px 10px;min-width:150px",
    ).meta(ref="step-counter")


def measure_series(model: CyberBlocModel, last: int) -> dict[str, tuple[list[int], list[float]]]:
    """Every model metric from month 0 to ``last`` (the Measures view's data)."""
    h = model.history
    steps = list(h.steps[: last + 1])
    return {name: (steps, [float(m[name]) for m in h.metrics[: last + 1]]) for name in METRIC_NAMES}


@solara.component
def MeasuresView(
    model: CyberBlocModel,
    snap: Snapshot,
    pinned: PinnedRun | None = None,
    band: RunBand | None = None,
) -> None:
    """Every measure the model computes, over the run so far, each with its one-line definition
    (also on hover); a dashed line marks the month shown when looking back."""
    series = measure_series(model, last_step(model))
    start = str(model.history.dates[0])
    marks = model_event_marks(model)
    cells = []
    for name, (steps, values) in series.items():
        definition = METRIC_DEFINITIONS[name]
        current = snap.step if snap.step < steps[-1] else None
        svg = charts.line_svg(
            steps,
            values,
            definition,
            start,
            current,
            events=chart_marks(marks, steps[-1]),
            reference=(
                charts.Series(pinned.steps, metric_path(pinned, name), pinned.label)
                if pinned is not None
                else None
            ),
            band=(
                charts.BandSeries(band.steps, band.lo[name], band.hi[name], band.label)
                if band is not None
                else None
            ),
        )
        cells.append(
            f'<div class="cb-measure" data-measure="{name}" title="{escape(definition)}" '
            'style="width:310px;border:1px solid #e4e4e4;padding:4px">'
            f'<div style="font-weight:600;font-size:13px">{escape(METRIC_LABELS[name])}</div>{svg}'
            f'<div style="font-size:12px;color:#555">{escape(definition)}</div></div>'
        )
    # One HTML element for the whole grid: 22 charts as 88 components cost ~20 ms of
    # reconciliation per frame, the SVG strings themselves ~3 ms (benchmarks/bench_viz.py).
    solara.HTML(
        tag="div",
        unsafe_innerHTML="".join(cells),
        style="display:flex;flex-wrap:wrap;gap:8px",
    ).meta(ref="measures")
    SwitchLog(model)


@solara.component
def SwitchLog(model: CyberBlocModel) -> None:
    """Every bloc change so far, newest first: month, nation, from -> to, and the mechanism whose
    push that month was largest in the direction of the move (sim.engine.switches)."""
    from sim.engine.switches import switch_log

    log = switch_log(model.history, model.world)
    label = {"us": "US-led", "nonaligned": "non-aligned", "china": "China-led"}
    rows = "".join(
        f"<tr><td>{escape(r['date'])}</td><td>{escape(r['name'])}</td>"
        f"<td>{label[r['from']]} &rarr; {label[r['to']]}</td>"
        f"<td>{escape(r['carried_by'])}</td></tr>"
        for r in log.iloc[::-1].head(60).to_dict("records")
    )
    with solara.Card(f"Bloc switches ({len(log)})", style=CARD_STYLE):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                '<table style="font-size:13px;border-collapse:collapse">'
                "<tr><th>month</th><th>nation</th><th>bloc</th><th>carried by</th></tr>"
                f"{rows or '<tr><td colspan=4>no bloc change yet</td></tr>'}</table>"
            ),
        ).meta(ref="switch-log")

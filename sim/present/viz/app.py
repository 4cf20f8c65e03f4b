"""The Solara page: `uv run run.py viz [SCENARIO]` (or `solara run sim/present/viz/app.py`).

Layout: the sidebar holds the controls (``controls``); the main area shows the step counter,
bloc counts and the North Korea joint-response measure above five tabs of views (``views``):
map, distribution, network, nations table and every measure over time.
Only the visible tab is drawn. Every view shows the step picked on the time scrubber, or the
live step. Mesa's ``update_counter`` (bumped by the run controls on every frame) is what
makes the views redraw while the model plays.
"""

from __future__ import annotations

import solara
import solara.lab
from mesa.visualization.utils import update_counter

from sim.present.viz.controls import Controls
from sim.present.viz.sharing import run_query
from sim.present.viz.snapshot import last_step, snapshot
from sim.present.viz.state import ExplorerState, current_notice, use_explorer_state
from sim.present.viz.views import (
    BlocCounts,
    BlocSharesView,
    DistributionView,
    Guarded,
    Headline,
    JointResponseCard,
    MeasuresView,
    NationDetail,
    NationsTable,
    NetworkView,
    WorldMapView,
)

TITLE = "cyberbloc: watch the cyber blocs form"
#: The sidebar gets a fixed width (Solara sizes it to its widest content, so a long menu entry
#: would resize it while the main area stays put), and slider labels (name, unit, value) go on
#: their own line so the slider keeps its full width.
CSS = """
.cb-controls { width: 420px; max-width: 420px; }
.cb-controls .v-slider__slot, .cb-controls .v-input__slot { flex-wrap: wrap; }
.cb-controls .v-input__slot > .v-label { flex: 1 0 100%; max-width: 100%; margin: 0; }
/* the nations table: short cells never break ("US-\nled"), cells packed so more columns fit
   a 1280 px window; the rest scroll sideways inside the table (issue 12 screenshots) */
.cb-nations td, .cb-nations th { padding: 0 8px !important; }
.cb-nations td:not(:first-child):not(:last-child) { white-space: nowrap; }
"""
#: charts in a half column (about 345 px wide at a 1280 px window) get a narrower canvas, so
#: their 12-unit text is drawn at 11-12 px (issue 12)
SIDE_CHART_WIDTH = 360


@solara.component
def TimeScrubber(state: ExplorerState, last: int) -> None:
    """Look back at any recorded step; at the right end the views follow the live run."""
    looking_back = state.view_step.value is not None and state.view_step.value < last
    shown = state.view_step.value if looking_back else last

    def on_value(step: int) -> None:
        state.view_step.set(None if step >= last_step(state.model.value) else step)

    if last == 0:
        solara.Text("Month shown: 0 (step the model, then drag here to look back)").meta(
            ref="scrubber-idle"
        )
        return
    with solara.Row(style={"align-items": "center"}):
        solara.SliderInt(
            f"Month shown: {shown} of {last}" + (" (looking back)" if looking_back else " (live)"),
            value=shown,
            min=0,
            max=last,
            on_value=on_value,
        ).meta(ref="scrubber")
        solara.Button(
            "Back to live",
            on_click=lambda: state.view_step.set(None),
            small=True,
            outlined=True,
            disabled=not looking_back,
        )


@solara.component
def MainArea(state: ExplorerState) -> None:
    update_counter.get()  # redraw on every step / reset (the run controls bump it)
    model = state.model.value
    snap = snapshot(model, state.view_step.value)
    pinned, band = state.pinned.value, state.band.value
    row_style = {"flex-wrap": "wrap", "gap": "12px", "align-items": "stretch"}
    with Guarded("summary"), solara.Row(style=row_style):
        Headline(model, snap)
        BlocCounts(snap)
        JointResponseCard(model, snap)
    if model.problem:
        solara.Warning(model.problem).meta(ref="model-problem")
    notice = current_notice(state)
    if notice and notice != model.problem:
        solara.Info(notice, dense=True).meta(ref="notice")
    TimeScrubber(state, last_step(model))
    with solara.lab.Tabs(value=state.tab, lazy=True):
        with solara.lab.Tab("Map"), Guarded("map"):
            WorldMapView(model, snap, state.selected, pinned)
            with solara.Columns([1, 1]):
                NationDetail(model, snap, state.selected.value, pinned)
                BlocSharesView(
                    model,
                    snap,
                    width=SIDE_CHART_WIDTH,
                    measure_state=state.share_measure,
                    pinned=pinned,
                    band=band,
                )
        with solara.lab.Tab("Distribution"), Guarded("distribution"), solara.Columns([1, 1]):
            DistributionView(model, snap)
            BlocSharesView(
                model,
                snap,
                width=SIDE_CHART_WIDTH,
                measure_state=state.share_measure,
                pinned=pinned,
                band=band,
            )
        with solara.lab.Tab("Network"), Guarded("network"), solara.Columns([3, 2]):
            NetworkView(model, snap, state.selected)
            NationDetail(model, snap, state.selected.value, pinned)
        with solara.lab.Tab("Nations"), Guarded("table"):
            NationsTable(
                model,
                snap,
                state.selected,
                (state.table_region, state.table_organisation, state.table_search),
            )
        with solara.lab.Tab("Measures"), Guarded("measures"):
            MeasuresView(model, snap, pinned, band)


@solara.component
def UrlSync(state: ExplorerState) -> None:
    """Keep the address bar on the run shown (sim.present.viz.sharing): after every step, Reset,
    scenario or triggered event, but not frame by frame while playing."""
    update_counter.get()
    router = solara.use_router()
    query = None if state.playing.value else run_query(state.model.value)

    def push() -> None:
        if router.set_path is None:  # rendered outside a page (tests): no address bar
            return
        if query is not None and query != (router.search or ""):
            router.push(f"{router.path or '/'}?{query}")

    solara.use_effect(push, [query])


@solara.component_vue("page_fixes.vue", vuetify=False)
def PageFixes(lang: str, toggle_label: str) -> None:
    """Sets ``<html lang>`` and names the sidebar toggle, both missing from Solara's page
    shell (screen readers; axe-core rules html-has-lang and button-name)."""


@solara.component
def Explorer(state: ExplorerState) -> None:
    """The whole page for one session's state (tests render this with a state they hold)."""
    solara.Title(TITLE)
    PageFixes(lang="en", toggle_label="Show or hide the controls")
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    solara.Style(CSS)
    UrlSync(state)
    with solara.Sidebar(), solara.Column(classes=["cb-controls"]):
        Controls(state)
    with Guarded("main area"):  # the summary row and scrubber too: never a page-wide traceback
        MainArea(state)


@solara.component
def Page() -> None:
    Explorer(use_explorer_state())


page = Page

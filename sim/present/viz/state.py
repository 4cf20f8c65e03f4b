"""One browser session's state: the model and what the page shows of it.

Created once per session (hooks in the page component), so two browser tabs run two independent models.
Everything is a Solara reactive variable: components that read one re-render when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import solara

from sim.present.viz.comparison import PinnedRun, RunBand
from sim.present.viz.explorer import ExplorerModel, initial_scenario
from sim.present.viz.snapshot import MEASURES


@dataclass(frozen=True)
class ExplorerState:
    model: solara.Reactive[ExplorerModel]
    settings: solara.Reactive[dict[str, Any]]  # what the next Reset builds
    view_step: solara.Reactive[int | None]  # the time scrubber; None follows the live step
    selected: solara.Reactive[str | None]  # iso3 of the nation clicked last
    # the last message for the user, tagged with the model it is about: a new run (Reset,
    # another scenario) silently retires messages about the old one
    notice: solara.Reactive[tuple[int, str] | None]
    tab: solara.Reactive[int]
    steps_per_frame: solara.Reactive[int]
    play_interval: solara.Reactive[int]  # ms between frames while playing
    playing: solara.Reactive[bool]  # the run controls' play/pause; any new model clears it
    pinned: solara.Reactive[PinnedRun | None]  # the reference run the charts overlay
    band: solara.Reactive[RunBand | None]  # seeds or forecast band behind the live charts
    band_progress: solara.Reactive[str | None]  # what the band computation is doing now
    # Kept here, not inside the views, because the tabs are lazy: a tab's components unmount
    # when another tab opens, and their own use_reactive state would reset (issue 12).
    table_region: solara.Reactive[str]  # "all" or a region
    table_organisation: solara.Reactive[str]
    table_search: solara.Reactive[str]
    share_measure: solara.Reactive[str]  # bloc-share toggle


def use_explorer_state(scenario_name: str | None = None) -> ExplorerState:
    """Hook for the page: a fresh session replays the run its link describes (sim.present.viz.sharing),
    else opens the scenario from the command line (or the baseline) with its own values. Must
    be called from a component's render function."""
    router = solara.use_router()
    first, message = solara.use_memo(lambda: _first_model(router.search, scenario_name), [])
    return ExplorerState(
        model=solara.use_reactive(first),
        settings=solara.use_reactive(solara.use_memo(first.settings, [])),
        view_step=solara.use_reactive(None),
        selected=solara.use_reactive(None),
        notice=solara.use_reactive((id(first), message) if message else None),
        tab=solara.use_reactive(0),
        steps_per_frame=solara.use_reactive(1),
        play_interval=solara.use_reactive(150),
        playing=solara.use_reactive(False),
        table_region=solara.use_reactive("all"),
        table_organisation=solara.use_reactive("all"),
        table_search=solara.use_reactive(""),
        share_measure=solara.use_reactive(MEASURES["count"]),
        pinned=solara.use_reactive(None),
        band=solara.use_reactive(None),
        band_progress=solara.use_reactive(None),
    )


def _first_model(search: str | None, scenario_name: str | None) -> tuple[ExplorerModel, str | None]:
    """The session's first run and what to tell about it: replayed from the link, or the
    scenario to open with (and why the link was not replayed)."""
    from sim.present.viz.sharing import LinkError, parse_query, replay

    opening = scenario_name or initial_scenario()
    try:
        request = parse_query(search or "")
        if request is None:
            return ExplorerModel(scenario_name=opening), None
        model = replay(request)
    except LinkError as error:
        return ExplorerModel(scenario_name=opening), f"The link was not replayed: {error}"
    events = len(request.events)
    return model, (
        f"Replayed from the link: '{request.scenario}' to month {request.step}"
        + (f" with {events} triggered event{'s' if events > 1 else ''}" if events else "")
    )


def tell(state: ExplorerState, text: str) -> None:
    """Show a message about the current run."""
    state.notice.set((id(state.model.value), text))


def current_notice(state: ExplorerState) -> str | None:
    """The message, if it is about the run on screen."""
    notice = state.notice.value
    return notice[1] if notice and notice[0] == id(state.model.value) else None

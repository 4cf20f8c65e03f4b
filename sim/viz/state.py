"""One browser session's state: the model and what the page shows of it.

Created once per session (hooks in the page component), so two browser tabs run two independent models.
Everything is a Solara reactive variable: components that read one re-render when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import solara

from sim.viz.explorer import ExplorerModel, initial_scenario
from sim.viz.snapshot import MEASURES


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
    # Kept here, not inside the views, because the tabs are lazy: a tab's components unmount
    # when another tab opens, and their own use_reactive state would reset (issue 12).
    table_region: solara.Reactive[str]  # "all" or a region
    table_organisation: solara.Reactive[str]
    table_search: solara.Reactive[str]
    share_measure: solara.Reactive[str]  # bloc-share toggle


def use_explorer_state(scenario_name: str | None = None) -> ExplorerState:
    """Hook for the page: a fresh session opens the scenario from the command line (or the
    baseline) with its own values. Must be called from a component's render function."""
    first = solara.use_memo(
        lambda: ExplorerModel(scenario_name=scenario_name or initial_scenario()), []
    )
    return ExplorerState(
        model=solara.use_reactive(first),
        settings=solara.use_reactive(solara.use_memo(first.settings, [])),
        view_step=solara.use_reactive(None),
        selected=solara.use_reactive(None),
        notice=solara.use_reactive(None),
        tab=solara.use_reactive(0),
        steps_per_frame=solara.use_reactive(1),
        play_interval=solara.use_reactive(150),
        playing=solara.use_reactive(False),
        table_region=solara.use_reactive("all"),
        table_organisation=solara.use_reactive("all"),
        table_search=solara.use_reactive(""),
        share_measure=solara.use_reactive(MEASURES["count"]),
    )


def tell(state: ExplorerState, text: str) -> None:
    """Show a message about the current run."""
    state.notice.set((id(state.model.value), text))


def current_notice(state: ExplorerState) -> str | None:
    """The message, if it is about the run on screen."""
    notice = state.notice.value
    return notice[1] if notice and notice[0] == id(state.model.value) else None

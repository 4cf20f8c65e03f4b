"""Reset, play/pause and Step for the explorer's run.

Why not Mesa's ``ModelController``: it keeps its own ``playing`` and ``running`` flags inside the
component. When a run ends *while playing*, its play loop stops but ``playing`` stays True, so the
next scenario showed pause and a disabled Step until Reset (issue 10 item 14). Here the play flag
lives in the session state (``ExplorerState.playing``), every new model clears it, and whether the
run can go on is read from the model itself (``model.running``) on every render, so no flag can
outlive the run it was about.

Each frame steps "steps per frame" months, then bumps Mesa's ``update_counter`` (``force_update``)
so the views redraw, as Mesa's controller did.
"""

from __future__ import annotations

import time
import traceback

import solara
import solara.lab
from mesa.visualization.utils import force_update, update_counter

from sim.present.viz.explorer import ExplorerModel
from sim.present.viz.state import ExplorerState, tell


def step_frame(state: ExplorerState, model: ExplorerModel) -> None:
    """One frame: up to "steps per frame" months of ``model`` (fewer if the run ends)."""
    for _ in range(state.steps_per_frame.value):
        if not model.running:
            break
        model.step()


def reset_run(state: ExplorerState) -> None:
    """A new run from the sidebar's settings (scenario, seed, sliders), not playing."""
    state.playing.set(False)
    model = ExplorerModel(**state.settings.value)
    state.model.set(model)
    if not model.problem:  # the typed seed "5" is the seed 5: no "settings changed" after it
        state.settings.set(model.settings())
    state.view_step.set(None)
    force_update()


def play_loop(state: ExplorerState, model: ExplorerModel) -> None:
    """Step ``model`` frame by frame while play is on, this model is still the one on screen and
    its run has months left; when the run ends, play turns itself off (the button shows ▶)."""
    try:
        while state.playing.value and state.model.value is model and model.running:
            time.sleep(state.play_interval.value / 1000)
            if not state.playing.value or state.model.value is not model:
                return
            step_frame(state, model)
            force_update()
    except Exception as error:  # shown on the page; the run stays where it stopped
        traceback.print_exc()
        tell(state, f"The run stopped: {type(error).__name__}: {error}")
    if state.model.value is model:
        state.playing.set(False)


@solara.component
def RunButtons(state: ExplorerState) -> None:
    """Reset, ▶/❚❚ and Step. Play and Step are enabled exactly while the model on screen can
    still step; Step is also off while playing."""
    update_counter.get()  # re-render every frame: the buttons follow model.running
    model = state.model.value
    playing = state.playing.value
    solara.lab.use_task(
        lambda: play_loop(state, model),
        dependencies=[playing, id(model)],
        prefer_threaded=True,
    )

    def step_once() -> None:
        step_frame(state, state.model.value)
        force_update()

    with solara.Row(justify="space-between"):
        solara.Button(label="Reset", color="primary", on_click=lambda: reset_run(state))
        solara.Button(
            label="❚❚" if playing else "▶",
            color="primary",
            on_click=lambda: state.playing.set(not state.playing.value),
            disabled=not model.running,
        )
        solara.Button(
            label="Step",
            color="primary",
            on_click=step_once,
            disabled=playing or not model.running,
        )

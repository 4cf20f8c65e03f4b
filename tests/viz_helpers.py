"""Small helpers shared by the front-end tests."""

from __future__ import annotations


def measure_chart(grid_html: str, name: str) -> str:
    """One measure's cell (title, chart, definition) out of the Measures grid's HTML."""
    marker = f'data-measure="{name}"'
    start = grid_html.index(marker)
    end = grid_html.find('data-measure="', start + len(marker))
    return grid_html[start : end if end != -1 else len(grid_html)]


def render_page(scenario: str):
    """The whole page for ``scenario`` inside an AppLayout (as `solara run` serves it): the
    session state and the render context (close it when done)."""
    import solara

    from sim.present.viz import app as viz_app
    from sim.present.viz.state import use_explorer_state

    held = {}

    @solara.component
    def Harness():  # noqa: N802 (a component)
        state = use_explorer_state(scenario)
        held["state"] = state
        with solara.AppLayout():
            viz_app.Explorer(state)

    _box, rc = solara.render(Harness(), handle_error=False)
    return held["state"], rc

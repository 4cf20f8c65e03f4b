"""The Solara front end: watch nations drift into cyber blocs as the model steps.

``app.py`` is the page (``uv run run.py viz``); the other modules each do one job: the explorer
model that the controls rebuild, slider specs generated from ``sim.engine.params``, SVG geometry and
charts drawn server-side as small strings (no chart library, nothing fetched from a CDN), and
the Solara components that show them. See docs/frontend.md.
"""

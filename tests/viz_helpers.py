"""Small helpers shared by the front-end tests."""

from __future__ import annotations


def measure_chart(grid_html: str, name: str) -> str:
    """One measure's cell (title, chart, definition) out of the Measures grid's HTML."""
    marker = f'data-measure="{name}"'
    start = grid_html.index(marker)
    end = grid_html.find('data-measure="', start + len(marker))
    return grid_html[start : end if end != -1 else len(grid_html)]

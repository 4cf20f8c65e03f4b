"""Layout checks on a drawn matplotlib Figure: no panel's text intrudes into another panel, and
no text leaves the figure. Why a helper: every figure the project writes (sim/present/figures/run.py,
forecast, hindcast, compare, calibration report, sweep analysis and discovery) gets the same
check, measured on the artists' window extents after a real draw, not on a look at a PNG."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

#: Pixels a text may touch a neighbour or the figure's edge by (anti-aliasing, rounding).
TOLERANCE = 1.0


def _shrunk(box: Bbox) -> Bbox:
    return Bbox.from_extents(
        box.x0 + TOLERANCE, box.y0 + TOLERANCE, box.x1 - TOLERANCE, box.y1 - TOLERANCE
    )


def _visible_text(artist) -> bool:
    return artist.get_visible() and bool(artist.get_text().strip())


def _tick_labels(ax) -> list:
    """The tick labels drawn: ``get_xticklabels`` also lists ticks outside the view limits,
    which are never drawn (``Axis._update_ticks`` is what ``Axis.draw`` uses)."""
    return [
        label
        for axis in (ax.xaxis, ax.yaxis)
        for tick in axis._update_ticks()
        for label in (tick.label1, tick.label2)
    ]


def _panel_texts(ax, renderer) -> list[tuple[str, Bbox]]:
    """(what, extent) of a panel's titles, axis labels, tick labels, annotations and legend."""
    texts = [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
    texts += [*_tick_labels(ax), *ax.texts]
    out = [
        (f"{type(t).__name__} {t.get_text()!r}", t.get_window_extent(renderer))
        for t in texts
        if _visible_text(t)
    ]
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():
        out.append(("legend", legend.get_window_extent(renderer)))
    return out


def _panel_body(ax, renderer) -> Bbox:
    """The panel's drawing area and its tick labels (what another panel's text must not cover)."""
    ticks = [t.get_window_extent(renderer) for t in _tick_labels(ax) if _visible_text(t)]
    return Bbox.union([ax.get_window_extent(renderer), *ticks])


def assert_no_overlap(fig: Figure) -> None:
    """Draw ``fig`` and assert that (1) no title, suptitle, axis label, tick label, annotation or
    legend of one panel (or of the figure) overlaps another panel's area or tick labels, nor a
    text of another panel, and (2) every such text lies inside the figure."""
    if fig.canvas is None or not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    owned = {id(ax): _panel_texts(ax, renderer) for ax in panels}
    figure_texts = [
        (f"figure {t.get_text()!r}", t.get_window_extent(renderer))
        for t in (fig._suptitle, fig._supxlabel, fig._supylabel, *fig.texts)
        if t is not None and _visible_text(t)
    ] + [("figure legend", legend.get_window_extent(renderer)) for legend in fig.legends]
    bodies = {id(ax): _panel_body(ax, renderer) for ax in panels}
    problems = []
    for ax in panels:
        for what, box in owned[id(ax)]:
            for other in panels:
                if other is ax:
                    continue
                if _shrunk(box).overlaps(bodies[id(other)]):
                    problems.append(
                        f"{what} of {ax.get_title()!r} over panel {other.get_title()!r}"
                    )
                for other_what, other_box in owned[id(other)]:
                    if _shrunk(box).overlaps(other_box):
                        problems.append(f"{what} of {ax.get_title()!r} over {other_what}")
    for what, box in figure_texts:
        for ax in panels:
            if _shrunk(box).overlaps(bodies[id(ax)]):
                problems.append(f"{what} over panel {ax.get_title()!r}")
            for other_what, other_box in owned[id(ax)]:
                if _shrunk(box).overlaps(other_box):
                    problems.append(f"{what} over {other_what} of {ax.get_title()!r}")
    frame = fig.bbox
    every = [*figure_texts, *(text for texts in owned.values() for text in texts)]
    for what, box in every:
        if (
            box.x0 < frame.x0 - TOLERANCE
            or box.y0 < frame.y0 - TOLERANCE
            or box.x1 > frame.x1 + TOLERANCE
            or box.y1 > frame.y1 + TOLERANCE
        ):
            problems.append(f"{what} outside the figure ({box.extents} vs {frame.extents})")
    assert not problems, "\n".join(sorted(set(problems))[:20])

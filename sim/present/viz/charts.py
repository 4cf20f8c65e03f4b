"""The time-series and distribution charts as small SVG strings, drawn on the server.

Why not matplotlib or Altair: a matplotlib frame costs tens of milliseconds in PNG encoding per
chart, and Altair needs vega from a CDN. These charts are a few kilobytes of SVG built with
numpy in well under a millisecond, and the browser draws them natively (offline).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
from PIL import Image

from sim.present.viz.colors import BLOC_COLOURS, BLOC_LABELS, alignment_hex, sequential_rgb

WIDTH, HEIGHT = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 34
HIST_BINS = 40
HEAT_BINS = 40
FONT = 'font-family="sans-serif" font-size="12" fill="#444"'
EVENT_COLOUR = "#8a5a00"  # event marks: a brown no bloc colour uses
REFERENCE_COLOUR = "#6a3d9a"  # the pinned run: dashed purple, no bloc colour
BAND_COLOUR = "#7f7f7f"  # seed or forecast band: translucent grey behind the live series


@dataclass(frozen=True)
class Series:
    """Another run's series on a chart (the pinned reference run), drawn dashed."""

    steps: Sequence[int]
    values: Sequence[float]
    label: str


@dataclass(frozen=True)
class BandSeries:
    """A 5-95% range per step (seeds or posterior draws), drawn as a shaded area."""

    steps: Sequence[int]
    lo: Sequence[float]
    hi: Sequence[float]
    label: str


def _event_lines(
    events: Sequence[tuple[int, str]], x_of, y_top: float, y_bottom: float, first: int, last: int
) -> str:
    """A dotted line and the mark's number at each event's month (``events``: (step, label);
    the label is the hover text and starts with the number)."""
    parts = []
    for step, label in events:
        if not first <= step <= last:
            continue
        x = x_of(step)
        number = label.split(":", 1)[0]
        parts.append(
            f'<g class="cb-event"><title>{escape(label)}</title>'
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_top}" y2="{y_bottom}" '
            f'stroke="{EVENT_COLOUR}" stroke-dasharray="1 2" stroke-width="1.5"/>'
            f'<text x="{x + 2:.1f}" y="{y_top + 10}" font-family="sans-serif" font-size="11" '
            f'fill="{EVENT_COLOUR}">{escape(number)}</text></g>'
        )
    return "".join(parts)


def _points(xs: Sequence[float] | np.ndarray, ys: Sequence[float] | np.ndarray) -> str:
    """SVG "x,y x,y ..." with one decimal (vectorised rounding: charts redraw every frame)."""
    return " ".join(
        map(
            "{},{}".format,
            np.round(np.asarray(xs, float), 1).tolist(),
            np.round(np.asarray(ys, float), 1).tolist(),
        )
    )


def _font(size: int) -> str:
    """Text attributes at ``size`` canvas units (what reaches the screen depends on how wide
    the chart is drawn: the caller picks the canvas so text lands at 11-12 px or more)."""
    return f'font-family="sans-serif" font-size="{size}" fill="#333"'


def _svg(body: str, title: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" style="display:block">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _plot_box(width: int = WIDTH, height: int = HEIGHT) -> tuple[float, float, float, float]:
    return LEFT, TOP, width - LEFT - RIGHT, height - TOP - BOTTOM


def _x_ticks(
    first: int,
    last: int,
    x0: float,
    w: float,
    y: float,
    font: str = FONT,
    start: str | None = None,
) -> str:
    """Tick marks and labels along a time axis of steps ``first``..``last``. With ``start``
    (YYYY-MM-DD of step 0) the labels are calendar dates at round calendar months: "2024-07"
    on short runs, years ("2026") from two years up, so a reader never converts steps to dates
    (issue 11). Without it, step numbers."""
    span = max(last - first, 1)
    if start is None:
        step = next(s for s in (1, 2, 5, 6, 12, 24, 60, 120, 240, 600, 1200, 2400) if span / s <= 8)
        ticks = [(t, str(t)) for t in range(first - first % step, last + 1, step) if t >= first]
    else:
        year0, month0 = int(start[:4]), int(start[5:7])
        # "2024-07" labels are wider than years: at most 5 of them on a chart
        step = next(
            s
            for s in (1, 3, 6, 12, 24, 60, 120, 240, 600, 1200)
            if span / s <= (4 if s < 12 else 6)
        )
        ticks = []
        for t in range(first, last + 1):
            months = year0 * 12 + month0 - 1 + t  # months since year 0
            if months % step:
                continue
            year, month = divmod(months, 12)
            ticks.append((t, f"{year}" if step >= 12 else f"{year}-{month + 1:02d}"))
    parts = []
    for tick, label in ticks:
        x = x0 + (tick - first) / span * w
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 4}" stroke="#888"/>')
        anchor = "end" if x > x0 + w - 16 else "middle"  # the last label stays on the canvas
        parts.append(f'<text x="{x:.1f}" y="{y + 16}" text-anchor="{anchor}" {font}>{label}</text>')
    return "".join(parts)


def stacked_area_svg(
    steps: Sequence[int],
    layers: np.ndarray,
    measure: str,
    current: int | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    events: Sequence[tuple[int, str]] = (),
    reference: tuple[Sequence[int], np.ndarray, str] | None = None,
    band: tuple[Sequence[int], np.ndarray, np.ndarray, str] | None = None,
    start: str | None = None,
) -> str:
    """Stacked shares of the US-led, non-aligned and China-led blocs over time (dated from
    ``start``, YYYY-MM-DD of step 0, when given).

    ``layers`` is (3, T), rows in bloc order US, non-aligned, China, each a share in [0, 1].
    ``current`` marks the step the rest of the page shows (the time scrubber); ``events``
    ((step, "number: what") pairs) are drawn as numbered dotted lines. ``reference`` (steps,
    layers, label) is another run's two bloc boundaries, dashed; ``band`` (steps, lo, hi, label;
    lo and hi (3, T') are 5% and 95% shares) shades the range of the US-led share (lower
    boundary) and of the China-led share (upper boundary). The time axis stretches to show them
    whole.
    """
    x0, y0, w, h = _plot_box(width, height)
    steps = np.asarray(steps)
    first = int(steps[0])
    ends = [int(steps[-1]) if len(steps) > 1 else first + 1]
    ends += [int(reference[0][-1])] if reference is not None else []
    ends += [int(band[0][-1])] if band is not None else []
    last = max(ends)

    def x_of(step) -> np.ndarray:
        return x0 + (np.asarray(step, dtype=float) - first) / max(last - first, 1) * w

    def y_of(share) -> np.ndarray:
        return y0 + h * (1 - np.asarray(share, dtype=float))

    xs = x_of(steps)
    if len(steps) == 1:  # a single step: show it as a band one month wide
        xs, layers = np.array([x0, float(x_of(first + 1))]), np.repeat(layers, 2, axis=1)
    top = np.cumsum(layers, axis=0)
    parts = [f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="#fafafa"/>']
    for k, bloc in enumerate((-1, 0, 1)):
        upper = y_of(top[k])
        lower = y_of(top[k - 1] if k else np.zeros_like(top[k]))
        points = [f"{x:.1f},{y:.1f}" for x, y in zip(xs, upper, strict=True)]
        points += [f"{x:.1f},{y:.1f}" for x, y in zip(xs[::-1], lower[::-1], strict=True)]
        parts.append(
            f'<polygon points="{" ".join(points)}" fill="{BLOC_COLOURS[bloc]}" '
            f'fill-opacity="0.8"><title>{BLOC_LABELS[bloc]}</title></polygon>'
        )
    if band is not None:
        band_steps, lo, hi, label = band
        bx = x_of(band_steps)
        for low, high in ((lo[0], hi[0]), (1 - hi[2], 1 - lo[2])):  # US share; 1 - China share
            ring = [f"{x:.1f},{y:.1f}" for x, y in zip(bx, y_of(high), strict=True)]
            ring += [f"{x:.1f},{y:.1f}" for x, y in zip(bx[::-1], y_of(low)[::-1], strict=True)]
            parts.append(
                f'<polygon class="cb-band" points="{" ".join(ring)}" fill="{BAND_COLOUR}" '
                f'fill-opacity="0.35" stroke="{BAND_COLOUR}" stroke-width="0.5">'
                f"<title>{escape(label)}</title></polygon>"
            )
    if reference is not None:
        ref_steps, ref_layers, label = reference
        rx = x_of(ref_steps)
        for boundary in (ref_layers[0], ref_layers[0] + ref_layers[1]):
            line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(rx, y_of(boundary), strict=True))
            parts.append(
                f'<polyline class="cb-reference" points="{line}" fill="none" '
                f'stroke="{REFERENCE_COLOUR}" stroke-width="1.6" stroke-dasharray="5,3">'
                f"<title>{escape(label)}</title></polyline>"
            )
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y0 + h * (1 - frac)
        parts.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{frac:.0%}</text>'
        )
    if current is not None and first <= current <= last:
        x = float(x_of(current))
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y0}" y2="{y0 + h}" stroke="#000" stroke-dasharray="4 3"/>'
        )
    parts.append(_event_lines(events, lambda t: float(x_of(t)), y0, y0 + h, first, last))
    parts.append(_x_ticks(first, last, x0, w, y0 + h, start=start))
    axis = "date" if start else "month"
    parts.append(
        f'<text x="{x0 + w / 2}" y="{height - 2}" text-anchor="middle" {FONT}>{axis}</text>'
    )
    return _svg("".join(parts), f"Bloc shares of {measure} over time", width, height)


def histogram_svg(
    alignment: np.ndarray,
    us_threshold: float,
    china_threshold: float,
    width: int = WIDTH,
    height: int = HEIGHT,
    font_size: int = 12,
) -> str:
    """The alignment distribution now: bars coloured by alignment, bloc thresholds dashed."""
    x0, y0, w, h = _plot_box(width, height)
    font = _font(font_size)
    counts, edges = np.histogram(np.clip(alignment, -1, 1), bins=HIST_BINS, range=(-1.0, 1.0))
    top = max(int(counts.max()), 1)
    colours = alignment_hex((edges[:-1] + edges[1:]) / 2)
    bar = w / HIST_BINS
    parts = [f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="#fafafa"/>']
    for i, count in enumerate(counts):
        bh = h * count / top
        parts.append(
            f'<rect x="{x0 + i * bar:.1f}" y="{y0 + h - bh:.1f}" width="{bar - 1:.1f}" '
            f'height="{bh:.1f}" fill="{colours[i]}" stroke="#777" stroke-width="0.5">'
            f"<title>{edges[i]:+.2f} to {edges[i + 1]:+.2f}: {count} nations</title></rect>"
        )
    for threshold, bloc in ((us_threshold, -1), (china_threshold, 1)):
        x = x0 + (threshold + 1) / 2 * w
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y0}" y2="{y0 + h}" '
            f'stroke="{BLOC_COLOURS[bloc]}" stroke-dasharray="5 3" stroke-width="1.5"/>'
        )
    for value in (-1.0, -0.5, 0.0, 0.5, 1.0):
        x = x0 + (value + 1) / 2 * w
        parts.append(
            f'<text x="{x:.1f}" y="{y0 + h + 16}" text-anchor="{"end" if value == 1 else "middle"}" '
            f"{font}>{value:+.1f}</text>"
        )
    for frac in (0.0, 0.5, 1.0):
        y = y0 + h * (1 - frac)
        parts.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" {font}>{round(top * frac)}</text>'
        )
    parts.append(
        f'<text x="{x0 + w / 2}" y="{height - 2}" text-anchor="middle" {font}>'
        "alignment, -1 US to +1 China; dashed: bloc thresholds</text>"
    )
    return _svg("".join(parts), "Alignment distribution now", width, height)


def density_rows(history: Sequence[np.ndarray], bins: int = HEAT_BINS) -> np.ndarray:
    """(T, bins) share of nations per alignment bin at each step (vectorised over steps)."""
    stacked = np.clip(np.stack(history), -1.0, 1.0)
    index = np.minimum(((stacked + 1.0) / 2.0 * bins).astype(int), bins - 1)
    offsets = np.arange(stacked.shape[0])[:, None] * bins
    counts = np.bincount((index + offsets).ravel(), minlength=stacked.shape[0] * bins)
    return counts.reshape(stacked.shape[0], bins) / stacked.shape[1]


def _png_data_uri(rgb: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(rgb, mode="RGB").save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def heatmap_svg(
    history: Sequence[np.ndarray],
    first_step: int = 0,
    width: int = WIDTH,
    height: int = HEIGHT,
    font_size: int = 12,
    start: str | None = None,
) -> str:
    """The alignment distribution over time: one column per step, one row per alignment bin
    (China at the top), darker = more nations; the time axis dated from ``start`` if given. A
    tiny PNG (steps x bins pixels) inside an SVG with axes; the browser scales it without
    smoothing."""
    x0, y0, w, h = _plot_box(width, height)
    font = _font(font_size)
    density = density_rows(history)
    shade = np.sqrt(density / max(float(density.max()), 1e-12))  # sqrt: few nations still show
    rgb = sequential_rgb(shade.T[::-1])  # rows: bins from +1 (top) to -1; columns: steps
    uri = _png_data_uri(np.ascontiguousarray(rgb))
    last = first_step + len(history) - 1
    parts = [
        f'<image x="{x0}" y="{y0}" width="{w}" height="{h}" preserveAspectRatio="none" '
        f'style="image-rendering:pixelated" href="{uri}"/>',
        f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#bbb"/>',
    ]
    for value in (-1.0, -0.5, 0.0, 0.5, 1.0):
        y = y0 + h * (1 - (value + 1) / 2)
        parts.append(
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" {font}>{value:+.1f}</text>'
        )
    parts.append(_x_ticks(first_step, max(last, first_step + 1), x0, w, y0 + h, font, start))
    parts.append(
        f'<text x="{x0 + w / 2}" y="{height - 2}" text-anchor="middle" {font}>'
        f"{'date' if start else 'month'}; rows: alignment, darker = more nations</text>"
    )
    return _svg("".join(parts), "Alignment distribution over time", width, height)


def line_svg(
    steps: Sequence[int],
    values: Sequence[float],
    title: str,
    start: str,
    current: int | None = None,
    width: int = 300,
    height: int = 130,
    bands: tuple[float, float] | None = None,
    events: Sequence[tuple[int, str]] = (),
    reference: Series | None = None,
    band: BandSeries | None = None,
) -> str:
    """One series over the months of the run, with the first and last value written out and the
    axis labelled in calendar years from ``start`` (YYYY-MM-DD of step 0). With ``bands`` (the two
    bloc thresholds) the y axis spans -1..+1 and the thresholds are drawn as labelled lines.
    ``events`` ((step, "number: what") pairs) are drawn as numbered dotted lines. A
    ``reference`` run is drawn dashed and a ``band`` shaded behind; the axes stretch to show
    them whole, so a band computed to the scenario's end shows where the live run may go."""
    x0, y0, w, h = 40, 18, width - 52, height - 40
    vals = np.asarray(values, dtype=float)
    extra = [np.asarray(reference.values, dtype=float)] if reference else []
    extra += [np.asarray(band.lo, dtype=float), np.asarray(band.hi, dtype=float)] if band else []
    everything = np.concatenate([vals, *extra])
    lo, hi = float(np.nanmin(everything)), float(np.nanmax(everything))
    if bands is not None:
        lo, hi = -1.0, 1.0
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5 if lo == 0 else lo * 0.95, hi + 0.5 if hi == 0 else hi * 1.05
    ends = [steps[-1], steps[0] + 1]
    ends += [reference.steps[-1]] if reference else []
    ends += [band.steps[-1]] if band else []
    first, last = steps[0], max(ends)

    def x(step):  # scalars and arrays alike
        return x0 + (np.asarray(step, dtype=float) - first) / (last - first) * w

    def y(value):
        return y0 + h - (np.asarray(value, dtype=float) - lo) / (hi - lo) * h

    points = _points(x(steps), y(vals))
    year0, month0 = int(start[:4]), int(start[5:7])
    ticks = []
    for step in range(first, last + 1):
        if ((month0 - 1 + step) % 12 == 0 and (last - first) <= 240) or step == first:
            label = year0 + (month0 - 1 + step) // 12
            ticks.append(
                f'<text x="{x(step):.1f}" y="{height - 6}" text-anchor="middle" '
                f'font-family="sans-serif" font-size="11" fill="#444">{label}</text>'
            )
    if len(ticks) > 6:
        ticks = ticks[:: int(np.ceil(len(ticks) / 6))]
    marker = (
        f'<line x1="{x(current):.1f}" x2="{x(current):.1f}" y1="{y0}" y2="{y0 + h}" '
        'stroke="#999" stroke-dasharray="3,3"/>'
        if current is not None
        else ""
    )
    threshold_lines = "".join(
        f'<line x1="{x0}" x2="{x0 + w}" y1="{y(b):.1f}" y2="{y(b):.1f}" stroke="#bbb" '
        f'stroke-dasharray="4,3"/><text x="{x0 + 3}" y="{y(b) - 3:.1f}" font-family="sans-serif" '
        f'font-size="10" fill="#777">{b:+.1f}</text>'
        for b in (bands or ())
    )
    overlays = ""
    if band is not None:
        bx = x(band.steps)
        ring = _points(np.concatenate([bx, bx[::-1]]), y(np.concatenate([band.hi, band.lo[::-1]])))
        overlays += (
            f'<polygon class="cb-band" points="{ring}" '
            f'fill="{BAND_COLOUR}" fill-opacity="0.25"><title>{escape(band.label)}</title></polygon>'
        )
    if reference is not None:
        ref = _points(x(reference.steps), y(reference.values))
        overlays += (
            f'<polyline class="cb-reference" points="{ref}" fill="none" '
            f'stroke="{REFERENCE_COLOUR}" stroke-width="1.4" stroke-dasharray="5,3">'
            f"<title>{escape(reference.label)}</title></polyline>"
        )
    lo_label, hi_label = axis_labels(lo, hi)
    body = (
        f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="#fafafa" stroke="#ddd"/>'
        f"{overlays}{threshold_lines}{_event_lines(events, x, y0, y0 + h, first, last)}"
        f'<polyline points="{points}" fill="none" stroke="#333" stroke-width="1.6"/>{marker}'
        f'<text x="{x0 - 4}" y="{y0 + 4}" text-anchor="end" font-family="sans-serif" '
        f'font-size="11" fill="#444">{hi_label}</text>'
        f'<text x="{x0 - 4}" y="{y0 + h}" text-anchor="end" font-family="sans-serif" '
        f'font-size="11" fill="#444">{lo_label}</text>'
        f'<text x="{x0 + w}" y="{y0 - 5}" text-anchor="end" font-family="sans-serif" '
        f'font-size="12" fill="#222">now {_fmt(float(vals[-1]))}</text>' + "".join(ticks)
    )
    return _svg(body, title, width, height)


def axis_labels(lo: float, hi: float) -> tuple[str, str]:
    """The y axis's two end labels, with as many significant digits as it takes to tell them
    apart (a range of 0.0116-0.0124 was labelled "0.012" at both ends), whole numbers as such."""
    if float(lo).is_integer() and float(hi).is_integer():
        return f"{lo:.0f}", f"{hi:.0f}"
    low, high = _fmt(lo), _fmt(hi)
    digits = 3
    while low == high and digits <= 10:
        low, high = f"{lo:.{digits}g}", f"{hi:.{digits}g}"
        digits += 1
    return low, high


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.3f}"

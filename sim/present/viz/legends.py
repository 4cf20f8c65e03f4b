"""Legends for the map, the network and the heatmap, as small SVG/HTML strings.

Why a module of its own: the three views read the same palette (``colors``) and the same bloc
thresholds, and a reader must be able to decode each view without a manual (issue 12: the map
legend labelled only -1 and +1; the network and the heatmap had none). Each SVG is drawn at its
natural pixel size (``width`` in px, not 100 %), so its 12 px text stays 12 px on every screen.
"""

from __future__ import annotations

from html import escape

import numpy as np

from sim.present.viz.colors import BLOC_COLOURS, BLOC_LABELS, alignment_hex, sequential_rgb

LEGEND_FONT = 12  # px: the smallest text on the page (issue 12 asks for 11-12 px at least)
_TEXT = f'font-family="sans-serif" font-size="{LEGEND_FONT}" fill="#333"'


def _number(value: float) -> str:
    """-0.30 -> '-0.3', 0.0 -> '0', 1.0 -> '+1'."""
    if abs(value) < 1e-9:
        return "0"
    return f"{value:+.2f}".rstrip("0").rstrip(".")


def _gradient(gid: str, colours: list[str]) -> str:
    stops = "".join(
        f'<stop offset="{k / (len(colours) - 1):.3f}" stop-color="{c}"/>'
        for k, c in enumerate(colours)
    )
    return f'<defs><linearGradient id="{gid}">{stops}</linearGradient></defs>'


def alignment_scale_svg(
    us_threshold: float, china_threshold: float, gid: str = "cb-align-grad"
) -> str:
    """The alignment colour bar from -1 (US) to +1 (China) with ticks at -1, the US-bloc
    threshold, 0, the China-bloc threshold and +1; the thresholds are dashed, as on the
    histogram. Each tick label carries ``data-value`` (tests read it)."""
    width, height, x0, bar = 380, 46, 50, 280
    colours = alignment_hex(np.linspace(-1.0, 1.0, 21))

    def x(value: float) -> float:
        return x0 + (value + 1.0) / 2.0 * bar

    parts = [
        _gradient(gid, colours),
        f'<text x="{x0 - 6}" y="20" text-anchor="end" {_TEXT}>US</text>',
        f'<rect x="{x0}" y="8" width="{bar}" height="16" fill="url(#{gid})" stroke="#777" stroke-width="0.5"/>',
        f'<text x="{x0 + bar + 6}" y="20" {_TEXT}>China</text>',
    ]
    ticks = [
        (-1.0, False),
        (us_threshold, True),
        (0.0, False),
        (china_threshold, True),
        (1.0, False),
    ]
    for value, threshold in ticks:
        dash = ' stroke-dasharray="3 2"' if threshold else ""
        parts.append(
            f'<line x1="{x(value):.1f}" x2="{x(value):.1f}" y1="{4 if threshold else 24}" y2="29" '
            f'stroke="#222" stroke-width="1.2"{dash}/>'
            f'<text x="{x(value):.1f}" y="42" text-anchor="middle" data-value="{value:g}" '
            f"{_TEXT}>{_number(value)}</text>"
        )
    title = (
        f"Alignment colours from -1 (US side, blue) through 0 (white) to +1 (China side, red); "
        f"bloc thresholds {_number(us_threshold)} and {_number(china_threshold)} dashed"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cb-legend" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'style="vertical-align:middle"><title>{escape(title)}</title>{"".join(parts)}</svg>'
    )


def _swatch(colour: str, ring: bool) -> str:
    style = f"border:2px solid {colour}" if ring else f"background:{colour}"
    return (
        f'<span style="display:inline-block;width:12px;height:12px;{style};'
        f'margin:0 4px 0 12px;vertical-align:middle;border-radius:{"50%" if ring else "0"}"></span>'
    )


def map_legend_html(us_threshold: float, china_threshold: float) -> str:
    """Alignment scale with the bloc thresholds, and what the coloured outlines mean."""
    items = "".join(
        f'<span style="display:inline-block;width:12px;height:12px;border:2px solid '
        f'{BLOC_COLOURS[b]};margin:0 4px 0 12px;vertical-align:middle"></span>'
        f"{BLOC_LABELS[b]} bloc outline"
        for b in (-1, 1)
    )
    return (
        f"{alignment_scale_svg(us_threshold, china_threshold, 'cb-map-grad')}{items}"
        '<span style="margin-left:12px">no outline: non-aligned · grey: not modelled</span>'
    )


def network_legend_html(us_threshold: float, china_threshold: float) -> str:
    """Fill = alignment, ring = bloc, size = population, which nations are named."""
    rings = "".join(f"{_swatch(BLOC_COLOURS[b], ring=True)}{BLOC_LABELS[b]}" for b in (-1, 0, 1))
    return (
        f"{alignment_scale_svg(us_threshold, china_threshold, 'cb-net-grad')}"
        f"<div>ring = bloc:{rings}</div>"
        "<div>circle area = population; lines = each nation's three strongest ties. Names: the "
        "largest economies that fit without overlapping, and the selected nation.</div>"
    )


def heatmap_legend_svg(max_share: float) -> str:
    """The density scale of the heatmap: white = no nation, darkest = the busiest cell
    (``max_share`` of all nations in one alignment bin in one month). The heatmap shades by
    the square root, so the middle of the bar is a quarter of the maximum."""
    width, height, x0, bar = 380, 40, 8, 240
    fractions = np.linspace(0.0, 1.0, 11)
    colours = ["#" + "".join(f"{int(v):02x}" for v in c) for c in sequential_rgb(fractions)]
    top = f"{max_share:.0%}"
    quarter = f"{max_share / 4:.0%}"
    parts = [
        _gradient("cb-heat-grad", colours),
        f'<rect x="{x0}" y="4" width="{bar}" height="14" fill="url(#cb-heat-grad)" stroke="#777" stroke-width="0.5"/>',
        f'<text x="{x0}" y="34" {_TEXT}>0</text>',
        f'<text x="{x0 + bar / 2:.0f}" y="34" text-anchor="middle" {_TEXT}>{quarter}</text>',
        f'<text x="{x0 + bar}" y="34" text-anchor="end" {_TEXT}>{top}</text>',
        f'<text x="{x0 + bar + 8}" y="16" {_TEXT}>of nations</text>',
        f'<text x="{x0 + bar + 8}" y="32" {_TEXT}>per cell</text>',
    ]
    title = f"Heatmap shading: white no nation, darkest {top} of nations in one bin and month"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cb-legend" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )

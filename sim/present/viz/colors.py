"""Colours shared by every view, so the map, the charts and the table read the same way.

Alignment uses a diverging palette (matplotlib's ``RdBu_r``): blue for the US side (-1), red for
China's (+1), near-white for the non-aligned middle. Blocs get one strong colour each.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex

from sim.engine.metrics import CHINA_BLOC, NON_ALIGNED, US_BLOC

PALETTE = "RdBu_r"
_LUT_SIZE = 201  # one colour per 0.01 of alignment
_LUT_RGB = (colormaps[PALETTE](np.linspace(0.0, 1.0, _LUT_SIZE))[:, :3] * 255).round()
_LUT_RGB = _LUT_RGB.astype(np.uint8)
_LUT_HEX = np.array([to_hex(c / 255) for c in _LUT_RGB])

# non-aligned grey: dark enough to be read as text on white (contrast 4.6:1, WCAG AA)
BLOC_COLOURS: dict[int, str] = {US_BLOC: "#1f4e9c", NON_ALIGNED: "#757575", CHINA_BLOC: "#b2182b"}
BLOC_LABELS: dict[int, str] = {
    US_BLOC: "US-led",
    NON_ALIGNED: "non-aligned",
    CHINA_BLOC: "China-led",
}
BLOC_KEYS: dict[int, str] = {US_BLOC: "us", NON_ALIGNED: "nonaligned", CHINA_BLOC: "china"}
#: Observed history (UN votes, the calibration targets) is drawn in one neutral near-black that
#: is neither side's colour: the old matplotlib default blue (#1f77b4) read as "the US side".
OBSERVED = "#222222"
#: A model outcome that measures no bloc (joint-response support, the Security Council pass
#: probability, a region's mean alignment): a teal that is neither side's colour, nor the
#: non-aligned grey, nor OBSERVED.
NO_BLOC = "#01665e"
#: A lighter NO_BLOC, for a second series of no side next to a NO_BLOC one.
NO_BLOC_LIGHT = "#80cdc1"
MISSING = "#e0e0e0"
#: The map's sea and the borders between nations. The palette's middle (alignment 0) is
#: near-white, so the sea must not be: a mid blue-grey, darker than every light tint of the
#: palette and than MISSING, keeps non-aligned nations visible as land (issue 12).
OCEAN = "#aebbc6"
BORDER = "#5f6b75"


def _lut_index(alignment: np.ndarray) -> np.ndarray:
    x = np.nan_to_num(np.asarray(alignment, dtype=float), nan=0.0)
    return np.clip(np.rint((x + 1.0) * (_LUT_SIZE - 1) / 2.0), 0, _LUT_SIZE - 1).astype(np.intp)


def alignment_hex(alignment: np.ndarray) -> list[str]:
    """Hex colour per nation (a lookup table: no matplotlib call per step)."""
    return _LUT_HEX[_lut_index(alignment)].tolist()


def alignment_rgb(alignment: np.ndarray) -> np.ndarray:
    """uint8 RGB per value, same palette (for raster images such as the heatmap)."""
    return _LUT_RGB[_lut_index(alignment)]


def sequential_rgb(fraction: np.ndarray) -> np.ndarray:
    """uint8 RGB for values in [0, 1] from white to dark grey-purple (densities)."""
    f = np.clip(np.asarray(fraction, dtype=float), 0.0, 1.0)[..., None]
    white, dark = np.array([255.0, 255.0, 255.0]), np.array([45.0, 30.0, 80.0])
    return (white + (dark - white) * f).round().astype(np.uint8)


def outcome_colour(outcome: str) -> str:
    """The line colour of a model outcome, from its name: a bloc's outcome (``china_...``,
    ``us_...``, ``nonaligned_...``) in that bloc's colour, any other in NO_BLOC, so that red
    always means the China-led bloc and blue the US-led one."""
    for code, key in BLOC_KEYS.items():
        if outcome.startswith(f"{key}_"):
            return BLOC_COLOURS[code]
    return NO_BLOC

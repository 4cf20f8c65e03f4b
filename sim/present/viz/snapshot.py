"""What every view shows at one step of the run: read from the model's history, so the time
scrubber can show any past step with the same code that shows the live one.

Pure functions of the model's recorded arrays; the views format, they never compute a metric
(those come from ``sim.engine.metrics`` via the model's history).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.dynamics import MECHANISMS
from sim.engine.params import ORGANISATIONS
from sim.present.viz.colors import BLOC_COLOURS, BLOC_KEYS, BLOC_LABELS, alignment_hex
from sim.present.viz.params_ui import org_label

if TYPE_CHECKING:
    from sim.mesa.model import CyberBlocModel

#: Bloc-share measures: key -> label shown on the switch.
MEASURES = {"count": "nations", "pop": "population", "gdp": "GDP"}


@dataclass(frozen=True)
class Snapshot:
    """The state of the run at one recorded step."""

    step: int
    date: str
    alignment: np.ndarray
    blocs: np.ndarray
    contributions: np.ndarray  # (mechanisms, n): what moved each nation in this step
    metrics: dict[str, float]


#: The history lists a view reads; the model appends to them one after another.
_RECORDED = ("steps", "dates", "alignment", "blocs", "contributions", "responses", "metrics")


def last_step(model: CyberBlocModel) -> int:
    """The last step recorded in *every* history list.

    Why the minimum: the page renders in another thread than the one stepping the model, and
    a step's record is appended list by list; a reader in between must see the previous
    complete step, not index past the end of a shorter list (an IndexError replaced the page)."""
    h = model.history
    return min(len(getattr(h, name)) for name in _RECORDED) - 1


def snapshot(model: CyberBlocModel, step: int | None = None) -> Snapshot:
    """The recorded state at ``step`` (None or out of range: the latest complete one)."""
    h = model.history
    k = last_step(model) if step is None else min(max(int(step), 0), last_step(model))
    return Snapshot(
        h.steps[k], h.dates[k], h.alignment[k], h.blocs[k], h.contributions[k], h.metrics[k]
    )


def _signed(value: float) -> str:
    """Alignment change with a sign; below display precision it reads as 0."""
    return "0" if abs(value) < 5e-6 else f"{value:+.5f}"


def tooltips(model: CyberBlocModel, snap: Snapshot) -> dict[str, str]:
    """iso3 -> hover text: name, alignment, bloc and what moved the nation in that step
    (mechanisms by size of their push; + is toward China, - toward the US)."""
    world = model.world
    tips = {}
    for i, code in enumerate(world.iso3):
        moves = snap.contributions[:, i]
        order = np.argsort(-np.abs(moves), kind="stable")
        detail = "\n".join(f"  {MECHANISMS[k]} {_signed(moves[k])}" for k in order)
        tips[str(code)] = (
            f"{world.name[i]} ({code})\n"
            f"alignment {snap.alignment[i]:+.3f} · {BLOC_LABELS[int(snap.blocs[i])]}\n"
            f"last move {_signed(moves.sum())}:\n{detail}"
        )
    return tips


def colours(model: CyberBlocModel, snap: Snapshot) -> tuple[dict[str, str], dict[str, str]]:
    """iso3 -> fill (alignment) and iso3 -> outline (bloc; non-aligned nations get none)."""
    codes = [str(c) for c in model.world.iso3]
    fills = dict(zip(codes, alignment_hex(snap.alignment), strict=True))
    strokes = {code: BLOC_COLOURS[int(b)] for code, b in zip(codes, snap.blocs, strict=True) if b}
    return fills, strokes


def bloc_layers(model: CyberBlocModel, upto: int, measure: str) -> tuple[list[int], np.ndarray]:
    """Steps 0..upto and the (3, T) shares of the US-led, non-aligned and China-led blocs, by
    count of nations, population or GDP (``measure`` in MEASURES)."""
    upto = min(upto, last_step(model))  # steps and metrics of the same complete records
    rows = model.history.metrics[: upto + 1]
    suffix = {"count": "count", "pop": "pop_share", "gdp": "gdp_share"}[measure]
    layers = np.array([[r[f"{BLOC_KEYS[b]}_{suffix}"] for r in rows] for b in (-1, 0, 1)], float)
    if measure == "count":
        layers = layers / model.world.n
    return model.history.steps[: upto + 1], layers


def dprk_response(model: CyberBlocModel, snap: Snapshot) -> dict[str, object]:
    """The joint-response measure at this step (sim.engine.metrics.joint_response, as recorded)."""
    step = min(snap.step, len(model.history.responses) - 1)
    response = model.history.responses[step]
    return {
        "share_nations": response.share_nations,
        "share_gdp": response.share_gdp,
        "veto_opponents": response.likely_vetoes,
        "passable": response.pass_probability >= 0.5,
        "pass_probability": response.pass_probability,
    }


def memberships(model: CyberBlocModel, row: int) -> list[str]:
    """Organisations a nation sits in now (with its role strength when partial)."""
    strength = model.world.membership[row]
    out = []
    for k, org in enumerate(ORGANISATIONS):
        if strength[k] >= 1.0:
            out.append(org_label(org))
        elif strength[k] > 0:
            out.append(f"{org_label(org)} ({strength[k]:.2g})")
    return out


def table_rows(model: CyberBlocModel, snap: Snapshot) -> list[dict[str, object]]:
    """One row per nation for the sortable table."""
    w = model.world
    rows = []
    for i, code in enumerate(w.iso3):
        moves = snap.contributions[:, i]
        driver = MECHANISMS[int(np.argmax(np.abs(moves)))] if np.any(moves) else "-"
        rows.append(
            {
                "iso3": str(code),
                "name": str(w.name[i]),
                "region": str(w.region[i]),
                "subregion": str(w.subregion[i]),
                "bloc": BLOC_LABELS[int(snap.blocs[i])],
                "alignment": round(float(snap.alignment[i]), 4),
                "move": round(float(moves.sum()), 5),
                "driver": driver,
                "population_m": round(float(w.population[i]) / 1e6, 2),
                "gdp_bn": round(float(w.gdp_usd[i]) / 1e9, 1),
                "orgs": ", ".join(memberships(model, i)),
            }
        )
    return rows

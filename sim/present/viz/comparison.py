"""Runs to read the live run against: a pinned reference run, and a band of many runs.

Pinning copies the run's recorded metrics and alignments (not the model), so the reference stays
as it was while the live run is reset, replayed or switched to another scenario. The time charts
draw it dashed; the map can show each nation's alignment minus the reference's at the same
month (matched by ISO code, so worlds of different dates compare where they share nations).

A band is the 5-95% range, month by month, of every metric over many runs of the same scenario:
either N seeds with the page's parameters ("how much is noise?"), or the posterior-predictive
forecast (parameter draws from the shipped posterior, ``sim.studies.forecast``: "where may the world go,
given what 2011-2019 says about the magnitudes?"). Each member is a plain ``CyberBlocModel`` of
the scenario as the page runs it (its events and those triggered here), so the band holds the
very metrics the live charts show, every month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.metrics import METRIC_NAMES
from sim.present.viz.colors import BLOC_KEYS
from sim.present.viz.snapshot import last_step
from sim.studies.sweep.seeds import run_seed

if TYPE_CHECKING:
    from sim.present.viz.explorer import ExplorerModel

LOW, HIGH = 0.05, 0.95
#: stream number of sim.studies.sweep.seeds for the seeds band: replicates of a point, as `compare`
SEED_STREAM = 0


@dataclass(frozen=True)
class PinnedRun:
    """A frozen copy of a run's record."""

    label: str
    start: str
    iso3: tuple[str, ...]
    nations: int
    steps: list[int]
    metrics: list[dict[str, float]]
    alignment: list[np.ndarray]


@dataclass(frozen=True)
class RunBand:
    """5% and 95% of every metric at every month of many runs."""

    label: str
    steps: list[int]
    nations: int
    lo: dict[str, np.ndarray]
    hi: dict[str, np.ndarray]


def run_label(model: ExplorerModel) -> str:
    s = model.resolved.scenario
    changed = [o.removeprefix("parameters.") for o in model.resolved.overrides]
    extra = [c for c in changed if not c.startswith("seed=")]
    return f"{s.name} · seed {s.seed}" + (f" · {', '.join(extra)}" if extra else "")


def pin(model: ExplorerModel) -> PinnedRun:
    """Copy the run's record up to its last complete step."""
    with model.lock:
        last = last_step(model)
        h = model.history
        return PinnedRun(
            label=f"pinned: {run_label(model)} (to month {last})",
            start=str(h.dates[0]),
            iso3=tuple(str(c) for c in model.world.iso3),
            nations=model.world.n,
            steps=list(h.steps[: last + 1]),
            metrics=[dict(m) for m in h.metrics[: last + 1]],
            alignment=[np.array(a) for a in h.alignment[: last + 1]],
        )


def metric_path(pinned: PinnedRun, metric: str) -> list[float]:
    return [float(m[metric]) for m in pinned.metrics]


def layers_from_metrics(
    metrics: list[dict[str, float]] | dict[str, np.ndarray], measure: str, nations: int
) -> np.ndarray:
    """(3, T) shares of the US-led, non-aligned and China-led blocs by count, population or GDP
    from per-step metric records (a list of dicts) or metric arrays (a dict of arrays)."""
    suffix = {"count": "count", "pop": "pop_share", "gdp": "gdp_share"}[measure]
    names = [f"{BLOC_KEYS[b]}_{suffix}" for b in (-1, 0, 1)]
    if isinstance(metrics, dict):
        layers = np.array([metrics[name] for name in names], dtype=float)
    else:
        layers = np.array([[m[name] for m in metrics] for name in names], dtype=float)
    return layers / nations if measure == "count" else layers


def nation_differences(model: ExplorerModel, step: int, pinned: PinnedRun) -> dict[str, float]:
    """iso3 -> live alignment minus the pinned run's at the same month (its last month if it
    stopped earlier), for the nations both worlds hold."""
    live = model.history.alignment[min(step, last_step(model))]
    ref = pinned.alignment[min(step, len(pinned.alignment) - 1)]
    ref_by_code = dict(zip(pinned.iso3, ref, strict=True))
    return {
        str(code): float(value - ref_by_code[str(code)])
        for code, value in zip(model.world.iso3, live, strict=True)
        if str(code) in ref_by_code
    }


def _members_band(
    build: Callable[[int], object], runs: int, steps: int, label: str, on_run=None
) -> RunBand:
    """Run ``runs`` models built by ``build(member)`` to ``steps`` months; quantiles per month."""
    records = np.empty((runs, steps + 1, len(METRIC_NAMES)))
    nations = 0
    for member in range(runs):
        model = build(member)
        nations = model.world.n
        while model.step_index < steps:
            model.step()
        records[member] = [[m[name] for name in METRIC_NAMES] for m in model.history.metrics]
        if on_run is not None:
            on_run(member + 1)
    lo, hi = np.quantile(records, [LOW, HIGH], axis=0)
    return RunBand(
        label=label,
        steps=list(range(steps + 1)),
        nations=nations,
        lo={name: lo[:, k] for k, name in enumerate(METRIC_NAMES)},
        hi={name: hi[:, k] for k, name in enumerate(METRIC_NAMES)},
    )


def _scenario_events(model: ExplorerModel) -> list:
    return sorted([*model.resolved.scenario.events, *model.triggered], key=lambda e: e.step)


def seed_band(model: ExplorerModel, runs: int, on_run=None) -> RunBand:
    """``runs`` seeds of the page's scenario and parameters to the scenario's end (seeds as
    `run.py compare` derives them: the same N give the same band)."""
    from sim.mesa.model import CyberBlocModel

    s = model.resolved.scenario
    events = _scenario_events(model)

    def build(member: int) -> CyberBlocModel:
        return CyberBlocModel(
            params=s.parameters,
            nations=model.resolved.nations,
            events=events,
            baseline_date=s.start.isoformat(),
            collect_agent_data=False,
            rng=run_seed(s.seed, SEED_STREAM, member),
        )

    label = f"5-95% of {runs} seeds ({run_label(model)})"
    return _members_band(build, runs, s.steps, label, on_run)


def forecast_band(model: ExplorerModel, draws: int, on_run=None) -> RunBand:
    """``draws`` posterior-predictive members of the page's scenario to its end: draw d with
    the seed `run.py forecast --seeds 1` gives it (``sim.studies.forecast.member_seed``)."""
    from sim.mesa.model import CyberBlocModel
    from sim.studies.forecast import draw_parameter_sets, load_posterior, member_seed

    s = model.resolved.scenario
    events = _scenario_events(model)
    posterior, _sha = load_posterior()
    thetas = draw_parameter_sets(posterior, draws, s.seed)

    def build(member: int) -> CyberBlocModel:
        params = s.parameters.replace(**thetas[member])
        return CyberBlocModel(
            params=params,
            nations=model.resolved.nations,
            events=events,
            baseline_date=s.start.isoformat(),
            collect_agent_data=False,
            reference=params,
            rng=member_seed(s.seed, member, 0),
        )

    label = f"forecast: 5-95% of {draws} posterior draws ({s.name})"
    return _members_band(build, draws, s.steps, label, on_run)

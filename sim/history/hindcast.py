"""Hindcasts: a run started in the past, judged against what the record says happened next.

Why: the only honest test of a model of drifting alignments is whether it moves the right nations
the right way over years it was not told about. A run started on date S from the world of S
(``sim.world.dated``) is compared, on every 1 January after S that the vote record covers (up to
2020-01-01: sessions 65-74), with the *observed alignment* of that date — the same measurement
that built the starting world, applied to the data up to the later date.

The model is run as an ensemble of seeds (stacked replicates, one array); it is scored against
three simple baselines (sim/history/skill.py): persistence (no change), a per-nation linear trend through
the observed years before S, and a regional drift. The two leaders (the scale's anchors, fixed at
-1 and +1 on both sides) are left out of every score. docs/validation.md explains the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from sim.engine.ensemble import run_stacked
from sim.engine.params import ModelParams
from sim.history import skill
from sim.history.observed import observed
from sim.inputs.scenario import ResolvedScenario
from sim.studies.sweep.seeds import run_generator
from sim.world.dated import EARLIEST, OBSERVED_UNTIL
from sim.world.world import LEADERS, World

#: Replicates of a hindcast ensemble unless asked otherwise.
DEFAULT_REPLICATES = 10


def months_between(start: date, later: date) -> int:
    return (later.year - start.year) * 12 + later.month - start.month


def scoring_dates(start: date, steps: int) -> list[date]:
    """Every 1 January after ``start`` within the run and within the observed record."""
    last = min(OBSERVED_UNTIL, _add_months(start, steps))
    return [date(y, 1, 1) for y in range(start.year + 1, last.year + 1) if date(y, 1, 1) <= last]


def _add_months(start: date, months: int) -> date:
    total = start.year * 12 + start.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


@dataclass
class Hindcast:
    """A scored hindcast. Arrays are (dates x nations) or (dates x nations x replicates)."""

    start: date
    dates: list[date]
    iso3: np.ndarray
    region: np.ndarray
    initial: np.ndarray  # observed alignment at the start (the run's x(0))
    observed: np.ndarray
    ensemble: np.ndarray
    baselines: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def scored(self) -> np.ndarray:
        """Nations in the scores: all but the two leaders."""
        return ~np.isin(self.iso3, LEADERS)

    def predictors(self) -> dict[str, np.ndarray]:
        """Every forecast as (dates x nations x members): the model, then the baselines."""
        out = {"model": self.ensemble}
        out.update({name: values[..., None] for name, values in self.baselines.items()})
        return out

    def table(self) -> pd.DataFrame:
        """The fit table: one row per predictor, scores pooled over dates and nations."""
        keep = self.scored
        obs = self.observed[:, keep]
        change_obs = obs - self.initial[None, keep]
        rows = []
        for name, members in self.predictors().items():
            pred = members[:, keep, :]
            point = pred.mean(axis=-1)
            change = point - self.initial[None, keep]
            rows.append(
                {
                    "predictor": name,
                    "rmse_level": skill.rmse(point, obs),
                    "rank_corr_level": skill.rank_correlation(point, obs),
                    "rmse_change": skill.rmse(change, change_obs),
                    "rank_corr_change": skill.rank_correlation(change, change_obs),
                    "crps": skill.crps(pred.reshape(-1, pred.shape[-1]), obs.ravel()),
                    "coverage_50": (
                        skill.coverage(pred.reshape(-1, pred.shape[-1]), obs.ravel(), 0.5)
                        if pred.shape[-1] > 1
                        else float("nan")
                    ),
                    "coverage_90": (
                        skill.coverage(pred.reshape(-1, pred.shape[-1]), obs.ravel(), 0.9)
                        if pred.shape[-1] > 1
                        else float("nan")
                    ),
                }
            )
        frame = pd.DataFrame(rows).set_index("predictor")
        frame["skill_vs_persistence"] = [
            skill.skill(r, frame.at["persistence", "rmse_level"]) for r in frame["rmse_level"]
        ]
        return frame

    def per_date(self) -> pd.DataFrame:
        """RMSE of levels and rank correlation of changes per date, for each predictor."""
        keep = self.scored
        rows = []
        for name, members in self.predictors().items():
            for t, when in enumerate(self.dates):
                point = members[t, keep].mean(axis=-1)
                obs = self.observed[t, keep]
                rows.append(
                    {
                        "date": when.isoformat(),
                        "predictor": name,
                        "rmse_level": skill.rmse(point, obs),
                        "rank_corr_change": skill.rank_correlation(
                            point - self.initial[keep], obs - self.initial[keep]
                        ),
                    }
                )
        return pd.DataFrame(rows)

    def nations(self) -> pd.DataFrame:
        """Per nation and date: observed, model mean and 5-95% band, persistence."""
        rows = []
        for t, when in enumerate(self.dates):
            lo, hi = np.quantile(self.ensemble[t], [0.05, 0.95], axis=-1)
            rows.append(
                pd.DataFrame(
                    {
                        "date": when.isoformat(),
                        "iso3": self.iso3,
                        "region": self.region,
                        "initial": self.initial,
                        "observed": self.observed[t],
                        "model_mean": self.ensemble[t].mean(axis=-1),
                        "model_q05": lo,
                        "model_q95": hi,
                    }
                )
            )
        return pd.concat(rows, ignore_index=True)


def run_ensemble(
    world: World,
    params: ModelParams,
    events: list,
    steps_wanted: list[int],
    seeds: list[np.random.Generator],
    reference: ModelParams | None = None,
) -> np.ndarray:
    """Alignment at each wanted step (len(steps) x nations x replicates): the replicates of one
    parameter set as one stack (``sim.engine.ensemble.run_stacked``, the one ensemble path)."""
    return run_stacked(
        world,
        [params] * len(seeds),
        seeds,
        max(steps_wanted),
        events=events,
        record=steps_wanted,
        reference=reference,
    )


def hindcast(
    world: World,
    start: date,
    params: ModelParams,
    *,
    steps: int,
    events: list | None = None,
    master_seed: int = 0,
    replicates: int = DEFAULT_REPLICATES,
    reference: ModelParams | None = None,
) -> Hindcast | None:
    """Run ``replicates`` seeds from ``world`` (the world of ``start``) and score them against the
    observed series; None when the run covers no observed date."""
    dates = scoring_dates(start, steps)
    if not dates:
        return None
    seeds = [run_generator(master_seed, 0, r) for r in range(replicates)]
    ensemble = run_ensemble(
        world, params, events or [], [months_between(start, d) for d in dates], seeds, reference
    )
    return assemble(world, start, dates, ensemble)


def parameter_ensemble(
    world: World, start: date, dates: list[date], parameter_sets: list[ModelParams], seed: int
) -> np.ndarray:
    """One run per parameter set, all in one stack (``run_stacked``), each with its own anchors
    (the start is an equilibrium of every member): dates x nations x members. Member m draws
    from ``run_generator(seed, 1, m)``."""
    steps = [months_between(start, d) for d in dates]
    generators = [run_generator(seed, 1, m) for m in range(len(parameter_sets))]
    return run_stacked(world, parameter_sets, generators, max(steps), record=steps, reference="own")


def assemble(world: World, start: date, dates: list[date], ensemble: np.ndarray) -> Hindcast:
    """A Hindcast of a given ensemble: the observed series and the baselines at ``dates``."""
    iso3 = world.iso3
    observed_now = observed("alignment", dates).reindex(columns=iso3).to_numpy()
    years_before = [date(y, 1, 1) for y in range(EARLIEST.year, start.year)]
    history = (
        observed("alignment", [*years_before, start]).reindex(columns=iso3).to_numpy(copy=True)
    )
    history[-1] = world.alignment  # the run's own start (identical for the embedded worlds)
    horizons = np.array([months_between(start, d) / 12 for d in dates])
    baselines = {
        "persistence": skill.persistence(world.alignment, len(dates)),
        "trend": skill.linear_trend(history, horizons),
        "regional drift": skill.regional_drift(history, world.subregion, horizons),
    }
    return Hindcast(
        start=start,
        dates=dates,
        iso3=iso3,
        region=world.region,
        initial=world.alignment.copy(),
        observed=observed_now,
        ensemble=ensemble,
        baselines=baselines,
    )


def score_against_history(resolved: ResolvedScenario) -> Hindcast | None:
    """The scenario's hindcast ensemble, scored against the record, when its months cover
    observed dates (None otherwise): the fit table ``run`` prints and writes."""
    s = resolved.scenario
    if not scoring_dates(s.start, s.steps):
        return None
    return hindcast(
        World.from_frame(resolved.nations, start=s.start),
        s.start,
        s.parameters,
        steps=s.steps,
        events=s.events,
        master_seed=s.seed,
    )

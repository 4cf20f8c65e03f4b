"""The validation table: a finished calibration scored once on its held-out window.

Rows: the calibrated model (one run per posterior draw: a posterior-predictive ensemble), the
calibrated point estimate (the posterior median of each parameter, as many seeds: what becomes
the defaults), the uncalibrated model (the hand-set values of the fitted parameters,
``sim.engine.params.HAND_SET_VALUES``, as many seeds), persistence, a per-nation trend and a regional
drift (sim/history/skill.py). Columns: RMSE, CRPS, rank correlation of levels and of changes,
skill against persistence, and how often the observed value falls in the ensemble's central 50%
and 90% intervals. Run once, after the fit is final (docs/validation.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.params import HAND_SET_VALUES
from sim.history import hindcast
from sim.history.calibrate.posterior import base_parameters, draws, point_estimate
from sim.history.calibrate.target import measurement_error
from sim.history.observed import observed
from sim.inputs.calibration import Calibration
from sim.world.dated import nations_at
from sim.world.world import World

DRAWS = 100


def validation_table(
    spec: Calibration, posterior: pd.DataFrame, members: int = DRAWS
) -> tuple[pd.DataFrame, hindcast.Hindcast]:
    window = spec.validate_window
    if window is None:
        raise ValueError(f"{spec.name}: no validate window")
    start = window.start
    dates = [
        pd.Timestamp(year=y, month=1, day=1).date()
        for y in range(start.year + 1, window.end.year + 1)
    ]
    world = World.from_frame(nations_at(start), start=start)
    base = base_parameters(spec)
    calibrated_sets = [
        base.replace(**theta) for theta in draws(posterior, list(spec.priors), members, spec.seed)
    ]
    names = list(spec.priors)
    hand_set = base.replace(**{n: v for n, v in HAND_SET_VALUES.items() if n in names})
    point = base.replace(**point_estimate(posterior, names))
    ensembles = {
        "calibrated": calibrated_sets,
        "calibrated point": [point] * members,
        "uncalibrated": [hand_set] * members,
    }
    runs = {
        label: hindcast.parameter_ensemble(world, start, dates, sets, spec.seed)
        for label, sets in ensembles.items()
    }
    if spec.observation_error:  # predict the measurement, as the fit did
        se = observed("alignment_se", [start, *dates]).reindex(columns=world.iso3).to_numpy()
        se = np.nan_to_num(se, nan=0.0)
        streams = np.random.SeedSequence([spec.seed, 7]).spawn(len(runs))
        runs = {
            label: x + measurement_error(se, members, stream)
            for (label, x), stream in zip(runs.items(), streams, strict=True)
        }
    calibrated = hindcast.assemble(world, start, dates, runs["calibrated"])
    table = calibrated.table().rename(index={"model": "calibrated"})
    rows = [table.loc[["calibrated"]]]
    # the other ensembles are ensembles too: score them as such (not as point forecasts)
    for label in ("calibrated point", "uncalibrated"):
        other = hindcast.assemble(world, start, dates, runs[label]).table().loc[["model"]]
        other.index = [label]
        persistence = table.at["persistence", "rmse_level"]
        other["skill_vs_persistence"] = 1 - other["rmse_level"] / persistence
        rows.append(other)
    table = pd.concat([*rows, table.drop(index="calibrated")])
    return table, calibrated

"""The validation table: a finished calibration scored once on its held-out window.

Rows: the calibrated model (one run per posterior draw: a posterior-predictive ensemble), the
uncalibrated model (the base parameters, as many seeds), persistence, a per-nation trend and a
regional drift (sim/skill.py). Columns: RMSE, CRPS, rank correlation of levels and of changes,
skill against persistence, and how often the observed value falls in the ensemble's central 50%
and 90% intervals. Run once, after the fit is final (docs/validation.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import hindcast
from sim.calibrate.report import draws
from sim.calibrate.run import base_parameters
from sim.calibrate.spec import Calibration
from sim.calibrate.target import measurement_error
from sim.data.dated import nations_at
from sim.data.observed import observed
from sim.world import World

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
    world = World.from_frame(nations_at(start))
    base = base_parameters(spec)
    calibrated_sets = [
        base.replace(**theta) for theta in draws(posterior, list(spec.priors), members, spec.seed)
    ]
    calibrated_x = hindcast.parameter_ensemble(world, start, dates, calibrated_sets, spec.seed)
    uncalibrated = hindcast.parameter_ensemble(world, start, dates, [base] * members, spec.seed)
    if spec.observation_error:  # predict the measurement, as the fit did
        se = observed("alignment_se", [start, *dates]).reindex(columns=world.iso3).to_numpy()
        se = np.nan_to_num(se, nan=0.0)
        streams = np.random.SeedSequence([spec.seed, 7]).spawn(2)
        calibrated_x = calibrated_x + measurement_error(se, members, streams[0])
        uncalibrated = uncalibrated + measurement_error(se, members, streams[1])
    calibrated = hindcast.assemble(world, start, dates, calibrated_x)
    table = calibrated.table().rename(index={"model": "calibrated"})
    # the uncalibrated ensemble is an ensemble too: score it as one (not as a point forecast)
    other = hindcast.assemble(world, start, dates, uncalibrated).table().loc[["model"]]
    other.index = ["uncalibrated"]
    other["skill_vs_persistence"] = 1 - other["rmse_level"] / table.at["persistence", "rmse_level"]
    table = pd.concat([table.loc[["calibrated"]], other, table.drop(index="calibrated")])
    return table, calibrated

"""Scenario discovery: under which parameter ranges does an outcome condition hold? (PRIM)

``run.py analyze FOLDER --discover "china_gdp_share > 0.4"`` runs the Patient Rule Induction
Method (Friedman & Fisher 1999) of the EMA Workbench (``ema_workbench.analysis.prim``) on a
sweep's runs: inputs are the varied parameters of each run and, in a sweep with ``scenarios:``,
the scenario itself as a categorical input (PRIM peels categories as it peels ranges: a box may
say "scenario in {us_max_pressure, digital_silk_road_surge}"), the case of interest is a run
whose final outcome meets the condition. PRIM peels the parameter space into a box; each step of the
peeling trajectory trades coverage (the share of all cases inside the box) against density (the
share of runs inside the box that are cases). The condition is one comparison of a kept metric
with a number; it is parsed, never evaluated as code.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.studies.sweep.spec import SweepError

CONDITION = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*([-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*$"
)
OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
#: The results' column naming a run's base scenario (sweeps with ``scenarios:``).
SCENARIO = "scenario"
#: Its name inside PRIM: the EMA Workbench's Prim silently drops a column called "scenario" (its
#: own experiments' identifier), so the factor is passed under another name and renamed back.
PRIM_SCENARIO = "base_scenario"


@dataclass
class Discovery:
    condition: str
    cases: int
    runs: int
    trajectory: pd.DataFrame  # coverage, density, mass, res_dim per peeling step
    #: parameter x (lower, upper, values) of the chosen box, restricted dimensions only:
    #: lower/upper for numbers, values (comma-separated) for the scenario factor
    box: pd.DataFrame
    chosen: int  # index of the chosen step on the trajectory


def parse_condition(text: str, kept: list[str]) -> tuple[str, str, float]:
    match = CONDITION.match(text)
    if not match:
        raise SweepError(
            f"--discover {text!r}: expected METRIC OP NUMBER, e.g. 'china_gdp_share > 0.4' "
            "(OP one of >, >=, <, <=)"
        )
    metric, op, value = match.group(1), match.group(2), float(match.group(3))
    if metric not in kept:
        raise SweepError(
            f"--discover {text!r}: {metric} is not kept by this sweep (kept: {', '.join(kept)})"
        )
    return metric, op, value


def discover(runs: pd.DataFrame, names: list[str], kept: list[str], condition: str) -> Discovery:
    """PRIM on the final rows of ``runs`` (one per run)."""
    import warnings

    with warnings.catch_warnings():
        # the workbench announces an optional back end it does not find; PRIM does not use it
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        from ema_workbench.analysis import prim

    metric, op, value = parse_condition(condition, kept)
    numeric = [n for n in names if pd.api.types.is_numeric_dtype(runs[n])]
    x = runs[numeric].astype(float).reset_index(drop=True)
    if SCENARIO in runs and runs[SCENARIO].nunique() > 1:
        x[PRIM_SCENARIO] = pd.Categorical(runs[SCENARIO].astype(str).to_numpy())
    if x.columns.empty:
        raise SweepError(
            "--discover: the sweep varies no numeric parameter and runs one scenario; "
            "nothing to peel"
        )
    y = OPERATORS[op](runs[metric].to_numpy(dtype=float), value)
    if y.all() or not y.any():
        raise SweepError(
            f"--discover {condition!r}: {'every' if y.all() else 'no'} run meets the condition; "
            "nothing to discover"
        )
    finder = prim.Prim(x, y)
    box = finder.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    # the densest box that still covers at least half of the cases
    eligible = trajectory[trajectory["coverage"] >= 0.5]
    chosen = int(eligible["density"].idxmax()) if not eligible.empty else len(trajectory) - 1
    frame = box_frame(box.box_lims[chosen], box.box_lims[0])
    return Discovery(condition, int(y.sum()), len(y), trajectory, frame, chosen)


def box_frame(limits: pd.DataFrame, full: pd.DataFrame) -> pd.DataFrame:
    """The dimensions a box restricts (against the unrestricted box ``full``): numeric ones by
    their lower and upper limits, the scenario factor by the scenarios it keeps."""
    rows = {}
    for column in limits.columns:
        if column == PRIM_SCENARIO:
            kept = set(limits.at[0, column])
            if kept != set(full.at[0, column]):
                rows[SCENARIO] = {
                    "lower": np.nan,
                    "upper": np.nan,
                    "values": ", ".join(sorted(kept)),
                }
        elif not np.allclose(limits[column].astype(float), full[column].astype(float)):
            rows[column] = {
                "lower": float(limits.at[0, column]),
                "upper": float(limits.at[1, column]),
                "values": "",
            }
    return pd.DataFrame.from_dict(rows, orient="index", columns=["lower", "upper", "values"])

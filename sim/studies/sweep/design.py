"""Design points: which parameter values the sweep runs, and how many runs that makes.

Number of design points P for D varied parameters (runs = P x replicates):

=========  =====================================================================
grid       product of the parameters' level counts
lhs        ``samples``
sobol      N (D + 2); N (2D + 2) with ``second_order: true``  (N = ``samples``)
morris     ``trajectories`` (D + 1)
points     the number of listed points
=========  =====================================================================

With a scenario factor (``scenarios: [a, b, ...]``, S scenarios) the design is crossed with it:
S x P points, scenario-major (point = s P + p, p the point of the design above). The scenario is
the first design column (``scenario``, path ``scenario``). Every scenario gets the same P
parameter points and, through ``sim.studies.sweep.seeds``, the same seeds (seeds are keyed by p, not by
the crossed point): common random numbers, so scenario differences are not seed noise.

Sampling designs work in the unit hypercube: scipy's Latin hypercube, SALib's Saltelli/Sobol and
Morris samplers all get bounds [0, 1] per parameter and a seed derived from the master seed; each
coordinate is then mapped through the parameter's inverse CDF (``ParameterSpec.from_unit``). The
unit coordinates are kept (columns ``u_<name>``) because the Sobol and Morris estimators need
exactly the sampled matrix back.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.studies.sweep.seeds import design_seed
from sim.studies.sweep.spec import (
    GridDesign,
    LhsDesign,
    MorrisDesign,
    PointsDesign,
    SobolDesign,
    SweepSpec,
)


@dataclass(frozen=True)
class DesignTable:
    """The design: one row per point with the parameter values, plus unit coordinates."""

    kind: str
    paths: list[str]
    names: list[str]
    values: pd.DataFrame  # column per name, index = point number 0..P-1
    unit: np.ndarray | None  # (P, D) unit-cube coordinates for lhs/sobol/morris
    #: Points per scenario with a scenario factor (the seed of point q is keyed by q % this);
    #: 0 without one.
    scenario_points: int = 0

    @property
    def parameter_names(self) -> list[str]:
        """The varied parameters' columns (without the scenario factor)."""
        return self.names[1:] if self.scenario_points else list(self.names)

    @property
    def points(self) -> int:
        return len(self.values)

    def point_values(self, point: int) -> list[Any]:
        """Plain Python values of one point, in path order (what a run applies)."""
        row = self.values.iloc[point]
        return [_plain(row[name]) for name in self.names]

    def frame(self) -> pd.DataFrame:
        """The table written to ``_design.parquet``: point, values, unit coordinates."""
        frame = self.values.copy()
        frame.insert(0, "point", np.arange(self.points, dtype=np.int32))
        if self.unit is not None:
            for k, name in enumerate(self.parameter_names):
                frame[f"u_{name}"] = self.unit[:, k]
        return frame.reset_index(drop=True)

    def salib_problem(self) -> dict[str, Any]:
        """The SALib problem matching the unit coordinates."""
        names = self.parameter_names
        return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def expected_points(spec: SweepSpec) -> int:
    """The documented number of design points (see the module docstring), times the number of
    scenarios with a scenario factor."""
    return parameter_points(spec) * len(spec.scenarios or [None])


def parameter_points(spec: SweepSpec) -> int:
    """Design points before crossing with the scenario factor."""
    design, d = spec.design, len(spec.paths)
    if isinstance(design, GridDesign):
        return int(np.prod([len(p.levels()) for p in spec.vary.values()]))
    if isinstance(design, LhsDesign):
        return design.samples
    if isinstance(design, SobolDesign):
        return design.samples * ((2 * d + 2) if design.second_order else (d + 2))
    if isinstance(design, MorrisDesign):
        return design.trajectories * (d + 1)
    return len(design.points)


def build_design(spec: SweepSpec, scenario_names: list[str] | None = None) -> DesignTable:
    """All design points of a sweep, deterministic given the sweep file; with a scenario factor,
    crossed with ``scenario_names`` (the scenarios' names, in file order)."""
    design, names, paths = spec.design, spec.names, spec.paths
    seed = design_seed(spec.seed)
    unit: np.ndarray | None = None
    if isinstance(design, PointsDesign):
        columns: dict[str, list[Any]] = {
            name: [point[path] for point in design.points]
            for name, path in zip(names, paths, strict=True)
        }
        values = pd.DataFrame(columns)
    elif isinstance(design, GridDesign):
        levels = [p.levels() for p in spec.vary.values()]
        # First parameter varies slowest, as in nested loops written in file order.
        rows = list(itertools.product(*levels))
        values = pd.DataFrame(rows, columns=names)
    else:
        d = len(names)
        if isinstance(design, LhsDesign):
            from scipy.stats import qmc  # here: importing scipy.stats costs 0.35 s

            sampler = qmc.LatinHypercube(d=d, optimization=design.optimization, rng=seed)
            unit = sampler.random(design.samples)
        elif isinstance(design, SobolDesign):
            from SALib.sample import sobol

            problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
            unit = sobol.sample(
                problem, design.samples, calc_second_order=design.second_order, seed=seed
            )
        else:
            from SALib.sample import morris

            problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
            unit = morris.sample(problem, design.trajectories, num_levels=design.levels, seed=seed)
        values = pd.DataFrame(
            {
                name: parameter.from_unit(unit[:, k])
                for k, (name, parameter) in enumerate(zip(names, spec.vary.values(), strict=True))
            }
        )
    values = _tidy(values)
    expected = parameter_points(spec)
    if len(values) != expected:  # a sampler changed its contract: better to stop than mislabel
        raise RuntimeError(f"design has {len(values)} points, expected {expected}")
    if spec.scenarios is None:
        return DesignTable(design.kind, paths, names, values, unit)
    labels = list(scenario_names or spec.scenarios)
    crossed = pd.concat([values] * len(labels), ignore_index=True)
    crossed.insert(0, "scenario", pd.Series(np.repeat(labels, expected), dtype=object))
    tiled = None if unit is None else np.tile(unit, (len(labels), 1))
    return DesignTable(
        design.kind, ["scenario", *paths], ["scenario", *names], crossed, tiled, expected
    )


def _tidy(values: pd.DataFrame) -> pd.DataFrame:
    """One plain dtype per column (float, int, bool or str), so Parquet gets a fixed schema."""
    out = {}
    for name in values.columns:
        column = values[name].tolist()
        if all(isinstance(v, bool) for v in column):
            out[name] = pd.Series(column, dtype=bool)
        elif all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in column):
            out[name] = pd.Series(column, dtype=np.int64)
        elif all(
            isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in column
        ):
            out[name] = pd.Series(column, dtype=np.float64)
        else:
            out[name] = pd.Series([str(v) for v in column], dtype=object)
    # The index keeps the row count of a design with no columns (scenarios only).
    return pd.DataFrame(out, index=pd.RangeIndex(len(values)))

"""Many parameter sets in one array: the kernel's view of R parameter sets stepped as R columns.

Why: a Sobol or LHS design with one replicate per point, or a calibration population, has a
different parameter set in every run. Stepping those runs one at a time cost several times more
per run than stepping a block of replicates (benchmarks/bench_stacked.py). ``ColumnParams``
lets one ``Simulation`` step R runs with R parameter sets as one (nations x R) array.

How: ``ColumnParams`` exposes the same attribute names as ``ModelParams``, so the kernel
(``sim.engine.dynamics``) reads it without knowing. A numeric parameter equal (to the bit) in every
column stays a Python float, so the common case costs nothing; one that differs becomes a
(1, R) array that broadcasts over the nations axis. Elementwise IEEE arithmetic does not care
whether a factor is a scalar or a column of an array, so each column gets exactly the bits of
the same parameter set run alone (tested in tests/test_stacking.py).

Categorical parameters are *grouped*, not handled per column: only parameter sets with the same
``categorical_key`` (the driver source, the targeting strategies, fixed leaders, the
joint-response target and whether a confidence bound is used at all) may share a stack. The
strategies select different code paths and array shapes (e.g. a state-free pressure split is an
(n,) vector, 'drifting' an (n, R) array); handling them per column would mean computing every
branch for every column, and designs vary a choice over a few levels, so groups stay large.
Callers split a population with ``group_columns``.

The network weights (``org_weights``, ``region_weight``) are numeric but enter through the
influence network rather than the update arithmetic: ``sim.engine.simulation.Simulation`` builds one
network per distinct set of weights and ``sim.engine.dynamics.PeerStack`` applies each to its columns.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from sim.engine.params import ModelParams

#: Parameters that select a code path rather than scale a number: stacks never mix them.
CATEGORICAL: tuple[str, ...] = (
    "driver_source",
    "china_targeting",
    "us_targeting",
    "fixed_leaders",
    "joint_response_target",
)

#: Parameters read only when the influence network is built (one network per distinct value).
NETWORK: tuple[str, ...] = ("org_weights", "region_weight")


def _exact(value: Any) -> Hashable:
    """A key equal for two values exactly when they are the same bits (0.0 and -0.0 differ)."""
    if isinstance(value, float):
        return value.hex()
    if isinstance(value, dict):
        return tuple(sorted((k, _exact(v)) for k, v in value.items()))
    return value


def categorical_key(params: ModelParams) -> tuple[Hashable, ...]:
    """What parameter sets sharing one stack must have in common."""
    return (*(getattr(params, name) for name in CATEGORICAL), params.confidence_bound is None)


def network_key(params: ModelParams) -> Hashable:
    """Parameter sets with equal keys build the same influence network."""
    return tuple(_exact(getattr(params, name)) for name in NETWORK)


def anchor_key(params: ModelParams) -> Hashable:
    """Reference parameter sets with equal keys give the same equilibrium anchors."""
    fields = ("peer_weight", "stubbornness", "confidence_bound")
    norm = ("norm_peer_weight", "norm_stubbornness")
    return (network_key(params), *(_exact(getattr(params, f)) for f in (*fields, *norm)))


def group_columns(sets: Sequence[ModelParams]) -> list[list[int]]:
    """Indices of ``sets`` split into groups that may share a stack, in order of first
    appearance (within a group, indices keep their order)."""
    groups: dict[Hashable, list[int]] = {}
    for index, params in enumerate(sets):
        groups.setdefault(categorical_key(params), []).append(index)
    return list(groups.values())


class ColumnParams:
    """R parameter sets seen by the kernel as one: each attribute is a scalar when every column
    has the same value, else a (1, R) float array (one entry per column).

    ``sets`` keeps the R validated ``ModelParams``; ``varying`` names the attributes that differ.
    A network weight that differs has no single value: reading it raises (the kernel never
    reads it; ``Simulation`` builds the networks from ``sets``).
    """

    def __init__(self, sets: Sequence[ModelParams]) -> None:
        sets = tuple(sets)
        if not sets:
            raise ValueError("ColumnParams needs at least one parameter set")
        keys = {categorical_key(p) for p in sets}
        if len(keys) > 1:
            raise ValueError(
                "parameter sets in one stack must share their categorical parameters "
                f"({', '.join(CATEGORICAL)} and whether confidence_bound is set); split them "
                "with sim.engine.stacking.group_columns"
            )
        self.sets = sets
        self.width = len(sets)
        varying = []
        for name in ModelParams.model_fields:
            values = [getattr(p, name) for p in sets]
            if len({_exact(v) for v in values}) == 1:
                setattr(self, name, values[0])
            elif name == "org_weights":
                varying.append(name)  # no single value: see __getattr__
            else:
                varying.append(name)
                setattr(self, name, np.array(values, dtype=float).reshape(1, -1))
        self.varying: tuple[str, ...] = tuple(varying)

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not set in __init__: a varying org_weights, or a typo.
        if name == "org_weights":
            raise AttributeError(
                "org_weights differ between columns; read ColumnParams.sets[r].org_weights"
            )
        raise AttributeError(name)

    def column(self, r: int) -> ModelParams:
        return self.sets[r]

    def __repr__(self) -> str:
        return f"ColumnParams(width={self.width}, varying={list(self.varying)})"


def stack_params(sets: Sequence[ModelParams]) -> ModelParams | ColumnParams:
    """The kernel's parameters for columns with these sets: the one ``ModelParams`` when all are
    the same (a plain replicate block, no overhead at all), else a ``ColumnParams``."""
    first = sets[0]
    key = _exact(first.model_dump())
    if all(p is first or _exact(p.model_dump()) == key for p in sets[1:]):
        return first
    return ColumnParams(sets)


def is_per_column(value: Any) -> bool:
    """True for a parameter value that differs between columns (a (1, R) array)."""
    return isinstance(value, np.ndarray)

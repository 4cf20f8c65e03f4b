"""Run many parameter sets at once and keep their alignment trajectories: the entry point for
calibration (issue 9) and anything else that needs a population of runs, not one.

``run_stacked`` takes R parameter sets and R seeds, groups the sets that may share a stack
(same categorical parameters, ``sim.engine.stacking.group_columns``), steps each group as one
(nations x columns) array in blocks of at most ``stack`` columns, and returns the alignment of
every run at the requested steps, in the order the sets were given. Column r is bit-identical to
``Simulation(world, sets[r], events, default_rng(seeds[r]), reference=...)`` stepped alone
(tests/test_stacking.py), so how a population is batched never changes its numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise
from typing import Any, Literal

import numpy as np

from sim.engine.events import Event
from sim.engine.params import ModelParams
from sim.engine.simulation import Simulation
from sim.engine.stacking import group_columns
from sim.world.world import World

#: Columns stepped in one array: past a few dozen, runs per second stop improving
#: (benchmarks/bench_stacked.py) while the buffers keep growing.
DEFAULT_STACK = 128

Reference = ModelParams | Literal["own"] | None

#: Called at every recorded step with the block's Simulation, the caller's indices of the
#: block's columns (column j of the block is run ``columns[j]``) and the record's position.
Observer = Callable[[Simulation, Sequence[int], int], None]


def yearly_steps(steps: int) -> list[int]:
    """Step 0 and every 12th step up to ``steps``: one record per model year."""
    return list(range(0, steps + 1, 12))


def as_params(value: ModelParams | Mapping[str, Any], base: ModelParams) -> ModelParams:
    """A parameter set from a ``ModelParams`` or a dict of changes to ``base`` (validated)."""
    return value if isinstance(value, ModelParams) else base.replace(**dict(value))


def run_stacked(
    world: World,
    param_sets: Sequence[ModelParams | Mapping[str, Any]],
    seeds: Sequence[int | np.random.Generator],
    steps: int,
    *,
    events: Sequence[Event] | None = None,
    record: Sequence[int] | None = None,
    reference: Reference = "own",
    stack: int = DEFAULT_STACK,
    observe: Observer | None = None,
) -> np.ndarray:
    """Alignment of R runs at the recorded steps: an array (len(record), nations, R).

    Args:
        world: The starting world (a scenario's: ``resolved.world()``, with its start date).
        param_sets: One parameter set per run: ``ModelParams`` or a dict of changes to the
            model defaults.
        seeds: One seed (or generator) per run; run r draws its noise from
            ``numpy.random.default_rng(seeds[r])`` only.
        steps: Months to run.
        events: Scheduled events (default: none). Parameter events act on each run's own set.
        record: Steps whose alignment is kept, ascending, each in 0..steps (default: step 0 and
            every 12th step, ``yearly_steps``).
        reference: Parameters under which the starting world is an equilibrium (the anchors,
            ``Simulation``): ``"own"`` (default) each run's own set, as a calibration candidate
            needs; None the model defaults; or one ``ModelParams`` for all.
        stack: Most runs stepped in one array.
        observe: Called at every recorded step, for what the alignment alone does not give
            (blocs, the joint response: forecasts), so those come from the same stepping.
    """
    base = ModelParams()
    sets = [as_params(p, base) for p in param_sets]
    if len(sets) != len(seeds):
        raise ValueError(f"{len(sets)} parameter sets but {len(seeds)} seeds")
    wanted = yearly_steps(steps) if record is None else list(record)
    if any(b <= a for a, b in pairwise(wanted)) or (
        wanted and (wanted[0] < 0 or wanted[-1] > steps)
    ):
        raise ValueError(f"record must be ascending steps within 0..{steps}: {wanted}")
    out = np.empty((len(wanted), world.n, len(sets)))
    for group in group_columns(sets):
        for start in range(0, len(group), stack):
            columns = group[start : start + stack]
            out[:, :, columns] = _run_block(
                world,
                [sets[c] for c in columns],
                [seeds[c] for c in columns],
                steps,
                list(events or ()),
                wanted,
                reference,
                columns,
                observe,
            )
    return out


def _run_block(
    world: World,
    sets: list[ModelParams],
    seeds: list[int | np.random.Generator],
    steps: int,
    events: list[Event],
    wanted: list[int],
    reference: Reference,
    columns: Sequence[int] = (),
    observe: Observer | None = None,
) -> np.ndarray:
    """One stack stepped together: (len(wanted), nations, columns)."""
    generators = [np.random.default_rng(s) for s in seeds]
    sim = Simulation(world, sets, events, generators, reference=reference)
    out = np.empty((len(wanted), world.n, len(sets)))
    position = {step: i for i, step in enumerate(wanted)}
    if 0 in position:
        out[position[0]] = sim.state.alignment
        if observe:
            observe(sim, columns, position[0])
    for step in range(1, (wanted[-1] if wanted else 0) + 1):
        sim.step()
        if step in position:
            out[position[step]] = sim.state.alignment
            if observe:
                observe(sim, columns, position[step])
    return out

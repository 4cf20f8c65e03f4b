"""What a calibration compares: a run from the world of the window's start against the observed
alignment series on every 1 January of the window (docs/calibration.md).

The discrepancy has three blocks, each a mean squared error divided by the square of the
observed quantity's own scale, so that each block is unit-free and 1 means "no better than
predicting no change":

* ``nations``: per-nation changes since the start, at every date (model = mean over replicates),
  scale = root mean square of the observed changes (the error of persistence);
* ``regions``: mean change of each UN region at every date, scale = RMS of the observed ones;
* ``spread``: the cross-nation standard deviation of changes at every date (per replicate, then
  averaged), scale = the mean observed spread — the one block where noise helps, so the fit does
  not buy a low ``nations`` error by freezing the world.

distance = sqrt(mean of the three blocks). The leaders (the scale's anchors) are left out.

Rolling origins (``horizon`` in the calibration file, ``RollingTarget``): one such target per
1 January from the training window's start to its end minus the horizon, each a run of
``horizon`` years from the world of its own date; each block is averaged over the origins before
the square root. Why: fitted from one origin, the fit learns that origin (docs/validation.md,
round 3: the 2011 world is measured from one session of votes, and a fit to runs from it scored
-0.10 to -0.21 against persistence from the 2012-2014 worlds); a forecast is made from whatever
date the user picks, so the fit is asked to do the same.

Observation model: the record is a measurement. With ``observation_error`` (the default) each
simulated change gets the measurement error of the observed series added (``measurement_error``),
so the spread the record shows is not all charged to the model's process noise.
A run's seed is a function of its parameter values and the calibration seed, so the distance of
a parameter set is reproducible whatever evaluates it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from sim.engine.ensemble import run_stacked
from sim.engine.params import ModelParams
from sim.history.hindcast import months_between
from sim.history.observed import observed
from sim.world.dated import nations_at
from sim.world.world import LEADERS, World

BLOCKS = ("nations", "regions", "spread")


@dataclass
class Target:
    """The window's world, the observed changes and the scales of the three blocks."""

    start: date
    dates: list[date]
    world: World
    base: ModelParams
    observed_change: np.ndarray  # dates x scored nations
    scored: np.ndarray  # bool mask over the world's nations
    regions: np.ndarray  # region of each scored nation
    scales: dict[str, float]
    seed: int
    observation_se: np.ndarray | None = None  # (1 + dates) x scored: start, then each date

    @classmethod
    def build(
        cls, start: date, end: date, base: ModelParams, seed: int, observation_error: bool = True
    ) -> Target:
        dates = [date(y, 1, 1) for y in range(start.year + 1, end.year + 1)]
        world = World.from_frame(nations_at(start), start=start)
        table = observed("alignment", [start, *dates]).reindex(columns=world.iso3).to_numpy()
        scored = ~np.isin(world.iso3, LEADERS) & ~np.isnan(table).any(axis=0)
        change = table[1:, scored] - table[0, scored]
        regions = world.region[scored]
        target = cls(start, dates, world, base, change, scored, regions, {}, seed)
        if observation_error:
            se = observed("alignment_se", [start, *dates]).reindex(columns=world.iso3).to_numpy()
            target.observation_se = np.nan_to_num(se[:, scored], nan=0.0)
        target.scales = {
            "nations": float(np.sqrt(np.mean(change**2))),
            "regions": float(np.sqrt(np.mean(target.region_means(change) ** 2))),
            "spread": float(np.mean(change.std(axis=1))),
        }
        return target

    def region_means(self, change: np.ndarray) -> np.ndarray:
        """dates x regions mean change (regions in sorted order)."""
        return np.stack(
            [change[:, self.regions == r].mean(axis=1) for r in np.unique(self.regions)], axis=1
        )

    def run_seed(self, theta: dict[str, float]) -> int:
        text = repr((self.seed, sorted((k, float(v)) for k, v in theta.items())))
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1

    def simulate(self, theta: dict[str, float], replicates: int) -> np.ndarray:
        """Changes since the start (dates x scored nations x replicates) under ``theta``; the
        anchors are each candidate's own (the start is an equilibrium of every candidate)."""
        return self.simulate_many([theta], replicates)[0]

    def simulate_many(
        self, thetas: Sequence[dict[str, float]], replicates: int
    ) -> list[np.ndarray]:
        """``simulate`` for many candidates as one stack (``sim.engine.ensemble.run_stacked``: each
        column bit-identical to the run alone), so a batch of candidates costs what stepping
        one array costs. Candidate i's replicates draw from the children of
        SeedSequence(run_seed(theta_i)), its measurement error from the next child, exactly as
        when it is simulated alone."""
        sets, generators, roots = [], [], []
        for theta in thetas:
            params = self.base.replace(**{k: float(v) for k, v in theta.items()})
            root = np.random.SeedSequence(self.run_seed(theta))
            roots.append(root)
            sets.extend([params] * replicates)
            generators.extend(np.random.default_rng(s) for s in root.spawn(replicates))
        steps = [months_between(self.start, d) for d in self.dates]
        x = run_stacked(self.world, sets, generators, max(steps), record=steps, reference="own")
        start = self.world.alignment[self.scored][None, :, None]
        out = []
        for i, root in enumerate(roots):
            change = x[:, self.scored, i * replicates : (i + 1) * replicates] - start
            if self.observation_se is not None:
                change = change + measurement_error(self.observation_se, replicates, root)
            out.append(change)
        return out

    def components(self, change: np.ndarray) -> dict[str, float]:
        """The three scaled blocks of a simulated ensemble of changes."""
        mean = change.mean(axis=-1)
        nations = np.mean((mean - self.observed_change) ** 2) / self.scales["nations"] ** 2
        regions = np.mean(
            (self.region_means(mean) - self.region_means(self.observed_change)) ** 2
        ) / (self.scales["regions"] ** 2)
        spread_sim = change.std(axis=1).mean(axis=-1)  # per date, averaged over replicates
        spread_obs = self.observed_change.std(axis=1)
        spread = np.mean((spread_sim - spread_obs) ** 2) / self.scales["spread"] ** 2
        return {"nations": float(nations), "regions": float(regions), "spread": float(spread)}

    @staticmethod
    def distance(components: dict[str, float]) -> float:
        return float(np.sqrt(np.mean([components[b] for b in BLOCKS])))


def origin_seed(seed: int, origin: date) -> int:
    """The seed of one origin's target: a different stream per origin, fixed by the
    calibration seed and the date."""
    text = repr((seed, origin.isoformat()))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


@dataclass
class RollingTarget:
    """Several origins' targets fitted together: the discrepancy of a parameter set is each
    block's mean over the origins (module docstring)."""

    targets: list[Target]

    @classmethod
    def build(
        cls,
        start: date,
        end: date,
        horizon: int,
        base: ModelParams,
        seed: int,
        observation_error: bool = True,
    ) -> RollingTarget:
        origins = [date(year, 1, 1) for year in range(start.year, end.year - horizon + 1)]
        return cls(
            [
                Target.build(
                    origin,
                    date(origin.year + horizon, 1, 1),
                    base,
                    origin_seed(seed, origin),
                    observation_error,
                )
                for origin in origins
            ]
        )

    @property
    def origins(self) -> list[date]:
        return [target.start for target in self.targets]

    def simulate_many(
        self, thetas: Sequence[dict[str, float]], replicates: int
    ) -> list[list[np.ndarray]]:
        """Per candidate, its changes from every origin (one stack per origin)."""
        per_origin = [target.simulate_many(thetas, replicates) for target in self.targets]
        return [list(changes) for changes in zip(*per_origin, strict=True)]

    def components(self, changes: list[np.ndarray]) -> dict[str, float]:
        parts = [t.components(c) for t, c in zip(self.targets, changes, strict=True)]
        return {block: float(np.mean([part[block] for part in parts])) for block in BLOCKS}


def fit_target(
    start: date,
    end: date,
    horizon: int | None,
    base: ModelParams,
    seed: int,
    observation_error: bool = True,
) -> Target | RollingTarget:
    """What a calibration fits: one run over the window, or rolling origins with ``horizon``."""
    if horizon is None:
        return Target.build(start, end, base, seed, observation_error)
    return RollingTarget.build(start, end, horizon, base, seed, observation_error)


def measurement_error(se: np.ndarray, replicates: int, root: np.random.SeedSequence) -> np.ndarray:
    """What measuring adds to a change since the start: e_t - e_0 with e ~ N(0, se^2) per nation
    and date, independent (dates x nations x replicates); se from the bootstrap of the vote
    scaling (sim/history/observed.py). The observed start is itself a measurement, so the true
    change and the observed change differ by both dates' errors."""
    rng = np.random.default_rng(root.spawn(replicates + 1)[-1])
    draws = rng.standard_normal((se.shape[0], se.shape[1], replicates)) * se[:, :, None]
    return draws[1:] - draws[0][None]

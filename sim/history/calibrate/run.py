"""Run a calibration: pyabc's ABC-SMC on the discrepancy of sim/history/calibrate/target.py.

Why pyabc (docs/calibration.md): its History database commits each finished generation, so an
interrupted calibration continues from its last complete generation with the same command; it
has multicore and Dask samplers (the same two ways sweeps run), stores every generation's
particles, weights, epsilon and acceptance, and is maintained. ELFI's batch simulators would pay
off once the kernel steps many parameter sets as one array (issue 9, section 1), which it does not
yet; sbi would need torch. No ABC is written here: pyabc samples, perturbs, weights and accepts.

Folder layout (``results/calibrations/<name>`` by default)::

    calibration.db      pyabc's database (the work in progress; resumable)
    _calibration.yaml   the calibration file as it was (a changed file is refused on resume)
    posterior.parquet   last generation: parameters, weight, distance      } written only when
    diagnostics.csv     per generation: epsilon, acceptance, ESS, samples  } the run finishes,
    *.png               marginals vs priors, pairs, posterior predictive   } manifest.json last
    manifest.json       hashes, versions, commit, command, timing
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim.history.calibrate.posterior import base_parameters
from sim.history.calibrate.target import BLOCKS, RollingTarget, Target, fit_target
from sim.history.calibrate.validate import validation_table
from sim.history.hindcast import Hindcast
from sim.inputs.calibration import Calibration, CalibrationError
from sim.inputs.provenance import git_commit, package_versions, sha256_file

DB = "calibration.db"
SPEC_COPY = "_calibration.yaml"
MANIFEST = "manifest.json"


#: Draws a finished calibration's figures: (spec, folder, posterior, the training target, the
#: validation hindcast or None). Given by the caller so the calibration need not import figures.
FigureWriter = Callable[
    [Calibration, Path, pd.DataFrame, "Target | RollingTarget", Hindcast | None], None
]


@dataclass
class Generation:
    """What the progress line shows after each generation."""

    t: int
    epsilon: float
    acceptance: float
    particles: int
    samples: int
    ess: float
    seconds: float


def priors(spec: Calibration):
    """pyabc priors. A log-uniform prior is sampled as a uniform prior on log10 of the parameter
    (pyabc's perturbation kernel is Gaussian: on the log scale it neither piles weight onto the
    low end nor proposes negative rates); ``natural`` converts back."""
    import pyabc

    rvs = {}
    for name, prior in spec.priors.items():
        low, high = prior.low, prior.high
        if prior.distribution == "loguniform":
            low, high = np.log10(low), np.log10(high)
        rvs[name] = pyabc.RV("uniform", low, high - low)
    return pyabc.Distribution(**rvs)


def natural(spec: Calibration, sampled: dict) -> dict[str, float]:
    """Parameter values on the model's scale from pyabc's (log10 for log-uniform priors)."""
    return {
        name: float(10.0 ** sampled[name])
        if spec.priors[name].distribution == "loguniform"
        else float(sampled[name])
        for name in spec.priors
    }


class Model:
    """The pyabc model: a parameter dict -> the discrepancy blocks (picklable for workers).

    A batch sampler (sim/history/calibrate/batch.py) may ``prefill`` the results of parameter sets it
    simulated together; a call with such a set then returns its stored result (once) instead
    of simulating it again. The result is the same either way: a set's run depends on its
    values only."""

    def __init__(self, target: Target | RollingTarget, spec: Calibration) -> None:
        self.target = target
        self.spec = spec
        self._ready: dict[tuple, dict[str, float]] = {}
        self.misses = 0  # calls not served from a prefilled batch since the last clear

    def __call__(self, parameters: dict) -> dict[str, float]:
        found = self._ready.pop(self.key(parameters), None)
        if found is not None:
            return found
        self.misses += 1
        return self.simulate_batch([parameters])[0]

    def simulate_batch(self, batch: list[dict]) -> list[dict[str, float]]:
        """The discrepancy blocks of many parameter sets, simulated as one stack."""
        naturals = [natural(self.spec, dict(p)) for p in batch]
        changes = self.target.simulate_many(naturals, self.spec.replicates)
        return [self.target.components(change) for change in changes]

    @staticmethod
    def key(parameters: dict) -> tuple:
        return tuple(sorted((k, float(v).hex()) for k, v in dict(parameters).items()))

    def prefill(self, batch: list[dict], results: list[dict[str, float]]) -> None:
        for parameters, result in zip(batch, results, strict=True):
            self._ready[self.key(parameters)] = result

    def pending(self) -> int:
        """Prefilled results not asked for (looked ahead past the last acceptance)."""
        return len(self._ready)

    def clear(self) -> None:
        self._ready.clear()
        self.misses = 0


def distance(x: dict, x0: dict, *args, **kwargs) -> float:
    return Target.distance(x)


def sampler(workers: int, scheduler: str | None, model: Model | None = None):
    """The local default: pyabc's single-core sampling order with the simulations done in
    stacked batches split over ``workers`` processes (sim/history/calibrate/batch.py; bit-identical to
    ``SingleCoreSampler`` for a seed, whatever ``workers``). Without ``model``: pyabc's own
    single-core or multicore sampler. With ``scheduler``: pyabc's Dask sampler."""
    import pyabc

    if scheduler:
        from dask.distributed import Client

        return pyabc.sampler.DaskDistributedSampler(dask_client=Client(scheduler))
    if model is not None:
        from sim.history.calibrate.batch import StackedBatchSampler

        return StackedBatchSampler(model, workers=workers)
    if workers <= 1:
        return pyabc.sampler.SingleCoreSampler()
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)


def open_folder(folder: Path, spec_text: str) -> bool:
    """Prepare ``folder``; True if it holds an unfinished calibration of this same file."""
    if (folder / MANIFEST).exists():
        raise CalibrationError(
            f"{folder}: holds a finished calibration; choose another --out to run again"
        )
    if (folder / DB).exists():
        copy = folder / SPEC_COPY
        if not copy.exists() or copy.read_text(encoding="utf-8") != spec_text:
            raise CalibrationError(
                f"{folder}: holds an unfinished calibration of a different file; restore that "
                "file or choose another --out"
            )
        return True
    if folder.exists() and any(folder.iterdir()):
        raise CalibrationError(
            f"{folder}: exists and is not a calibration folder; choose another --out"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SPEC_COPY).write_text(spec_text, encoding="utf-8")
    return False


def generations(history) -> list[Generation]:
    """Per finished generation: epsilon, acceptance, particles, evaluations, ESS."""
    from pyabc.weighted_statistics import effective_sample_size

    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    out = []
    for row in populations.itertuples(index=False):
        _, weights = history.get_distribution(m=0, t=int(row.t))
        particles = int(history.get_nr_particles_per_population().get(int(row.t), len(weights)))
        out.append(
            Generation(
                t=int(row.t),
                epsilon=float(row.epsilon),
                acceptance=particles / max(int(row.samples), 1),
                particles=particles,
                samples=int(row.samples),
                ess=float(effective_sample_size(np.asarray(weights))),
                seconds=0.0,
            )
        )
    return out


def run_calibration(
    spec: Calibration,
    spec_text: str,
    folder: Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    on_generation: Callable[[Generation, int], None] | None = None,
    batched: bool = True,
    figures: FigureWriter | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run (or resume) the calibration into ``folder``; returns (posterior, diagnostics).

    ``batched`` (default) simulates candidates in stacked batches (``sampler``); False uses
    pyabc's own samplers, one simulation per call (kept for comparison and tests).
    ``figures`` draws the finished calibration's figures into the folder before the manifest
    marks it finished (``sim.present.figures.calibration.write_figures`` for the command)."""
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    resumed = open_folder(folder, spec_text)
    started = datetime.now(UTC)
    base = base_parameters(spec)
    train = spec.train
    fitted = fit_target(
        train.start, train.end, spec.horizon, base, spec.seed, spec.observation_error
    )
    # the posterior-predictive figure shows one run over the whole training window
    target = (
        fitted
        if isinstance(fitted, Target)
        else Target.build(train.start, train.end, base, spec.seed, spec.observation_error)
    )

    def make_abc():
        model = Model(fitted, spec)
        return pyabc.ABCSMC(
            model,
            priors(spec),
            distance,
            population_size=spec.algorithm.population,
            sampler=sampler(workers, scheduler, model if batched else None),
            eps=pyabc.QuantileEpsilon(alpha=0.5),
        )

    db = f"sqlite:///{(folder / DB).resolve()}"
    if not resumed:
        make_abc().new(db, dict.fromkeys(BLOCKS, 0.0))
    history = pyabc.History(db)
    done = len(generations(history))
    algorithm = spec.algorithm
    while done < algorithm.generations:
        # Every generation starts from the database, exactly as a resumed run does: pyabc then
        # sets epsilon and the transition from the last stored population.
        np.random.seed([spec.seed, done])  # pyabc draws from numpy's global generator
        began = time.perf_counter()
        abc = make_abc()
        abc.load(db, 1)
        history = abc.run(
            max_nr_populations=1,
            minimum_epsilon=algorithm.min_epsilon,
            min_acceptance_rate=algorithm.min_acceptance,
        )
        latest = generations(history)
        if len(latest) == done:  # a stopping rule ended the run
            break
        done = len(latest)
        latest[-1].seconds = time.perf_counter() - began
        if on_generation:
            on_generation(latest[-1], algorithm.generations)
        if latest[-1].epsilon <= algorithm.min_epsilon:
            break
        if latest[-1].acceptance < algorithm.min_acceptance:
            break
    posterior_frame, weights = history.get_distribution(m=0, t=history.max_t)
    posterior = posterior_frame.reset_index(drop=True)
    for name, prior in spec.priors.items():
        if prior.distribution == "loguniform":
            posterior[name] = 10.0 ** posterior[name]
    posterior["weight"] = np.asarray(weights)
    diagnostics = pd.DataFrame([g.__dict__ for g in generations(history)]).drop(columns="seconds")
    write_outputs(spec, folder, posterior, diagnostics, target, started, figures)
    return posterior, diagnostics


def write_outputs(
    spec: Calibration,
    folder: Path,
    posterior: pd.DataFrame,
    diagnostics: pd.DataFrame,
    target: Target,
    started: datetime,
    figures: FigureWriter | None = None,
) -> None:
    """Posterior, diagnostics, validation and figures, then the manifest (the 'finished'
    mark) last."""
    posterior.to_parquet(folder / "posterior.parquet", index=False)
    diagnostics.to_csv(folder / "diagnostics.csv", index=False)
    validation = scored = None
    if spec.validate_window is not None:
        validation, scored = validation_table(spec, posterior)
        validation.to_csv(folder / "validation.csv")
    if figures is not None:
        figures(spec, folder, posterior, target, scored)
    manifest = {
        "calibration": spec.model_dump(mode="json", by_alias=True),
        "calibration_hash": spec.content_hash,
        "posterior_sha256": sha256_file(folder / "posterior.parquet"),
        "posterior_mean": {
            name: float(np.average(posterior[name], weights=posterior["weight"]))
            for name in spec.priors
        },
        "validation": None if validation is None else validation.round(6).to_dict(orient="index"),
        "versions": package_versions(),
        "git_commit": git_commit(),
        "command": sys.argv,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    temporary = folder / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2) + "\n")
    temporary.replace(folder / MANIFEST)

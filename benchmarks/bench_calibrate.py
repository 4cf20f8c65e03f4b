"""Hindcasts per second: the calibration loop against a stacked population and a bare loop.

Issue 9, section 5. Ways to run N nine-year (108-month, 2011-2020) hindcasts, each with its own
parameter set (drawn from the calibration priors) and its own seed, measured in this process one
after the other:

* ``calibration loop``: one run per call (``sim.history.calibrate.target.Target.simulate``, anchors per
  parameter set), what pyabc's own samplers ask for;
* ``pyabc single-core``: a real ABC-SMC (pyabc, ``SingleCoreSampler``) on the 2011-2020 target
  with the same five priors, population N/2, two generations: hindcasts per second *inside* the
  calibration, pyabc's proposals, distances, weights and database included;
* ``pyabc batched, P proc``: the same ABC-SMC with ``sim.history.calibrate.batch.StackedBatchSampler``
  (``run.py calibrate``'s default) on P processes; bit-identical posterior to single-core. Its
  rate counts every hindcast simulated, including those looked ahead past the last acceptance
  (the waste is printed); "evaluated/s" is what pyabc evaluated;
* ``stacked``: the same N runs as one array (``sim.engine.ensemble.run_stacked``), what a batch
  sampler calls;
* ``bare loop``: the physical limit: the update arithmetic written as a tight in-place numpy loop
  over a dense peer matrix with all constants precomputed, one generator per run, no events, no
  bookkeeping. It does the same work per step, not the same numbers (no Mesa, no checks).

Prints runs per second, the ratio of each path's time per run to the bare loop's, and the time
10^5 *ten-year* (120-month) hindcasts would take at each rate (a ten-year run is 120/108 of a
nine-year one; the 2-process row is already on two cores, the others on one).

    uv run python benchmarks/bench_calibrate.py [--runs 200] [--workers 2]

``--memory G`` instead runs ``run.py calibrate``'s loop on the quick example for G generations
(no early stop) and prints this process's resident memory after each generation, so "memory flat
in the number of generations" is a figure, not a belief: pyabc keeps past generations in its
SQLite file, not in memory, and every generation starts afresh from that file.

    uv run python benchmarks/bench_calibrate.py --memory 8
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date

import numpy as np

from sim.engine.dynamics import prepare
from sim.engine.ensemble import run_stacked
from sim.engine.params import ModelParams
from sim.history.calibrate import run as calibrate_run
from sim.history.calibrate.batch import StackedBatchSampler
from sim.history.calibrate.target import Target
from sim.inputs.calibration import Calibration
from sim.world.network import influence_matrix, row_normalise

STEPS = 108  # 2011-01-01 to 2020-01-01: the whole observed record
TEN_YEARS = 120

#: The priors ``draw_sets`` samples, as a calibration file would give them.
PRIORS = {
    "investment_pull": {"distribution": "loguniform", "low": 0.002, "high": 0.2},
    "pressure_pull": {"distribution": "loguniform", "low": 0.003, "high": 0.3},
    "peer_weight": {"distribution": "loguniform", "low": 0.003, "high": 0.3},
    "stubbornness": {"distribution": "loguniform", "low": 0.003, "high": 0.3},
    "noise_sd": {"distribution": "uniform", "low": 0.0, "high": 0.03},
}


def draw_sets(count: int, seed: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return [
        {
            "investment_pull": float(10 ** rng.uniform(np.log10(0.002), np.log10(0.2))),
            "pressure_pull": float(10 ** rng.uniform(np.log10(0.003), np.log10(0.3))),
            "peer_weight": float(10 ** rng.uniform(np.log10(0.003), np.log10(0.3))),
            "stubbornness": float(10 ** rng.uniform(np.log10(0.003), np.log10(0.3))),
            "noise_sd": float(rng.uniform(0.0, 0.03)),
        }
        for _ in range(count)
    ]


def bare_loop(target: Target, sets: list[dict[str, float]]) -> np.ndarray:
    """The arithmetic of one month, in place, for each run in turn."""
    world = target.world
    base = ModelParams()
    W = row_normalise(
        influence_matrix(
            world.membership, world.subregion, base.org_weights, base.region_weight, world.iso3
        )
    ).toarray()
    out = np.empty((len(sets), world.n))
    for r, theta in enumerate(sets):
        p = base.replace(**theta)
        k = prepare(world, p)
        share = k.investment_base / k.investment_base.sum()
        rng = np.random.default_rng(r)
        x = world.alignment.copy()
        stock = np.zeros(world.n)
        noise = np.empty(world.n)
        peer = np.empty(world.n)
        for _ in range(STEPS):
            stock *= 1.0 - p.infrastructure_depreciation
            stock += p.china_budget * share
            dependence = stock / k.gdp_bn
            pull = p.investment_pull * dependence / (dependence + p.dependence_half) * (1.0 - x)
            np.matmul(W, x, out=peer)
            peer -= x
            rng.standard_normal(out=noise)
            x += pull + p.peer_weight * peer + p.stubbornness * (k.disposition - x)
            x += p.noise_sd * noise
            np.clip(x, -1.0, 1.0, out=x)
        out[r] = x
    return out


def abc_smc(target: Target, population: int, workers: int | None) -> dict[str, float]:
    """Two ABC-SMC generations. ``workers`` None: pyabc's SingleCoreSampler; else the
    stacked-batch sampler. Returns wall seconds, hindcasts simulated, evaluated by pyabc,
    wasted (looked ahead past the last acceptance), and CPU seconds of this process and of
    the worker processes (ended, so counted, when pyabc stops the sampler)."""
    import logging
    import tempfile

    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    spec = Calibration.model_validate(
        {
            "name": "bench",
            "question": "speed",
            "train": {"start": "2011-01-01", "end": "2020-01-01"},
            "priors": PRIORS,
            "replicates": 1,
            "algorithm": {"population": population, "generations": 2},
            "seed": 1,
        }
    )
    model = calibrate_run.Model(target, spec)
    sampler = (
        pyabc.sampler.SingleCoreSampler()
        if workers is None
        else StackedBatchSampler(model, workers=workers)
    )
    np.random.seed(1)
    abc = pyabc.ABCSMC(
        model,
        calibrate_run.priors(spec),
        calibrate_run.distance,
        population_size=population,
        sampler=sampler,
        eps=pyabc.QuantileEpsilon(alpha=0.5),
    )
    with tempfile.TemporaryDirectory() as folder:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time()
        began = time.perf_counter()
        abc.new(f"sqlite:///{folder}/bench.db", dict.fromkeys(("nations", "regions", "spread"), 0))
        history = abc.run(max_nr_populations=2)
        seconds = time.perf_counter() - began
        cpu = time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        evaluated = int(history.total_nr_simulations)  # with the calibration sample
    batched = isinstance(sampler, StackedBatchSampler)
    return {
        "seconds": seconds,
        "simulated": sampler.simulated if batched else evaluated,
        "evaluated": evaluated,
        "wasted": sampler.wasted if batched else 0,
        "cpu_main": cpu,
        "cpu_workers": (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime),
    }


def memory_over_generations(generations: int, workers: int) -> None:
    """Resident memory (MiB) after each generation of a real calibration run."""
    import tempfile
    from pathlib import Path

    import psutil

    from sim.inputs.calibration import load_calibration

    spec, _, text = load_calibration("quick_example")
    algorithm = spec.algorithm.model_copy(
        update={"generations": generations, "min_epsilon": 0.0, "min_acceptance": 0.0}
    )
    spec = spec.model_copy(update={"algorithm": algorithm})
    process = psutil.Process()
    rss: list[float] = []

    def record(_generation, _total) -> None:
        rss.append(process.memory_info().rss / 2**20)

    with tempfile.TemporaryDirectory() as folder:
        calibrate_run.run_calibration(
            spec, text, Path(folder) / "run", workers=workers, on_generation=record
        )
    print(
        f"quick_example, population {algorithm.population}, {len(rss)} generations, {workers} proc"
    )
    print("  resident MiB after each generation: " + " ".join(f"{m:.0f}" for m in rss))
    if len(rss) >= 3:
        later = np.polyfit(np.arange(1, len(rss)), rss[1:], 1)[0]
        print(
            f"  growth from generation 2 on: {later:+.2f} MiB per generation "
            f"({100 * later / rss[1]:+.2f}% of generation 2's {rss[1]:.0f} MiB)"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads in this process (1: the one-core rows use one core; the batched "
        "sampler's worker processes always use one each)",
    )
    ap.add_argument("--rounds", type=int, default=3, help="repeat every path; keep the best")
    ap.add_argument(
        "--memory", type=int, metavar="G", help="instead: resident memory over G generations"
    )
    args = ap.parse_args(argv)
    if args.memory:
        memory_over_generations(args.memory, args.workers)
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=args.blas_threads, user_api="blas")
    target = Target.build(date(2011, 1, 1), date(2020, 1, 1), ModelParams(), seed=1)
    sets = draw_sets(args.runs, seed=7)
    population = max(args.runs // 2, 10)
    rates: dict[str, float] = {}  # best runs/s over the rounds
    notes: dict[str, str] = {}

    def keep(name: str, runs: int, seconds: float, note: str = "") -> None:
        if runs / seconds > rates.get(name, 0.0):
            rates[name] = runs / seconds
            if note:
                notes[name] = note

    def timed(work) -> float:
        began = time.perf_counter()
        work()
        return time.perf_counter() - began

    for _ in range(args.rounds):  # interleaved, best of: other load on the machine only slows
        keep("calibration loop", args.runs, timed(lambda: [target.simulate(t, 1) for t in sets]))
        for name, workers in [
            ("pyabc single-core", None),
            ("pyabc batched, 1 proc", 1),
            (f"pyabc batched, {args.workers} proc", args.workers),
        ]:
            r = abc_smc(target, population, workers)
            note = (
                f"evaluated/s {r['evaluated'] / r['seconds']:6.1f}, waste {r['wasted']}, "
                f"CPU ms/run main {1e3 * r['cpu_main'] / r['simulated']:.1f} "
                f"workers {1e3 * r['cpu_workers'] / r['simulated']:.1f}"
            )
            if workers and workers > 1:
                # on an idle machine: the main process's serial work, or the total CPU shared
                # by the cores, whichever is longer (perfect overlap: a lower bound on the time)
                idle = max(r["cpu_main"], (r["cpu_main"] + r["cpu_workers"]) / workers)
                note += f"; idle-machine estimate {r['simulated'] / idle:.0f} runs/s"
            keep(name, r["simulated"], r["seconds"], note)
        stacked = timed(
            lambda: run_stacked(
                target.world, sets, list(range(args.runs)), STEPS, record=[STEPS], reference="own"
            )
        )
        keep("stacked", args.runs, stacked)
        keep("bare loop", args.runs, timed(lambda: bare_loop(target, sets)))

    print(
        f"{args.runs} nine-year hindcasts of the 2011 world, one parameter set and seed each "
        f"(pyabc rows: population {population}, two generations, their own count of runs); "
        f"best of {args.rounds} interleaved rounds"
    )
    bare = rates["bare loop"]
    for name, rate in rates.items():
        ten_year_minutes = 1e5 / (rate * STEPS / TEN_YEARS) / 60
        cores = args.workers if name.endswith(f"{args.workers} proc") else 1
        print(
            f"  {name:22s} {rate:8.1f} runs/s   {bare / rate:5.2f}x the bare loop's time   "
            f"10^5 ten-year runs: {ten_year_minutes:6.1f} min on {cores} core(s)"
            + (f"   ({notes[name]})" if name in notes else "")
        )


if __name__ == "__main__":
    main()

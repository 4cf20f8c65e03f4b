"""Sweep throughput and memory, measured in the same run.

Throughput, 200-step runs of the baseline scenario (scenarios/baseline.yaml, the embedded 2023
world), one process each, so the ratios compare code rather than core counts:

  * sweep:       ``run.py sweep`` machinery in process (``--workers 1``): a 4-point grid over
                 China's budget x REPLICATES replicates, final metrics of every run written to
                 Parquet; start-up (validation, design, folder) included;
  * batch_run:   ``mesa.batch_run`` over the per-agent reference model (tests/reference_model.py,
                 every agent computing its own update in Python on a Mesa Network), same grid,
                 fewer replicates (it is slow), a model reporter collected every step as
                 batch_run requires;
  * numpy loop:  the update arithmetic alone for the same runs, written out with numpy on
                 (nations x replicates) arrays: no events, no bloc bookkeeping, no metrics, no
                 I/O. Its final alignments are checked against the sweep's (same numbers).

Targets: sweep >= 100x batch_run; sweep within 2x of the numpy loop. All three run with one BLAS
thread (as sweep workers do), after a warm-up; sweep and loop report the best of REPEATS timings.
The sweep with all local cores (``--workers`` default) is printed as well.

Memory: peak memory of ``run.py sweep`` (a subprocess, all cores, final metrics only) for sweeps
of growing size. Reported: the main process's peak RSS and the peak proportional set size (PSS)
of the main process plus its workers, sampled every 0.1 s with psutil; flat means the numbers do
not grow with the number of runs (target: < 1 GiB at 100,000 runs). These runs use 24 steps:
memory does not depend on the run length, and it keeps the 100,000-run sweep to minutes.

Usage: uv run python benchmarks/bench_sweep.py [--memory 1000,10000,100000] [--no-memory]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.scenario import DEFAULT_SCENARIO, load_scenario  # noqa: E402
from sim.sweep.driver import run_sweep  # noqa: E402
from sim.sweep.seeds import run_generator  # noqa: E402
from sim.world import World  # noqa: E402

STEPS = 200
BUDGETS = [0.5, 1.0, 2.0, 4.0]
REPLICATES = 128
REFERENCE_REPLICATES = 2
REPEATS = 3


def write_sweep(folder: Path, name: str, replicates: int, steps: int, **extra) -> Path:
    body = {
        "name": name,
        "question": "benchmark",
        "base": str(DEFAULT_SCENARIO),
        "fixed": {"steps": steps},
        "vary": {"parameters.china_budget": {"values": BUDGETS}},
        "design": "grid",
        "replicates": replicates,
        "seed": 2023,
        "outputs": {"metrics": "all"},
        **extra,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


# --- the three ways to run the same runs ---------------------------------------------------------
def time_sweep(folder: Path, workers: int, replicates: int = REPLICATES) -> tuple[float, int, Path]:
    """Best of REPEATS fresh sweeps (each into a new folder, start-up included)."""
    sweep = write_sweep(folder, f"bench_w{workers}_r{replicates}", replicates, STEPS)
    best = (np.inf, 0, folder)
    for repeat in range(REPEATS):
        out = folder / f"out_w{workers}_r{replicates}_{repeat}"
        gc.collect()
        start = time.perf_counter()
        report = run_sweep(sweep, out, workers=workers)
        elapsed = time.perf_counter() - start
        assert report.failed_total == 0
        if elapsed < best[0]:
            best = (elapsed, report.completed, out)
    return best


def time_batch_run(nations: pd.DataFrame) -> tuple[float, int]:
    import mesa

    from tests.reference_model import ReferenceModel

    class BatchReference(ReferenceModel):
        """The reference model plus the DataCollector batch_run needs (one model reporter)."""

        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.datacollector = mesa.DataCollector(
                model_reporters={"mean_alignment": lambda m: float(np.mean(m.alignment))}
            )

        def step(self) -> None:
            super().step()
            self.datacollector.collect(self)

    gc.collect()
    start = time.perf_counter()
    rows = mesa.batch_run(
        BatchReference,
        parameters={"china_budget": BUDGETS, "nations": [nations]},
        rng=list(range(REFERENCE_REPLICATES)),
        max_steps=STEPS,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    elapsed = time.perf_counter() - start
    assert len(rows) == len(BUDGETS) * REFERENCE_REPLICATES
    return elapsed, len(rows)


def numpy_loop(world: World, params, budget: float, generators: list) -> np.ndarray:
    """The update equations of docs/ODD.md on (n, R) arrays, nothing else."""
    from sim.network import influence_matrix, row_normalise

    n, r = world.n, len(generators)
    leader = world.leader_mask
    nonleader = (~leader).astype(float)[:, None]
    access = np.where(world.security_tie >= 1.0, params.china_allied_access, 1.0)
    weights = world.digital_gap * np.where(world.priority > 0, params.china_priority_weight, 1.0)
    weights = weights * access * nonleader[:, 0]
    investment = (budget * weights / weights.sum())[:, None]
    ties = influence_matrix(
        world.membership, world.subregion, params.org_weights, params.region_weight
    )
    has_ties = np.diff(ties.indptr) > 0
    shift = (row_normalise(ties).toarray() - np.diag(has_ties.astype(float))) * params.peer_weight
    gdp = world.gdp_bn[:, None]
    backlash_base = (params.backlash_strength * world.non_intervention)[:, None]
    tie_gain = (1.0 + params.security_tie_gain * world.security_tie)[:, None]
    disposition = world.disposition[:, None]
    moving = (~leader)[:, None] if params.fixed_leaders else np.ones((n, 1), bool)

    x = np.repeat(disposition, r, axis=1)
    stock = np.zeros_like(x)
    threat_us = params.initial_us_threat * (1.0 + x) / 2.0
    threat_china = params.initial_china_threat * (1.0 - x) / 2.0
    decay = 1.0 - params.threat_decay
    for _ in range(STEPS):
        stock = (1.0 - params.infrastructure_depreciation) * stock + investment
        dependence = stock / gdp
        d_inv = (
            params.investment_pull
            * dependence
            / (dependence + params.dependence_half)
            * (1.0 - x)
            / (1.0 + params.china_threat_damping * threat_china)
        )
        drift = np.maximum(x - params.us_bloc_threshold, 0.0) * nonleader
        pressure = params.us_pressure_budget * drift / drift.sum(axis=0)
        effect = params.pressure_pull * pressure / (pressure + params.pressure_half)
        backlash = np.minimum(backlash_base * (1.0 + params.threat_backlash_gain * threat_us), 1.0)
        push = backlash - (1.0 - backlash) * tie_gain
        d_press = effect * (np.maximum(push, 0.0) * (1.0 - x) + np.minimum(push, 0.0) * (1.0 + x))
        noise = params.noise_sd * np.stack([g.standard_normal(n) for g in generators], axis=1)
        change = d_inv + d_press + shift @ x + params.stubbornness * (disposition - x) + noise
        x = np.clip(x + change * moving, -1.0, 1.0)
        threat_us = decay * threat_us
        threat_china = decay * threat_china
    return x


def time_numpy(resolved) -> tuple[float, int, dict[float, np.ndarray]]:
    """Best of REPEATS passes over the same runs as the sweep (same seeds, same stacking)."""
    world = World.from_frame(resolved.nations)
    params = resolved.scenario.parameters
    best = np.inf
    finals: dict[float, np.ndarray] = {}
    for _ in range(REPEATS):
        gc.collect()
        start = time.perf_counter()
        for point, budget in enumerate(BUDGETS):
            generators = [run_generator(2023, point, rep) for rep in range(REPLICATES)]
            finals[budget] = numpy_loop(world, params, budget, generators)
        best = min(best, time.perf_counter() - start)
    return best, len(BUDGETS) * REPLICATES, finals


def check_same_numbers(out: Path, finals: dict[float, np.ndarray]) -> float:
    """Largest gap between the loop's and the sweep's mean final alignment per run."""
    runs = pd.read_parquet(out).sort_values(["point", "replicate"])
    gap = 0.0
    for budget, x in finals.items():
        sweep = runs.loc[runs["china_budget"] == budget, "mean_alignment"].to_numpy()
        gap = max(gap, float(np.max(np.abs(sweep - x.mean(axis=0)))))
    return gap


# --- memory -------------------------------------------------------------------------------------------
def peak_memory(command: list[str]) -> tuple[float, float, float]:
    """Run a command; return (seconds, peak main RSS MiB, peak PSS of main + children MiB)."""
    import psutil

    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    watched = psutil.Process(process.pid)
    peak_rss = peak_pss = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not done.is_set():
            try:
                rss = watched.memory_info().rss
                pss = 0
                for proc in [watched, *watched.children(recursive=True)]:
                    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                        pss += proc.memory_full_info().pss
                peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    start = time.perf_counter()
    thread.start()
    code = process.wait()
    elapsed = time.perf_counter() - start
    done.set()
    thread.join()
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {code}")
    return elapsed, peak_rss / 2**20, peak_pss / 2**20


def memory_table(folder: Path, sizes: list[int]) -> None:
    print("\nPeak memory of `run.py sweep` (all cores, final metrics, 24-step runs):")
    print(f"{'runs':>8s} {'seconds':>8s} {'runs/s':>8s} {'main RSS MiB':>13s} {'PSS all MiB':>12s}")
    for runs in sizes:
        replicates = 100
        points = max(1, runs // replicates)
        sweep = write_sweep(
            folder,
            f"memory_{runs}",
            replicates,
            24,
            vary={
                "parameters.china_budget": {"range": [0.0, 8.0]},
                "parameters.us_pressure_budget": {"range": [0.0, 40.0]},
            },
            design={"kind": "lhs", "samples": points},
        )
        out = folder / f"memory_out_{runs}"
        command = [sys.executable, "run.py", "sweep", str(sweep), "--out", str(out), "-q"]
        seconds, rss, pss = peak_memory(command)
        total = len(pd.read_parquet(out, columns=["point"]))
        print(f"{total:8d} {seconds:8.1f} {total / seconds:8.0f} {rss:13.0f} {pss:12.0f}")
        shutil.rmtree(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", default="1000,10000,100000", help="sweep sizes (runs)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory sweeps")
    args = parser.parse_args()

    from sim.sweep.runner import pin_blas_threads

    pin_blas_threads()  # what every sweep worker does; the same for all three here
    resolved = load_scenario(DEFAULT_SCENARIO)
    runs_each = len(BUDGETS) * REPLICATES
    print(
        f"baseline scenario: {resolved.nations.shape[0]} nations, {STEPS}-step runs; grid of "
        f"{len(BUDGETS)} budgets x {REPLICATES} replicates = {runs_each} runs (batch_run: "
        f"{len(BUDGETS)} x {REFERENCE_REPLICATES})\n"
    )
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        folder = Path(tmp)
        time_sweep(folder, workers=1, replicates=2)  # warm-up: imports, caches
        sweep_s, sweep_runs, out = time_sweep(folder, workers=1)
        loop_s, loop_runs, finals = time_numpy(resolved)
        batch_s, batch_runs = time_batch_run(resolved.nations)
        from sim.sweep.executors import default_workers

        cores = default_workers()
        multi_s, multi_runs, _ = time_sweep(folder, workers=cores) if cores > 1 else (0, 0, None)
        gap = check_same_numbers(out, finals)

        rates = {
            "sweep, 1 worker (in process)": sweep_runs / sweep_s,
            "numpy loop, update arithmetic only": loop_runs / loop_s,
            "mesa.batch_run, per-agent reference": batch_runs / batch_s,
        }
        if multi_runs:
            rates[f"sweep, {cores} workers"] = multi_runs / multi_s
        print(f"{'':40s} {'runs/s':>10s}")
        for name, rate in rates.items():
            print(f"{name:40s} {rate:10.1f}")
        sweep_rate = rates["sweep, 1 worker (in process)"]
        print(
            f"\nsweep / batch_run:  {sweep_rate / rates['mesa.batch_run, per-agent reference']:.0f}x"
            " faster (target >= 100x)"
        )
        print(
            f"numpy loop / sweep: {rates['numpy loop, update arithmetic only'] / sweep_rate:.2f}x"
            " (target <= 2x)"
        )
        print(f"same numbers: max |mean final alignment (sweep - loop)| = {gap:.1e}")
        if not args.no_memory:
            memory_table(folder, [int(s) for s in args.memory.split(",") if s])


if __name__ == "__main__":
    main()

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
  * tight loop:  the update arithmetic alone for the same runs, in place on preallocated
                 (replicates x nations) arrays (``tight_loop``): no events, no bloc bookkeeping,
                 no metrics, no I/O. Its final alignments are checked against the sweep's.

Targets: sweep >= 100x batch_run; sweep within 2x of the tight loop. All three run with one BLAS
thread (as sweep workers do), after a warm-up; sweep and loop report the best of REPEATS timings.
The sweep with all local cores (``--workers`` default) is printed as well.

Memory: peak memory of ``run.py sweep`` (a subprocess, all cores, final metrics only) for sweeps
of growing size. Reported: the main process's peak RSS and the peak proportional set size (PSS)
of the main process plus its workers, sampled every 0.1 s with psutil; flat means the numbers do
not grow with the number of runs (target: < 1 GiB at 100,000 runs). These runs use 24 steps:
memory does not depend on the run length, and it keeps the 100,000-run sweep to minutes.

End to end, as a user runs a study (issue 11 item 9): the `run.py sweep` command versus a
script calling ``mesa.batch_run`` over ``CyberBlocModel`` (the class the README tells users to
batch_run), each a fresh subprocess (interpreter start-up, imports, validation and writing
included on both sides), all local cores on both sides (the sweep's default), 120-month baseline runs, the same number
of timings each (best of E2E_REPEATS). Then a tight loop: the update arithmetic written in place
on preallocated (runs x nations) arrays, one generator per run, no allocation per step, in this
process on one core: the physical limit for the same runs. Targets: the sweep command >= 10x
batch_run(CyberBlocModel) at 200 runs and >= 20x at 10,000 runs (batch_run at 10,000 runs is
extrapolated from its 200-run rate: it would take half an hour), and the sweep's runs/s per core
within 1.5x of the tight loop's.

Usage: uv run python benchmarks/bench_sweep.py [--memory 1000,10000,100000] [--no-memory]
                                                [--no-e2e] [--e2e-large 10000]
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

from sim.inputs.scenario import DEFAULT_SCENARIO, load_scenario  # noqa: E402
from sim.studies.sweep.driver import run_sweep  # noqa: E402
from sim.studies.sweep.seeds import run_generator  # noqa: E402
from sim.world.world import World  # noqa: E402

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
            finals[budget] = tight_loop(world, params, budget, generators, STEPS)
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


# --- end to end: the sweep command vs batch_run(CyberBlocModel) vs a tight loop ----------------------
E2E_STEPS = 120
E2E_REPEATS = 2

BATCH_RUN_SCRIPT = """
import sys
import mesa
from sim.mesa.model import CyberBlocModel
budgets, iterations, steps, cores = eval(sys.argv[1])
rows = mesa.batch_run(
    CyberBlocModel,
    parameters={"china_budget": budgets, "collect_agent_data": False},
    rng=[None] * iterations,
    max_steps=steps,
    number_processes=cores,
    data_collection_period=-1,
    display_progress=False,
)
assert len(rows) == len(budgets) * iterations, len(rows)
"""


def timed(command: list[str]) -> float:
    """Best of E2E_REPEATS wall-clock seconds of a fresh subprocess."""
    best = np.inf
    for _ in range(E2E_REPEATS):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def sweep_command_seconds(folder: Path, runs: int, cores: int) -> float:
    sweep = write_sweep(folder, f"e2e_{runs}", runs // len(BUDGETS), E2E_STEPS)
    best = np.inf
    for repeat in range(E2E_REPEATS):
        out = folder / f"e2e_out_{runs}_{repeat}"
        # as a user types it: no --workers (all cores)
        command = [sys.executable, "run.py", "sweep", str(sweep), "--out", str(out), "-q"]
        command += ["--yes"]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
        shutil.rmtree(out)
    return best


def batch_run_seconds(runs: int, cores: int) -> float:
    spec = repr((BUDGETS, runs // len(BUDGETS), E2E_STEPS, cores))
    return timed([sys.executable, "-c", BATCH_RUN_SCRIPT, spec])


def tight_loop(world: World, params, budget: float, generators: list, steps: int) -> np.ndarray:
    """The update equations of docs/ODD.md section 7 for the baseline's settings (Africa/Arab
    need targeting, drifting pressure, no confidence bound, fixed leaders, no norm pull from
    dependence), in place on preallocated (R, n) arrays: constants once (``prepare``: anchors,
    targeting base, tie gain), every temporary in its own buffer, every ufunc with ``out=``,
    each run's generator filling its own contiguous row of noise, no events, no bookkeeping,
    no metrics. Returns the final alignment, (n, R) as the sweep holds it."""
    from sim.engine.dynamics import prepare
    from sim.world.network import influence_matrix, row_normalise

    p = params.replace(china_budget=budget)
    assert p.china_targeting == "africa_arab_need" and p.us_targeting == "drifting"
    assert p.confidence_bound is None and p.fixed_leaders and p.norm_investment_pull == 0.0
    k = prepare(world, p)
    n, r = world.n, len(generators)
    ties = influence_matrix(
        world.membership, world.subregion, p.org_weights, p.region_weight, world.iso3
    )
    has_ties = np.diff(ties.indptr) > 0
    shift_t = np.ascontiguousarray(
        (row_normalise(ties).toarray() - np.diag(has_ties.astype(float))).T
    )
    investment = p.china_budget * k.investment_base / k.investment_base.sum()
    moving = k.nonleader  # leaders do not move (fixed_leaders)

    x = np.repeat(world.alignment.astype(float)[None, :], r, axis=0)
    norm = np.repeat(world.non_intervention.astype(float)[None, :], r, axis=0)
    stock = np.zeros((r, n))
    threat_us = p.initial_us_threat * (1.0 + x) / 2.0
    threat_china = p.initial_china_threat * (1.0 - x) / 2.0
    decay = 1.0 - p.threat_decay
    a, b, c, d, change, noise = (np.empty((r, n)) for _ in range(6))
    column = np.empty((r, 1))
    for _ in range(steps):
        np.multiply(stock, 1.0 - p.infrastructure_depreciation, out=stock)
        np.add(stock, investment, out=stock)
        np.divide(stock, k.gdp_bn, out=a)  # dependence
        np.add(a, p.dependence_half, out=b)
        np.divide(a, b, out=a)  # saturation
        np.subtract(1.0, x, out=b)
        np.multiply(a, b, out=change)
        np.multiply(change, p.investment_pull, out=change)
        np.multiply(threat_china, p.china_threat_damping, out=b)
        np.add(b, 1.0, out=b)
        np.divide(change, b, out=change)  # 1. investment pull
        np.subtract(x, p.us_bloc_threshold, out=a)
        np.maximum(a, 0.0, out=a)
        np.multiply(a, k.nonleader, out=a)  # drifting targets
        np.sum(a, axis=1, keepdims=True, out=column)
        np.divide(a, column, out=a)
        np.multiply(a, p.us_pressure_budget, out=a)  # pressure
        np.add(a, p.pressure_half, out=b)
        np.divide(a, b, out=a)
        np.multiply(a, p.pressure_pull, out=a)  # effect
        np.multiply(threat_us, p.threat_backlash_gain, out=b)
        np.add(b, 1.0, out=b)
        np.multiply(norm, p.backlash_strength, out=c)
        np.multiply(c, b, out=b)
        np.minimum(b, 1.0, out=b)  # backlash
        np.subtract(1.0, b, out=c)
        np.multiply(c, k.tie_gain, out=c)
        np.subtract(b, c, out=b)  # push
        np.maximum(b, 0.0, out=c)
        np.subtract(1.0, x, out=d)
        np.multiply(c, d, out=c)
        np.minimum(b, 0.0, out=b)
        np.add(1.0, x, out=d)
        np.multiply(b, d, out=b)
        np.add(b, c, out=b)
        np.multiply(b, a, out=b)  # 2. pressure and backlash
        np.add(change, b, out=change)
        np.matmul(x, shift_t, out=a)
        np.multiply(a, p.peer_weight, out=a)  # 3. peers
        np.add(change, a, out=change)
        np.subtract(k.disposition, x, out=a)
        np.multiply(a, p.stubbornness, out=a)  # 4. stubbornness
        np.add(change, a, out=change)
        for row, generator in enumerate(generators):
            generator.standard_normal(out=noise[row])
        np.multiply(noise, p.noise_sd, out=noise)
        np.add(change, noise, out=change)
        np.multiply(change, moving, out=change)
        np.add(x, change, out=x)
        np.clip(x, -1.0, 1.0, out=x)
        np.matmul(norm, shift_t, out=a)  # 5. the norm: peers and anchor
        np.multiply(a, p.norm_peer_weight, out=a)
        np.subtract(k.norm_disposition, norm, out=b)
        np.multiply(b, p.norm_stubbornness, out=b)
        np.add(a, b, out=a)
        np.multiply(a, moving, out=a)
        np.add(norm, a, out=norm)
        np.clip(norm, 0.0, 1.0, out=norm)
        np.multiply(threat_us, decay, out=threat_us)
        np.multiply(threat_china, decay, out=threat_china)
    return x.T


def tight_loop_seconds(resolved, runs: int) -> tuple[float, dict[float, np.ndarray]]:
    """Best of E2E_REPEATS passes of the tight loop over the e2e study's runs (its seeds)."""
    world = World.from_frame(resolved.nations)
    params = resolved.scenario.parameters
    best, finals = np.inf, {}
    for _ in range(E2E_REPEATS):
        gc.collect()
        start = time.perf_counter()
        for point, budget in enumerate(BUDGETS):
            generators = [run_generator(2023, point, k) for k in range(runs // len(BUDGETS))]
            finals[budget] = tight_loop(world, params, budget, generators, E2E_STEPS)
        best = min(best, time.perf_counter() - start)
    return best, finals


def end_to_end(folder: Path, resolved, large: int) -> None:
    from sim.studies.sweep.executors import default_workers

    cores = default_workers()
    print(
        f"\nEnd to end, a study as a user runs it ({E2E_STEPS}-month baseline runs, {cores} cores "
        f"on both sides, fresh subprocesses, best of {E2E_REPEATS}):"
    )
    small = 200
    sweep_small = sweep_command_seconds(folder, small, cores)
    batch_small = batch_run_seconds(small, cores)
    sweep_large = sweep_command_seconds(folder, large, cores)
    loop_s, finals = tight_loop_seconds(resolved, small)
    check = folder / "e2e_check"
    run_sweep(write_sweep(folder, "e2e_check", small // len(BUDGETS), E2E_STEPS), check, workers=1)
    runs = pd.read_parquet(check).sort_values(["point", "replicate"])
    gap = max(
        float(
            np.max(
                np.abs(
                    runs.loc[runs["china_budget"] == b, "mean_alignment"].to_numpy()
                    - x.mean(axis=0)
                )
            )
        )
        for b, x in finals.items()
    )
    batch_rate = small / batch_small
    print(f"{'':46s} {'seconds':>9s} {'runs/s':>9s}")
    print(
        f"{'run.py sweep, ' + str(small) + ' runs':46s} {sweep_small:9.1f} {small / sweep_small:9.1f}"
    )
    print(
        f"{'batch_run(CyberBlocModel), ' + str(small) + ' runs':46s} {batch_small:9.1f} {batch_rate:9.1f}"
    )
    print(
        f"{'run.py sweep, ' + str(large) + ' runs':46s} {sweep_large:9.1f} {large / sweep_large:9.1f}"
    )
    print(
        f"{'batch_run(CyberBlocModel), ' + str(large) + ' (extrapolated)':46s} "
        f"{large / batch_rate:9.1f} {batch_rate:9.1f}"
    )
    print(
        f"{'tight loop, 1 core, ' + str(small) + ' runs':46s} {loop_s:9.1f} {small / loop_s:9.1f}"
    )
    ratio_small = batch_small / sweep_small
    ratio_large = (large / batch_rate) / sweep_large
    per_core = (large / sweep_large) / cores
    print(f"sweep / batch_run at {small} runs: {ratio_small:.1f}x (target >= 10x)")
    print(f"sweep / batch_run at {large} runs: {ratio_large:.1f}x (target >= 20x)")
    print(
        f"tight loop / sweep per core at {large} runs: {(small / loop_s) / per_core:.2f}x "
        "(target <= 1.5x)"
    )
    print(f"same numbers: max |mean final alignment (sweep - tight loop)| = {gap:.1e}")


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
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end study")
    parser.add_argument("--e2e-large", type=int, default=10_000, help="runs of the large study")
    parser.add_argument("--only-e2e", action="store_true", help="only the end-to-end study")
    args = parser.parse_args()

    from sim.studies.sweep.runner import pin_blas_threads

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
        if args.only_e2e:
            end_to_end(folder, resolved, args.e2e_large)
            return
        time_sweep(folder, workers=1, replicates=2)  # warm-up: imports, caches
        sweep_s, sweep_runs, out = time_sweep(folder, workers=1)
        loop_s, loop_runs, finals = time_numpy(resolved)
        batch_s, batch_runs = time_batch_run(resolved.nations)
        from sim.studies.sweep.executors import default_workers

        cores = default_workers()
        multi_s, multi_runs, _ = time_sweep(folder, workers=cores) if cores > 1 else (0, 0, None)
        gap = check_same_numbers(out, finals)

        rates = {
            "sweep, 1 worker (in process)": sweep_runs / sweep_s,
            "tight loop, update arithmetic only": loop_runs / loop_s,
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
            f"tight loop / sweep: {rates['tight loop, update arithmetic only'] / sweep_rate:.2f}x"
            " (target <= 2x)"
        )
        print(f"same numbers: max |mean final alignment (sweep - loop)| = {gap:.1e}")
        if not args.no_e2e:
            end_to_end(folder, resolved, args.e2e_large)
        if not args.no_memory:
            memory_table(folder, [int(s) for s in args.memory.split(",") if s])


if __name__ == "__main__":
    main()

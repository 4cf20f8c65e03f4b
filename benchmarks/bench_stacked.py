"""One-replicate-per-point designs, stacked vs unstacked, measured in the same run.

A Latin hypercube of POINTS design points x 1 replicate over the seven update rates and budgets
that scenarios/sweeps/sobol_main.yaml varies, on the baseline scenario (scenarios/baseline.yaml,
the 2023 world), STEPS-step runs, final metrics written to Parquet, through the sweep machinery
in this process (``--workers 1``, one BLAS thread, start-up included):

  * unstacked: every design point stepped alone, as a one-column array (what sweeps did before
               issue 9; forced here by a stack width of 1);
  * stacked:   consecutive design points stepped as one array of up to 128 columns, each column
               with its own parameter set (``sim.stacking``);
  * replicate blocks, for scale: a grid of 2 points x POINTS/2 replicates of one parameter set
               each, the layout that was already fast.

The same pair is timed again with a network weight (``org_weights.brics``) added to the design:
then every column has its own influence network, built once per column, and its peer term is
a mat-vec on that network.

The stacked and unstacked results are checked to be identical (every column, every metric).
Best of REPEATS timings each.

Usage: uv run python benchmarks/bench_stacked.py [--points 256] [--steps 200]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.scenario import DEFAULT_SCENARIO  # noqa: E402
from sim.sweep import driver  # noqa: E402
from sim.sweep.driver import run_sweep  # noqa: E402
from sim.sweep.runner import pin_blas_threads  # noqa: E402

REPEATS = 3
VARY = {
    "parameters.china_budget": {"range": [0.0, 4.0]},
    "parameters.investment_pull": {"range": [0.005, 0.05]},
    "parameters.us_pressure_budget": {"range": [0.0, 30.0]},
    "parameters.pressure_pull": {"range": [0.005, 0.06]},
    "parameters.backlash_strength": {"range": [0.0, 1.0]},
    "parameters.peer_weight": {"range": [0.01, 0.15]},
    "parameters.stubbornness": {"range": [0.0, 0.08]},
}
NETWORK_VARY = {**VARY, "parameters.org_weights.brics": {"range": [0.5, 3.0]}}


def write_sweep(folder: Path, name: str, steps: int, **fields) -> Path:
    body = {
        "name": name,
        "question": "benchmark",
        "base": str(DEFAULT_SCENARIO),
        "fixed": {"steps": steps},
        "seed": 2023,
        "outputs": {"metrics": "all"},
        **fields,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def best_time(sweep: Path, folder: Path, label: str, stack: int) -> tuple[float, int, Path]:
    """Best of REPEATS fresh sweeps with the given stack width; (seconds, runs, last folder)."""
    driver.MAX_STACK = stack  # the width a new sweep folder records and uses
    best = (float("inf"), 0, folder)
    for repeat in range(REPEATS):
        out = folder / f"{label}_{repeat}"
        gc.collect()
        start = time.perf_counter()
        report = run_sweep(sweep, out, workers=1)
        elapsed = time.perf_counter() - start
        assert report.failed_total == 0, report.failures
        if elapsed < best[0]:
            best = (elapsed, report.completed, out)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=256)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    pin_blas_threads()
    width = driver.MAX_STACK
    with tempfile.TemporaryDirectory(prefix="bench_stacked_") as tmp:
        folder = Path(tmp)
        lhs = {"vary": VARY, "design": {"kind": "lhs", "samples": args.points}, "replicates": 1}
        sweep = write_sweep(folder, "lhs", args.steps, **lhs)
        warm = write_sweep(folder, "warm", 5, **{**lhs, "design": {"kind": "lhs", "samples": 8}})
        run_sweep(warm, folder / "warm", workers=1)  # imports, caches
        grid = write_sweep(
            folder,
            "grid",
            args.steps,
            vary={"parameters.china_budget": {"values": [1.0, 2.0]}},
            design="grid",
            replicates=args.points // 2,
        )
        network = write_sweep(folder, "lhs_network", args.steps, **{**lhs, "vary": NETWORK_VARY})
        rates: dict[str, float] = {}
        for label, path in (("rates", sweep), ("rates + network weight", network)):
            alone_s, alone_runs, alone_out = best_time(path, folder, f"{label}_alone", 1)
            stacked_s, stacked_runs, stacked_out = best_time(path, folder, f"{label}_st", width)
            key = ["point", "replicate", "step"]
            same = pd.read_parquet(alone_out).sort_values(key).reset_index(drop=True)
            other = pd.read_parquet(stacked_out).sort_values(key).reset_index(drop=True)
            pd.testing.assert_frame_equal(same, other, check_exact=True)
            rates[f"LHS {args.points} x 1, {label}, unstacked"] = alone_runs / alone_s
            rates[f"LHS {args.points} x 1, {label}, stacked"] = stacked_runs / stacked_s
        blocks_s, blocks_runs, _ = best_time(grid, folder, "blocks", width)
        rates[f"grid 2 points x {args.points // 2} replicates"] = blocks_runs / blocks_s
        driver.MAX_STACK = width

    print(
        f"baseline scenario, {args.steps}-step runs, 1 worker, best of {REPEATS}; "
        f"stack width {width}\n"
    )
    print(f"{'':55s} {'runs/s':>8s}")
    for name, rate in rates.items():
        print(f"{name:55s} {rate:8.1f}")
    values = list(rates.values())
    print(f"\nstacked / unstacked, rates:                  {values[1] / values[0]:.2f}x")
    print(f"stacked / unstacked, rates + network weight: {values[3] / values[2]:.2f}x")
    print(f"replicate blocks / stacked (rates):          {values[4] / values[1]:.2f}x")
    print("same numbers: stacked and unstacked results identical (every run, every metric)")


if __name__ == "__main__":
    main()

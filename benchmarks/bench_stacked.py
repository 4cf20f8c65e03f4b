"""One-replicate-per-point designs, stacked vs unstacked, measured in the same run.

A Latin hypercube of POINTS design points x 1 replicate over the seven update rates and budgets
that scenarios/sweeps/sobol_main.yaml varies, on the baseline scenario (scenarios/baseline.yaml,
the 2023 world), STEPS-step runs, final metrics written to Parquet, through the sweep machinery
in this process (``--workers 1``, one BLAS thread, start-up included):

  * unstacked: every design point stepped alone, as a one-column array (what sweeps did before
               issue 9; forced here by a stack width of 1);
  * stacked:   consecutive design points stepped as one array of up to 128 columns, each column
               with its own parameter set (``sim.engine.stacking``);
  * replicate blocks, for scale: a grid of 2 points x POINTS/2 replicates of one parameter set
               each, the layout that was already fast.

The same pair is timed again with a network weight (``org_weights.brics``) added to the design:
then every column has its own influence network, built once per column, and its peer term is
a mat-vec on that network.

The stacked and unstacked results are checked to be identical (every column, every metric).
Best of REPEATS timings each, the configurations taking turns (the machine may be shared).

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

from sim.inputs.scenario import DEFAULT_SCENARIO  # noqa: E402
from sim.studies.sweep import driver  # noqa: E402
from sim.studies.sweep.driver import run_sweep  # noqa: E402
from sim.studies.sweep.runner import pin_blas_threads  # noqa: E402

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


def timed(sweep: Path, out: Path, stack: int) -> tuple[float, int]:
    """One fresh sweep with the given stack width: (seconds, runs)."""
    driver.MAX_STACK = stack  # the width a new sweep folder records and uses
    gc.collect()
    start = time.perf_counter()
    report = run_sweep(sweep, out, workers=1)
    elapsed = time.perf_counter() - start
    assert report.failed_total == 0, report.failures
    return elapsed, report.completed


def interleaved(configs: dict[str, tuple[Path, int]], folder: Path) -> dict[str, float]:
    """Runs per second of each (sweep, stack width), best of REPEATS; the configurations take
    turns in every repeat so that a change in machine load hits them alike."""
    best = dict.fromkeys(configs, 0.0)
    for repeat in range(REPEATS):
        for label, (sweep, stack) in configs.items():
            seconds, runs = timed(sweep, folder / f"{label}_{repeat}".replace(" ", "_"), stack)
            best[label] = max(best[label], runs / seconds)
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
        lhs_name = f"LHS {args.points} x 1"
        configs = {
            f"{lhs_name}, rates, unstacked": (sweep, 1),
            f"{lhs_name}, rates, stacked": (sweep, width),
            f"{lhs_name}, rates + network weight, unstacked": (network, 1),
            f"{lhs_name}, rates + network weight, stacked": (network, width),
            f"grid 2 points x {args.points // 2} replicates": (grid, width),
        }
        rates = interleaved(configs, folder)
        driver.MAX_STACK = width
        key = ["point", "replicate", "step"]
        labels = list(configs)
        for alone, stacked in ((labels[0], labels[1]), (labels[2], labels[3])):
            frames = [
                pd.read_parquet(folder / f"{label}_0".replace(" ", "_"))
                .sort_values(key)
                .reset_index(drop=True)
                for label in (alone, stacked)
            ]
            pd.testing.assert_frame_equal(*frames, check_exact=True)

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

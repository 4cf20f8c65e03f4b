"""Hindcasts per second: the calibration loop against a stacked population and a bare loop.

Issue 9, section 5. Three ways to run the same N nine-year (108-month, 2011-2020) hindcasts,
each with its own parameter set (drawn from the calibration priors) and its own seed, measured in
this process one after the other:

* ``calibration loop``: what ``run.py calibrate`` does per particle today
  (``sim.calibrate.target.Target.simulate``, one run per call, anchors per parameter set);
* ``stacked``: the same N runs as one array (``sim.ensemble.run_stacked``), what a batch
  sampler could call;
* ``bare loop``: the physical limit: the update arithmetic written as a tight in-place numpy loop
  over a dense peer matrix with all constants precomputed, one generator per run, no events, no
  bookkeeping. It does the same work per step, not the same numbers (no Mesa, no checks).

Prints runs per second, the ratios to the bare loop, and the time 10^5 hindcasts would take on
one core at each rate (two cores halve it: runs are independent).

    uv run python benchmarks/bench_calibrate.py [--runs 200]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np

from sim.calibrate.target import Target
from sim.dynamics import prepare
from sim.ensemble import run_stacked
from sim.network import influence_matrix, row_normalise
from sim.params import ModelParams

STEPS = 108  # 2011-01-01 to 2020-01-01: the whole observed record


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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args(argv)
    target = Target.build(date(2011, 1, 1), date(2020, 1, 1), ModelParams(), seed=1)
    sets = draw_sets(args.runs, seed=7)
    results = {}

    began = time.perf_counter()
    for theta in sets:
        target.simulate(theta, 1)
    results["calibration loop"] = time.perf_counter() - began

    began = time.perf_counter()
    run_stacked(
        target.world,
        sets,
        list(range(args.runs)),
        STEPS,
        record=[STEPS],
        reference="own",
    )
    results["stacked"] = time.perf_counter() - began

    began = time.perf_counter()
    bare_loop(target, sets)
    results["bare loop"] = time.perf_counter() - began

    print(f"{args.runs} nine-year hindcasts of the 2011 world, one parameter set and seed each")
    bare = args.runs / results["bare loop"]
    for name, seconds in results.items():
        rate = args.runs / seconds
        print(
            f"  {name:17s} {rate:8.1f} runs/s   {bare / rate:5.2f}x the bare loop's time   "
            f"10^5 runs: {1e5 / rate / 60:6.1f} min on one core"
        )


if __name__ == "__main__":
    main()

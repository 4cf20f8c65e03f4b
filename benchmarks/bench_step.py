"""Per-step time of the array kernel against the per-agent reference update, same run.

Both update the embedded 193-nation world (196 polities) with default parameters. Printed:
median and minimum time per step of

  * reference: the plain per-agent Mesa model (tests/reference_model.py), each agent computing
    its own change in Python from its neighbourhood on a mesa.discrete_space.Network;
  * reference, cached: the same agents with their (peer, weight) lists built once, the fastest
    way to write it per agent in Python (shown so the ratio is not read against a straw man);
  * kernel:    one call of sim.engine.dynamics.step on all nations (Simulation.step: events, noise,
    kernel, blocs);
  * model:     the full CyberBlocModel.step (kernel + all metrics + history + DataCollector);

and the ratio reference / kernel (target: at least 50x). Usage: uv run python benchmarks/bench_step.py
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.mesa.model import CyberBlocModel, default_nations
from tests.reference_model import ReferenceModel, ReferenceNation

WARMUP, STEPS, REPEATS = 5, 100, 5


class CachedNation(ReferenceNation):
    """Per-agent update with the neighbour list and edge weights looked up once."""

    def peer_sums(self) -> tuple[float, float]:
        if not hasattr(self, "peers"):
            edges = self.model.graph[self.row]
            self.peers = [
                (peer, edges[peer.row]["weight"]) for peer in self.cell.neighborhood.agents
            ]
        bound = self.model.params.confidence_bound
        x = self.alignment
        total = weighted = 0.0
        for peer, weight in self.peers:
            if bound is None or abs(x - peer.alignment) <= bound:
                total += weight
                weighted += weight * peer.alignment
        return total, weighted


class CachedReference(ReferenceModel):
    """ReferenceModel whose agents cache their neighbour lists (same numbers)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        for agent in self.nation_list:
            agent.__class__ = CachedNation


def per_step_times(make_stepper) -> list[float]:
    """Seconds per step over REPEATS fresh runs of STEPS steps (GC off while timing)."""
    times = []
    for repeat in range(REPEATS):
        step = make_stepper(repeat)
        for _ in range(WARMUP):
            step()
        gc.collect()
        gc.disable()
        for _ in range(STEPS):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        gc.enable()
    return times


def main() -> None:
    nations = default_nations()
    variants = {
        "reference (per-agent Python)": lambda seed: ReferenceModel(nations=nations, rng=seed).step,
        "reference, neighbour lists cached": lambda seed: (
            CachedReference(nations=nations, rng=seed).step
        ),
        "kernel (Simulation.step)": lambda seed: (
            CyberBlocModel(nations=nations, rng=seed, collect_agent_data=False).sim.step
        ),
        "model (CyberBlocModel.step, all metrics)": lambda seed: (
            CyberBlocModel(nations=nations, rng=seed, collect_agent_data=False).step
        ),
        "model + agent DataCollector": lambda seed: CyberBlocModel(nations=nations, rng=seed).step,
    }
    results = {}
    print(f"{len(nations)} nations, {REPEATS} runs x {STEPS} timed steps each\n")
    print(f"{'variant':44s} {'median ms':>10s} {'min ms':>9s}")
    for name, make in variants.items():
        times = per_step_times(make)
        results[name] = statistics.median(times)
        print(f"{name:44s} {1e3 * statistics.median(times):10.3f} {1e3 * min(times):9.3f}")
    reference = results["reference (per-agent Python)"]
    kernel = results["kernel (Simulation.step)"]
    cached = results["reference, neighbour lists cached"]
    print(f"\nratio reference / kernel: {reference / kernel:.0f}x (target >= 50x)")
    print(f"ratio cached per-agent reference / kernel: {cached / kernel:.0f}x")
    model = results["model (CyberBlocModel.step, all metrics)"]
    print(f"ratio reference / full model step: {reference / model:.1f}x")


if __name__ == "__main__":
    main()

"""Forecasts with intervals: a scenario run as a posterior-predictive ensemble.

Why: one seed of one parameter set is not an answer. A forecast draws ``draws`` parameter sets
from the calibration posterior (by weight, seeded) and runs each with ``seeds`` seeds: the
ensemble has draws x seeds members, so both parameter uncertainty and the model's own noise are
in the intervals. Every member has its own anchors (the starting world is an equilibrium of
every member, as in calibration). All members step as one array (``sim.engine.ensemble.run_stacked``,
the one ensemble path: each column is bit-identical to that member run alone). Reported every
1 January and at the end: quantiles over all members of the bloc sizes and shares, the
joint-response support and the Security Council pass probability, and each nation's alignment.

Member (d, k) (draw d, seed k) draws its noise from ``member_seed(scenario seed, d, k)``, a
function of those three numbers only, so adding draws or seeds never changes existing members.

The default posterior is the fit on all observed years (scenarios/calibration/history_2011_2019.yaml,
shipped as ``sim/data/posterior_2011_2019.parquet``). docs/validation.md says how much such
forecasts can be trusted: on held-out years they were no better than "nothing changes" on levels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import paths
from sim.engine.ensemble import run_stacked
from sim.engine.metrics import assign_blocs
from sim.engine.simulation import Simulation
from sim.inputs.scenario import ResolvedScenario
from sim.world.world import World

POSTERIOR = paths.DATA_DIR / "posterior_2011_2019.parquet"
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
DEFAULT_DRAWS = 200
#: Seeds per posterior draw unless asked otherwise: a few, so that the noise is sampled for
#: every parameter set without multiplying the cost of a few hundred draws.
DEFAULT_SEEDS = 2
#: First entry of a forecast member's seed key: keeps forecast streams apart from the sweep's
#: (point, replicate) keys (sim/studies/sweep/seeds.py) under the same master seed.
FORECAST_STREAM = 9
#: Columns of ``Forecast.outcomes`` that identify a member rather than measure it.
MEMBER_COLUMNS = ("member", "draw", "seed_index", "seed")


@dataclass
class Forecast:
    """Outcomes per member and year: ``outcomes`` (member, draw, seed_index, seed, date,
    outcome...), ``alignment`` (members x dates x nations), ``parameters`` (one row per draw)."""

    dates: list[str]
    iso3: np.ndarray
    outcomes: pd.DataFrame
    alignment: np.ndarray
    posterior_sha256: str
    draws: int = 0
    seeds: int = 1
    parameters: pd.DataFrame | None = None
    #: Posterior parameters the scenario sets itself: held at the scenario's values, not drawn.
    held_fixed: tuple[str, ...] = ()

    def quantiles(self) -> pd.DataFrame:
        """date x outcome: mean and the QUANTILES across all members (draws x seeds)."""
        measured = self.outcomes.drop(columns=list(MEMBER_COLUMNS), errors="ignore")
        grouped = measured.groupby("date")
        frames = {f"q{int(q * 100):02d}": grouped.quantile(q) for q in QUANTILES}
        frames["mean"] = grouped.mean()
        return pd.concat(frames, axis=1)

    def nation_quantiles(self) -> pd.DataFrame:
        """One row per (date, nation): alignment quantiles and P(China-led bloc)."""
        rows = []
        for t, when in enumerate(self.dates):
            values = self.alignment[:, t, :]
            q = np.quantile(values, QUANTILES, axis=0)
            frame = pd.DataFrame({"date": when, "iso3": self.iso3})
            for level, row in zip(QUANTILES, q, strict=True):
                frame[f"q{int(level * 100):02d}"] = row
            frame["p_china_bloc"] = (values >= 0.3).mean(axis=0)
            frame["p_us_bloc"] = (values <= -0.3).mean(axis=0)
            rows.append(frame)
        return pd.concat(rows, ignore_index=True)


def load_posterior(path: Path = POSTERIOR) -> tuple[pd.DataFrame, str]:
    data = Path(path).read_bytes()
    return pd.read_parquet(path), hashlib.sha256(data).hexdigest()


def draw_parameter_sets(posterior: pd.DataFrame, count: int, seed: int) -> list[dict]:
    """``count`` parameter sets drawn by posterior weight, with replacement; a function of
    ``seed`` only, so every scenario forecast under one master seed gets the same draws."""
    names = [c for c in posterior.columns if c != "weight"]
    rng = np.random.default_rng([seed, 2023])
    weights = posterior["weight"].to_numpy() / posterior["weight"].sum()
    rows = rng.choice(len(posterior), size=count, p=weights)
    return [{n: float(posterior.at[r, n]) for n in names} for r in rows]


def member_seed(master_seed: int, draw: int, seed_index: int) -> int:
    """The seed of member (draw, seed_index): 63 bits of SeedSequence(master, spawn_key=
    (FORECAST_STREAM, draw, seed_index)); ``numpy.random.default_rng`` of it is the member's
    generator (a plain integer, so the manifest and members.parquet can name it)."""
    sequence = np.random.SeedSequence(master_seed, spawn_key=(FORECAST_STREAM, draw, seed_index))
    high, low = (int(word) for word in sequence.generate_state(2, np.uint32))
    return ((high << 32) | low) >> 1


def member_seed_rule(master: str) -> str:
    """``member_seed`` in words, for manifests (``master`` names the master seed)."""
    return (
        "member (d, k) = draw d, seed index k: numpy.random.default_rng(63 bits of "
        f"SeedSequence({master}, spawn_key=({FORECAST_STREAM}, d, k)))"
    )


def forecast(
    resolved: ResolvedScenario,
    draws: int = DEFAULT_DRAWS,
    posterior_path: Path = POSTERIOR,
    on_member: Callable[[int], None] | None = None,
    seeds: int = DEFAULT_SEEDS,
    master_seed: int | None = None,
) -> Forecast:
    """Run the scenario for every (posterior draw, seed) pair as one stack; outcomes every 12
    months and at the end. Member m is draw m // seeds with seed index m % seeds.

    A posterior parameter that the scenario sets itself (``backlash_strength: 0`` in
    us_max_pressure_no_backlash) is the scenario's question, so it is held at the scenario's
    value rather than drawn (``Forecast.held_fixed``). ``master_seed`` (default: the scenario's
    seed) keys the draws and the members' noise: scenarios forecast under one master seed share
    both (common random numbers, ``run.py compare --draws``)."""
    if draws < 1 or seeds < 1:
        raise ValueError(f"draws and seeds must be at least 1, got {draws} and {seeds}")
    s = resolved.scenario
    master = s.seed if master_seed is None else master_seed
    posterior, sha = load_posterior(posterior_path)
    world = World.from_frame(resolved.nations, start=s.start)
    steps = sorted({*range(0, s.steps + 1, 12), s.steps})
    start = np.datetime64(s.start.isoformat()[:7], "M")
    dates = [str((start + step).astype("datetime64[D]")) for step in steps]
    thetas = draw_parameter_sets(posterior, draws, master)
    held = tuple(sorted(set(thetas[0]) & s.parameters.model_fields_set))
    drawn = [{k: v for k, v in theta.items() if k not in held} for theta in thetas]
    sets = [s.parameters.replace(**drawn[m // seeds]) for m in range(draws * seeds)]
    member_seeds = [member_seed(master, m // seeds, m % seeds) for m in range(draws * seeds)]
    records: list[dict] = []

    def observe(sim: Simulation, columns: Sequence[int], t: int) -> None:
        gdp = sim.world.gdp_usd
        for j, member in enumerate(columns):
            params = sim.column_params(j)
            x = sim.state.alignment[:, j]
            blocs = assign_blocs(x, params.us_bloc_threshold, params.china_bloc_threshold)
            response = sim.joint_response(j)
            records.append(
                {
                    "member": member,
                    "draw": member // seeds,
                    "seed_index": member % seeds,
                    "seed": member_seeds[member],
                    "date": dates[t],
                    "china_bloc_count": int((blocs == 1).sum()),
                    "us_bloc_count": int((blocs == -1).sum()),
                    "china_bloc_gdp_share": float(gdp[blocs == 1].sum() / gdp.sum()),
                    "joint_response_support": response.share_nations,
                    "unsc_pass_probability": response.pass_probability,
                }
            )
            if on_member and t == len(steps) - 1:
                on_member(member)

    alignment = run_stacked(
        world,
        sets,
        member_seeds,
        s.steps,
        events=s.events,
        record=steps,
        reference="own",
        observe=observe,
    )
    outcomes = pd.DataFrame(records).sort_values(["member", "date"], ignore_index=True)
    parameters = pd.DataFrame(drawn)
    parameters.insert(0, "draw", range(draws))
    return Forecast(
        dates,
        world.iso3,
        outcomes,
        np.ascontiguousarray(alignment.transpose(2, 0, 1)),
        sha,
        draws=draws,
        seeds=seeds,
        parameters=parameters,
        held_fixed=held,
    )

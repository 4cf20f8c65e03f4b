"""Forecasts with intervals: a scenario run as a posterior-predictive ensemble.

Why: one seed of one parameter set is not an answer. A forecast draws ``draws`` parameter sets
from the calibration posterior (by weight, seeded), runs the scenario once with each (its own
seed, its own anchors: the starting world is an equilibrium of every member, as in calibration),
and reports quantiles of the outcomes every 1 January: bloc sizes and shares, the joint-response
support and the Security Council pass probability, and each nation's alignment.

The default posterior is the fit on all observed years (scenarios/calibration/history_2011_2019.yaml,
shipped as ``sim/data/posterior_2011_2019.parquet``). docs/validation.md says how much such
forecasts can be trusted: on held-out years they were no better than "nothing changes" on levels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.metrics import assign_blocs
from sim.scenario import ResolvedScenario
from sim.simulation import Simulation
from sim.sweep.seeds import run_generator
from sim.world import World

POSTERIOR = Path(__file__).resolve().parent / "data" / "posterior_2011_2019.parquet"
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
DEFAULT_DRAWS = 200


@dataclass
class Forecast:
    """Outcomes per member and year: ``outcomes`` (member, date, outcome), ``alignment``
    (members x dates x nations)."""

    dates: list[str]
    iso3: np.ndarray
    outcomes: pd.DataFrame
    alignment: np.ndarray
    posterior_sha256: str

    def quantiles(self) -> pd.DataFrame:
        """date x outcome: mean and the QUANTILES across members."""
        grouped = self.outcomes.groupby("date")
        frames = {f"q{int(q * 100):02d}": grouped.quantile(q) for q in QUANTILES}
        frames["mean"] = grouped.mean()
        stacked = pd.concat(frames, axis=1).drop(columns="member", level=1, errors="ignore")
        return stacked

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
    names = [c for c in posterior.columns if c != "weight"]
    rng = np.random.default_rng([seed, 2023])
    weights = posterior["weight"].to_numpy() / posterior["weight"].sum()
    rows = rng.choice(len(posterior), size=count, p=weights)
    return [{n: float(posterior.at[r, n]) for n in names} for r in rows]


def forecast(
    resolved: ResolvedScenario,
    draws: int = DEFAULT_DRAWS,
    posterior_path: Path = POSTERIOR,
    on_member: Callable[[int], None] | None = None,
) -> Forecast:
    """Run the scenario once per posterior draw; outcomes every 12 months and at the end."""
    s = resolved.scenario
    posterior, sha = load_posterior(posterior_path)
    world = World.from_frame(resolved.nations)
    steps = sorted({*range(0, s.steps + 1, 12), s.steps})
    start = np.datetime64(s.start.isoformat()[:7], "M")
    dates = [str((start + step).astype("datetime64[D]")) for step in steps]
    records = []
    alignment = np.empty((draws, len(steps), world.n))
    for member, theta in enumerate(draw_parameter_sets(posterior, draws, s.seed)):
        params = s.parameters.replace(**theta)
        sim = Simulation(world, params, s.events, run_generator(s.seed, 2, member), params)
        for t, step in enumerate(steps):
            while sim.step_index < step:
                sim.step()
            x = sim.state.alignment
            alignment[member, t] = x
            blocs = assign_blocs(x, params.us_bloc_threshold, params.china_bloc_threshold)
            response = sim.joint_response()
            gdp = sim.world.gdp_usd
            records.append(
                {
                    "member": member,
                    "date": dates[t],
                    "china_bloc_count": int((blocs == 1).sum()),
                    "us_bloc_count": int((blocs == -1).sum()),
                    "china_bloc_gdp_share": float(gdp[blocs == 1].sum() / gdp.sum()),
                    "joint_response_support": response.share_nations,
                    "unsc_pass_probability": response.pass_probability,
                }
            )
        if on_member:
            on_member(member)
    return Forecast(dates, world.iso3, pd.DataFrame(records), alignment, sha)


def figure(result: Forecast, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    q = result.quantiles()
    when = pd.to_datetime(q.index)
    panels = [
        ("china_bloc_count", "China-led bloc (nations)"),
        ("joint_response_support", "joint-response support (share)"),
        ("unsc_pass_probability", "Security Council pass probability"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for ax, (name, label) in zip(axes, panels, strict=True):
        ax.fill_between(
            when,
            q[("q05", name)],
            q[("q95", name)],
            color="#c44e52",
            alpha=0.2,
            label="90% interval",
        )
        ax.fill_between(
            when,
            q[("q25", name)],
            q[("q75", name)],
            color="#c44e52",
            alpha=0.35,
            label="50% interval",
        )
        ax.plot(when, q[("q50", name)], color="#8c1c13", label="median")
        ax.set_title(label, fontsize=10)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

"""Blocs, polarization and the North Korea joint-response measure: pure functions of a state.

The command line, the front end and the sweeps all read these; none re-implements them.
Equations and their assumptions are in docs/ODD.md ("Observation").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.stance import StanceModel, default_stance_model, security_council_pass_probability

if TYPE_CHECKING:
    from sim.engine.dynamics import State
    from sim.engine.params import ModelParams
    from sim.world.world import World

US_BLOC, NON_ALIGNED, CHINA_BLOC = -1, 0, 1

#: Model-level series, in the order they are reported (all from ``summarise``).
METRIC_NAMES: tuple[str, ...] = (
    "us_count",
    "nonaligned_count",
    "china_count",
    "us_pop_share",
    "nonaligned_pop_share",
    "china_pop_share",
    "us_gdp_share",
    "nonaligned_gdp_share",
    "china_gdp_share",
    "mean_alignment",
    "esteban_ray",
    "bimodality",
    "emergent_blocs",
    "switches",
    "sanction_support_share",
    "sanction_support_gdp_share",
    "veto_opponents",
    "unsc_pass_probability",
    "mean_norm",
    "mean_threat_us",
    "china_stock_bn",
)

#: One line per series: what it measures. The front end's Measures view, its summary bar and the
#: docs read these; a test checks every series has one.
METRIC_DEFINITIONS: dict[str, str] = {
    "us_count": "Nations in the US-led bloc (alignment at or below the US-bloc threshold, -0.3).",
    "nonaligned_count": "Nations between the two bloc thresholds.",
    "china_count": "Nations in the China-led bloc (alignment at or above +0.3).",
    "us_pop_share": "Share of world population living in US-led bloc nations.",
    "nonaligned_pop_share": "Share of world population living in non-aligned nations.",
    "china_pop_share": "Share of world population living in China-led bloc nations.",
    "us_gdp_share": "Share of world nominal GDP produced by US-led bloc nations.",
    "nonaligned_gdp_share": "Share of world nominal GDP produced by non-aligned nations.",
    "china_gdp_share": "Share of world nominal GDP produced by China-led bloc nations.",
    "mean_alignment": "Average alignment of all nations (-1 with the US, +1 with China).",
    "esteban_ray": "Esteban-Ray polarization: 0 none, 1 two equal camps at the extremes.",
    "bimodality": "Sarle's bimodality coefficient of the alignments; above 5/9 suggests two camps.",
    "emergent_blocs": "Clusters of the alignment density found without thresholds (its modes).",
    "switches": "Nations whose bloc changed this month.",
    "sanction_support_share": "Expected share of nations backing a joint response against the "
    "target (North Korea by default), from the fitted stance model.",
    "sanction_support_gdp_share": "The same support weighted by nominal GDP.",
    "veto_opponents": "Expected number of permanent Security Council members voting no.",
    "unsc_pass_probability": "Probability that a Security Council resolution passes: no veto "
    "and at least 9 of 15 votes.",
    "mean_norm": "Average commitment to non-intervention ('cyber sovereignty'), 0 to 1.",
    "mean_threat_us": "Average cyber threat nations perceive from the US.",
    "china_stock_bn": "Chinese-built infrastructure stock abroad, USD billion (built during the run).",
}
#: What a reader sees as each series' name (titles of charts), with its unit.
METRIC_LABELS: dict[str, str] = {
    "us_count": "US-led bloc (nations)",
    "nonaligned_count": "Non-aligned (nations)",
    "china_count": "China-led bloc (nations)",
    "us_pop_share": "US-led bloc, share of world population",
    "nonaligned_pop_share": "Non-aligned, share of world population",
    "china_pop_share": "China-led bloc, share of world population",
    "us_gdp_share": "US-led bloc, share of world GDP",
    "nonaligned_gdp_share": "Non-aligned, share of world GDP",
    "china_gdp_share": "China-led bloc, share of world GDP",
    "mean_alignment": "Mean alignment (-1 US, +1 China)",
    "esteban_ray": "Polarisation (Esteban-Ray, 0-1)",
    "bimodality": "Bimodality coefficient (Sarle)",
    "emergent_blocs": "Emergent blocs (clusters)",
    "switches": "Bloc switches this month (nations)",
    "sanction_support_share": "Joint-response support, share of nations",
    "sanction_support_gdp_share": "Joint-response support, share of GDP",
    "veto_opponents": "Expected vetoes (permanent members voting no)",
    "unsc_pass_probability": "Security Council pass probability",
    "mean_norm": "Non-intervention norm, mean (0-1)",
    "mean_threat_us": "Perceived US cyber threat, mean",
    "china_stock_bn": "Chinese infrastructure stock abroad (USD bn)",
}
BLOC_NAMES = {US_BLOC: "us", NON_ALIGNED: "nonaligned", CHINA_BLOC: "china"}


def assign_blocs(x: np.ndarray, us_threshold: float, china_threshold: float) -> np.ndarray:
    """-1 (US-led) at or below us_threshold, +1 (China-led) at or above china_threshold, else 0."""
    return (x >= china_threshold).view(np.int8) - (x <= us_threshold).view(np.int8)


def bloc_shares(blocs: np.ndarray, population: np.ndarray, gdp: np.ndarray) -> dict[str, float]:
    """Count, world-population share and world-GDP share of each bloc."""
    out: dict[str, float] = {}
    total_pop, total_gdp = population.sum(), gdp.sum()
    for code, name in BLOC_NAMES.items():
        members = blocs == code
        out[f"{name}_count"] = int(members.sum())
        out[f"{name}_pop_share"] = float(population[members].sum() / total_pop)
        out[f"{name}_gdp_share"] = float(gdp[members].sum() / total_gdp)
    return out


def esteban_ray(x: np.ndarray, alpha: float = 1.6, bins: int = 20) -> float:
    """Esteban-Ray polarization of the alignment distribution, normalised to [0, 1].

    Nations are grouped into ``bins`` equal-width groups on [-1, 1] with shares pi_k and
    midpoints y_k; ER = sum_k sum_l pi_k^(1+alpha) pi_l |y_k - y_l|, divided by its value for
    two equal groups at the extremes bins (the most polarised distribution on this grid).
    """
    counts, edges = np.histogram(np.clip(x, -1.0, 1.0), bins=bins, range=(-1.0, 1.0))
    shares = counts / counts.sum()
    mids = (edges[:-1] + edges[1:]) / 2.0
    distance = np.abs(mids[:, None] - mids[None, :])
    value = float((shares[:, None] ** (1.0 + alpha) * shares[None, :] * distance).sum())
    extreme = mids[-1] - mids[0]
    maximum = 2.0 * 0.5 ** (1.0 + alpha) * 0.5 * extreme
    return float(value / maximum)


def bimodality_coefficient(x: np.ndarray) -> float:
    """Sarle's bimodality coefficient with sample skewness g and excess kurtosis k:

    BC = (g^2 + 1) / (k + 3 (n-1)^2 / ((n-2)(n-3))).  BC > 5/9 suggests two or more modes.
    """
    n = len(x)
    if n < 4 or np.std(x) < 1e-9:  # undefined for (near-)identical values
        return float("nan")
    # Bias-corrected sample skewness and excess kurtosis (scipy.stats.skew / kurtosis with
    # bias=False), written with numpy: scipy's call overhead was most of a sweep's metric time.
    d = x - x.mean()
    m2, m3, m4 = (d * d).mean(), (d**3).mean(), (d**4).mean()
    g = np.sqrt(n * (n - 1.0)) / (n - 2.0) * m3 / m2**1.5
    k = ((n * n - 1.0) * m4 / m2**2 - 3.0 * (n - 1.0) ** 2) / ((n - 2.0) * (n - 3.0))
    return float((g**2 + 1.0) / (k + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


@dataclass(frozen=True)
class EmergentBlocs:
    """Threshold-free blocs: the modes of the alignment density and who falls in each."""

    labels: np.ndarray  # cluster id per nation, 0..n_clusters-1, ordered from US side to China side
    centres: np.ndarray  # alignment at each mode
    sizes: np.ndarray


def emergent_blocs(
    x: np.ndarray, bandwidth: float = 0.1, min_share: float = 0.03, grid: int = 401
) -> EmergentBlocs:
    """Clusters of the alignment distribution, found without thresholds.

    A Gaussian kernel density (bandwidth h) is evaluated on a grid over [-1, 1]; each local
    maximum is a bloc centre and nations belong to the basin between the neighbouring minima.
    Basins holding fewer than ``min_share`` of nations are merged into the adjacent basin whose
    centre is closer, so a handful of outliers does not count as a bloc. One, two, three or more
    blocs can come out.
    """
    points = np.linspace(-1.0, 1.0, grid)
    density = _binned_density(x, bandwidth, grid)
    rising = np.diff(density) > 0
    # A minimum is where the density stops falling and starts rising.
    cuts = list(np.flatnonzero(~rising[:-1] & rising[1:]) + 1)
    min_count = max(1, int(np.ceil(min_share * len(x))))
    while True:
        labels = np.searchsorted(points[cuts], x)
        sizes = np.bincount(labels, minlength=len(cuts) + 1)
        small = np.flatnonzero(sizes < min_count)
        if not cuts or not small.size:
            break
        k = small[np.argmin(sizes[small])]
        # Merge across the shallower of the two valleys that bound the small basin.
        bounding = [c for c in (k - 1, k) if 0 <= c < len(cuts)]
        cuts.pop(max(bounding, key=lambda c: density[cuts[c]]))
    centres = np.array([x[labels == k].mean() for k in range(len(sizes))])
    return EmergentBlocs(labels=labels.astype(np.int16), centres=centres, sizes=sizes)


def _binned_density(x: np.ndarray, bandwidth: float, grid: int) -> np.ndarray:
    """Gaussian kernel density of x on ``grid`` points over [-1, 1], by linear binning and one
    convolution (the standard fast KDE; error of order the squared grid step, here 0.005^2),
    instead of evaluating every kernel at every grid point."""
    step = 2.0 / (grid - 1)
    position = (np.clip(x, -1.0, 1.0) + 1.0) / step
    left = np.minimum(position.astype(np.intp), grid - 2)
    right_share = position - left
    counts = np.bincount(left, 1.0 - right_share, minlength=grid)
    counts += np.bincount(left + 1, right_share, minlength=grid)
    half = int(np.ceil(4.0 * bandwidth / step))
    offsets = np.arange(-half, half + 1) * step
    kernel = np.exp(-0.5 * (offsets / bandwidth) ** 2)
    full = np.convolve(counts, kernel)  # full convolution, then the part over the grid
    return full[half : half + grid]


@dataclass(frozen=True)
class JointResponse:
    """Expected backing for a joint response (e.g. cyber sanctions) against the target state."""

    support: np.ndarray  # P(yes) per nation (0 for the target itself)
    opposition: np.ndarray  # P(no) per nation
    share_nations: float  # expected share of the other nations voting yes
    share_gdp: float  # expected share of their GDP
    veto_holders: tuple[str, ...]
    veto_probabilities: np.ndarray  # P(no) of each veto holder, in veto_holders' order
    pass_probability: float  # P(a Security Council resolution passes)

    @property
    def expected_vetoes(self) -> float:
        return float(self.veto_probabilities.sum())

    @property
    def likely_vetoes(self) -> tuple[str, ...]:
        """Veto holders more likely than not to vote no."""
        return tuple(
            code
            for code, p in zip(self.veto_holders, self.veto_probabilities, strict=True)
            if p > 0.5
        )


def joint_response(
    alignment: np.ndarray,
    norm: np.ndarray,
    target_tie: np.ndarray,
    gdp: np.ndarray,
    iso3: np.ndarray,
    veto_mask: np.ndarray,
    target: str = "PRK",
    stance: StanceModel | None = None,
    un_member: np.ndarray | None = None,
) -> JointResponse:
    """Each nation's stance probabilities (sim.engine.stance) and what they add up to. The target never
    backs a measure against itself; shares are of all other nations and of their GDP."""
    model = stance or default_stance_model()
    no, _, yes = model.probabilities(alignment, norm, target_tie, target)
    eligible = iso3 != target
    yes = np.where(eligible, yes, 0.0)
    no = np.where(eligible, no, 1.0)
    permanent = veto_mask & eligible
    # the ten elected seats go to UN members only (not Palestine, Taiwan or Kosovo)
    elected_pool = eligible & ~veto_mask & (un_member if un_member is not None else True)
    p_elected = float(yes[elected_pool].mean()) if elected_pool.any() else 0.0
    return JointResponse(
        support=yes,
        opposition=no,
        share_nations=float(yes[eligible].sum() / eligible.sum()),
        share_gdp=float((yes * gdp)[eligible].sum() / gdp[eligible].sum()),
        veto_holders=tuple(str(code) for code in iso3[permanent]),
        veto_probabilities=no[permanent],
        pass_probability=security_council_pass_probability(
            no[permanent], yes[permanent], p_elected
        ),
    )


def target_tie(normalised_ties, world: World, target: str) -> np.ndarray:
    """t_ik: the share of each nation's peer attention that goes to the target (column of W)."""
    if target not in world.index:
        return np.zeros(world.n)
    column = normalised_ties[:, [world.index[target]]]
    return np.asarray(column.toarray() if hasattr(column, "toarray") else column).ravel()


def switches(previous_blocs: np.ndarray, blocs: np.ndarray) -> int:
    """How many nations changed bloc since the previous step."""
    return int((previous_blocs != blocs).sum())


def summarise(
    world: World,
    params: ModelParams,
    state: State,
    blocs: np.ndarray,
    previous_blocs: np.ndarray,
    response: JointResponse,
) -> dict[str, float]:
    """Every model-level series (METRIC_NAMES) for one run's current state (1-D arrays);
    ``response`` is ``joint_response`` on that state (computed once by the caller, who also
    writes its per-nation probabilities)."""
    x = state.alignment
    out: dict[str, float] = dict(bloc_shares(blocs, world.population, world.gdp_usd))
    out |= {
        "mean_alignment": float(x.mean()),
        "esteban_ray": esteban_ray(x),
        "bimodality": bimodality_coefficient(x),
        "emergent_blocs": len(emergent_blocs(x, params.emergent_bandwidth).sizes),
        "switches": switches(previous_blocs, blocs),
        "sanction_support_share": response.share_nations,
        "sanction_support_gdp_share": response.share_gdp,
        "veto_opponents": response.expected_vetoes,
        "unsc_pass_probability": response.pass_probability,
        "mean_norm": float(state.norm.mean()),
        "mean_threat_us": float(state.threat_us.mean()),
        "china_stock_bn": float(state.stock.sum()),
    }
    return out

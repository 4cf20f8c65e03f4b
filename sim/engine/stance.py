"""Each nation's stance on a joint response against a target state, as a probability.

The article's main outcome is whether a coalition to sanction North Korea's cyber crimes can be
built. Rather than a formula of fixed scores, each nation i votes on a collective measure
against target k like it voted on the UN General Assembly's country-specific resolutions
2010-2019 (Iran, Syria, North Korea, Myanmar, Crimea): an ordered logit over no < abstain < yes,

    eta_ik = b_x x_i + b_n n_i + b_t t_ik + a_k
    P(no) = L(c_1 - eta),  P(no or abstain) = L(c_2 - eta),  P(yes) = 1 - L(c_2 - eta)

with x_i the alignment, n_i the non-intervention norm (both model state, so the stance moves
when they do), t_ik the share of i's peer attention that goes to the target (W_ik), a_k the
target's own effect (the mean of the fitted targets for a target never voted on) and L the
logistic function. The coefficients are fitted on the recorded votes by ``sim.history.stance_fit``
and shipped in ``sim/data/stance_model.json`` (docs/ODD.md 7.8, docs/stance.md).

The Security Council outcome is computed, not assumed: a resolution passes when no permanent
member votes no and at least 9 of the 15 members vote yes (UN Charter art. 27(3)).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy.special import expit

from sim import paths

STANCE_FILE = paths.DATA_DIR / "stance_model.json"

#: Elected members of the Security Council (UN Charter art. 23) and the votes a resolution needs.
ELECTED_MEMBERS = 10
VOTES_NEEDED = 9


@dataclass(frozen=True)
class StanceModel:
    """Fitted coefficients of the ordered logit (names as in the module docstring)."""

    alignment: float  # b_x
    norm: float  # b_n
    target_tie: float  # b_t
    cut_no: float  # c_1
    cut_abstain: float  # c_2 (> c_1)
    target_effects: dict[str, float]  # a_k by ISO3 code

    def target_effect(self, target: str) -> float:
        """a_k; for a target without recorded votes, the mean over the fitted targets."""
        if target in self.target_effects:
            return self.target_effects[target]
        return float(np.mean(list(self.target_effects.values())))

    def probabilities(
        self, alignment: np.ndarray, norm: np.ndarray, target_tie: np.ndarray, target: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(P(no), P(abstain), P(yes)) per nation (same shape as the inputs)."""
        eta = (
            self.alignment * alignment
            + self.norm * norm
            + self.target_tie * target_tie
            + self.target_effect(target)
        )
        no = expit(self.cut_no - eta)
        no_or_abstain = expit(self.cut_abstain - eta)
        return no, no_or_abstain - no, 1.0 - no_or_abstain

    @classmethod
    def from_dict(cls, data: dict) -> StanceModel:
        c = data["coefficients"]
        return cls(
            alignment=c["alignment"],
            norm=c["norm"],
            target_tie=c["target_tie"],
            cut_no=c["cut_no"],
            cut_abstain=c["cut_abstain"],
            target_effects=dict(c["target_effects"]),
        )


@cache
def default_stance_model(path: Path = STANCE_FILE) -> StanceModel:
    """The shipped fit (``uv run python -m sim.history.stance_fit`` rewrites it)."""
    return StanceModel.from_dict(json.loads(path.read_text(encoding="utf-8")))


def at_least(probabilities: np.ndarray, count: int) -> float:
    """P(at least ``count`` successes) among independent trials (Poisson-binomial, exact)."""
    distribution = np.zeros(len(probabilities) + 1)
    distribution[0] = 1.0
    for p in probabilities:
        distribution[1:] = distribution[1:] * (1.0 - p) + distribution[:-1] * p
        distribution[0] *= 1.0 - p
    return float(distribution[count:].sum())


def security_council_pass_probability(
    p_no_permanent: np.ndarray, p_yes_permanent: np.ndarray, p_yes_elected: float
) -> float:
    """P(a resolution passes): no permanent member votes no, and at least 9 yes votes.

    Votes are independent given the state; the ten elected members are represented by the
    mean yes-probability of the non-permanent UN members (who sits on the Council in a given
    year is not modelled). Conditioning on no veto, a permanent member votes yes with
    P(yes) / (1 - P(no)).
    """
    no_veto = float(np.prod(1.0 - p_no_permanent))
    if no_veto <= 0.0:
        return 0.0
    conditional_yes = np.divide(
        p_yes_permanent,
        1.0 - p_no_permanent,
        out=np.zeros_like(p_yes_permanent),
        where=p_no_permanent < 1.0,
    )
    trials = np.concatenate([conditional_yes, np.full(ELECTED_MEMBERS, p_yes_elected)])
    return no_veto * at_least(trials, VOTES_NEEDED)

"""Each nation's starting position on the US (-1) <-> China (+1) axis.

Why: UNGA votes alone (``sim.world.unga``) measure how a state votes relative to the
typical UN member, the US and China; they cannot see alliances, and on their own they
leave almost every Gulf, Asian and African state between the median and China. Formal
security ties are the other half of the evidence: a NATO member does not start a cyber
contest neutral, whatever it votes on Palestine. So the starting alignment is a weighted
sum of the vote score and a *tie score*, both in [-1, 1]:

    alignment = clip(w_votes * vote + w_ties * tie, -1, 1),   USA := -1, CHN := +1

with the weights, the tie levels and the fallback for polities without votes documented
(and their consequences counted) in ``docs/initial_alignment.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.world import ties
from sim.world.world import sco_strength

# The weights and the tie levels live in sim/world/ties.py (one definition for data and model).
W_VOTES = ties.W_VOTES
W_TIES = ties.W_TIES

ANCHORS: dict[str, float] = {"USA": -1.0, "CHN": 1.0}


def tie_score(nations: pd.DataFrame) -> pd.Series:
    """Security-tie score in [-1, 1] per nation (indexed by iso3): ``sim.world.ties.tie_score`` on the
    table's columns, the one definition the model also uses when ties change."""
    n = _by_iso3(nations)
    sco = sco_strength(n)
    score = ties.tie_score(
        security_tie=n["security_tie"].to_numpy(float),
        eu=n["eu"].to_numpy(float),
        extra_us=ties.extra_us_ties(n.index.to_numpy(str)),
        csto=n["csto"].to_numpy(float),
        sco_strength=sco,
        brics=n["brics"].to_numpy(float),
        un_charter_friends=n["un_charter_friends"].to_numpy(float),
        bri_mou=n["bri_mou"].to_numpy(float),
    )
    return pd.Series(score, index=n.index, name="tie_score")


def vote_component(
    nations: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    column: str = "unga_alignment",
    min_votes: int = 100,
) -> tuple[pd.Series, pd.Series]:
    """Vote score per nation, with a fallback where there are no (or too few) votes.

    Fallback, in order: mean ``column`` of the UN members with votes in the same
    *subregion*, then in the same *region*, then 0 (the median UN member). The bloc
    leaders (USA, CHN) are left out of these means: they are the anchors of the scale,
    not neighbours to imitate (otherwise Taiwan would inherit half of China's +1).
    Returns ``(value, source)`` with source in {"votes", "subregion", "region", "none"}.
    """
    n = _by_iso3(nations)
    s = scores.reindex(n.index)
    has = s[column].notna() & (s["unga_n_votes"].fillna(0) >= min_votes)
    value = s[column].where(has)
    source = pd.Series(np.where(has, "votes", "none"), index=n.index, dtype=object)
    donors = has & ~n.index.isin(list(ANCHORS))
    for level in ("subregion", "region"):
        means = value[donors].groupby(n.loc[donors, level]).mean()
        fill = value.isna() & n[level].map(means).notna()
        value[fill] = n.loc[fill, level].map(means)
        source[fill] = level
    value = value.fillna(0.0)
    return value.rename("vote_component"), source.rename("vote_source")


def initial_alignment(
    nations: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    w_votes: float = W_VOTES,
    w_ties: float = W_TIES,
    anchors: Mapping[str, float] = ANCHORS,
    min_votes: int = 100,
) -> pd.Series:
    """Starting alignment in [-1, 1] per nation: US camp < -0.3 < middle < +0.3 < China camp.

    ``nations`` has the columns of ``sim/data/nations.csv`` (iso3, region, subregion and
    the 0/1 membership flags); ``scores`` is :func:`sim.world.unga.vote_scores`.
    ``alignment = clip(w_votes * vote + w_ties * tie, -1, 1)``, then the bloc leaders are
    set to their anchors (USA -1, CHN +1) by definition. Returned in the row order of
    ``nations``, indexed by iso3, named ``alignment``.
    """
    vote, _ = vote_component(nations, scores, min_votes=min_votes)
    tie = tie_score(nations)
    out = (w_votes * vote + w_ties * tie).clip(-1.0, 1.0)
    for iso3, value in anchors.items():
        if iso3 in out.index:
            out[iso3] = value
    return out.rename("alignment")


def alignment_table(nations: pd.DataFrame, scores: pd.DataFrame, **kwargs: float) -> pd.DataFrame:
    """Alignment with its ingredients side by side (for docs, checks and debugging)."""
    n = _by_iso3(nations)
    min_votes = int(kwargs.get("min_votes", 100))
    vote, source = vote_component(nations, scores, min_votes=min_votes)
    return pd.DataFrame(
        {
            "name": n["name"],
            "vote_component": vote,
            "vote_source": source,
            "tie_score": tie_score(nations),
            "non_intervention": scores["non_intervention"].reindex(n.index),
            "alignment": initial_alignment(nations, scores, **kwargs),
        }
    )


def bloc_counts(alignment: pd.Series, threshold: float = 0.3) -> dict[str, int]:
    """Number of nations in the US camp (< -t), the middle, and the China camp (> +t)."""
    return {
        "us": int((alignment < -threshold).sum()),
        "middle": int(alignment.between(-threshold, threshold).sum()),
        "china": int((alignment > threshold).sum()),
    }


def _by_iso3(nations: pd.DataFrame) -> pd.DataFrame:
    """The nations frame indexed by iso3 (accepts it either as a column or the index)."""
    if "iso3" in nations.columns:
        return nations.set_index("iso3")
    return nations.rename_axis("iso3")

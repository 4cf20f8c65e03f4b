"""Summaries by organisation and region, month by month: the groups the article is about.

Why: BRICS, the SCO and African and Arab states are the article's subject, and a reader of a run
wants to see them move as groups. Each month a group is its members *that month* (membership
strength > 0, so a suspended member is out and an accession shows), or the nations of a UN region.
Per group and month: members, mean and standard deviation of alignment, bloc counts, mean
non-intervention norm and mean probability of backing the joint response. Written by ``run`` as
``groups.parquet``.
"""

from __future__ import annotations

import pandas as pd

#: Organisations summarised (the nations frame's ``member_<name>`` columns).
GROUP_ORGANISATIONS = (
    "brics",
    "sco",
    "african_union",
    "arab_league",
    "asean",
    "gcc",
    "eu",
    "nato",
    "five_eyes",
)


def group_frame(nations: pd.DataFrame) -> pd.DataFrame:
    """One row per (step, group) from a run's nations frame (sim.mesa.model.RunHistory)."""
    masks = {f"org:{org}": nations[f"member_{org}"] > 0 for org in GROUP_ORGANISATIONS}
    for region in sorted(nations["region"].unique()):
        masks[f"region:{region}"] = nations["region"] == region
    frames = []
    for group, mask in masks.items():
        rows = nations[mask]
        summary = rows.groupby(["step", "date"]).agg(
            members=("iso3", "size"),
            mean_alignment=("alignment", "mean"),
            sd_alignment=("alignment", "std"),
            china_bloc=("bloc", lambda b: int((b == 1).sum())),
            us_bloc=("bloc", lambda b: int((b == -1).sum())),
            mean_non_intervention=("non_intervention", "mean"),
            joint_response_support=("joint_response_support", "mean"),
        )
        summary.insert(0, "group", group)
        frames.append(summary.reset_index())
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["step", "group"]).reset_index(drop=True)

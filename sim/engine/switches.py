"""The switch log: which nation changed bloc in which month, and which mechanism carried it.

Why: a jump in a bloc's share (India crossing +0.3) means nothing to a reader without the name and
the reason. For every month and every nation whose bloc changed, the log gives the bloc before and
after and the mechanism whose contribution that month pushed hardest in the direction of the move
(sim.engine.dynamics.MECHANISMS: investment, pressure, peers, stubbornness, noise), with the totals of each
mechanism since month 0 so a slow drift that crossed the line on a small push is visible too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.dynamics import MECHANISMS
from sim.engine.metrics import BLOC_NAMES


def switch_log(history, world) -> pd.DataFrame:
    """One row per (month, nation) bloc change, from a RunHistory."""
    rows = []
    totals = np.zeros((len(MECHANISMS), world.n))
    for t in range(1, len(history.steps)):
        contributions = history.contributions[t]  # (mechanisms, n): this month's changes
        totals += contributions
        before, after = history.blocs[t - 1], history.blocs[t]
        for i in np.flatnonzero(before != after):
            direction = np.sign(int(after[i]) - int(before[i]))  # +1 toward China
            push = contributions[:, i] * direction
            rows.append(
                {
                    "step": int(history.steps[t]),
                    "date": history.dates[t],
                    "iso3": str(world.iso3[i]),
                    "name": str(world.name[i]),
                    "from": BLOC_NAMES[int(before[i])],
                    "to": BLOC_NAMES[int(after[i])],
                    "alignment": float(history.alignment[t][i]),
                    "carried_by": MECHANISMS[int(np.argmax(push))],
                    **{f"total_{m}": float(totals[k, i]) for k, m in enumerate(MECHANISMS)},
                }
            )
    columns = ["step", "date", "iso3", "name", "from", "to", "alignment", "carried_by"]
    columns += [f"total_{m}" for m in MECHANISMS]
    return pd.DataFrame(rows, columns=columns)

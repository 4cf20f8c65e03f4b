"""The Chinese-built infrastructure stock a run starts with: the observed finance up to the
start date, depreciated month by month (docs/ODD.md 5 and 7.1).

Why a module of its own: the kernel's initial state needs it, and the driver schedule
(``sim.engine.drivers``) builds on the kernel; here it depends on neither.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.stacking import is_per_column
from sim.world.driver_history import DriverHistory, months_before

MONTHS = 12


def initial_stock(
    history: DriverHistory | None, depreciation: Any, n: int, replicates: int | None = None
) -> np.ndarray:
    """The Chinese-built stock on the start date, USD bn (docs/ODD.md 5):

        K(0) = sum over the months m before the start of (1 - delta)^(months after m) F_y(m) / 12

    each year's finance F_y spread evenly over its 12 months and depreciated monthly, computed
    as the kernel's own recursion K <- (1 - delta) K + F / 12 from January 2000 (the first year
    of the record) to the month before the start. ``depreciation`` may be a (1, R) array
    (columns with different rates): the stock is then (n, R).
    """
    per_column = is_per_column(depreciation)
    stock = np.zeros((n, 1) if per_column else n)
    if history is not None:
        keep = 1.0 - depreciation
        for j, year in enumerate(history.years):
            monthly = history.finance_bn[:, j] / MONTHS
            if per_column:
                monthly = monthly[:, None]
            for _ in range(months_before(history.start, int(year))):
                stock = keep * stock + monthly
    if per_column and stock.shape[1] == 1:
        stock = np.broadcast_to(stock, (n, depreciation.shape[1])).copy()
    if replicates is not None and stock.ndim == 1:
        stock = np.repeat(stock[:, None], replicates, axis=1)
    return stock

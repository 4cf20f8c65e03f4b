"""Nation agents: one per nation, each a thin view on its own row of the model's arrays.

The alignment of a nation lives in ``model.state.alignment[row]``, so the array kernel can update
all nations at once while Mesa's tooling (``agents.get``, ``select``, ``groupby``, the
DataCollector, portrayals) still sees ordinary agent attributes. Views go through ``self.model``
rather than Mesa's experimental numpy agent properties, which are unsafe with two live models.
"""

from __future__ import annotations

from typing import Protocol

import mesa
import numpy as np

from sim.engine.dynamics import MECHANISMS, State
from sim.engine.metrics import BLOC_NAMES
from sim.world.world import World


class NationArrays(Protocol):
    """What an agent reads from its model (``CyberBlocModel`` provides it). A protocol, not
    the model class, so the agents module does not import the model that imports it."""

    world: World
    state: State
    blocs: np.ndarray
    contributions: np.ndarray


class NationAgent(mesa.Agent):
    """A nation with an alignment between the US (-1) and China (+1).

    Args:
        model: The model whose arrays hold this nation's state.
        row: The nation's row in those arrays.
    """

    model: NationArrays

    def __init__(self, model: NationArrays, row: int) -> None:
        super().__init__(model)
        self.row = row
        world = model.world
        self.iso3 = str(world.iso3[row])
        self.name = str(world.name[row])
        self.region = str(world.region[row])
        self.subregion = str(world.subregion[row])

    @property
    def alignment(self) -> float:
        return float(self.model.state.alignment[self.row])

    @alignment.setter
    def alignment(self, value: float) -> None:
        self.model.state.alignment[self.row] = min(1.0, max(-1.0, value))

    @property
    def bloc(self) -> int:
        """-1 US-led, 0 non-aligned, +1 China-led."""
        return int(self.model.blocs[self.row])

    @property
    def bloc_name(self) -> str:
        return BLOC_NAMES[self.bloc]

    @property
    def infrastructure_stock(self) -> float:
        """Chinese-built infrastructure stock, USD bn."""
        return float(self.model.state.stock[self.row])

    @property
    def threat_us(self) -> float:
        return float(self.model.state.threat_us[self.row])

    @property
    def threat_china(self) -> float:
        return float(self.model.state.threat_china[self.row])

    @property
    def disposition(self) -> float:
        return float(self.model.world.disposition[self.row])

    def last_move(self) -> dict[str, float]:
        """What moved this nation in the last step, by mechanism (zero before the first step)."""
        return {
            mechanism: float(self.model.contributions[k, self.row])
            for k, mechanism in enumerate(MECHANISMS)
        }

"""``from sim.model import CyberBlocModel``: the documented path of the Mesa model, kept for the
notebooks and scripts that use it. The model lives in ``sim.mesa.model``."""

from sim.mesa.model import CyberBlocModel, RunHistory

__all__ = ["CyberBlocModel", "RunHistory"]

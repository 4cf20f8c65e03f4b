"""The Mesa face of the model: ``CyberBlocModel`` and ``NationAgent``.

The agents are thin views on their rows of the engine's arrays, so Mesa's own tooling
(``batch_run``, the DataCollector, ``agents.select``) works while the arithmetic runs in the
array kernel of ``sim.engine``. ``from sim.model import CyberBlocModel`` is the same class.

May import: ``sim.engine``, ``sim.world``, ``sim.paths``.
"""

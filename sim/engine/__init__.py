"""The engine: parameters, events and the pure array kernel that steps a world.

Owns: the parameter schema (``params``), the event vocabulary (``events``), the update kernel
(``dynamics``) and its stacking of many runs into one array (``stacking``), one run's state over
time (``simulation``), many runs at once (``ensemble``), the metrics of a state (``metrics``,
``groups``, ``switches``) and the joint-response stance model (``stance``).

May import: ``sim.world``, ``sim.paths``. No I/O beyond reading the embedded fitted stance
model; no Mesa, no files written, no figures.
"""

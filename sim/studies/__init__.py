"""Studies: many runs of one or several scenarios, all through one run engine.

Owns: parameter sweeps (``sweep``: designs, seeds, runner, executors, resumable store, analysis,
scenario discovery), replicate studies (``replicates``), scenario comparisons (``compare``) and
posterior-predictive forecasts (``forecast``). Numbers only: figures and folders of results are
drawn and written by ``sim.present``.

May import: ``sim.inputs``, ``sim.mesa``, ``sim.engine``, ``sim.world``, ``sim.paths``.
"""

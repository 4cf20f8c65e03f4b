"""The model against the record: observed series, hindcasts, skill scores, calibration and the
validation documents.

Owns: the observed alignment and vote series (``observed``, ``observed_votes``), the stance
model's fit (``stance_fit``), hindcasts and their scoring (``hindcast``, ``skill``), ABC-SMC
calibration (``calibrate``) and the generated parts of docs/validation.md (``validation_doc``).
Runs go through the engine's ensembles and the studies' run engine; figures are drawn by
``sim.present``.

May import: ``sim.studies``, ``sim.inputs``, ``sim.mesa``, ``sim.engine``, ``sim.world``,
``sim.paths``.
"""

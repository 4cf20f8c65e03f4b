"""cyberbloc: an agent-based model of nations drifting into US- and China-led cyber blocs.

The package is laid out as the pipeline it runs, one package per stage. Imports run one way,
from the top of this list down (``tests/test_architecture.py`` fails on any import that runs
back up, and on any import loop):

========================  =================================================================
``sim.cli``               commands only: parse, call one function below, print
``sim.present``           figures, result folders, the HTML report, the Solara front end
``sim.history``           the observed record, hindcasts, skill, calibration, validation
``sim.studies``           many runs: sweeps, replicates, comparisons, forecasts
``sim.inputs``            scenario and calibration files -> validated objects; provenance
``sim.mesa``              ``CyberBlocModel`` and ``NationAgent``: the face Mesa users see
``sim.engine``            parameters, events, the array kernel, stacking, metrics (pure)
``sim.world``             sources -> the world at a date: nations, memberships, ties, network
``sim.data``, ``paths``   the embedded files and where they are (no code)
========================  =================================================================

docs/architecture.md describes what flows between the stages and where each kind of change
goes. ``from sim.model import CyberBlocModel`` (the Mesa model) keeps working.
"""

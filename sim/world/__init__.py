"""The world at a date: from the embedded sources to the arrays the kernel runs on.

Owns: the nations table and its builder (``nations``, ``build_nations``), the dated tables of
memberships, recognitions and yearly attributes (``dated_tables``) and the world of any date
(``dated``), the UN vote record and vote scores (``unga``), the starting alignment
(``initial_alignment``, ``ties``), the influence network (``network``), the organisations'
vocabulary (``organisations``) and the ``World`` arrays (``world``); the extract scripts that
refresh the raw files (``extract_*``, ``build_world_map``: build time only).

May import: ``sim.paths`` and this package only. Nothing here knows about parameters, runs,
scores or figures.
"""

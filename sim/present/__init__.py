"""How results are shown: figures (``figures``), the files of a run (``outputs``), the map
geometry (``geo``), the HTML study report (``report``), generated docs tables
(``network_report``) and the Solara front end (``viz``).

Colours live here (``viz.colors``), never in the layers below. May import every layer below:
``sim.history``, ``sim.studies``, ``sim.inputs``, ``sim.mesa``, ``sim.engine``, ``sim.world``.
"""

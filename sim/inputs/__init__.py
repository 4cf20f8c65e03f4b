"""What a run is made from, read and checked at the door: scenario files (``scenario``),
calibration files (``calibration``), and the provenance every result records (``provenance``).

Every file a user gives is parsed here, with one safe YAML reader and one-line errors naming the
file, line and field. May import: ``sim.mesa``, ``sim.engine``, ``sim.world``, ``sim.paths``.
"""

"""The embedded data, as files: the nations table of 2023, the raw extracts it is built from
(``raw/``, with ``SOURCES.md``), the observed series, the fitted stance model and the shipped
posterior. No code lives here: readers are in ``sim.world`` (inputs) and ``sim.history`` (the
record), and find these files through ``sim.paths.DATA_DIR``. Sources: docs/data.md."""

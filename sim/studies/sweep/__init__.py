"""Parameter sweeps: sweep files, designs, seeds, parallel and cluster execution, resumable
Parquet results and their analysis. User guide: docs/sweeps.md.

Modules, one job each: ``spec`` (the sweep-file schema), ``design`` (design points), ``seeds``
(a seed per run), ``runner`` (blocks of runs stepped as one array: a point's replicates, or consecutive points
each with its own parameters), ``executors`` (where
chunks run), ``store`` (the results folder), ``driver`` (missing runs -> chunks -> store),
``analysis`` (aggregates, Sobol/Morris indices, figures).
"""

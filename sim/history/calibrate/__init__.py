"""Calibration against history: priors + the observed alignment series -> a posterior (pyabc).

``spec`` validates a calibration file, ``target`` computes the discrepancy between a run and the
record, ``run`` drives pyabc's ABC-SMC with a resumable database, ``report`` writes the
posterior, diagnostics and figures. docs/calibration.md describes the method and the choices.
"""

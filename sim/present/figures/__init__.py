"""Static figures (PNG, matplotlib without pyplot): one module per kind of result: a run
(``run``), a forecast, a hindcast, a comparison, a calibration, a sweep and its discovery."""

"""Suite-wide settings: the real-browser tests count as slow.

``uv run pytest`` runs the quick suite (``-m "not slow"`` in pyproject.toml); ``uv run pytest
-m slow`` runs the rest (end-to-end calibrations, interrupted sweeps, the browser tests); CI
(``.ci/run``) runs both.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("ui") is not None:
            item.add_marker(pytest.mark.slow)

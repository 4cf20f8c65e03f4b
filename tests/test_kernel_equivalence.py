"""One model, two speeds: the array kernel agrees with the per-agent reference update."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mesa.model import CyberBlocModel
from tests.reference_model import ReferenceModel
from tests.synthetic import synthetic_nations

VARIANTS = [
    {},
    {"confidence_bound": 0.5},
    {"china_targeting": "swing", "us_targeting": "swing"},
    {"china_targeting": "need", "us_targeting": "allies", "fixed_leaders": False},
    {"china_targeting": "uniform", "us_targeting": "uniform", "noise_sd": 0.05},
    {
        "org_weights": {"five_eyes": 6.0, "nam": 0.5},
        "region_weight": 1.0,
        "norm_investment_pull": 0.05,
    },
]


@pytest.mark.parametrize("overrides", VARIANTS, ids=lambda v: ",".join(v) or "defaults")
def test_kernel_matches_per_agent_reference_on_synthetic_world(overrides):
    frame = synthetic_nations(40, seed=2)
    fast = CyberBlocModel(nations=frame, rng=5, **overrides)
    slow = ReferenceModel(nations=frame, rng=5, **overrides)
    for _ in range(120):
        fast.step()
        slow.step()
        assert np.max(np.abs(fast.state.alignment - np.array(slow.alignment))) < 1e-12
        assert np.max(np.abs(fast.state.norm - np.array(slow.norms))) < 1e-12
    assert np.ptp(fast.state.alignment) > 0.1  # something actually happened
    moved = fast.state.alignment - fast.world.alignment
    assert np.abs(moved).max() > 0.01


def test_kernel_matches_per_agent_reference_on_the_real_2023_world():
    """The production network, anchors and targeting on the embedded world, against the
    reference built from the raw table columns."""
    from sim.world.nations import load_nations

    frame = load_nations()
    fast = CyberBlocModel(nations=frame, rng=3, china_budget=4.0)
    slow = ReferenceModel(nations=frame, rng=3, china_budget=4.0)
    for _ in range(24):
        fast.step()
        slow.step()
    assert np.max(np.abs(fast.state.alignment - np.array(slow.alignment))) < 1e-12
    assert np.max(np.abs(fast.state.norm - np.array(slow.norms))) < 1e-12

"""docs/network.md: current with the code, and its numbers right on a world small enough to do by
hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.engine.params import ORGANISATIONS, ModelParams
from sim.present.network_report import channel_summary, nation_table, network_markdown, world_shares
from sim.world.network import channel_ties, peer_weight_shares
from sim.world.world import World


def test_network_docs_are_generated_from_the_code():
    """Regenerate with `uv run python -m sim.present.network_report docs/network.md`."""
    assert Path("docs/network.md").read_text(encoding="utf-8") == network_markdown()


def _toy_world():
    """USA, JPN, KOR, XXX. US alliance (weight 1): USA hub, JPN tie 1, KOR tie 0.5. BRICS
    (weight 1): KOR and XXX. Region (weight 0.5): JPN, KOR, XXX share one; USA is alone.

    Attention by hand (w_c m_ic): USA alliance 1 (the hub), region 0 (alone);
    JPN alliance 1, region 0.5; KOR alliance 0.5, BRICS 1, region 0.5; XXX BRICS 1, region 0.5.
    """
    iso3 = np.array(["USA", "JPN", "KOR", "XXX"])
    membership = np.zeros((4, len(ORGANISATIONS)))
    membership[:, ORGANISATIONS.index("us_alliance")] = [1.0, 1.0, 0.5, 0.0]
    membership[:, ORGANISATIONS.index("brics")] = [0.0, 0.0, 1.0, 1.0]
    weights = {org: 0.0 for org in ORGANISATIONS} | {"us_alliance": 1.0, "brics": 1.0}
    region = np.array(["North", "East", "East", "East"])
    return membership, region, weights, 0.5, iso3


def _toy_shares():
    return peer_weight_shares(*_toy_world())


def test_the_alliance_is_hub_and_spoke_as_the_doc_says():
    """docs/network.md says an ally's alliance weight goes to the US only; the shares alone
    cannot show it (a clique with shared attention gives the same shares), so check the ties:
    JPN (tau 1) and KOR (tau 0.5) each tie to the US with w tau, not to each other, and the US
    spreads its 1.0 as 1 : 0.5 over them."""
    alliance = channel_ties(*_toy_world())["us_alliance"]
    usa, jpn, kor = 0, 1, 2
    assert alliance[jpn].tolist() == pytest.approx([1.0, 0.0, 0.0, 0.0])
    assert alliance[kor].tolist() == pytest.approx([0.5, 0.0, 0.0, 0.0])
    assert alliance[usa].tolist() == pytest.approx([0.0, 2 / 3, 1 / 3, 0.0])


def test_shares_and_summary_on_a_hand_computed_world():
    shares = _toy_shares()
    assert shares.loc["JPN", "us_alliance"] == pytest.approx(2 / 3)
    assert shares.loc["JPN", "region"] == pytest.approx(1 / 3)
    assert shares.loc["KOR", ["us_alliance", "brics", "region"]].tolist() == pytest.approx(
        [0.25, 0.5, 0.25]
    )
    assert shares.loc["USA", "us_alliance"] == pytest.approx(1.0)
    summary = channel_summary(shares)
    # The alliance reaches USA (1), JPN (2/3), KOR (1/4); the region JPN, KOR and XXX only.
    assert summary.loc["us_alliance"].tolist() == pytest.approx([3, 2 / 3, 0.25, 1.0])
    assert summary.loc["region"].tolist() == pytest.approx([3, 1 / 3, 0.25, 1 / 3])
    assert summary.loc["brics", "median"] == pytest.approx((0.5 + 2 / 3) / 2)


def test_nation_table_leaves_unused_channels_out_and_rounds_to_percent():
    lines = nation_table(_toy_shares(), codes=("KOR", "JPN", "ZZZ"))
    assert lines[0] == "| nation | BRICS | US alliance (hub and spoke) | UN region |"
    assert lines[2] == "| KOR | 50% | 25% | 25% |"
    assert lines[3] == "| JPN |  | 67% | 33% |"
    assert len(lines) == 4  # an unknown code is skipped


def test_a_large_organisation_does_not_outweigh_a_small_one_on_the_real_world():
    """The point of sharing attention: each Non-Aligned Movement member gets the movement's 0.05
    weight in all, against its region's 0.5, however many the 120 members are, so the movement
    never supplies more than 0.05 / 0.55 = 1/11 of anyone's peers; North Korea, in no other
    organisation, gets exactly that (issue 8: it had been 70%)."""
    from sim.world.nations import load_nations

    shares = world_shares(World.from_frame(load_nations()), ModelParams())
    assert (shares["nam"] > 0).sum() >= 100
    assert shares["nam"].max() <= 1 / 11 + 1e-12
    assert shares.loc["PRK", "nam"] == pytest.approx(1 / 11)
    assert shares.loc["PRK", "region"] == pytest.approx(10 / 11)

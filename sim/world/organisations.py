"""The organisations of the model's world: a closed vocabulary, one table of display names.

A fact of the world (who can be a member of what), so it lives with the world; the parameters
(``sim.engine.params``: each organisation's peer weight), events and views name these.
"""

from __future__ import annotations

from typing import Literal, get_args

#: Organisations whose shared membership creates influence ties. Closed vocabulary: scenario
#: events and weights may only name these.
Organisation = Literal[
    "brics",
    "sco",
    "five_eyes",
    "nato",
    "eu",
    "african_union",
    "arab_league",
    "asean",
    "gcc",
    "csto",
    "nam",
    "us_alliance",
]
ORGANISATIONS: tuple[str, ...] = get_args(Organisation)

#: Display names of the organisations (front end, reports): one table for every reader.
ORGANISATION_LABELS: dict[str, str] = {
    "brics": "BRICS",
    "sco": "SCO",
    "five_eyes": "Five Eyes",
    "nato": "NATO",
    "eu": "EU",
    "african_union": "African Union",
    "arab_league": "Arab League",
    "asean": "ASEAN",
    "gcc": "GCC",
    "csto": "CSTO",
    "nam": "Non-Aligned Movement",
    "us_alliance": "US alliances",
}

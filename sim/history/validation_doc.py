"""Regenerate the generated parts of docs/validation.md (the hindcast table).

    uv run python -m sim.history.validation_doc

The calibration tables come from the calibration runs' own files (docs/validation/*/); a test
checks both against what the code computes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim import paths

DOC = paths.DOCS_DIR / "validation.md"
MARKER = "hindcast-table"
COLUMNS = {
    "RMSE level": "rmse_level",
    "rank corr level": "rank_corr_level",
    "RMSE change": "rmse_change",
    "rank corr change": "rank_corr_change",
    "CRPS": "crps",
    "skill vs persistence": "skill_vs_persistence",
}


def hindcast_table_markdown() -> str:
    """The fit table of `run.py run hindcast` as Markdown."""
    from sim.history.hindcast import score_against_history
    from sim.inputs.scenario import load_scenario

    table = score_against_history(load_scenario("hindcast")).table()
    lines = [
        "| predictor | " + " | ".join(COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for name, row in table.iterrows():
        cells = ["-" if np.isnan(row[c]) else f"{row[c]:.3f}" for c in COLUMNS.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update(doc: Path = DOC) -> None:
    text = doc.read_text()
    head, rest = text.split(f"<!-- {MARKER}", 1)
    comment, rest = rest.split("-->\n", 1)
    _, tail = rest.split(f"<!-- end {MARKER}", 1)
    doc.write_text(
        f"{head}<!-- {MARKER}{comment}-->\n{hindcast_table_markdown()}\n<!-- end {MARKER}{tail}"
    )


if __name__ == "__main__":
    update()
    print(f"updated {DOC}")

"""docs/notebook.md cannot rot: its ```python blocks run, in order and in one namespace as
notebook cells do, in a fresh interpreter started in a temporary folder outside the project with
no PYTHONPATH, so `import sim` must come from the installed package (issue 11 item 7)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "notebook.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_doc_has_the_promised_blocks():
    blocks = python_blocks(DOC.read_text())
    joined = "\n".join(blocks)
    assert len(blocks) >= 6
    for needed in ("load_scenario", "CyberBlocModel", ".step()", "datacollector", "Page()"):
        assert needed in joined, needed


@pytest.mark.slow
def test_notebook_doc_code_runs_from_another_folder(tmp_path):
    script = tmp_path / "cells.py"
    cells = python_blocks(DOC.read_text())
    script.write_text("\n\n".join(cells) + "\nprint('ALL CELLS RAN')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ALL CELLS RAN" in done.stdout
    assert "Starting from the world of 1 January 2023" in done.stdout  # the baseline question

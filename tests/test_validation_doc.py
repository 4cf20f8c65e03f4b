"""docs/validation.md's numbers are what the code computes: the hindcast table is recomputed in
full; the calibration's validation table is recomputed from the committed posterior."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

DOC = Path("docs/validation.md")
RUN = Path("docs/validation/history_2011_2016")


def doc_table(marker: str) -> pd.DataFrame:
    text = DOC.read_text()
    block = text.split(f"<!-- {marker}")[1].split(f"<!-- end {marker}")[0]
    rows = [line for line in block.splitlines() if line.startswith("| ") and "---" not in line]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    body = [[c.strip() for c in r.strip("|").split("|")] for r in rows[1:]]
    return pd.DataFrame(body, columns=header).set_index(header[0])


def test_hindcast_table_in_the_doc_is_what_run_hindcast_computes():
    from sim.history.validation_doc import hindcast_table_markdown

    text = DOC.read_text()
    block = text.split("<!-- hindcast-table")[1].split("-->\n", 1)[1].split("\n<!-- end")[0]
    assert block == hindcast_table_markdown()


def test_committed_validation_table_is_recomputed_from_the_committed_posterior():
    from sim.history.calibrate.validate import validation_table
    from sim.inputs.calibration import load_calibration

    spec, _, _ = load_calibration(RUN / "_calibration.yaml")
    posterior = pd.read_parquet(RUN / "posterior.parquet")
    table, _ = validation_table(spec, posterior)
    committed = pd.read_csv(RUN / "validation.csv", index_col=0)
    pd.testing.assert_frame_equal(table, committed, check_exact=False, rtol=1e-9, atol=1e-12)
    # and the doc quotes it
    text = DOC.read_text()
    for name in ("calibrated", "uncalibrated"):
        rmse = f"{committed.at[name, 'rmse_level']:.3f}"
        assert re.search(rf"\| {name} \| {rmse} \|", text), name

"""`run.py report FOLDER` (issue 11 item 5): the page holds the folder's own numbers, read here
from its files independently of sim/report.py, is self-contained (every image a data: URI of the
folder's PNG, no http(s) reference, no script), escapes text from files, and refuses anything
but a run, compare or sweep folder with one line and exit 2."""

from __future__ import annotations

import base64
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from tests.report_folders import HOSTILE, compare_folder, run_folder, sweep_folder

runner = CliRunner()


def f4(value) -> str:
    """How the page writes a number: 4 significant digits."""
    return f"{value:.4g}"


class Page(HTMLParser):
    """The page's text (unescaped), its src/href attributes and its tags."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.feed(text)
        self.body = " ".join(self.text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data", "poster"):
                self.links.append((tag, name, value or ""))

    def handle_data(self, data):
        self.text.append(data)


def report(folder: Path, *extra: str) -> tuple[Path, Page]:
    result = runner.invoke(app, ["report", str(folder), *extra])
    assert result.exit_code == 0, result.output
    written = Path(result.output.split("report:", 1)[1].strip())
    return written, Page(written.read_text())


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("report")
    return {"run": run_folder(base), "compare": compare_folder(base), "sweep": sweep_folder(base)}


def test_run_report_holds_the_runs_numbers(folders):
    folder = folders["run"]
    written, page = report(folder)
    assert written == folder / "report.html"
    summary = json.loads((folder / "summary.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    text = page.body
    assert HOSTILE in text  # the question, as text
    for bloc in ("us", "nonaligned", "china"):
        for key in ("nations", "population_share", "gdp_share"):
            assert f4(summary["blocs_end"][bloc][key]) in text
    for name, value in summary["final_metrics"].items():
        assert f"{name} {f4(value)}" in " ".join(text.split()), name
    # the event and the changed parameter
    assert "China doubles its budget" in text and "scale_parameter" in text
    # who switched, how often, and the mechanism that carried the last crossing
    log = pd.read_csv(folder / "switches.csv")
    assert summary["switched"], "the test run should have nations that ended elsewhere"
    for entry in summary["switched"]:
        mine = log[log["iso3"] == entry["iso3"]]
        last = mine.iloc[-1]
        row = f"{entry['name']} {entry['iso3']}"
        assert row in " ".join(text.split())
        assert (
            f"{len(mine)} {last['date']} {last['carried_by']} {f4(last['total_investment'])}"
            in (" ".join(text.split()))
        ), entry["iso3"]
    for mechanism, count in log["carried_by"].value_counts().items():
        assert f"{mechanism} {count}" in " ".join(text.split())
    groups = pd.read_parquet(folder / "groups.parquet")
    brics = groups[(groups["group"] == "org:brics") & (groups["step"] == groups["step"].max())]
    assert f4(brics["mean_alignment"].iloc[0]) in text
    # provenance
    for value in (manifest["git_commit"], manifest["content_hash"], str(manifest["seed"])):
        assert value in text
    assert manifest["versions"]["numpy"] in text
    assert "matches the recorded scenario" in text


def test_compare_report_holds_means_and_intervals(folders):
    folder = folders["compare"]
    _, page = report(folder)
    text = page.body
    table = pd.read_parquet(folder / "compare.parquet")
    manifest = json.loads((folder / "manifest.json").read_text())
    end = table.groupby("scenario", sort=False).tail(1)
    assert list(end["scenario"]) == ["calm", "surge"]
    for _, row in end.iterrows():
        for outcome in ("china_bloc_count", "china_bloc_gdp_share", "joint_response_support"):
            mean, lo, hi = (row[f"{outcome}_{s}"] for s in ("mean", "lo", "hi"))
            assert f"{f4(mean)} [{f4(lo)}, {f4(hi)}]" in text, (row["scenario"], outcome)
    # the calm and surge budgets differ from each other: both shown side by side
    assert "china_budget 0 5 1" in " ".join(text.split())
    for digest in manifest["content_hashes"]:
        assert digest in text
    assert manifest["git_commit"] in text and str(manifest["replicates"]) in text


def test_sweep_report_holds_points_prim_and_provenance(folders):
    folder = folders["sweep"]
    written, page = report(folder)
    assert written == folder / "_report.html"  # pandas.read_parquet(folder) must skip it
    assert len(pd.read_parquet(folder)) == 6 * 3 * 3  # 6 points x 3 replicates x 3 kept steps
    text = page.body
    points = pd.read_csv(folder / "_analysis" / "points.csv")
    for outcome in ("china_gdp_share", "sanction_support_share"):
        rows = points[points["outcome"] == outcome]
        assert len(rows) == 6
        for _, row in rows.iterrows():
            assert f"{f4(row['mean'])} [{f4(row['ci95_low'])}, {f4(row['ci95_high'])}]" in text
            assert f"{f4(row['p2_5'])} to {f4(row['p97_5'])}" in text
    box = pd.read_csv(folder / "_analysis" / "discovery" / "box.csv")
    for _, row in box.iterrows():
        assert f"{row['parameter']} {f4(row['lower'])} {f4(row['upper'])}" in " ".join(text.split())
    about = json.loads((folder / "_analysis" / "discovery" / "discovery.json").read_text())
    assert about["condition"] == "china_gdp_share > 0.25"
    assert (
        f"Condition china_gdp_share &gt; 0.25: met by {about['cases']} of {about['runs']} runs"
        in written.read_text()
    )
    assert f"holds {f4(about['coverage'])} of those runs" in text
    manifest = json.loads((folder / "_manifest.json").read_text())
    for value in (
        manifest["sweep_hash"],
        manifest["base_scenario_hash"],
        manifest["git_commit"],
        manifest["seeds"]["rule"],
    ):
        assert value in text
    assert "<i>really</i>" in text  # the question as text
    assert "china_budget parameters.china_budget values=0, 2, 8" in " ".join(text.split())


def test_sweep_without_analysis_reports_the_runs_themselves(folders, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(folders["sweep"], folder, ignore=shutil.ignore_patterns("_analysis", "_lock"))
    _, page = report(folder)
    assert "No `run.py analyze` output yet" in page.body
    runs = pd.read_parquet(folder)
    final = runs[runs["final"]].groupby("point")["china_gdp_share"].mean()
    for value in final:
        assert f4(value) in page.body
    assert not [tag for tag in page.tags if tag == "img"]


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_page_is_self_contained(folders, kind):
    folder = folders[kind]
    written, page = report(folder)
    html = written.read_text()
    assert "http://" not in html and "https://" not in html
    # no script or outside resource; the <script>, <b> and <i> of the questions stayed text
    assert not {"script", "link", "iframe", "object", "embed", "b", "i"} & set(page.tags)
    images = [value for tag, name, value in page.links if tag == "img"]
    other = [value for tag, name, value in page.links if tag != "img"]
    assert all(value.startswith("#") for value in other), other  # in-page anchors only
    # every PNG of the folder is on the page, byte for byte, and nothing else
    pngs = sorted(p.read_bytes() for p in folder.rglob("*.png"))
    assert pngs, "the folder should have figures"
    prefix = "data:image/png;base64,"
    assert all(value.startswith(prefix) for value in images)
    assert sorted(base64.b64decode(value[len(prefix) :]) for value in images) == pngs
    assert "default-src 'none'" in html  # the browser refuses any other source too
    assert not list(written.parent.glob(f".{written.name}.*"))  # no temporary file left


def test_out_option_and_sweep_folder_guard(folders, tmp_path):
    target = tmp_path / "study.html"
    written, page = report(folders["compare"], "--out", str(target))
    assert written == target and "calm" in page.body
    bad = runner.invoke(
        app, ["report", str(folders["sweep"]), "--out", str(folders["sweep"] / "r.html")]
    )
    assert bad.exit_code == 2 and "must start with '_'" in bad.stderr
    assert not (folders["sweep"] / "r.html").exists()
    missing = runner.invoke(
        app, ["report", str(folders["run"]), "--out", str(tmp_path / "no" / "x.html")]
    )
    assert missing.exit_code == 2 and len(missing.stderr.strip().splitlines()) == 1
    # written again: the command replaces its own page, never a file it did not write
    again, _ = report(folders["compare"], "--out", str(target))
    assert again == target
    mine = tmp_path / "notes.html"
    mine.write_text("<html>my own notes</html>")
    refused = runner.invoke(app, ["report", str(folders["compare"]), "--out", str(mine)])
    assert refused.exit_code == 2 and "is not a page run.py report wrote" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert mine.read_text() == "<html>my own notes</html>"


def _bad_folders(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty"
    empty.mkdir()
    forecast = tmp_path / "forecast"
    forecast.mkdir()
    (forecast / "manifest.json").write_text(json.dumps({"scenario": {}, "draws": 10}))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "manifest.json").write_text(json.dumps({"scenario": {"name": "x"}}))
    (damaged / "summary.json").write_text("[1, 2]")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    return {
        "missing": tmp_path / "nowhere",
        "empty": empty,
        "forecast": forecast,
        "broken": broken,
        "damaged": damaged,
        "file": a_file,
    }


def test_bad_folders_exit_2_with_one_line(tmp_path):
    for label, folder in _bad_folders(tmp_path).items():
        result = runner.invoke(app, ["report", str(folder)])
        assert result.exit_code == 2, (label, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (label, lines)
        assert str(folder) in lines[0], (label, lines[0])
        if label not in ("broken", "damaged"):
            assert "run, compare or sweep" in lines[0], (label, lines[0])
        assert "Traceback" not in result.output
        assert not (folder / "report.html").exists()


def test_older_folders_still_report_and_say_what_is_missing(folders, tmp_path):
    """A compare folder from before manifests recorded provenance, a run folder from before the
    switch log and group table: the page is written and says what the folder does not hold."""
    compare = tmp_path / "compare"
    shutil.copytree(folders["compare"], compare)
    manifest = json.loads((compare / "manifest.json").read_text())
    for key in ("versions", "git_commit", "command", "created"):
        del manifest[key]
    (compare / "manifest.json").write_text(json.dumps(manifest))
    _, page = report(compare)
    assert "git commit not recorded" in " ".join(page.body.split())
    assert "Package versions" not in page.body

    run = tmp_path / "run"
    shutil.copytree(folders["run"], run)
    (run / "switches.csv").unlink()
    (run / "groups.parquet").unlink()
    _, page = report(run)
    text = " ".join(page.body.split())
    assert "this folder has no switch log (switches.csv)" in text
    assert "Organisations and regions" not in text
    summary = json.loads((run / "summary.json").read_text())
    for entry in summary["switched"]:
        assert f"{entry['name']} {entry['iso3']}" in text

"""Real-browser test of `run.py report`: each page (run, compare, sweep folder) opened from disk
(file://) in headless Chromium with every request that is not file: or data: aborted and
recorded. Only a browser shows that the inlined figures actually decode (naturalWidth > 0) and
that the page asks for nothing else (a stylesheet, a font, a favicon, a script from a CDN).
Needs the system Chromium; skipped without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from tests.report_folders import compare_folder, run_folder, sweep_folder

pytestmark = pytest.mark.ui

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    """Each kind's report page and the number of PNG files its folder holds."""
    base = tmp_path_factory.mktemp("report-ui")
    out = {}
    for kind, make in (("run", run_folder), ("compare", compare_folder), ("sweep", sweep_folder)):
        folder = make(base)
        result = CliRunner().invoke(app, ["report", str(folder)])
        assert result.exit_code == 0, result.output
        page = folder / ("_report.html" if kind == "sweep" else "report.html")
        out[kind] = (page, len(list(folder.rglob("*.png"))))
    return out


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield browser
        finally:
            browser.close()


def open_offline(browser, url: str):
    """A page whose requests other than file: and data: are aborted and listed."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.outside = []
    page.errors = []

    def guard(route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url, wait_until="load")
    return page


def test_the_guard_sees_an_outside_request(browser, tmp_path):
    """The check below can fail: a page with one remote image is caught."""
    probe = tmp_path / "probe.html"
    probe.write_text('<!DOCTYPE html><img src="http://example.invalid/x.png">')
    page = open_offline(browser, probe.as_uri())
    assert page.outside == ["http://example.invalid/x.png"]
    page.close()


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_report_opens_offline_with_every_figure_decoded(browser, pages, kind):
    path, pngs = pages[kind]
    page = open_offline(browser, path.as_uri())
    widths = page.eval_on_selector_all(
        "img", "els => els.map(e => (e.complete ? e.naturalWidth : 0))"
    )
    assert len(widths) == pngs and pngs > 0
    assert all(width > 0 for width in widths), widths
    assert page.outside == [], f"requests left the page: {page.outside}"
    assert page.errors == [], page.errors
    # The study reads in order and a folded table opens.
    headings = page.locator("h2").all_inner_texts()
    assert headings[0] == "The question" and headings[-1] == "Provenance"
    folded = page.locator("details").first
    folded.locator("summary").click()
    sync_api.expect(folded.locator("table")).to_be_visible()
    page.close()

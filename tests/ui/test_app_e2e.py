"""Real-browser end-to-end test of the front end: `run.py viz` on a free loopback port, driven by
headless Chromium through Playwright.

What only a browser catches: Solara's JavaScript shell must load from the local asset cache
(offline: no CDN), the Vue templates of the map must compile and run, and nothing may reach
beyond 127.0.0.1. Screenshots go to test-results/ui/ (gitignored). Needs the system Chromium
(`apt-get install -y chromium`; Playwright cannot download its own browser here): without it
the test is skipped.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.ui

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-results" / "ui"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT = 60  # s; a cold start imports mesa, solara, pandas (~15 s here)

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` "
        "(.ci/run does) to run the real-browser test",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
expect.set_options(timeout=15_000)  # a 2-core box under a full test run is slow to repaint


def _free_port() -> int:
    from sim.present.viz.launch import free_port

    return free_port()


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """`run.py viz baseline --port N` as a subprocess in its own process group."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = open(ARTIFACTS / "server.log", "w")  # noqa: SIM115 (closed in finally)
    env = {**os.environ, "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/"}  # a miss fails here
    proc = subprocess.Popen(
        [sys.executable, "run.py", "viz", "baseline", "--port", str(port)],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"run.py viz exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"no server after {SERVER_START_TIMEOUT} s; see {log.name}")
            time.sleep(0.25)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


@pytest.fixture
def page():
    """A Chromium page that aborts and records any request not to 127.0.0.1, and records
    console errors, page errors and HTTP errors."""
    problems: dict[str, list[str]] = {"external": [], "http": [], "console": [], "page": []}

    def guard(route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            problems["external"].append(url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.route("**/*", guard)
        page.on("console", lambda m: m.type == "error" and problems["console"].append(m.text))
        page.on("pageerror", lambda e: problems["page"].append(str(e)))
        page.on(
            "response", lambda r: r.status >= 400 and problems["http"].append(f"{r.status} {r.url}")
        )
        page.set_default_timeout(20_000)
        page.problems = problems
        try:
            yield page
        finally:
            browser.close()


def _counts(page) -> tuple[str, ...]:
    return tuple(page.locator(".cb-count").all_inner_texts())


def _step(page) -> int:
    text = page.locator(".cb-step").inner_text()
    return int(re.search(r"Step (\d+)", text).group(1))


def test_play_step_slider_reset_download_offline(app_url, page):
    page.goto(app_url)
    counter = page.locator(".cb-step")
    expect(counter).to_have_text("Step 0", timeout=40_000)
    expect(page.locator("svg path.cb-nation").first).to_be_visible()  # the map drew
    counts0 = _counts(page)
    assert len(counts0) == 3
    # the sliders hold the run's own values: nothing was touched, so nothing is pending
    # (calibrated defaults between two slider positions were snapped on load: issue 12)
    page.wait_for_timeout(1_000)
    expect(page.get_by_text("Settings changed")).to_have_count(0)

    # Step once: counter moves, the hover tooltip tells what moved a nation.
    page.get_by_role("button", name="Step", exact=True).click()
    expect(counter).to_have_text("Step 1")
    page.locator("path.cb-nation[data-iso3='BRA']").hover()
    expect(page.locator(".cb-tip")).to_contain_text("Brazil")
    expect(page.locator(".cb-tip")).to_contain_text("last move")
    page.locator("path.cb-nation[data-iso3='KEN']").click()
    expect(page.get_by_text("Kenya (KEN)", exact=False).first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "after-step.png", full_page=True)

    # Play until the blocs change, then pause.
    page.get_by_role("button", name="▶").click()
    deadline = time.monotonic() + 30
    while _counts(page) == counts0 or _step(page) < 5:
        assert time.monotonic() < deadline, f"blocs did not change: {counts0} at step {_step(page)}"
        page.wait_for_timeout(200)
    page.get_by_role("button", name="❚❚").click()
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled()
    assert _step(page) >= 5 and _counts(page) != counts0
    page.screenshot(path=ARTIFACTS / "after-play.png", full_page=True)

    # Other tabs draw in the browser too.
    page.get_by_role("tab", name="Network").click()
    expect(page.locator("circle.cb-node").first).to_be_visible()
    page.get_by_role("tab", name="Map").click()

    # A slider, then Reset: a new run with the new value.
    budget = page.locator(".v-input", has_text="China budget").get_by_role("slider")
    budget.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_text("press Reset")).to_be_visible()
    page.get_by_role("button", name="Reset").click()
    expect(counter).to_have_text("Step 0")
    expect(page.get_by_text("china_budget=1.25", exact=False)).to_be_visible()
    page.screenshot(path=ARTIFACTS / "after-reset.png", full_page=True)

    # Download the run's outputs: a zip with the same files as `run.py run`.
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_text("Download run outputs (zip)").click()
    download = download_info.value
    target = ARTIFACTS / download.suggested_filename
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        names = {name.rsplit("/", 1)[-1] for name in archive.namelist()}
    assert {"model.parquet", "nations.parquet", "manifest.json"} <= names

    problems = page.problems
    assert problems["external"] == [], f"requests left the machine: {problems['external']}"
    assert problems["http"] == [], problems["http"]
    assert problems["page"] == [], problems["page"]
    assert problems["console"] == [], problems["console"]


def test_fast_play_to_the_end_then_another_scenario_never_shows_a_traceback(app_url, page):
    """Issue 10 items 13-15 in a real browser: play with no pause between frames until the run
    ends (at most about 20 s of play), trigger an event after the end (refused, the page stays),
    then pick another scenario: play and Step work again, and no traceback ever replaces the page."""
    page.goto(app_url)
    counter = page.locator(".cb-step")
    expect(counter).to_have_text("Step 0", timeout=40_000)
    pause = page.locator(".v-input", has_text="Pause between frames").get_by_role("slider")
    pause.focus()
    page.keyboard.press("Home")  # 0 ms
    expect(page.get_by_text("Pause between frames: 0 ms")).to_be_visible()
    page.get_by_role("button", name="▶").click()  # one month per frame, no pause: ~20 s
    deadline = time.monotonic() + 90
    while _step(page) < 120:
        assert time.monotonic() < deadline, f"the run stopped at step {_step(page)}"
        assert page.get_by_text("Traceback").count() == 0
        page.wait_for_timeout(250)
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_disabled()
    page.get_by_role("button", name="Trigger").click()  # after the last month: refused
    page.wait_for_timeout(500)
    assert _step(page) == 120 and page.get_by_text("Traceback").count() == 0
    page.screenshot(path=ARTIFACTS / "after-the-end.png", full_page=True)

    page.locator(".v-input", has_text="Scenario").first.click()
    page.get_by_role("option", name="null").click()
    expect(counter).to_have_text("Step 0")  # the new scenario's run is loaded
    # Issue 10 item 14: the run ended while playing, yet the next one is ready at once.
    expect(page.get_by_role("button", name="▶")).to_be_enabled()
    page.get_by_role("button", name="Step", exact=True).click()
    expect(counter).to_have_text("Step 1")
    assert page.get_by_text("Traceback").count() == 0
    assert page.problems["page"] == [], page.problems["page"]
    assert page.problems["external"] == []


def test_the_address_bar_replays_the_run_and_the_yaml_export_reruns_it(app_url, page, tmp_path):
    """Issue 12 item 5: step, trigger an event, step: the URL holds the run; a reload replays
    it to the same month with the same numbers; the exported YAML is a scenario `run` takes."""
    page.goto(app_url)
    counter = page.locator(".cb-step")
    expect(counter).to_have_text("Step 0", timeout=40_000)
    step = page.get_by_role("button", name="Step", exact=True)
    step.click()
    expect(counter).to_have_text("Step 1")
    page.locator(".v-input", has_text="Event").first.click()
    page.get_by_role("option", name="China doubles its budget").click()
    page.get_by_role("button", name="Trigger").click()
    for month in (2, 3):
        step.click()
        expect(counter).to_have_text(f"Step {month}")
    expect(page).to_have_url(re.compile(r"step=3"))
    url = page.url
    assert "scenario=baseline" in url and "event=2%3AChina+doubles+its+budget" in url
    counts = _counts(page)

    page.reload()
    expect(page.locator(".cb-step")).to_have_text("Step 3", timeout=40_000)
    expect(page.get_by_text("Replayed from the link", exact=False)).to_be_visible()
    assert _counts(page) == counts
    expect(page.get_by_text("triggered here", exact=False)).to_be_visible()

    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_text("Export as scenario YAML").click()
    exported = tmp_path / "exported.yaml"
    download_info.value.save_as(exported)
    result = subprocess.run(
        [sys.executable, "run.py", "validate", str(exported)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "China doubles its infrastructure budget" in exported.read_text()
    rerun = tmp_path / "rerun"
    result = subprocess.run(
        [sys.executable, "run.py", "run", str(exported), "--out", str(rerun), "-q", "--no-figures"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    import pandas as pd

    month3 = pd.read_parquet(rerun / "model.parquet").set_index("step").loc[3]
    shown = tuple(str(int(month3[f"{bloc}_count"])) for bloc in ("us", "nonaligned", "china"))
    assert shown == counts  # the page's bloc counts at month 3, from the exported scenario
    assert page.problems["page"] == [] and page.problems["external"] == []
    assert page.problems["console"] == [], page.problems["console"]


def test_pin_a_run_and_compute_a_band_while_the_page_stays_live(app_url, page):
    """Issue 12 items 4 and 7: pin, Reset with another seed: the pinned run is dashed on the
    bloc-share chart; a band of seeds is computed in the background while Step still works."""
    page.goto(app_url)
    counter = page.locator(".cb-step")
    expect(counter).to_have_text("Step 0", timeout=40_000)
    step = page.get_by_role("button", name="Step", exact=True)
    for month in (1, 2):
        step.click()
        expect(counter).to_have_text(f"Step {month}")
    page.get_by_role("button", name="Pin this run (to month 2)").click()
    expect(page.get_by_text("Dashed purple on the charts", exact=False)).to_be_visible()
    seed = page.get_by_role("textbox", name="Seed")
    seed.fill("5")
    page.get_by_role("button", name="Reset").click()
    expect(counter).to_have_text("Step 0")
    expect(page.locator("polyline.cb-reference")).to_have_count(2)
    page.get_by_role("button", name="Run 20 seeds").click()
    expect(page.get_by_text("Computing the band", exact=False)).to_be_visible()
    step.click()  # the page answers while the band is computed
    expect(counter).to_have_text("Step 1")
    expect(page.get_by_text("Grey band on the charts", exact=False)).to_be_visible(timeout=90_000)
    expect(page.locator("polygon.cb-band")).to_have_count(2)
    page.get_by_role("tab", name="Measures").click()
    expect(page.locator("[title*='Esteban-Ray'] polygon.cb-band")).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "pin-and-band.png", full_page=True)
    assert page.problems["page"] == [] and page.problems["external"] == []
    assert page.problems["console"] == [], page.problems["console"]

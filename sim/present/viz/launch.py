"""`run.py viz`: start the Solara server for the front end as a subprocess.

Kept here rather than in sim/cli/__init__.py so the command there stays one call. The scenario travels to
the server process in $CYBERBLOC_SCENARIO; it is validated first so a typo fails here with the
CLI's one-line message instead of as a warning inside the page.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sim import paths
from sim.inputs.scenario import load_scenario
from sim.present.viz.assets import cache_dir, missing_assets, offline_env
from sim.present.viz.explorer import SCENARIO_ENV

APP = Path(__file__).resolve().parent / "app.py"
PROJECT_ROOT = paths.PROJECT_DIR


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free right now on ``host``."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_command(host: str, port: int) -> list[str]:
    """`solara run` in production mode (no file watcher, minified JS), no browser opened."""
    return [
        sys.executable, "-m", "solara", "run", str(APP),
        "--host", host, "--port", str(port), "--production", "--no-open",
    ]  # fmt: skip


def server_env(scenario: str | None) -> dict[str, str]:
    """Offline assets, the scenario for the app, and the project on the import path."""
    env = offline_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    if scenario:
        env[SCENARIO_ENV] = scenario
    return env


def launch(
    scenario: str | None,
    host: str = "127.0.0.1",
    port: int | None = None,
    say: Callable[[str], None] = print,
) -> int:
    """Validate, print the address, run the server until it stops; its exit code.

    Raises ScenarioError for a bad scenario and RuntimeError when the offline assets are missing.
    """
    if scenario:
        scenario = str(load_scenario(scenario).path)  # resolve names; fail early on bad input
    missing = missing_assets()
    if missing:
        raise RuntimeError(
            f"Solara's browser files are missing from {cache_dir()} ({', '.join(missing)}); "
            "they come with the solara-assets package: run `uv sync`."
        )
    port = port or free_port(host if is_loopback(host) else "0.0.0.0")
    shown = f"[{host}]" if ":" in host else host
    say(f"cyberbloc front end: http://{shown}:{port}/  (Ctrl+C to stop)")
    if not is_loopback(host):
        say(
            f"warning: listening on {host}, not only on this machine: anyone who can reach it "
            "can run simulations and download outputs."
        )
    try:
        return subprocess.run(
            server_command(host, port), env=server_env(scenario), cwd=PROJECT_ROOT
        ).returncode
    except KeyboardInterrupt:
        return 0

"""Offline front end: where Solara's own JavaScript/CSS comes from, and keeping it local.

Solara serves its page shell (Vue, Vuetify, requirejs, fonts) through a proxy at
``/_solara/cdn/<npm package>@<version>/...`` that downloads from cdn.jsdelivr.net on a cache miss
— offline that is a blank page. The ``solara-assets`` dependency (installed by ``uv run`` like
any other) puts those files into ``<venv>/share/solara/cdn``, solara's default proxy cache. The
environment below also points the CDN at a dead loopback port, so a file missing from the cache
fails on this machine instead of going out, and turns telemetry off. See docs/frontend.md.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

#: Where solara looks by default (solara.server.settings.assets.proxy_cache_dir).
CACHE_DIR = Path(sys.prefix) / "share" / "solara" / "cdn"
#: Nothing listens on port 9 (discard): a cache miss answers 404 locally.
DEAD_CDN = "http://127.0.0.1:9/npm/"
#: Files the page needs at first paint with ipyvuetify 1.x (see solara's solara.html.j2).
REQUIRED = (
    "requirejs@2.3.6/require.js",
    "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js",
    "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css",
    "@widgetti/solara-vuetify-app@10.1.1/dist/fonts.css",
    "font-awesome@4.5.0/css/font-awesome.min.css",
)


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR") or CACHE_DIR)


def missing_assets(environ: Mapping[str, str] = os.environ) -> list[str]:
    """Required files absent from the cache (empty when the front end can run offline)."""
    root = cache_dir(environ)
    return [name for name in REQUIRED if not (root / name).is_file()]


def offline_env(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """A copy of ``environ`` for the solara server: local assets only, no telemetry. Values the
    caller set explicitly win (e.g. a test pointing the cache elsewhere)."""
    env = dict(environ)
    env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(cache_dir(environ)))
    env.setdefault("SOLARA_ASSETS_CDN", DEAD_CDN)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    # Solara's fixed "This website runs on Solara" banner sits over the bottom-right corner of
    # the page, on top of the bloc-share chart (issue 12); its own setting turns it off.
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    return env

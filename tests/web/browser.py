"""Debian's Chromium driven by Playwright for Python through `executable_path` (never `playwright install`).

Missing Chromium fails the browser tests loudly (CI installs it in .ci/run); only a local run with
STUDYBOT_BROWSER=off skips them, saying so. STUDYBOT_CHROMIUM names another binary."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

CHROMIUM = os.environ.get("STUDYBOT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "web_screenshots"


def chromium_or_fail() -> str:
    if os.environ.get("STUDYBOT_BROWSER", "").lower() == "off" and not os.environ.get("CI"):
        pytest.skip("browser tests skipped: STUDYBOT_BROWSER=off (they run in CI and by default)")
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not found:
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's package (`apt-get install -y chromium`, "
                    "as .ci/run does), or set STUDYBOT_BROWSER=off to skip the browser tests locally", pytrace=False)
    return found


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """The app on a real port of 127.0.0.1; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def browser() -> AsyncIterator[Any]:
    executable = chromium_or_fail()
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # pragma: no cover - in the test extras
        pytest.fail("playwright is not installed: pip install -e '.[test]'", pytrace=False)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, headless=True,
                                                   args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            yield launched
        finally:
            await launched.close()

"""Serving the pages: STUDYBOT_PUBLIC_URL is the base of the links the bot hands out (checked at start-up, one
line when wrong), and `studybot web --port P --db URL` serves the pages alone, as a process of its own."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
from click.testing import CliRunner

from adapters.cli import main
from adapters.settings import load_settings

CLEAN = {name: "" for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN",
                               "STUDYBOT_HTTP_PORT", "STUDYBOT_PUBLIC_URL", "STUDYBOT_DATABASE_URL")}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_public_url_setting() -> None:
    assert load_settings(STUDYBOT_PUBLIC_URL=None, STUDYBOT_HTTP_PORT=None).web_url == "http://localhost:8080"
    assert load_settings(STUDYBOT_PUBLIC_URL=None, STUDYBOT_HTTP_PORT=3000).web_url == "http://localhost:3000"
    assert load_settings(STUDYBOT_PUBLIC_URL="https://study.example.org/ ").web_url == "https://study.example.org"
    for wrong in ("study.example.org", "ftp://study.example.org", "https://", "https://x.org/?a=1"):
        result = CliRunner().invoke(main, ["run"], env={**CLEAN, "STUDYBOT_PUBLIC_URL": wrong})
        assert result.exit_code == 2, wrong
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("studybot: STUDYBOT_PUBLIC_URL: "), result.output


def _console(tmp_path: Path, lines: str, **env: str) -> str:
    script = tmp_path / "script.txt"
    script.write_text(lines, encoding="utf-8")
    result = CliRunner().invoke(main, ["console", "--script", str(script), "--db", _db(tmp_path)],
                                env={**CLEAN, **env})
    assert result.exit_code == 0, result.output
    return result.output


def _db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'web.db'}"


def test_the_links_start_with_the_public_url(tmp_path: Path) -> None:
    output = _console(tmp_path, "cohort create ml-club\ncohort web on\nstats web\n",
                      STUDYBOT_PUBLIC_URL="https://study.example.org")
    assert re.search(r"https://study\.example\.org/c/[\w-]{32}", output)
    assert re.search(r"https://study\.example\.org/m/[\w-]{32}/calendar\.ics", output)


async def test_studybot_web_serves_the_pages_alone(tmp_path: Path) -> None:
    output = await asyncio.to_thread(_console, tmp_path, "cohort create ml-club\ncohort web on\n")
    found = re.search(r"http://localhost:8080(/c/[\w-]{32})", output)
    assert found, output
    port = _free_port()
    env = {**os.environ, **CLEAN, "STUDYBOT_PUBLIC_URL": "https://pages.example.org"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", "web", "--port", str(port), "--db", _db(tmp_path), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(f"http://127.0.0.1:{port}{found.group(1)}") as response:
                        html = await response.text()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("studybot web did not start")
            assert response.status == 200 and "<h1>ml-club</h1>" in html
            assert f'content="https://pages.example.org{found.group(1)}/card.png"' in html
            async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                assert health.status == 404  # the pages only
            async with session.get(f"http://127.0.0.1:{port}/c/nothing-here") as missing:
                assert missing.status == 404 and "Page not found" in await missing.text()
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()


async def test_studybot_run_serves_the_pages_beside_slack_and_health(tmp_path: Path) -> None:
    from tests.e2e.slack.conftest import SECRET, TOKEN
    from tests.e2e.slack.fake_slack import FakeSlack

    fake = FakeSlack(TOKEN)
    await fake.start()
    port = _free_port()
    env = {**os.environ, **CLEAN, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "STUDYBOT_HTTP_PORT": str(port), "SLACK_API_URL": fake.base_url,
           "STUDYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "adapters.cli", "run", env=env,
                                                   cwd=tmp_path, stderr=asyncio.subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/assets/studybot.css") as css:
                        assert css.status == 200 and css.content_type == "text/css"
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("studybot run did not start")
            async with session.get(f"http://127.0.0.1:{port}/c/nothing-here") as missing:
                assert missing.status == 404 and "Page not found" in await missing.text()
                assert missing.headers["Referrer-Policy"] == "no-referrer"
            async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                assert health.status == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()

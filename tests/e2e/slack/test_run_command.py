"""`studybot run` as a real process in Slack HTTP mode, pointed at the fake Slack, stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.e2e.slack.conftest import SECRET, TOKEN, Slack
from tests.e2e.slack.fake_slack import FakeSlack


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_run_serves_slack_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    fake = FakeSlack(TOKEN)
    await fake.start()
    port = _free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "STUDYBOT_HTTP_PORT": str(port),
           "SLACK_API_URL": fake.base_url, "STUDYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}"}
    env.pop("DISCORD_TOKEN", None)
    env.pop("SLACK_APP_TOKEN", None)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "adapters.cli", "run", env=env,
                                                   cwd=tmp_path, stderr=asyncio.subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as session:
            slack = Slack(fake, None, None, None, f"http://127.0.0.1:{port}/slack/events", session)  # type: ignore[arg-type]
            for _ in range(100):  # the process needs a moment to start listening
                try:
                    response = await slack.command("cohort create ml-club")
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            assert response.status == 200
            await slack.answered(1)  # the cohort exists before the check-in (the work runs after the ack)
            await slack.command("checkin 30 from a real process")
            answer = await slack.answered(2)
            assert answer["response_type"] == "in_channel"
            health = await session.get(f"http://127.0.0.1:{port}/healthz")
            assert health.status == 200
            assert await health.json() == {"status": "ok", "checks": {"database": True, "scheduler": True,
                                                                      "adapter:slack": True}}
            metrics = await (await session.get(f"http://127.0.0.1:{port}/metrics")).text()
            assert 'studybot_commands_total{command="checkin",outcome="ok"} 1.0' in metrics
            assert "studybot_outbox_pending 0.0" in metrics and "studybot_tick_seconds_count" in metrics
            assert TOKEN not in metrics and "from a real process" not in metrics
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()
    stderr = (await process.stderr.read()).decode()  # type: ignore[union-attr]
    assert "Traceback" not in stderr and TOKEN not in stderr and "from a real process" not in stderr
    entries = [json.loads(line) for line in stderr.splitlines() if line.strip()]  # JSON lines: not a terminal
    assert entries and all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    assert (tmp_path / "run.db").exists()

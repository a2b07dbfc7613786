"""The operator commands of `studybot`: one clear line for every wrong setting, no secrets printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from adapters.cli import main
from storage.database import MIGRATIONS

CLEAN = {name: "" for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN",
                               "STUDYBOT_HTTP_PORT", "DISCORD_GUILD_IDS", "DISCORD_SHARD_IDS", "DISCORD_SHARD_COUNT")}


def invoke(*args: str, **env: str):
    return CliRunner().invoke(main, list(args), env={**CLEAN, **env})


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    assert invoke("db", "current", "--db", url).output.strip() == "empty"
    head = _newest_migration()
    upgraded = invoke("db", "upgrade", "--db", url)
    assert upgraded.exit_code == 0 and upgraded.output.strip() == f"schema at {head}"
    assert invoke("db", "current", "--db", url).output.strip() == head


def _newest_migration() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def test_check_config_hides_passwords_and_names_what_is_missing() -> None:
    result = invoke("check-config", STUDYBOT_DATABASE_URL="postgresql://bot:hunter2@db.example/study",
                    SLACK_BOT_TOKEN="xoxb-secret-token")
    assert "hunter2" not in result.output and "xoxb-secret-token" not in result.output
    assert "database: postgresql+asyncpg://bot:***@db.example/study" in result.output
    assert result.exit_code == 2
    assert "SLACK_SIGNING_SECRET:" in result.output


def test_wrong_settings_stop_start_up_with_one_line() -> None:
    for env, variable in (({"STUDYBOT_HTTP_PORT": "seventy"}, "STUDYBOT_HTTP_PORT"),
                          ({"STUDYBOT_DATABASE_URL": "mysql://x"}, "STUDYBOT_DATABASE_URL"),
                          ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "nope"}, "SLACK_APP_TOKEN"),
                          ({"DISCORD_TOKEN": "t", "DISCORD_GUILD_IDS": "abc"}, "DISCORD_GUILD_IDS"),
                          ({"DISCORD_TOKEN": "t", "DISCORD_SHARD_IDS": "0,1"}, "DISCORD_SHARD_COUNT")):
        result = invoke("run", **env)
        assert result.exit_code == 2, (env, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"studybot: {variable}:"), (env, result.output)
        assert "Traceback" not in result.output


def test_invite_and_manifest() -> None:
    invite = invoke("discord-invite", "--application-id", "1234")
    assert "client_id=1234" in invite.output and "scope=bot%20applications.commands" in invite.output
    assert invoke("discord-invite", "--application-id", "abc").exit_code == 2
    manifest = invoke("slack-manifest", "--url", "https://study.example.org/")
    assert "url: https://study.example.org/slack/events" in manifest.output
    assert invoke("slack-manifest", "--url", "http://insecure.example").exit_code == 2


def test_a_refused_slack_app_token_stops_start_up_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from slack_sdk.errors import SlackApiError

    from adapters.cli import _run

    async def start() -> None:  # what Socket Mode's start-up raises when apps.connections.open says no
        raise SlackApiError("The request to the Slack API failed.", {"ok": False, "error": "invalid_auth"})

    with pytest.raises(SystemExit) as stopped:
        _run(start())
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "SLACK_APP_TOKEN" in err and "invalid_auth" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_another_slack_refusal_at_start_up_does_not_blame_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    from slack_sdk.errors import SlackApiError

    from adapters.cli import _run

    async def start() -> None:
        raise SlackApiError("The request to the Slack API failed.", {"ok": False, "error": "ratelimited"})

    with pytest.raises(SystemExit):
        _run(start())
    err = capsys.readouterr().err
    assert "ratelimited" in err and "SLACK_APP_TOKEN" not in err and "Traceback" not in err

"""The app manifest users paste into "Create app from manifest"."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adapters.slack.manifest import manifest

ROOT = Path(__file__).resolve().parents[3]


def test_the_manifest_points_every_request_url_at_the_host() -> None:
    text = manifest("https://study.example.org/")
    assert "YOUR_HOST" not in text
    data = yaml.safe_load(text)
    url = "https://study.example.org/slack/events"
    (command,) = data["features"]["slash_commands"]
    assert command["command"] == "/study" and command["url"] == url and command["should_escape"] is True
    assert data["settings"]["interactivity"] == {"is_enabled": True, "request_url": url}
    assert data["settings"]["event_subscriptions"] == {"request_url": url, "bot_events": ["app_home_opened"]}
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert {"commands", "chat:write", "im:write", "users:read"} <= set(data["oauth_config"]["scopes"]["bot"])


def test_the_deploy_copy_is_the_template() -> None:
    assert (ROOT / "deploy" / "slack-manifest.yml").read_text(encoding="utf-8") == \
        (ROOT / "adapters" / "slack" / "manifest.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize("url", ["http://study.example.org", "study.example.org", ""])
def test_slack_needs_an_https_address(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        manifest(url)

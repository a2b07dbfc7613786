"""`studybot slack-manifest --url https://host`: the app manifest with the request URLs filled in."""

from __future__ import annotations

from importlib import resources
from urllib.parse import urlsplit

PLACEHOLDER = "https://YOUR_HOST"


def manifest(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError("Slack needs an https address, e.g. --url https://study.example.org")
    return _template().replace(PLACEHOLDER, f"https://{parts.netloc}{parts.path.rstrip('/')}")


def _template() -> str:
    # deploy/slack-manifest.yml links to this file, so there is one manifest.
    return resources.files("adapters.slack").joinpath("manifest.yml").read_text(encoding="utf-8")

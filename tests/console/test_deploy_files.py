"""deploy/ cannot be run here (no Docker), so its files are held to the code: they parse, name paths that
exist, and list every setting studybot reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from adapters.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def test_the_dockerfile_copies_what_exists_and_runs_the_command() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (?!--from)(\S+)", dockerfile, flags=re.MULTILINE):
        assert (ROOT / source).exists(), source
    assert "USER studybot" in dockerfile and "HEALTHCHECK" in dockerfile
    assert 'ENTRYPOINT ["studybot"]' in dockerfile


def test_compose_runs_postgres_and_the_bot() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    assert set(compose["services"]) == {"postgres", "studybot"}
    bot = compose["services"]["studybot"]
    assert bot["build"]["dockerfile"] == "deploy/Dockerfile"
    assert bot["environment"]["STUDYBOT_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_example_env_and_the_readme_list_every_setting() -> None:
    variables = {field.validation_alias for field in Settings.model_fields.values()}
    example = {line.split("=", 1)[0] for line in (DEPLOY / "env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    readme = (ROOT / "README.md").read_text()
    assert variables <= example, variables - example
    assert not [name for name in variables if f"`{name}`" not in readme]


def test_the_service_unit_runs_studybot_and_stops_it_gracefully() -> None:
    unit = (DEPLOY / "studybot.service").read_text()
    assert "ExecStart=/opt/studybot/.venv/bin/studybot run" in unit and "KillSignal=SIGTERM" in unit


def test_the_slack_manifest_is_one_file() -> None:
    manifest = yaml.safe_load((DEPLOY / "slack-manifest.yml").read_text())
    assert manifest["features"]["slash_commands"][0]["command"] == "/study"
    assert (DEPLOY / "slack-manifest.yml").resolve() == (ROOT / "adapters" / "slack" / "manifest.yml").resolve()

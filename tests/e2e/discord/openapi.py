"""What the real discord.py sent the fake Discord, checked against Discord's own OpenAPI 3.1 description
(`specs/openapi.json` in discord/discord-api-spec). The spec is 1 MB and not kept in this repository: the checks
read DISCORD_OPENAPI_JSON, else `discord-openapi.json` in the shared/ folder beside the work tree, and are skipped
when neither is there. The spec does not encode every documented rule (platform-notes.md, "Validating what we
send"), so the tests check the rest themselves."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SPEC_VARIABLE = "DISCORD_OPENAPI_JSON"
SHARED_COPY = Path(__file__).resolve().parents[3].parent / "shared" / "discord-openapi.json"


@functools.cache
def _spec() -> dict[str, Any] | None:
    where = Path(os.environ.get(SPEC_VARIABLE) or SHARED_COPY)
    if not where.is_file():
        return None
    return json.loads(where.read_text(encoding="utf-8"))


def spec_or_skip() -> dict[str, Any]:
    spec = _spec()
    if spec is None:
        pytest.skip(f"no copy of Discord's openapi.json ({SPEC_VARIABLE}, or {SHARED_COPY})")
    return spec


@functools.cache
def _validator(method: str, path: str) -> Draft202012Validator:
    spec = spec_or_skip()
    schema = spec["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    # The operation's schema with the spec's components beside it, so its `#/components/...` refs resolve.
    return Draft202012Validator({**schema, "components": spec["components"]})


def check_request(method: str, path: str, body: Any) -> None:
    """Fails with every schema error of `body` as a request to the spec's `path` template."""
    errors = list(_validator(method, path).iter_errors(body))
    if errors:  # the closest mismatch (inside the anyOf branch that fits best), not the whole body
        worst = best_match(errors)
        raise AssertionError(f"{method} {path}: {list(worst.absolute_path)}: {worst.message[:500]}")


COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
FOLLOW_UP = "/webhooks/{webhook_id}/{webhook_token}"

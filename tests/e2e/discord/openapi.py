"""What the real discord.py sent the fake Discord, checked against Discord's own OpenAPI 3.1 description
(`specs/openapi.json` in discord/discord-api-spec). The whole spec is 1 MB; this folder keeps the part that matters
here, `discord-openapi-subset.json`: the request bodies of the paths studybot calls, with every schema they refer to
(see its `x-source` for the commit it was cut from). To check against a newer spec, point DISCORD_OPENAPI_JSON at
a full `openapi.json`; `python -m tests.e2e.discord.openapi FULL.json` writes a new subset from one. The spec does
not encode every documented rule (platform-notes.md, "Validating what we send"), so the tests check the rest
themselves."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SPEC_VARIABLE = "DISCORD_OPENAPI_JSON"
SUBSET = Path(__file__).with_name("discord-openapi-subset.json")
CALLED = {  # the paths (and methods) studybot's Discord adapter calls with a JSON body
    "/applications/{application_id}/guilds/{guild_id}/commands": ("put", "post"),
    "/interactions/{interaction_id}/{interaction_token}/callback": ("post",),
    "/webhooks/{webhook_id}/{webhook_token}": ("post",),
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": ("patch",),
    "/webhooks/{webhook_id}/{webhook_token}/messages/@original": ("patch",),
    "/channels/{channel_id}/messages": ("post",),
    "/channels/{channel_id}/messages/{message_id}": ("patch",),
    "/users/@me/channels": ("post",),
}


@functools.cache
def _spec() -> dict[str, Any]:
    where = Path(os.environ.get(SPEC_VARIABLE) or SUBSET)
    return json.loads(where.read_text(encoding="utf-8"))


def spec_or_skip() -> dict[str, Any]:
    """The spec (the kept subset unless DISCORD_OPENAPI_JSON names a full one); never skipped any more."""
    return _spec()


def extract_subset(spec: dict[str, Any], source: str) -> dict[str, Any]:
    """The request bodies of `CALLED` with the schemas they refer to, transitively."""
    schemas = spec["components"]["schemas"]
    needed: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in needed:
                    needed.add(name)
                    visit(schemas[name])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    paths: dict[str, Any] = {}
    for path, methods in CALLED.items():
        for method in methods:
            body = spec["paths"].get(path, {}).get(method, {}).get("requestBody")
            if body is not None:
                paths.setdefault(path, {})[method] = {"requestBody": body}
                visit(body)
    return {"x-source": source, "openapi": spec["openapi"], "paths": paths,
            "components": {"schemas": {name: schemas[name] for name in sorted(needed)}}}


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
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"


if __name__ == "__main__":  # python -m tests.e2e.discord.openapi FULL.json ["where it came from"]
    full = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    note = sys.argv[2] if len(sys.argv) > 2 else f"discord/discord-api-spec specs/openapi.json ({sys.argv[1]})"
    SUBSET.write_text(json.dumps(extract_subset(full, note), separators=(",", ":"), sort_keys=True), encoding="utf-8")

"""Configuration from the environment (and a `.env` file), checked once at start-up."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./studybot.db"


class ConfigError(Exception):
    """A missing or wrong setting: the message is one line naming the variable and the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      case_sensitive=False, env_ignore_empty=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="STUDYBOT_DATABASE_URL")
    discord_token: str | None = Field(None, validation_alias="DISCORD_TOKEN")
    slack_bot_token: str | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    http_port: int | None = Field(None, ge=1, le=65535, validation_alias="STUDYBOT_HTTP_PORT")
    slack_api_url: str | None = Field(None, validation_alias="SLACK_API_URL")
    tick_seconds: float = Field(20.0, ge=0.2, le=300, validation_alias="STUDYBOT_TICK_SECONDS")
    outbox_lease_seconds: float = Field(120.0, ge=1, le=3600, validation_alias="STUDYBOT_OUTBOX_LEASE_SECONDS")
    discord_api_base_url: str | None = Field(None, validation_alias="DISCORD_API_BASE_URL")
    discord_gateway_url: str | None = Field(None, validation_alias="DISCORD_GATEWAY_URL")
    discord_guild_ids: str | None = Field(None, validation_alias="DISCORD_GUILD_IDS")
    discord_shard_count: int | None = Field(None, ge=1, validation_alias="DISCORD_SHARD_COUNT")
    discord_shard_ids: str | None = Field(None, validation_alias="DISCORD_SHARD_IDS")
    public_url: str | None = Field(None, validation_alias="STUDYBOT_PUBLIC_URL")  # the web pages' links

    @property
    def web_url(self) -> str:
        """The base of the web pages' links the bot hands out: STUDYBOT_PUBLIC_URL, else this machine's port."""
        return self.public_url or f"http://localhost:{self.http_port or 8080}"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def guild_ids(self) -> list[int]:
        return _ids("DISCORD_GUILD_IDS", self.discord_guild_ids)

    @property
    def shard_ids(self) -> list[int] | None:
        return _ids("DISCORD_SHARD_IDS", self.discord_shard_ids) if self.discord_shard_ids else None

    def check_platforms(self) -> None:
        """The cross-field rules: a platform's settings come together or not at all."""
        if self.slack_bot_token and not self.slack_app_token:
            if not self.slack_signing_secret:
                raise ConfigError("SLACK_SIGNING_SECRET: required for Slack's HTTP mode (the app's Basic Information "
                                  "page has it), or set SLACK_APP_TOKEN for Socket Mode")
            if self.http_port is None:
                raise ConfigError("STUDYBOT_HTTP_PORT: set the port Slack's requests reach, e.g. 3000, "
                                  "or set SLACK_APP_TOKEN for Socket Mode")
        if (self.slack_app_token or self.slack_signing_secret) and not self.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN: set the bot token (xoxb-…) too, or unset the other SLACK_ settings")
        self.guild_ids  # noqa: B018 - parsing is the check
        if self.shard_ids is not None and not self.discord_shard_count:
            raise ConfigError("DISCORD_SHARD_COUNT: set the total number of shards when DISCORD_SHARD_IDS is set")
        if self.shard_ids and self.discord_shard_count and max(self.shard_ids) >= self.discord_shard_count:
            raise ConfigError("DISCORD_SHARD_IDS: shard ids run from 0 to DISCORD_SHARD_COUNT - 1")
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN: an app-level token starts with xapp- "
                              "(Basic Information → App-Level Tokens)")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        return normalize_database_url(url)

    @field_validator("public_url")
    @classmethod
    def _web_base(cls, url: str | None) -> str | None:
        if url is None:
            return None
        url = url.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError("the address people open the web pages at, e.g. https://study.example.org")
        return url


def _ids(variable: str, raw: str | None) -> list[int]:
    parts = [part.strip() for part in (raw or "").replace(";", ",").split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise ConfigError(f"{variable}: a comma-separated list of numeric ids, e.g. 123456789012345678,987654321")
    return [int(part) for part in parts]


def normalize_database_url(url: str) -> str:
    """Accept the usual spellings and pick the async driver studybot ships with."""
    url = url.strip()
    for plain, driver in (("sqlite:", "sqlite+aiosqlite:"), ("postgres:", "postgresql+asyncpg:"),
                          ("postgresql:", "postgresql+asyncpg:")):
        if url.startswith(plain):
            return driver + url[len(plain):]
    if url.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://")):
        return url
    raise ValueError("use sqlite+aiosqlite:///path/to/studybot.db or postgresql+asyncpg://user@host/db")


FIXES = {
    "STUDYBOT_HTTP_PORT": "a port number from 1 to 65535, e.g. 3000",
    "DISCORD_SHARD_COUNT": "the total number of shards, a whole number from 1, e.g. 2",
    "STUDYBOT_TICK_SECONDS": "seconds between scheduler ticks, from 0.2 to 300 (default 20)",
    "STUDYBOT_OUTBOX_LEASE_SECONDS": "seconds a process may hold an unsent message, from 1 to 3600 (default 120)",
    "STUDYBOT_PUBLIC_URL": "the address people open the web pages at, e.g. https://study.example.org "
                           "(default http://localhost:STUDYBOT_HTTP_PORT)",
}


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        reason = FIXES.get(variable) or first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{variable}: {reason}") from None

"""Configuration from the environment (and a `.env` file), checked once at start-up."""

from __future__ import annotations

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./studybot.db"


class ConfigError(Exception):
    """A missing or wrong setting: the message is one line naming the variable and the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      case_sensitive=False)

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="STUDYBOT_DATABASE_URL")
    discord_token: str | None = Field(None, validation_alias="DISCORD_TOKEN")
    slack_bot_token: str | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    http_port: int | None = Field(None, ge=1, le=65535, validation_alias="STUDYBOT_HTTP_PORT")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        return normalize_database_url(url)


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


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        reason = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{variable}: {reason}") from None

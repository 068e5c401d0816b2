"""Application settings: the only place that reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api.kit.outbound import split_allow_setting


class Settings(BaseSettings):
    """Every knob of Hourglass, read from `HOURGLASS_*` environment variables (or a `.env` file)."""

    model_config = SettingsConfigDict(env_prefix="HOURGLASS_", env_file=".env", extra="ignore")

    # When unset, `hourglass` starts embedded PostgreSQL / Redis servers under `data_dir`.
    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = Path(".hourglass")
    embedded_redis_port: int = 0  # 0: pick a free port once and remember it in data_dir

    # Signs nothing by itself: it is the root from which credential-encryption keys are derived.
    secret_key: SecretStr = SecretStr("dev-insecure-change-me-dev-insecure-change-me")

    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"

    session_ttl_hours: int = 12
    api_rate_limit_per_minute: int = 1200
    idempotency_ttl_hours: int = 24
    max_request_bytes: int = 1_048_576

    db_pool_size: int = 20
    db_max_overflow: int = 20

    # The built SPA, served at / (default: frontend/dist of this checkout, when it exists).
    frontend_dist: Path | None = None

    # Mail used by the escalation ladder (SMTP). Empty host: escalation email is recorded, not sent.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_sender: str = "hourglass@localhost"

    # Outbound policy (webhooks, channel hosts, IMAP/SMTP): destinations allowed despite being
    # non-public, as networks (`10.0.0.0/8`) or exact `host:port` pairs (`127.0.0.1:8100`); a JSON
    # list or comma-separated. HOURGLASS_WEBHOOK_ALLOWED_NETWORKS is its deprecated former name.
    outbound_allowed: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices(
            "outbound_allowed", "hourglass_outbound_allowed", "hourglass_webhook_allowed_networks"
        ),
    )

    @field_validator("outbound_allowed", mode="before")
    @classmethod
    def _outbound_allowed(cls, value: object) -> object:
        return split_allow_setting(value)

    log_level: str = "INFO"
    access_log: bool = True  # one line per HTTP request (the demo turns it off to keep its banner readable)


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Application settings: the only place that reads the environment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api.kit.outbound import split_allow_setting

DEV_SECRET_KEY = "dev-insecure-change-me-dev-insecure-change-me"  # noqa: S105 - public on purpose, refused at start
MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    """Every knob of Hourglass, read from `HOURGLASS_*` environment variables (or a `.env` file)."""

    model_config = SettingsConfigDict(env_prefix="HOURGLASS_", env_file=".env", extra="ignore")

    # When unset, the `hourglass` command (hourglass/embedded.py) starts embedded PostgreSQL / Redis servers
    # under `data_dir` and sets them for the API and worker processes it starts.
    database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = Path(".hourglass")
    embedded_redis_port: int = 0  # 0: pick a free port once and remember it in data_dir

    # The root from which credential-encryption keys and the list-cursor signing key are derived
    # (changing it invalidates stored credentials and outstanding cursors). The default only serves the
    # tests' and the demo's code paths: `hourglass serve|worker|migrate|admin` refuse to start with it
    # (see `secret_key_problem`); the demo generates its own in data_dir.
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)

    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"

    session_ttl_hours: int = 12
    api_rate_limit_per_minute: int = 1200
    # Resolved API keys and sessions are cached per process this long: a revocation made in another
    # process counts within it (0 turns the cache off). Usage stamps are written every flush interval.
    auth_cache_ttl_seconds: float = Field(default=5.0, ge=0, le=60)
    auth_usage_flush_seconds: float = Field(default=5.0, gt=0)
    idempotency_ttl_hours: int = 24
    max_request_bytes: int = 1_048_576
    # WebSockets (/v1/ws) per user or API key across all API processes, and resumes with `since`
    # (catch-up replays from PostgreSQL) per user or API key and minute.
    realtime_max_sockets_per_credential: int = Field(default=20, ge=1)
    realtime_catch_ups_per_minute: int = Field(default=30, ge=1)

    # Connections an API process keeps, and how many more it may open under a burst. A request holds
    # its connection from its first statement to its commit, so concurrent requests need as many; the
    # overflow ones are closed as soon as they are returned, and PostgreSQL pays a new backend (fork,
    # cold catalog and plan caches) for each one opened again: at 32 concurrent pushes with 20 kept,
    # a tenth of the connections were new and the machine spent 15 % more CPU per message
    # (benchmarks/inbound_push.py, 2026-12-07). Two API processes (32 kept each) and two workers (10
    # each, workers/context.py) keep 84 of PostgreSQL's default 100 connections; the overflow of
    # all four at once (8 each) would need 116. A deployment with more processes raises
    # max_connections or lowers these (HOURGLASS_DB_POOL_SIZE, HOURGLASS_DB_MAX_OVERFLOW).
    db_pool_size: int = Field(default=32, ge=1)
    db_max_overflow: int = Field(default=8, ge=0)

    # Export files (api/export): written by workers, downloaded through the API, so both must see the
    # same directory (a shared volume when they run on different hosts). Default: data_dir/exports.
    export_dir: Path | None = None

    # The built SPA, served at / (default: frontend/dist of this checkout, when it exists).
    frontend_dist: Path | None = None

    # An agent on shift with no activity (SPA ping, login, status change) for this long is set away.
    shift_idle_minutes: int = 15

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

    # Extra trust anchors (a PEM file of CA certificates) for TLS to channel hosts (IMAP, SMTP), on
    # top of the system's: a mail server with a private CA is trusted by naming its CA, never by
    # turning certificate verification off.
    outbound_ca_file: Path | None = None
    # This deployment's own apps registered with the marketplaces, for connecting stores through their
    # consent pages (api/channel/authorize.py): JSON like {"ebay": {"client_id", "client_secret",
    # "ru_name"}, "shopee": {"partner_id", "partner_key"}, "tiktok": {"app_key", "app_secret",
    # "service_id"}}, each optionally with its URLs (authorize_url, base_url, auth_base_url).
    connect_apps: dict[str, dict[str, str]] = Field(default_factory=dict)
    # Amazon and Walmart replies go by mail: an SMTP acceptance counts as delivered once this long
    # has passed with the mailbox read and no bounce (a channel's `bounce_window_seconds` overrides
    # it). A relay that refuses mail makes the seller's provider bounce it within seconds or
    # minutes; a later bounce still fails the reply and restarts the clock.
    mail_bounce_window_seconds: float = Field(default=900.0, ge=0)
    # Hosts whose https images an article may show (help pages, previews); any other image is
    # dropped, since a remote image tells its host who read the page. A JSON list or comma-separated.
    knowledge_image_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("knowledge_image_hosts", mode="before")
    @classmethod
    def _knowledge_image_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip().lower() for h in value.split(",") if h.strip()]
        return value

    # The public help pages (/help/{slug}), per client address and site: searches a minute, and
    # questions per 10 minutes with at least `help_question_interval_seconds` between two.
    help_searches_per_minute: int = Field(default=30, ge=1)
    help_questions_per_10_minutes: int = Field(default=3, ge=1)
    help_question_interval_seconds: int = Field(default=20, ge=0)

    # Attachments (api/attachment/): the content-addressed file store (default `<data_dir>/attachments`)
    # and the most one file may weigh, enforced while it streams in (upload, marketplace fetch, mail).
    attachments_dir: Path | None = None
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # An agent's upload that no reply sent and no case links this long after it was uploaded is
    # deleted (with its bytes, unless another row holds the same content): an abandoned draft's files.
    attachment_upload_grace_hours: float = Field(default=24.0, gt=0)

    def attachments_path(self) -> Path:
        return self.attachments_dir or self.data_dir / "attachments"

    log_level: str = "INFO"
    access_log: bool = True  # one line per HTTP request (the demo turns it off to keep its banner readable)

    # HTTP server limits (`hourglass serve`, see api/ops/server.py): the request line and headers of one
    # request may take this many bytes (beyond: 431) and must arrive within this many seconds of the
    # connection opening or the previous response (beyond: closed, so slow-header clients cannot hold
    # sockets); an idle keep-alive connection is closed after `http_keep_alive_seconds`.
    http_max_header_bytes: int = Field(default=32_768, ge=1024)
    http_header_timeout_seconds: float = Field(default=10.0, gt=0)
    http_keep_alive_seconds: int = Field(default=5, ge=1)

    # /metrics answers only `Authorization: Bearer <metrics_token>`; unset, it is not served (404).
    metrics_token: SecretStr | None = None
    # A worker serves its own metrics (loop iterations, errors, busy seconds) on 127.0.0.1:<port>; unset: none.
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # SLA timer loops per worker process. Each claims its batch with SKIP LOCKED, so two overlap one
    # batch's effects in Python with the next claim in PostgreSQL: a burst of due timers drains about
    # twice as fast on two cores, and firing stays exactly once (see api/sla/timers.py).
    sla_timer_loops: int = Field(default=2, ge=1, le=8)


def secret_key_problem(settings: Settings) -> str | None:
    """Why the configured secret cannot protect stored credentials, or None when it can."""
    secret = settings.secret_key.get_secret_value()
    if secret == DEV_SECRET_KEY:
        return "HOURGLASS_SECRET_KEY is not set (the built-in development value is public)"
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        return f"HOURGLASS_SECRET_KEY is {len(secret)} characters long; at least {MIN_SECRET_KEY_LENGTH} are required"
    return None


@dataclass(frozen=True)
class ServiceUrls:
    database_url: str
    redis_url: str


def service_urls(settings: Settings) -> ServiceUrls:
    """The PostgreSQL and Redis this process uses. The API and the workers never start servers: the
    `hourglass` command resolves them first (starting embedded ones when none are configured) and hands
    the URLs to the processes it runs."""
    missing = [name for name, url in (("DATABASE", settings.database_url), ("REDIS", settings.redis_url)) if not url]
    if missing:
        names = " and ".join(f"HOURGLASS_{m}_URL" for m in missing)
        raise RuntimeError(f"{names} not set: start through `hourglass serve|worker`, which provides embedded servers")
    return ServiceUrls(normalise_database_url(settings.database_url or ""), settings.redis_url or "")


def normalise_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the asyncpg driver."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""The connector interface, its typed errors and the small value types it trades in."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import httpx

# The errors live in errors.py (http.py raises them); connectors keep importing them from here.
from api.channel.connectors.errors import (  # noqa: F401
    AuthError,
    ConnectorError,
    HostRefused,
    MissingScope,
    Permanent,
    RateLimited,
    Transient,
    in_our_words,
    within,
)
from api.channel.connectors.http import request
from api.kit.outbound import (
    OutboundPolicy,
    OutboundRefused,
    host_problem,
    outbound_client,
    policy_for,
    port_problem,
    url_problem,
)
from api.message.inbound import InboundMessage

T = TypeVar("T")

# -- values ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounce:
    """Mail saying a reply of ours was not delivered (a mail relay's bounce), or for `failed=False`
    a delivery report that changes nothing (delayed, relayed)."""

    bounce_id: str  # the bounce's own id: the same bounce read twice is applied once
    refers_to: tuple[str, ...]  # ids of the reply it may be about, most specific first
    failed: bool
    reason: str
    status: str | None  # the enhanced status code (RFC 3463), e.g. 5.7.1
    source: str  # dsn | mailer-daemon | relay-notice
    # What to ingest instead when it names none of our replies (someone else's bounce in the mailbox).
    fallback: InboundMessage | None = None


@dataclass
class FetchResult:
    messages: list[InboundMessage]
    # Persisted with the ingested messages in one transaction: a crash re-fetches, never skips.
    cursor: dict[str, Any]
    # More is ready now (the page was full): poll again at once instead of waiting an interval.
    more: bool = False
    # Bounces of our replies (mail relays), applied in the same transaction as the page.
    bounces: list[Bounce] = field(default_factory=list)


@dataclass(frozen=True)
class OutgoingFile:
    """A file sent with a reply: its bytes (type sniffed when it was stored) and a signed link a
    marketplace that fetches files itself (eBay) can use."""

    filename: str
    content_type: str
    data: bytes
    link: str | None = None


@dataclass(frozen=True)
class ReplyTarget:
    """What a connector needs to answer in a conversation, read from the conversation and its
    latest inbound message (whose metadata carries marketplace specifics such as Shopee's to_id or a
    relay address)."""

    message_id: uuid.UUID  # our outbound message: idempotency key / Message-ID seed
    external_thread_id: str | None
    order_id: str | None
    item_id: str | None
    buyer_external_id: str | None
    buyer_email: str | None
    buyer_name: str | None
    subject: str
    last_inbound_external_id: str | None = None
    last_inbound_meta: Mapping[str, Any] = field(default_factory=dict)
    # Message ids of the thread, oldest first (mail References).
    references: tuple[str, ...] = ()
    author_kind: str = "human"  # human | auto (auto-replies are sent as such where a marketplace can tell)
    # eBay FROM_EBAY and other system threads: nobody can answer them.
    system_thread: bool = False
    # The reply's files (api/attachment), checked against the marketplace's policy when it was queued.
    attachments: tuple[OutgoingFile, ...] = ()


@dataclass(frozen=True)
class SentReply:
    external_id: str
    sent_at: datetime | None = None
    # A mail relay took it by SMTP: delivered only if no bounce comes back within the window.
    awaiting_confirmation: bool = False


@dataclass
class ParsedPush:
    """A verified push turned into messages; `fetch` asks for a poll when the push only hints."""

    messages: list[InboundMessage] = field(default_factory=list)
    fetch: bool = False
    # (thread id, kind) the connector should read now because the push only names them.
    threads: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


CredentialsSaver = Callable[[dict[str, Any]], Awaitable[None]]
# Held around a token refresh: serialises refreshes of one channel across processes and yields the
# credentials as stored now (another process may have refreshed a moment ago).
CredentialsGuard = Callable[[], AbstractAsyncContextManager[dict[str, Any] | None]]


@asynccontextmanager
async def _no_guard() -> AsyncIterator[dict[str, Any] | None]:
    yield None


async def bounded_gather(limit: int, calls: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    """Run `calls` with at most `limit` in flight; results in order. Marketplace calls are
    latency-bound: a few in parallel per channel is what keeps a poll short (well under the
    marketplaces' rate limits)."""

    gate = asyncio.Semaphore(max(1, limit))

    async def run(call: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await call()

    return list(await asyncio.gather(*(run(c) for c in calls)))


class _Pacer:
    """A token bucket shared by every connector of one account in this process (connectors are
    rebuilt per poll; the marketplace's limit is per account), so we stay under a documented rate
    limit instead of learning it from 429s."""

    def __init__(self, rate: float, burst: int) -> None:

        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    async def take(self) -> None:

        while True:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / self.rate)


_PACERS: dict[tuple[str, str], _Pacer] = {}


class Connector(ABC):
    """One store account on one marketplace."""

    # Documented request rate to stay under (per account), e.g. TikTok's 50 QPS; None: unpaced.
    requests_per_second: ClassVar[float | None] = None

    marketplace: ClassVar[str]
    # Credentials without which nothing works; alternatives are checked in `validate`.
    required_credentials: ClassVar[tuple[str, ...]] = ()
    required_settings: ClassVar[tuple[str, ...]] = ()
    supports_push: ClassVar[bool] = False
    # Accepted replies are confirmed later (mail relays bounce after the fact): see SentReply.
    confirms_delivery_later: ClassVar[bool] = False
    # Seconds between polls when the marketplace pushes (a safety net) and when it does not.
    poll_interval_with_push: ClassVar[float] = 60.0
    poll_interval: ClassVar[float] = 5.0
    # Settings that name a host we connect to: URLs, and host names (with a `_port` beside them).
    url_settings: ClassVar[tuple[str, ...]] = ("base_url", "auth_base_url")
    host_settings: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        settings: Mapping[str, Any],
        credentials: Mapping[str, Any],
        *,
        http: httpx.AsyncClient | None = None,
        save_credentials: CredentialsSaver | None = None,
        credentials_guard: CredentialsGuard | None = None,
        outbound: OutboundPolicy | None = None,
    ) -> None:
        self.settings = dict(settings)
        # Without a policy, the strictest one: no allow-list, so only public addresses.
        self.outbound = outbound or policy_for(())
        self._credentials_guard = credentials_guard or _no_guard
        self.credentials = dict(credentials)
        self._own_http = http is None
        timeout = float(self.settings.get("timeout_seconds", 20))
        # A given client must be an outbound client too (the sync runtime shares one).
        self.http = http or outbound_client(self.outbound, timeout)
        self.timeout = timeout
        self._save_credentials = save_credentials

    @classmethod
    def validate(cls, settings: Mapping[str, Any], credentials: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(field, reason) for each missing or malformed setting or credential."""
        problems = [(f"credentials.{k}", "required") for k in cls.required_credentials if not credentials.get(k)]
        problems += [(f"settings.{k}", "required") for k in cls.required_settings if not settings.get(k)]
        for key in cls.url_settings:
            value = settings.get(key)
            if value is not None and (reason := url_problem(value)):
                problems.append((f"settings.{key}", reason))
        for key in cls.host_settings:
            value = settings.get(key)
            if value is not None and (reason := host_problem(value)):
                problems.append((f"settings.{key}", reason))
            port = settings.get(key.replace("_host", "_port"))
            if reason := port_problem(port):
                problems.append((f"settings.{key.replace('_host', '_port')}", reason))
        return problems

    async def check_destinations(self) -> None:
        """Every host the settings name, through the outbound policy before anything is contacted;
        HostRefused names the setting. (Each connection is checked again when it is made.)"""
        for key in self.url_settings:
            value = self.settings.get(key)
            if value:
                try:
                    await self.outbound.resolve(str(value))
                except OutboundRefused as exc:
                    raise HostRefused(str(exc), setting=f"settings.{key}") from None
        for key in self.host_settings:
            if self.settings.get(key):
                await self.destination(key.removesuffix("_host"))

    def endpoint(self, kind: str) -> tuple[str, int]:
        """(host, port) of a non-HTTP endpoint (`imap`, `smtp`) as the settings give it."""
        raise LookupError(kind)

    async def destination(self, kind: str) -> str:
        """The checked address to connect to for a non-HTTP endpoint (`imap`, `smtp`)."""
        host, port = self.endpoint(kind)
        try:
            return await self.outbound.check_host(host, port)
        except OutboundRefused as exc:
            raise HostRefused(str(exc), setting=f"settings.{kind}_host") from None

    @property
    def fetch_concurrency(self) -> int:
        return int(self.settings.get("fetch_concurrency", 4))

    @property
    def interval(self) -> float:
        default = (
            self.poll_interval_with_push if self.supports_push and self.settings.get("push") else self.poll_interval
        )
        return float(self.settings.get("poll_interval_seconds", default))

    async def credentials_updated(self, **changes: Any) -> None:
        """A refreshed token: persist it at once (Shopee and TikTok rotate refresh tokens, so losing
        the new one would lock the channel out)."""
        self.credentials.update(changes)
        if self._save_credentials is not None:
            await self._save_credentials(dict(self.credentials))

    async def refresh_once(self, token_key: str, used: Any, refresh: Callable[[], Awaitable[bool]]) -> bool:
        """Refresh an expired token, at most one process per channel at a time. Rotating refresh
        tokens (Shopee, TikTok) are single-use: two processes refreshing with the same one would
        leave the loser locked out. Under the guard, a token changed since `used` was sent means
        another process refreshed: take it instead of refreshing again."""
        async with self._credentials_guard() as stored:
            if stored and stored.get(token_key) and stored.get(token_key) != used:
                self.credentials.update(stored)
                return True
            return await refresh()

    def account_key(self) -> str:
        """What identifies the account to the marketplace's rate limiter (a digest: no secrets kept)."""

        return hashlib.sha256(json.dumps(sorted(self.credentials.items()), default=str).encode()).hexdigest()[:16]

    async def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP call with this channel's timeout (the client may be shared by every channel)."""
        rate = self.settings.get("requests_per_second", self.requests_per_second)
        if rate:
            key = (self.marketplace, self.account_key())
            pacer = _PACERS.get(key)
            if pacer is None:
                pacer = _PACERS[key] = _Pacer(float(rate), max(1, int(float(rate))))
            await pacer.take()
        return await request(self.http, method, url, timeout=self.timeout, **kwargs)

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    # -- the interface ------------------------------------------------------------------------------

    @abstractmethod
    async def check_credentials(self) -> dict[str, Any]:
        """One cheap authenticated call; returns what the marketplace says about the account."""

    @abstractmethod
    async def fetch(self, cursor: Mapping[str, Any]) -> FetchResult:
        """Buyer messages since the cursor (with an overlap: ingestion is idempotent)."""

    @abstractmethod
    async def send_reply(self, target: ReplyTarget, text: str) -> SentReply:
        """Deliver a reply; the marketplace's id of the sent message when it gives one."""

    async def find_sent(self, target: ReplyTarget, text: str, since: datetime) -> SentReply | None:
        """After an ambiguous attempt (a timeout, a worker killed mid-send): the seller message with
        this text sent since `since`, if the marketplace shows it, so it is not sent twice. None
        where the marketplace offers no way to look (mail relays: at-least-once, same Message-ID)."""
        return None

    async def mark_read(self, target: ReplyTarget) -> None:
        """Tell the marketplace the seller read the conversation (no-op where it has no such call)."""
        return None

    async def verify_push(self, headers: Mapping[str, str], body: bytes, url: str) -> bool:
        """Whether a push really comes from the marketplace (signature over the raw body)."""
        return False

    def parse_push(self, body: bytes) -> ParsedPush:
        """Messages carried by a verified push (pure: tested without a network)."""
        return ParsedPush(fetch=True)

    async def resolve_push(self, parsed: ParsedPush) -> list[InboundMessage]:
        """The messages a push stands for: its own, plus those of the threads it names."""
        return list(parsed.messages)

    def push_dedupe_key(self, body: bytes) -> str | None:
        """The marketplace's notification id, so a re-sent push is stored once."""
        return None

"""What the sync services share in one process: the database, one HTTP client (connection reuse
across channels), the credential cipher, the outbound policy every channel host goes through, and
the advisory-lock connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.channel.connectors.base import Connector
from api.channel.connectors.registry import CONNECTORS, build
from api.kit.crypto import CredentialCipher
from api.kit.outbound import OutboundPolicy, outbound_client
from api.models import Channel
from api.sync.leases import Leases, lock_key


def syncable(channel: Channel) -> bool:
    """Channels whose messages a connector fetches and whose replies it delivers."""
    return channel.status == "active" and bool(channel.credentials_encrypted) and channel.marketplace in CONNECTORS


@dataclass
class SyncRuntime:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    cipher: CredentialCipher
    # Without one, the strictest policy: public addresses only (the worker passes the configured one).
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    # How long a mail relay's acceptance waits for a bounce before it counts as delivered (a
    # channel's `bounce_window_seconds` setting overrides it); see api.message.outbound.
    bounce_window_seconds: float = 900.0
    http: httpx.AsyncClient = field(init=False)
    leases: Leases = field(init=False)

    def __post_init__(self) -> None:
        # Every request of every channel is checked and pinned by the policy (redirects included).
        self.http = outbound_client(self.outbound, timeout=20)
        self.leases = Leases(self.engine)

    def connector(self, channel: Channel) -> Connector:
        channel_id = channel.id
        cipher = self.cipher
        maker = self.sessionmaker

        async def save(credentials: dict[str, Any]) -> None:
            # Its own short transaction: a rotated refresh token must survive whatever happens next.
            kept = {k: v for k, v in credentials.items() if not k.startswith("_")}
            async with maker.begin() as session:
                await session.execute(
                    update(Channel).where(Channel.id == channel_id).values(credentials_encrypted=cipher.encrypt(kept))
                )

        engine = self.engine

        @asynccontextmanager
        async def guard() -> AsyncIterator[dict[str, Any] | None]:
            # A transaction-level advisory lock held across the refresh call (pollers and deliverers
            # of this channel in other processes wait here); it ends with the transaction, even if
            # this task is cancelled. Read committed: the read below sees a refresh committed by
            # whoever held the lock before.
            async with engine.begin() as conn:
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("refresh", channel_id)})
                stored = (
                    await conn.execute(select(Channel.credentials_encrypted).where(Channel.id == channel_id))
                ).scalar_one_or_none()
                yield cipher.decrypt(stored) if stored else None

        settings = dict(channel.settings or {})
        return build(
            channel.marketplace,
            settings,
            self.cipher.decrypt(channel.credentials_encrypted),
            http=self.http,
            save_credentials=save,
            credentials_guard=guard,
            outbound=self.outbound,
        )

    async def aclose(self) -> None:
        await self.leases.close()
        await self.http.aclose()

"""What the sync services share in one worker process: the database, one HTTP client (connection reuse
across channels), the credential cipher, the outbound policy every channel host goes through, and the
advisory-lock connection. The sync services (api/sync/) see it through the `SyncRuntime` protocol of
api/sync/runtime.py; the loops that use it are in workers/tasks/sync.py and workers/tasks/delivery.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.channel import repository as channel_repository
from api.channel.connectors.base import Connector
from api.channel.connectors.registry import build
from api.db import Sessionmaker
from api.kit.crypto import CredentialCipher
from api.kit.outbound import OutboundPolicy, outbound_client
from api.models import Channel
from api.sync.leases import Leases


@dataclass
class WorkerSyncRuntime:
    engine: Any  # the AsyncEngine the leases' dedicated connection comes from
    sessionmaker: Sessionmaker
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
                await channel_repository.save_credentials(session, channel_id, cipher.encrypt(kept))

        @asynccontextmanager
        async def guard() -> AsyncIterator[dict[str, Any] | None]:
            # A transaction-level advisory lock held across the refresh call (pollers and deliverers
            # of this channel in other processes wait here); it ends with the transaction, even if
            # this task is cancelled. Read committed: the read below sees a refresh committed by
            # whoever held the lock before.
            async with maker.begin() as session:
                stored = await channel_repository.lock_credentials(session, channel_id)
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

"""What the sync services share in one process: the database, one HTTP client (connection reuse
across channels), the credential cipher and the advisory-lock connection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.channel.connectors.base import Connector
from api.channel.connectors.registry import CONNECTORS, build
from api.kit.crypto import CredentialCipher
from api.models import Channel
from api.sync.leases import Leases


def syncable(channel: Channel) -> bool:
    """Channels whose messages a connector fetches and whose replies it delivers."""
    return channel.status == "active" and bool(channel.credentials_encrypted) and channel.marketplace in CONNECTORS


@dataclass
class SyncRuntime:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    cipher: CredentialCipher
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=20, trust_env=False))
    leases: Leases = field(init=False)

    def __post_init__(self) -> None:
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

        settings = dict(channel.settings or {})
        return build(
            channel.marketplace,
            settings,
            self.cipher.decrypt(channel.credentials_encrypted),
            http=self.http,
            save_credentials=save,
        )

    async def aclose(self) -> None:
        await self.leases.close()
        await self.http.aclose()

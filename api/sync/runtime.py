"""What the sync services (polling, pushes, delivery, reads, after-sales) need from the process that
runs them. The worker's implementation, with its HTTP client, cipher and leases, is
workers/sync_runtime.py `WorkerSyncRuntime`."""

from __future__ import annotations

from typing import Protocol

from api.channel.connectors.base import Connector
from api.channel.connectors.registry import CONNECTORS
from api.db import Sessionmaker
from api.models import Channel
from api.sync.leases import Leases


def syncable(channel: Channel) -> bool:
    """Channels whose messages a connector fetches and whose replies it delivers."""
    return channel.status == "active" and bool(channel.credentials_encrypted) and channel.marketplace in CONNECTORS


class SyncRuntime(Protocol):
    sessionmaker: Sessionmaker
    leases: Leases
    # Seconds a mail relay's acceptance waits for a bounce before it counts as delivered.
    bounce_window_seconds: float

    def connector(self, channel: Channel) -> Connector:
        """The channel's connector, its credentials decrypted, refreshed tokens saved back."""
        ...

"""Knobs of the WebSocket layer. Defaults suit production; tests shorten them on `app.state.realtime`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RealtimeConfig:
    # Below the 30-60 s idle timeouts of common proxies and load balancers.
    heartbeat_seconds: float = 25.0
    # A socket is asked to reconnect after this long (±10 % so a deploy's sockets do not return
    # together). Reconnecting re-checks the token, so a revoked session stops receiving within it.
    max_lifetime_seconds: float = 15 * 60.0
    # Catch-up replays at most this many events, no older than this; otherwise the client resyncs
    # from REST, which is cheaper than replaying a day of someone else's inbox.
    catch_up_limit: int = 5000
    catch_up_max_age_seconds: float = 24 * 3600.0
    # A viewer that stops refreshing (its process died) disappears after this long.
    presence_ttl_seconds: float = 60.0
    # A socket that falls this many frames behind is asked to reconnect (and catches up from
    # PostgreSQL) instead of buffering without bound.
    queue_limit: int = 2000
    # Keep an organization's Redis subscription this long after its last socket left, so a
    # reconnect (lifetime cap, deploy) does not resubscribe.
    unsubscribe_linger_seconds: float = 30.0
    # A client frame (presence) larger than this is refused.
    max_client_frame_bytes: int = 4096
    # Open sockets per user (all sessions and tabs) or API key, across API processes; more are
    # closed with 1008 (settings: realtime_max_sockets_per_credential). The SPA opens one per tab.
    max_sockets_per_credential: int = 20
    # A socket's slot lapses this long after its process stopped renewing it (it died); the
    # heartbeat renews it, so this must stay well above heartbeat_seconds.
    socket_slot_ttl_seconds: float = 90.0
    # Resumes with `since=` per credential and minute; more are closed with 1013, to retry later
    # (settings: realtime_catch_ups_per_minute).
    catch_ups_per_minute: int = 30

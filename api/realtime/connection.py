"""One WebSocket from handshake to close: hello, catch-up, then live frames, heartbeats, presence and
a lifetime cap. Holds no database session: authentication and catch-up each use a short one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from datetime import timedelta
from typing import Any

from fastapi import WebSocket
from redis.exceptions import RedisError
from starlette.types import Send
from starlette.websockets import WebSocketDisconnect, WebSocketState

from api.auth.principal import Principal
from api.db import Sessionmaker
from api.kit.time import utc_now
from api.realtime import limits, presence, typing_indicator
from api.realtime.catchup import catch_up
from api.realtime.frames import control, org_channel, render, visible_to
from api.realtime.hub import RealtimeHub, Subscriber

log = logging.getLogger(__name__)

MAX_VIEWING = 20  # conversations one socket may announce at once

# Close codes (RFC 6455 §7.4.1): the client reconnects on all but POLICY_VIOLATION.
NORMAL = 1000
POLICY_VIOLATION = 1008
SERVER_ERROR = 1011
TRY_AGAIN_LATER = 1013


class SocketSession:
    def __init__(
        self,
        websocket: WebSocket,
        hub: RealtimeHub,
        sessionmaker: Sessionmaker,
        principal: Principal,
        send: Send | None = None,
    ) -> None:
        self.ws = websocket
        # The socket's own ASGI send, which the hub's fan-out calls (Starlette's WebSocket adds
        # per-call checks and wrappers that cost as much as the write); None: through `websocket`.
        self.send = send
        self.hub = hub
        self.config = hub.config
        self.sessionmaker = sessionmaker
        self.principal = principal
        user = str(principal.user_id) if principal.user_id else None
        self.sub = Subscriber(
            str(principal.organization_id),
            user,
            self.config.queue_limit,
            principal.name,
            credential=limits.credential_key(principal),
        )
        self.viewing = self.sub.viewing
        self.typing_sent: dict[str, float] = {}  # conversation -> when this socket last broadcast typing

    async def run(self, since: int | None) -> None:
        """One task per socket, the ASGI one: it receives; the hub sends (see hub.Subscriber), and a
        kick (lifetime, too far behind, Redis lost) closes the socket, which ends the receive loop."""
        self.sub.send = self.send or self.ws.send
        self.sub.on_kick = self._close_for_reconnect
        await self.hub.join(self.sub)  # raises HubUnavailable
        try:
            self.sub.release(await self._start(since))
            lifetime = self.config.max_lifetime_seconds * random.uniform(0.9, 1.1)
            timer = asyncio.get_running_loop().call_later(lifetime, self.sub.kick, "connection lifetime reached")
            try:
                with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                    await self._receive_loop()
            finally:
                timer.cancel()
        finally:
            self.sub.stop()
            self.hub.leave(self.sub)
            await self._withdraw_all()

    async def _start(self, since: int | None) -> int:
        """hello, then what was missed; returns the seq after which live frames continue."""
        async with self.sessionmaker.begin() as session:
            result = await catch_up(
                session,
                self.principal.organization_id,
                since,
                now=utc_now(),
                limit=self.config.catch_up_limit,
                max_age=timedelta(seconds=self.config.catch_up_max_age_seconds),
            )
        now = utc_now()
        await self.ws.send_text(
            control(
                "hello",
                now,
                seq=result.start_seq,
                data={
                    "organization_id": str(self.principal.organization_id),
                    "user_id": self.sub.user_id,
                    "heartbeat_seconds": self.config.heartbeat_seconds,
                    "resumed": since is not None and not result.resync,
                },
            )
        )
        if result.resync:
            await self.ws.send_text(control("resync", now))
        last = result.start_seq
        for message in result.messages:
            if visible_to(message, self.sub.user_id):
                await self.ws.send_text(render(message, now))
            last = message["seq"]
        return last

    async def _close_for_reconnect(self, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.ws.send_text(control("reconnect", utc_now(), data={"reason": reason}))
        code = TRY_AGAIN_LATER if reason == "too far behind" else NORMAL
        with contextlib.suppress(Exception):
            if self.ws.application_state != WebSocketState.DISCONNECTED:
                await self.ws.close(code=code, reason="reconnect")

    async def _receive_loop(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None and message.get("bytes") is not None:
                raw = message["bytes"].decode("utf-8", errors="replace")
            if not raw or len(raw) > self.config.max_client_frame_bytes:
                continue
            try:
                frame = json.loads(raw)
            except ValueError:
                continue
            if isinstance(frame, dict):
                await self._on_client_frame(frame)

    async def _on_client_frame(self, frame: dict[str, Any]) -> None:
        """`{"type":"viewing"|"left","conversation_id":…}`, or the SPA's
        `{"type":"presence","data":{"conversation_id":…,"state":"viewing"|"left"}}`."""
        kind = frame.get("type")
        if kind == "typing":
            await self._on_typing(frame)
            return
        raw_data = frame.get("data")
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        if kind == "presence":
            kind, conversation = data.get("state"), data.get("conversation_id")
        else:
            conversation = frame.get("conversation_id")
        if kind not in ("viewing", "left") or self.sub.user_id is None:
            return
        try:
            conversation = str(uuid.UUID(str(conversation)))
        except ValueError:
            return
        try:
            if kind == "viewing" and (conversation in self.viewing or len(self.viewing) < MAX_VIEWING):
                self.viewing.add(conversation)
                await presence.announce(
                    self.hub.redis,
                    self.sub.organization_id,
                    conversation,
                    self.sub.id,
                    self.sub.user_id,
                    self.principal.name,
                    self.config.presence_ttl_seconds,
                )
            elif kind == "left" and conversation in self.viewing:
                self.viewing.discard(conversation)
                await presence.withdraw(self.hub.redis, self.sub.organization_id, conversation, self.sub.id)
        except (RedisError, OSError) as exc:
            log.warning("presence update failed: %s", exc)

    async def _on_typing(self, frame: dict[str, Any]) -> None:
        """`{"type":"typing","conversation_id":…,"state":"typing"|"stopped"}` (see api/realtime/typing_indicator.py)."""
        state = frame.get("state", "typing")
        if self.sub.user_id is None or state not in ("typing", "stopped"):
            return
        try:
            conversation = str(uuid.UUID(str(frame.get("conversation_id"))))
        except ValueError:
            return
        if not typing_indicator.should_send(self.typing_sent, conversation, state, time.monotonic()):
            return
        message = typing_indicator.typing_message(conversation, self.sub.user_id, self.principal.name, state)
        try:
            await self.hub.redis.publish(
                org_channel(self.sub.organization_id), json.dumps(message, separators=(",", ":"))
            )
        except (RedisError, OSError) as exc:
            log.warning("typing broadcast failed: %s", exc)

    async def _withdraw_all(self) -> None:
        for conversation in list(self.viewing):
            with contextlib.suppress(RedisError, OSError):
                await presence.withdraw(self.hub.redis, self.sub.organization_id, conversation, self.sub.id)
        self.viewing.clear()

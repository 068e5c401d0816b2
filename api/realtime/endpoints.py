"""`GET /v1/ws`: the live-update WebSocket of the SPA (and of ERPs that want pushes)."""

from __future__ import annotations

import contextlib
import logging
import re

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.routing import WebSocketRoute
from starlette.types import Receive, Scope, Send

from api.auth.dependencies import principal_for_token
from api.auth.principal import Principal
from api.db import DATABASE_UNAVAILABLE
from api.realtime import limits
from api.realtime.connection import POLICY_VIOLATION, SERVER_ERROR, TRY_AGAIN_LATER, SocketSession
from api.realtime.hub import HubUnavailable, RealtimeHub

log = logging.getLogger(__name__)

router = APIRouter()


class RedactTokens(logging.Filter):
    """uvicorn logs every WebSocket handshake with its query string at INFO: keep `?token=` out of logs."""

    _token = re.compile(r"((?:^|[?&])token=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._token.sub(r"\1[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True


_uvicorn_log = logging.getLogger("uvicorn.error")
if not any(isinstance(f, RedactTokens) for f in _uvicorn_log.filters):
    _uvicorn_log.addFilter(RedactTokens())

SUBPROTOCOL = "hourglass"
TOKEN_PROTOCOL_PREFIX = "bearer."  # noqa: S105 - a prefix, not a secret


def credentials(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, subprotocol to accept). Browsers cannot set Authorization on a WebSocket, so the token
    comes as `?token=` or as a `bearer.<token>` subprotocol offered beside `hourglass` (which is the
    one accepted: the token is never echoed back)."""
    offered = [p.strip() for p in websocket.headers.get("sec-websocket-protocol", "").split(",") if p.strip()]
    token = websocket.query_params.get("token")
    for protocol in offered:
        if protocol.startswith(TOKEN_PROTOCOL_PREFIX) and not token:
            token = protocol[len(TOKEN_PROTOCOL_PREFIX) :]
    return token or None, SUBPROTOCOL if SUBPROTOCOL in offered else None


async def _authenticate(websocket: WebSocket, token: str | None) -> Principal | None:
    if not token:
        return None
    async with websocket.app.state.sessionmaker.begin() as session:
        return await principal_for_token(session, token)


async def realtime_socket(websocket: WebSocket, send: Send | None = None) -> None:
    """Live updates for one organization (see api/realtime/frames.py for the frames).

    Connect with `?token=<session token or API key>` (API keys need `conversations:read`) and, to
    resume, `&since=<last seq seen>`. A refused credential closes the socket with 1008.

    Limits per user (all their sessions) or API key: at most `realtime_max_sockets_per_credential`
    open sockets (one more is closed with 1008, reason `too many sockets`: close another first), and
    at most `realtime_catch_ups_per_minute` resumes with `since` (one more is closed with 1013,
    reason `catch-up rate limited, retry in N s`: reconnect after that, with the same `since`)."""
    token, subprotocol = credentials(websocket)
    raw_since = websocket.query_params.get("since")
    await websocket.accept(subprotocol=subprotocol)
    since: int | None = None
    if raw_since is not None:
        if not raw_since.isdigit():
            await websocket.close(code=POLICY_VIOLATION, reason="since must be a seq")
            return
        since = int(raw_since)
    try:
        principal = await _authenticate(websocket, token)
    except DATABASE_UNAVAILABLE as exc:
        log.warning("WebSocket authentication failed: %s", exc)
        await websocket.close(code=SERVER_ERROR, reason="try again")
        return
    if principal is None or not principal.has("conversations:read"):
        await websocket.close(code=POLICY_VIOLATION, reason="unauthorized")
        return
    hub: RealtimeHub = websocket.app.state.realtime
    socket = SocketSession(websocket, hub, websocket.app.state.sessionmaker, principal, send)
    credential, config = socket.sub.credential, hub.config
    cap = config.max_sockets_per_credential
    if not await limits.claim_socket(hub.redis, credential, socket.sub.id, cap, config.socket_slot_ttl_seconds):
        await websocket.close(code=POLICY_VIOLATION, reason=f"too many sockets for this credential (at most {cap})")
        return
    try:
        if since is not None:  # counted only for sockets that got a slot
            retry_after = await limits.catch_up_retry_after(hub.redis, credential, config.catch_ups_per_minute)
            if retry_after is not None:
                await websocket.close(code=TRY_AGAIN_LATER, reason=f"catch-up rate limited, retry in {retry_after} s")
                return
        await socket.run(since)
    except HubUnavailable:
        await websocket.close(code=TRY_AGAIN_LATER, reason="realtime unavailable")
    except WebSocketDisconnect:
        pass  # the client went away during catch-up
    except DATABASE_UNAVAILABLE as exc:
        log.warning("WebSocket catch-up failed: %s", exc)
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(code=SERVER_ERROR, reason="try again")
    finally:
        await limits.release_socket(hub.redis, credential, socket.sub.id)


class RealtimeApp:
    """`realtime_socket` as a plain ASGI app (Starlette mounts an object as is, but wraps a function),
    not `@router.websocket`: the endpoint takes no dependencies, and FastAPI's dependency machinery
    and Starlette's session wrapper stay on the stack for the whole life of every socket (exit
    stacks, a send wrapper per frame); and the hub's fan-out gets the socket's ASGI send."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await realtime_socket(WebSocket(scope, receive, send), send)


router.routes.append(WebSocketRoute("/v1/ws", RealtimeApp()))

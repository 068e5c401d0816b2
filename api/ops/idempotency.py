"""`Idempotency-Key` on POST (draft-ietf-httpapi-idempotency-key-header).

Same key and same request: the stored response is replayed (`Idempotent-Replayed: true`). Same key,
different request: 422. Same key while the first request is still running: 409. A record left "in
flight" by a crashed process is taken over after `STALE_AFTER`.

Order matters, and is the point of this module's shape:
1. The route's own dependencies run first: authentication (a logged-out session or a revoked API key
   is 401), the API key's rate limit (replays count), then authorisation (scopes, roles). Only then
   does `idempotency_gate` — appended as the LAST dependency of every POST route — claim or replay the
   key. So a stored response, including a one-time secret, is only ever handed to a caller who may make
   the request now, and nothing is stored for a caller who could not be authenticated.
2. Keys are scoped to the credential that was authenticated (one session, or one API key), not to the
   bearer string, so the scope cannot outlive the credential's identity.
3. `IdempotencyMiddleware` holds back the response until the outcome is stored: a client that got the
   first answer and sends the same request again finds a complete record, never "still in flight".
4. 5xx, 401 and 429 outcomes are not stored (nothing was done, or the caller may not act now), so the
   client may retry with the same key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.db import Sessionmaker
from api.kit.crypto import CredentialCipher
from api.kit.errors import PROBLEM_MEDIA_TYPE, Conflict, HourglassError, InvalidInput, PayloadTooLarge, field_error
from api.kit.time import utc_now
from api.models import IdempotencyRecord
from api.ops import idempotency_repository as repository

STALE_AFTER = timedelta(seconds=60)
NOT_STORED = {401, 429}
REPLAYED_HEADERS = {"content-type", "location"}


async def _problem(send: Send, error: HourglassError, path: str) -> None:
    body = json.dumps(error.to_problem(path)).encode()
    headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse oversized bodies before anything parses them."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[tuple[str, str], int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # (method, path) -> its own limit: routes that stream the body somewhere bounded themselves.
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get((scope["method"], scope["path"].rstrip("/") or "/"), self.max_bytes)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _problem(send, PayloadTooLarge(f"The request body exceeds {limit} bytes."), scope["path"])
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
            return message

        await self.app(scope, limited, send)


SCOPE_KEY = "hourglass.idempotency"


@dataclass
class _Pending:
    """What the middleware and the gate share for one request (kept in the ASGI scope)."""

    key: str
    maker: Sessionmaker
    cipher: CredentialCipher
    record_id: Any = None  # set by the gate once it has claimed the key for this request
    captured_start: Message | None = None
    captured_body: list[bytes] = field(default_factory=list)


class IdempotentReplay(Exception):
    """Raised by the gate to answer with a stored response instead of running the endpoint again."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__("idempotent replay")
        self.record = record


class IdempotencyMiddleware:
    """Captures the response of a claimed request and stores it before any byte reaches the client."""

    def __init__(
        self,
        app: ASGIApp,
        cipher: CredentialCipher,
        sessionmaker: Sessionmaker | None = None,
    ) -> None:
        self.app = app
        self._cipher = cipher
        self._sessionmaker = sessionmaker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"idempotency-key"), None)
        if key is None:
            await self.app(scope, receive, send)
            return
        maker: Sessionmaker = self._sessionmaker or scope["app"].state.sessionmaker
        pending = _Pending(key=key, maker=maker, cipher=self._cipher)
        scope[SCOPE_KEY] = pending

        async def store_then_send(message: Message) -> None:
            if pending.record_id is None:  # nothing claimed: unauthenticated, refused, or a replay
                await send(message)
                return
            if message["type"] == "http.response.start":
                pending.captured_start = message
                return
            if message["type"] == "http.response.body":
                pending.captured_body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                # The whole response is known: store it, then let the client see it.
                await _finish(pending)
                assert pending.captured_start is not None
                await send(pending.captured_start)
                await send({"type": "http.response.body", "body": b"".join(pending.captured_body)})
                return
            await send(message)

        try:
            await self.app(scope, receive, store_then_send)
        except BaseException:
            if pending.record_id is not None:
                # The endpoint blew up (the 500 is sent further out): free the key for a retry.
                pending.captured_start = {"type": "http.response.start", "status": 500, "headers": []}
                await _finish(pending)
            raise


def _request_digest(request: Request, body: bytes) -> str:
    query = request.scope.get("query_string", b"")
    return hashlib.sha256(b"POST\n" + request.url.path.encode() + b"?" + query + b"\n" + body).hexdigest()


async def idempotency_gate(request: Request, principal: Any) -> None:
    """Claim the key for this request, or replay its stored response.

    Called by the auth dependencies (`api.auth.dependencies`) as their last step, i.e. after the caller
    was authenticated and authorised for the route. Routes without a principal (login, signed pushes)
    never reach it: there is no credential to scope a key to, and nothing is stored.
    """
    pending: _Pending | None = request.scope.get(SCOPE_KEY)
    if pending is None or pending.record_id is not None:
        return
    if not 1 <= len(pending.key) <= 255:
        raise InvalidInput(
            "Idempotency-Key must be 1 to 255 characters.",
            errors=field_error("header.Idempotency-Key", "length 1 to 255"),
        )
    digest = _request_digest(request, await request.body())
    outcome = await _claim(pending.maker, principal.idempotency_scope, pending.key, request.url.path, digest)
    if isinstance(outcome, HourglassError):
        raise outcome
    if isinstance(outcome, IdempotencyRecord):
        raise IdempotentReplay(outcome)
    pending.record_id = outcome


async def _claim(maker: Sessionmaker, principal: str, key: str, path: str, digest: str) -> Any:
    async with maker.begin() as session:
        new_id = await repository.insert_if_new(session, principal, key, "POST", path, digest)
        if new_id is not None:
            return new_id
        record = await repository.lock_record(session, principal, key)
        if record.request_digest != digest:
            return InvalidInput(
                "This Idempotency-Key was used for a different request.",
                errors=field_error("header.Idempotency-Key", "reused with a different request"),
            )
        if record.response_status is not None:
            return record
        if utc_now() - record.created_at < STALE_AFTER:
            return Conflict(
                "A request with this Idempotency-Key is still being processed; retry later.",
                headers={"Retry-After": "1"},
            )
        record.created_at = utc_now()  # the first attempt died mid-flight: take it over
        return record.id


def is_stored(status: int) -> bool:
    """5xx: nothing was applied; 401/429: the caller may not act now. Either way a retry must run."""
    return status < 500 and status not in NOT_STORED


async def _finish(pending: _Pending) -> None:
    start = pending.captured_start or {"status": 500, "headers": []}
    status = start["status"]
    async with pending.maker.begin() as session:
        if not is_stored(status):
            await repository.delete_record(session, pending.record_id)
            return
        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in start.get("headers", [])
            if k.decode("latin-1").lower() in REPLAYED_HEADERS
        }
        await repository.store_response(
            session,
            pending.record_id,
            status=status,
            headers=headers,
            # Encrypted: some responses carry secrets shown once (API keys, webhook secrets).
            body=pending.cipher.encrypt_bytes(b"".join(pending.captured_body)),
            completed_at=utc_now(),
        )


async def _replay_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdempotentReplay)
    record = exc.record
    cipher: CredentialCipher = request.app.state.cipher
    body = cipher.decrypt_bytes(record.response_body) if record.response_body else b""
    headers = dict(record.response_headers or {})
    headers.update(getattr(request.state, "rate_limit_headers", {}) or {})
    headers["Idempotent-Replayed"] = "true"
    return Response(content=body, status_code=record.response_status or 200, headers=headers)


def install_idempotency(app: FastAPI) -> None:
    """Answer a replay signalled by the gate with the stored response."""
    app.add_exception_handler(IdempotentReplay, _replay_response)

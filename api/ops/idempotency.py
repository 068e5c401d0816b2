"""`Idempotency-Key` on POST (draft-ietf-httpapi-idempotency-key-header).

Same key and same request: the stored response is replayed (`Idempotent-Replayed: true`). Same key,
different request: 422. Same key while the first request is still running: 409. Keys are scoped to
the credential that sent them. 5xx, 401 and 429 outcomes are not stored (nothing was done), so the
client may retry with the same key. A record left "in flight" by a crashed process is taken over
after `STALE_AFTER`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.kit.crypto import CredentialCipher
from api.kit.errors import PROBLEM_MEDIA_TYPE, Conflict, HourglassError, InvalidInput, PayloadTooLarge, field_error
from api.kit.time import utc_now
from api.models import IdempotencyRecord

STALE_AFTER = timedelta(seconds=60)
NOT_STORED = {401, 429}
REPLAYED_HEADERS = {"content-type", "location"}


async def _problem(send: Send, error: HourglassError, path: str) -> None:
    body = json.dumps(error.to_problem(path)).encode()
    headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


class BodyLimitMiddleware:
    """Refuse oversized bodies before anything parses them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _problem(send, PayloadTooLarge(f"The request body exceeds {self.max_bytes} bytes."), scope["path"])
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(f"The request body exceeds {self.max_bytes} bytes.")
            return message

        await self.app(scope, limited, send)


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        cipher: CredentialCipher,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
        max_bytes: int = 1_048_576,
    ) -> None:
        self.app = app
        self._cipher = cipher
        self._sessionmaker = sessionmaker
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        auth = headers.get("authorization", "")
        if key is None or not auth.lower().startswith("bearer "):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if not 1 <= len(key) <= 255:
            await _problem(
                send,
                InvalidInput(
                    "Idempotency-Key must be 1 to 255 characters.",
                    errors=field_error("header.Idempotency-Key", "length 1 to 255"),
                ),
                path,
            )
            return
        try:
            body = await read_body(receive, self.max_bytes)
        except PayloadTooLarge as exc:
            await _problem(send, exc, path)
            return
        principal = hashlib.sha256(auth[7:].strip().encode()).hexdigest()
        query = scope.get("query_string", b"")
        digest = hashlib.sha256(b"POST\n" + path.encode() + b"?" + query + b"\n" + body).hexdigest()
        maker: async_sessionmaker[AsyncSession] = self._sessionmaker or scope["app"].state.sessionmaker

        outcome = await self._claim(maker, principal, key, path, digest)
        if isinstance(outcome, HourglassError):
            await _problem(send, outcome, path)
            return
        if isinstance(outcome, IdempotencyRecord):
            await self._replay(send, outcome)
            return

        record_id = outcome
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": []}
        replayed = False

        async def replay_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def capture_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            await self._finish(maker, record_id, captured)

    async def _claim(
        self, maker: async_sessionmaker[AsyncSession], principal: str, key: str, path: str, digest: str
    ) -> Any:
        async with maker.begin() as session:
            stmt = (
                insert(IdempotencyRecord)
                .values(principal=principal, key=key, method="POST", path=path, request_digest=digest)
                .on_conflict_do_nothing(index_elements=["principal", "key"])
                .returning(IdempotencyRecord.id)
            )
            new_id = (await session.execute(stmt)).scalar_one_or_none()
            if new_id is not None:
                return new_id
            record = (
                await session.execute(
                    select(IdempotencyRecord)
                    .where(IdempotencyRecord.principal == principal, IdempotencyRecord.key == key)
                    .with_for_update()
                )
            ).scalar_one()
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

    async def _finish(self, maker: async_sessionmaker[AsyncSession], record_id: Any, captured: dict[str, Any]) -> None:
        status = captured["status"]
        async with maker.begin() as session:
            if status >= 500 or status in NOT_STORED:
                await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
                return
            headers = {
                k.decode("latin-1"): v.decode("latin-1")
                for k, v in captured["headers"]
                if k.decode("latin-1").lower() in REPLAYED_HEADERS
            }
            await session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.id == record_id)
                .values(
                    response_status=status,
                    response_headers=headers,
                    # Encrypted: some responses carry secrets shown once (API keys, webhook secrets).
                    response_body=self._cipher.encrypt_bytes(b"".join(captured["body"])),
                    completed_at=utc_now(),
                )
            )

    async def _replay(self, send: Send, record: IdempotencyRecord) -> None:
        body = self._cipher.decrypt_bytes(record.response_body) if record.response_body else b""
        headers = [(k.encode(), v.encode()) for k, v in (record.response_headers or {}).items()]
        headers += [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
        await send({"type": "http.response.start", "status": record.response_status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

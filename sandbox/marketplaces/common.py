"""What every marketplace router shares: the error type, the fault gate and request parsing helpers.

Routes take the raw `Request` and parse it themselves, so that every error a connector sees has the
marketplace's own shape (eBay `errors[]`, Shopee `error`/`message`, TikTok `code`) rather than
FastAPI's validation format.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import JSONResponse

if TYPE_CHECKING:
    from sandbox.state import SandboxState


class MarketError(Exception):
    """A marketplace error response; the app's handler records it in the truth and returns it."""

    def __init__(
        self,
        marketplace: str,
        status: int,
        body: Any,
        *,
        code: str | int | None = None,
        message: str = "",
        headers: dict[str, str] | None = None,
        injected: bool = False,
        media_type: str | None = None,
        request_id_header: str | None = None,
    ) -> None:
        super().__init__(f"{marketplace} {status} {code}: {message}")
        self.marketplace = marketplace
        self.status = status
        self.body = body
        self.code = None if code is None else str(code)
        self.message = message
        self.headers = headers or {}
        self.injected = injected
        # The content type of the error body (Amazon's model: application/hal+json for everything).
        self.media_type = media_type
        # A header carrying a fresh request id on every answer, errors included (x-amzn-RequestId).
        self.request_id_header = request_id_header


@dataclass
class FaultErrors:
    """How one marketplace reports the faults the gate injects."""

    throttled: Callable[[float], MarketError]
    server_error: Callable[[int], MarketError]
    timeout: Callable[[], MarketError]
    # Whether a 429 says when to come back. Amazon's SP-API model documents no Retry-After on 429
    # (only x-amzn-RequestId): a client must back off on its own.
    retry_after_header: bool = True


@dataclass
class Ticket:
    """Returned by the gate; `finish()` hangs after the work when a timeout fault says so."""

    hang_after: float = 0.0

    async def finish(self) -> None:
        if self.hang_after > 0:
            await asyncio.sleep(self.hang_after)


def set_context(request: Request, marketplace: str, store_id: str | None, operation: str) -> None:
    """Who is calling what, for the truth record of a rejected call."""
    request.state.market = {"marketplace": marketplace, "store_id": store_id, "operation": operation}


async def gate(
    request: Request,
    state: SandboxState,
    marketplace: str,
    store_id: str | None,
    operation: str,
    errors: FaultErrors,
) -> Ticket:
    set_context(request, marketplace, store_id, operation)
    decision = state.faults.decide_http(marketplace, store_id, operation)
    if decision.kind == "timeout":
        if decision.timeout_mode == "before":
            await asyncio.sleep(decision.hang_seconds)
            error = errors.timeout()
            error.injected = True
            raise error
        return Ticket(hang_after=decision.hang_seconds)
    if decision.kind == "error":
        error = errors.server_error(decision.status)
        error.injected = True
        raise error
    if decision.kind == "throttle":
        error = errors.throttled(decision.retry_after)
        if errors.retry_after_header:
            error.headers.setdefault("Retry-After", str(max(1, round(decision.retry_after))))
        error.injected = decision.injected
        raise error
    return Ticket()


async def json_body(request: Request, invalid: Callable[[str], MarketError]) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise invalid("Request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise invalid("Request body must be a JSON object.")
    return data


async def form_body(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (token endpoints), without python-multipart."""
    return dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))


def int_param(value: str | None, default: int) -> int | None:
    """Parse an integer query parameter; None when present but not an integer."""
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        return None


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None, media_type: str | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers, media_type=media_type)

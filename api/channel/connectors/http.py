"""HTTP plumbing shared by the API connectors: one place that turns transport failures and status
codes into the typed errors (`Transient`, `RateLimited`, `AuthError`, `Permanent`)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from api.channel.connectors.errors import AuthError, HostRefused, Permanent, RateLimited, Transient
from api.kit.outbound import OutboundRefused, is_tls_failure

# Extracts (code, message) from a marketplace error body.
ErrorReader = Callable[[Any], tuple[str | None, str]]


# A marketplace asking for more than a day is garbled or hostile ("inf", "1e12"): honouring it would
# overflow datetime arithmetic or park a reply for years. Waits are capped here, once, for everyone.
MAX_RETRY_AFTER = 24 * 3600.0


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3), capped at a day; None when
    absent or garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def body_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return None


def raise_for_status(response: httpx.Response, read_error: ErrorReader) -> None:
    """2xx passes; everything else becomes the typed error with the marketplace's own text."""
    status = response.status_code
    if 200 <= status < 300:
        return
    code, message = read_error(body_json(response))
    message = message or response.reason_phrase or f"HTTP {status}"
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    if status == 429:
        raise RateLimited(message, retry_after=retry_after, status=status, code=code)
    if status >= 500 or status == 408:
        # A gateway timeout may hide a request that went through.
        raise Transient(message, retry_after=retry_after, status=status, code=code, ambiguous=status == 504)
    if status in (401, 403):
        raise AuthError(message, status=status, code=code)
    raise Permanent(message, status=status, code=code)


async def request(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send; a timeout or a broken connection is Transient (the call may or may not have happened:
    `ambiguous` tells the delivery code to look before sending again). A destination the outbound
    policy refuses (checked by the client's transport, on every request) is HostRefused: Permanent,
    and nothing was sent."""
    try:
        return await client.request(method, url, **kwargs)
    except OutboundRefused as exc:
        raise HostRefused(str(exc)) from None
    except httpx.TimeoutException as exc:
        raise Transient(
            f"no answer from {httpx.URL(url).host} ({type(exc).__name__})",
            status="timeout",
            ambiguous=not isinstance(exc, httpx.ConnectTimeout),
        ) from exc
    except httpx.HTTPError as exc:
        if is_tls_failure(exc):
            raise Transient(f"TLS failure with {httpx.URL(url).host}", status="tls") from exc
        raise Transient(f"cannot reach {httpx.URL(url).host}: {type(exc).__name__}", status="network") from exc


def read_error_default(body: Any) -> tuple[str | None, str]:
    """OAuth-style `{"error", "error_description"}` or a bare `{"message"}`."""
    if isinstance(body, dict):
        if body.get("error"):
            return str(body["error"]), str(body.get("error_description") or body.get("message") or "")
        if body.get("message"):
            return None, str(body["message"])
    return None, ""

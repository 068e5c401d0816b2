"""A connector's typed errors: what the caller does next depends only on the class. Apart from the
interface (base.py) so the HTTP helpers (http.py) can raise them and base.py can use the helpers, with
no import cycle between the two."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")

# -- errors: what the caller does next depends only on the class ------------------------------------


class ConnectorError(Exception):
    """A marketplace call failed; `str(error)` is the marketplace's own error text for people to read."""

    def __init__(self, message: str, *, status: int | str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def describe(self) -> str:
        """`<status> <code>: <message>` as shown on a failed reply."""
        head = " ".join(str(p) for p in (self.status, self.code) if p not in (None, ""))
        return f"{head}: {self.message}" if head else self.message


class Transient(ConnectorError):
    """Worth retrying later: 5xx, timeouts, connection failures, SMTP 4xx.

    `ambiguous`: the request may have been carried out (a timeout after sending, a gateway timeout),
    so before sending a reply again the delivery code looks whether it arrived."""

    def __init__(self, message: str, *, retry_after: float | None = None, ambiguous: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.ambiguous = ambiguous


async def within(seconds: float, awaitable: Awaitable[T], what: str, *, ambiguous: bool = False) -> T:
    """Bound a whole connector call. Timeouts of httpx and sockets are per phase, so a server that
    drips a byte at a time would otherwise hold a poll lease or a delivery slot for ever."""
    try:
        async with asyncio.timeout(seconds):
            return await awaitable
    except TimeoutError:
        raise Transient(f"{what} took longer than {seconds:.0f} s", status="timeout", ambiguous=ambiguous) from None


class RateLimited(Transient):
    """429 (or a quota): retry no sooner than `retry_after` seconds when the marketplace says so."""


class Permanent(ConnectorError):
    """Retrying the same request cannot succeed: invalid input, refused content, closed conversation."""


class AuthError(Permanent):
    """The marketplace refused the credentials (after a token refresh, when one was possible)."""


class MissingScope(AuthError):
    """The credentials work but were not granted a permission the call needs (eBay's 403 errorId
    1100 for a token without `commerce.message`). No retry or refresh can add it: the seller must
    reconnect the store and grant `scopes`, which the channel shows; syncing waits until then."""

    def __init__(self, message: str, *, scopes: tuple[str, ...], **kw: Any) -> None:
        super().__init__(message, **kw)
        self.scopes = scopes


class HostRefused(Permanent):
    """The outbound policy refused the destination: nothing was contacted. The message is ours;
    `setting` names the channel setting that points there, when known."""

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message, status="refused")
        self.setting = setting


_SAFE_CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def in_our_words(exc: ConnectorError, name: str) -> str:
    """What failed, for an API response: never the far side's text (a host pointed at an internal
    service would otherwise read it back to us), only the class of failure, the status and a
    marketplace error code when it looks like one."""
    code = exc.code if exc.code and _SAFE_CODE.match(exc.code) else None
    if isinstance(exc, HostRefused):
        return f"refused to connect: {exc.message}"
    if exc.status == "timeout":
        return f"{name} did not answer in time"
    if exc.status == "tls":
        return f"TLS failure talking to {name} (certificate or handshake)"
    if exc.status == "network":
        return f"could not connect to {name}"
    if exc.status in ("imap", "smtp") or exc.code in ("imap", "smtp"):
        protocol = str(exc.status if exc.status in ("imap", "smtp") else exc.code).upper()
        if isinstance(exc, AuthError):
            return f"the {protocol} server rejected the login"
        reply = f" (reply {exc.status})" if isinstance(exc.status, int) else ""
        return f"the {protocol} server refused{reply}" if isinstance(exc, Permanent) else f"{protocol} failed{reply}"
    if isinstance(exc, MissingScope):
        # The scopes are ours (the connector names what it needs), never the far side's text.
        return f"the {name} token lacks the permission {', '.join(exc.scopes)}: reconnect the store granting it"
    what = "rejected the credentials" if isinstance(exc, AuthError) else "refused the request"
    if not isinstance(exc, Permanent):
        what = "failed"
    details = [f"HTTP {exc.status}" if isinstance(exc.status, int) else None, f"error code {code}" if code else None]
    shown = ", ".join(d for d in details if d)
    return f"{name} {what}" + (f" ({shown})" if shown else "")

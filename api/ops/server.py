"""uvicorn, with the connection limits it does not have.

uvicorn's httptools protocol (the one `uvicorn[standard]` picks) has no limit on the size of a
request's headers and no timer while they arrive: its keep-alive timer is armed only after a response
and cancelled by the first byte of the next request, and nothing is armed for a new connection. A
client that opens a socket and sends nothing, or one header byte every few seconds (slowloris), holds
the socket and its buffers for as long as it likes; one that sends megabytes of headers is buffered.
(uvicorn's h11 protocol bounds the headers at 16 KiB, `h11_max_incomplete_event_size`, but has the
same timer gap and answers 400 instead of 431.)

`GuardedHttpToolsProtocol` adds both, per request:
- header bytes: counted from the first byte of a request to the end of its headers; past
  `max_header_bytes` the server answers 431 and closes the connection;
- header time: a timer from the moment the server waits for a request (the connection opened, or
  the previous response was sent) to the end of its headers; when it fires the connection is closed.
  An idle keep-alive connection is closed earlier, by uvicorn's own `timeout_keep_alive`.
Request bodies are bounded by BodyLimitMiddleware (`max_request_bytes`). WebSocket upgrades leave this
protocol once their headers are complete, so the timer never touches an open WebSocket.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from api.config import Settings, get_settings
from api.kit.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        # Read from the settings here, not passed in: with `--workers N` uvicorn pickles its config
        # into spawned processes, where the class must be importable by name (get_settings is cached).
        settings = get_settings()
        self.max_header_bytes = settings.http_max_header_bytes
        self.header_timeout = settings.http_header_timeout_seconds
        self._awaiting_headers = True
        self._header_bytes = 0
        self._tail = b""
        self._header_timer: asyncio.TimerHandle | None = None

    # Arm: the server is now waiting for a request.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # Whatever the client sends next (pipelined) belongs to the headers of its next request.
        self._awaiting_headers = True
        self._header_bytes = 0
        self._tail = b""

    # Disarm: the headers are complete (or the connection is gone).
    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._header_bytes = 0
        self._tail = b""
        self._cancel_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers:
            # Count only up to the blank line that ends the headers: the same read may carry the start
            # of the body, which is not header bytes (BodyLimitMiddleware bounds it). Checked before
            # parsing, so headers that arrive whole in one read are refused too.
            seen = self._tail + data
            end = seen.find(b"\r\n\r\n")
            self._header_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            if self._header_bytes > self.max_header_bytes:
                self._refuse_headers()
                return
            self._tail = seen[-3:]  # the terminator may straddle two reads
        super().data_received(data)

    def _refuse_headers(self) -> None:
        self._cancel_header_timer()
        body = json.dumps(
            {
                "type": PROBLEM_BASE + "request-header-fields-too-large",
                "title": "Request header fields too large",
                "status": 431,
                "detail": f"The request line and headers exceed {self.max_header_bytes} bytes.",
            }
        ).encode()
        head = (
            "HTTP/1.1 431 Request Header Fields Too Large\r\n"
            f"content-type: {PROBLEM_MEDIA_TYPE}\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self.transport.close()

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timeout_expired)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout_expired(self) -> None:
        self._header_timer = None
        # Only while no request is being handled: a response in progress is never cut off.
        idle = self.cycle is None or self.cycle.response_complete
        if self._awaiting_headers and idle and not self.transport.is_closing():
            self.transport.close()


def uvicorn_limits(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of `uvicorn.run` that bound connections."""
    return {
        "http": GuardedHttpToolsProtocol,
        "timeout_keep_alive": settings.http_keep_alive_seconds,
        # Also set for h11, in case the protocol above is ever swapped for it.
        "h11_max_incomplete_event_size": settings.http_max_header_bytes,
    }

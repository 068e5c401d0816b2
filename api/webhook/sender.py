"""The HTTP side of a delivery: connect to the address the outbound policy (api.kit.outbound)
validated (Host header and TLS server name set from the URL), never follow redirects, bound time and
what is read and logged."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import OrderedDict
from dataclasses import dataclass

import httpx

from api.kit.outbound import OutboundPolicy, OutboundRefused, Target

USER_AGENT = "Hourglass-Webhooks/1.0 (+https://www.standardwebhooks.com/)"
EXCERPT_BYTES = 2048
_LOGGED_RESPONSE_HEADERS = ("content-type", "content-length", "retry-after", "location")


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    duration_ms: int
    request_excerpt: str
    response_excerpt: str
    error: str | None
    retry_after: str | None = None


def _cap(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "..."


class WebhookSender:
    """One per process. Keeps a small pool of clients, each bound to one (host, validated address), so
    a kept-alive TLS connection is never reused for another host name. A busy target is spread over
    `SHARDS` clients: httpcore's pool scans all its connections for every queued request, so a few
    small pools cost far less CPU than one large one (measured: ~3 ms per delivery at 32 connections)."""

    SHARDS = 4

    def __init__(
        self,
        guard: OutboundPolicy,
        *,
        timeout: float = 15.0,
        ssl_context: ssl.SSLContext | None = None,
        excerpt_bytes: int = EXCERPT_BYTES,
        connections_per_host: int = 32,
        max_clients: int = 256,
    ) -> None:
        self.guard = guard
        self.timeout = timeout
        self.excerpt_bytes = excerpt_bytes
        self._ssl: ssl.SSLContext | bool = ssl_context or True
        self._per_host = connections_per_host
        self._max_clients = max_clients
        self._clients: OrderedDict[tuple[str, str, int, str, int], httpx.AsyncClient] = OrderedDict()
        self._turn = 0

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        started = time.monotonic()
        all_headers = {"content-type": "application/json", "user-agent": USER_AGENT, **headers}
        request_excerpt = self._request_excerpt(url, all_headers, body)

        def result(
            status: int | None, response: str = "", error: str | None = None, retry_after: str | None = None
        ) -> SendResult:
            elapsed = int((time.monotonic() - started) * 1000)
            return SendResult(status, elapsed, request_excerpt, response, error, retry_after)

        try:
            target = await self.guard.resolve(url)
        except OutboundRefused as exc:
            return result(None, error=f"refused: {exc}")
        client = self._client_for(target)
        request = client.build_request(
            "POST",
            target.pinned_url,
            content=body,
            headers={**all_headers, "host": target.host_header},
            extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
        )
        try:
            # One deadline for everything, a slow-dripping response included.
            async with asyncio.timeout(self.timeout):
                response = await client.send(request, stream=True)
                try:
                    excerpt = await self._read_excerpt(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            return result(None, error=f"timed out after {self.timeout:g} s")
        except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
            return result(None, error=f"{type(exc).__name__}: {exc}"[:500])
        error = None
        if 300 <= response.status_code < 400:
            error = f"redirect to {response.headers.get('location', '?')!r} not followed"
        return result(response.status_code, excerpt, error, response.headers.get("retry-after"))

    async def _read_excerpt(self, response: httpx.Response) -> str:
        head = f"HTTP {response.status_code} {response.reason_phrase}\n" + "".join(
            f"{name}: {response.headers[name]}\n" for name in _LOGGED_RESPONSE_HEADERS if name in response.headers
        )
        body = b""
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= self.excerpt_bytes:
                break
        return _cap(head + "\n" + body.decode("utf-8", errors="replace"), self.excerpt_bytes)

    def _request_excerpt(self, url: str, headers: dict[str, str], body: bytes) -> str:
        head = f"POST {url}\n" + "".join(f"{k}: {v}\n" for k, v in headers.items())
        return _cap(head + "\n" + body[: self.excerpt_bytes].decode("utf-8", errors="replace"), self.excerpt_bytes)

    def _client_for(self, target: Target) -> httpx.AsyncClient:
        self._turn = (self._turn + 1) % self.SHARDS
        key = (target.scheme, target.host, target.port, target.address, self._turn)
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        per_shard = max(1, self._per_host // self.SHARDS)
        client = httpx.AsyncClient(
            verify=self._ssl,
            follow_redirects=False,
            trust_env=False,  # an environment proxy would resolve the name itself: no pinning
            timeout=httpx.Timeout(self.timeout, connect=min(5.0, self.timeout)),
            limits=httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard),
        )
        self._clients[key] = client
        while len(self._clients) > self._max_clients:
            _, old = self._clients.popitem(last=False)
            task = asyncio.get_running_loop().create_task(old.aclose())
            task.add_done_callback(lambda t: t.exception())
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.aclose()

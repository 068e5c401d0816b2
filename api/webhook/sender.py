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
# Requests in flight to one endpoint (the dispatcher's cap) and connections to one target. 500
# events/s to one receiver answering in 50-100 ms needs 25-50 in flight: 32 capped such a receiver
# near 300/s.
PER_ENDPOINT = 64


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


class _Lanes:
    """The clients of one target: each holds at most one kept-alive connection and serves one request
    at a time, so a request takes an idle lane (or opens one, up to the cap) in O(1). One large httpcore
    pool instead scans every connection, with a readability syscall each, for every request: that was
    most of the dispatcher's CPU per delivery."""

    def __init__(self, size: int) -> None:
        self.free = asyncio.Semaphore(size)
        self.idle: list[httpx.AsyncClient] = []
        self.evicted = False


class WebhookSender:
    """One per process. Keeps, per target (URL and the address the policy validated, so a kept-alive
    TLS connection is never reused for another host name), up to `connections_per_host` lanes of one
    connection each; targets beyond `max_targets` are dropped least recently used first. Lanes are per
    URL, not per host: receivers sharing a host (one SaaS, many hooks) cannot take each other's lanes."""

    def __init__(
        self,
        guard: OutboundPolicy,
        *,
        timeout: float = 15.0,
        ssl_context: ssl.SSLContext | None = None,
        excerpt_bytes: int = EXCERPT_BYTES,
        connections_per_host: int = PER_ENDPOINT,
        max_targets: int = 1024,
    ) -> None:
        self.guard = guard
        self.timeout = timeout
        self.excerpt_bytes = excerpt_bytes
        self._ssl = ssl_context
        self._per_host = connections_per_host
        self._max_targets = max_targets
        self._targets: OrderedDict[tuple[str, str, int, str, str], _Lanes] = OrderedDict()

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
        lanes = self._lanes_for(url, target)
        try:
            # One deadline for everything: waiting for a lane, and a slow-dripping response included.
            async with asyncio.timeout(self.timeout):
                async with lanes.free:
                    client = lanes.idle.pop() if lanes.idle else self._new_client()
                    try:
                        request = client.build_request(
                            "POST",
                            target.pinned_url,
                            content=body,
                            headers={**all_headers, "host": target.host_header},
                            extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
                        )
                        response = await client.send(request, stream=True)
                        try:
                            # Decoded once: each lookup in httpx's Headers decodes every header again.
                            answer = dict(response.headers.items())
                            excerpt = await self._read_excerpt(response, answer)
                        finally:
                            await response.aclose()
                    finally:
                        self._release(lanes, client)
        except TimeoutError:
            return result(None, error=f"timed out after {self.timeout:g} s")
        except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
            return result(None, error=f"{type(exc).__name__}: {exc}"[:500])
        error = None
        if 300 <= response.status_code < 400:
            error = f"redirect to {answer.get('location', '?')!r} not followed"
        return result(response.status_code, excerpt, error, answer.get("retry-after"))

    async def _read_excerpt(self, response: httpx.Response, headers: dict[str, str]) -> str:
        head = f"HTTP {response.status_code} {response.reason_phrase}\n" + "".join(
            f"{name}: {headers[name]}\n" for name in _LOGGED_RESPONSE_HEADERS if name in headers
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

    def _lanes_for(self, url: str, target: Target) -> _Lanes:
        key = (target.scheme, target.host, target.port, target.address, url)
        lanes = self._targets.get(key)
        if lanes is not None:
            self._targets.move_to_end(key)
            return lanes
        lanes = self._targets[key] = _Lanes(self._per_host)
        while len(self._targets) > self._max_targets:
            _, old = self._targets.popitem(last=False)
            old.evicted = True  # its busy clients close when their requests end
            for client in old.idle:
                self._close_later(client)
            old.idle.clear()
        return lanes

    def _new_client(self) -> httpx.AsyncClient:
        if self._ssl is None:
            # One context for every client: building one loads the CA bundle (~40 ms of CPU).
            self._ssl = httpx.create_ssl_context(trust_env=False)  # as the clients: no SSL_CERT_* from the env
        return httpx.AsyncClient(
            verify=self._ssl,
            follow_redirects=False,
            trust_env=False,  # an environment proxy would resolve the name itself: no pinning
            timeout=httpx.Timeout(self.timeout, connect=min(5.0, self.timeout)),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    def _release(self, lanes: _Lanes, client: httpx.AsyncClient) -> None:
        if lanes.evicted:
            self._close_later(client)
        else:
            lanes.idle.append(client)

    @staticmethod
    def _close_later(client: httpx.AsyncClient) -> None:
        task = asyncio.get_running_loop().create_task(client.aclose())
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def aclose(self) -> None:
        targets, self._targets = list(self._targets.values()), OrderedDict()
        for lanes in targets:
            lanes.evicted = True
        for client in [c for lanes in targets for c in lanes.idle]:
            with contextlib.suppress(Exception):
                await client.aclose()

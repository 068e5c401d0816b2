"""Test-side helpers: request signing and push verification written from the marketplaces' docs,
independently of sandbox.signing (a consumer's view), plus a push sink."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sandbox import Sandbox, SandboxConfig
from sandbox.models import Store


def config(**overrides: Any) -> SandboxConfig:
    return SandboxConfig(**{"http_port": 0, "imap_port": 0, "smtp_port": 0, "orders_per_store": 20, **overrides})


@contextlib.asynccontextmanager
async def running(**overrides: Any) -> AsyncIterator[Sandbox]:
    async with Sandbox(config(**overrides)) as sb:
        yield sb


# -- push sink ---------------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class PushSink:
    """A minimal HTTP/1.1 server that records every POST and answers `status`."""

    status: int = 200
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> PushSink:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # One request per connection ("connection: close"), so no handler outlives the test.
        try:
            request_line = await reader.readline()
            if request_line:
                _, path, _ = request_line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.received.append(Received(path, headers, body))
                writer.write(f"HTTP/1.1 {self.status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


# -- eBay ---------------------------------------------------------------------------------------------


def ebay_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def verify_ebay_push(client: httpx.AsyncClient, token: str, received: Received) -> bool:
    """What a consumer does: decode X-EBAY-SIGNATURE, fetch the key by kid, verify the raw body."""
    header = json.loads(base64.b64decode(received.headers["x-ebay-signature"]))
    response = await client.get(
        f"/commerce/notification/v1/public_key/{header['kid']}", headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    key_info = response.json()
    assert key_info["algorithm"] == "ECDSA"
    # eBay serves the PEM on one line; put the markers back on lines of their own.
    pem = (
        key_info["key"]
        .replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n")
        .replace("-----END PUBLIC KEY-----", "\n-----END PUBLIC KEY-----")
    )
    public_key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    digest = {"SHA256": hashes.SHA256(), "SHA1": hashes.SHA1()}[header["digest"].upper()]
    try:
        public_key.verify(base64.b64decode(header["signature"]), received.body, ec.ECDSA(digest))
    except InvalidSignature:
        return False
    return True


# -- Shopee ---------------------------------------------------------------------------------------------


def shopee_sign(partner_key: str, base: str) -> str:
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def shopee_params(store: Store, path: str, timestamp: int | None = None, **extra: Any) -> dict[str, Any]:
    c = store.credentials
    ts = int(time.time()) if timestamp is None else timestamp
    base = f"{c['partner_id']}{path}{ts}{c['access_token']}{c['shop_id']}"
    return {
        "partner_id": c["partner_id"],
        "timestamp": ts,
        "access_token": c["access_token"],
        "shop_id": c["shop_id"],
        "sign": shopee_sign(c["partner_key"], base),
        **extra,
    }


def shopee_public_params(store: Store, path: str) -> dict[str, Any]:
    c = store.credentials
    ts = int(time.time())
    return {
        "partner_id": c["partner_id"],
        "timestamp": ts,
        "sign": shopee_sign(c["partner_key"], f"{c['partner_id']}{path}{ts}"),
    }


def verify_shopee_push(partner_key: str, url: str, received: Received) -> bool:
    expected = hmac.new(partner_key.encode(), url.encode() + b"|" + received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.headers["authorization"])


# -- TikTok ---------------------------------------------------------------------------------------------


def tiktok_sign(secret: str, path: str, params: dict[str, Any], body: str = "") -> str:
    """TikTok's signing guide: secret + path + sorted {key}{value} (minus sign/access_token) + body + secret."""
    joined = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in ("sign", "access_token"))
    text = f"{secret}{path}{joined}{body}{secret}"
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


async def tiktok_call(
    client: httpx.AsyncClient,
    store: Store,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    body: Any = None,
    *,
    timestamp: int | None = None,
    cipher: bool = True,
    token: str | None = None,
) -> httpx.Response:
    c = store.credentials
    query: dict[str, Any] = {
        "app_key": c["app_key"],
        "timestamp": int(time.time()) if timestamp is None else timestamp,
        **(params or {}),
    }
    if cipher:
        query["shop_cipher"] = c["shop_cipher"]
    raw = json.dumps(body) if body is not None else ""
    query["sign"] = tiktok_sign(c["app_secret"], path, {k: str(v) for k, v in query.items()}, raw)
    headers = {"x-tts-access-token": token or c["access_token"], "content-type": "application/json"}
    return await client.request(method, f"{path}?{urlencode(query)}", content=raw or None, headers=headers)


def verify_tiktok_webhook(app_key: str, app_secret: str, received: Received) -> bool:
    expected = hmac.new(app_secret.encode(), app_key.encode() + received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.headers["authorization"])


# -- Walmart / Amazon ----------------------------------------------------------------------------------


async def walmart_token(client: httpx.AsyncClient, store: Store) -> str:
    c = store.credentials
    basic = base64.b64encode(f"{c['client_id']}:{c['client_secret']}".encode()).decode()
    response = await client.post(
        "/v3/token",
        data={"grant_type": "client_credentials"},
        headers={
            "Authorization": f"Basic {basic}",
            "WM_SVC.NAME": "Walmart Marketplace",
            "WM_QOS.CORRELATION_ID": "t-1",
            "Accept": "application/json",
        },
    )
    response.raise_for_status()
    return response.json()["access_token"]


def walmart_headers(token: str) -> dict[str, str]:
    return {
        "WM_SEC.ACCESS_TOKEN": token,
        "WM_SVC.NAME": "Walmart Marketplace",
        "WM_QOS.CORRELATION_ID": "t-2",
        "Accept": "application/json",
    }

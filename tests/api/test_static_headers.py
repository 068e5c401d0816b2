"""The built SPA as the API serves it: security headers, gzip, and cache lifetimes (issue 17, item 6).

A small build stands in for frontend/dist (the real one needs `npm run build`); the app is the real
create_app, so this checks what main.py wires up, not a copy of it.
"""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.config import Settings
from api.main import create_app

INDEX = '<!doctype html><html><head><script type="module" crossorigin src="/assets/index-AbC123.js"></script></head>'
SCRIPT = "console.log('hourglass');\n" * 200  # large enough to be worth compressing


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX + "<body><div id=root></div></body></html>")
    (tmp_path / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    (tmp_path / "assets" / "index-AbC123.js").write_text(SCRIPT)
    (tmp_path.parent / "secret.txt").write_text("outside the build")
    return tmp_path


@pytest.fixture
async def spa(settings: Settings, dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"frontend_dist": dist}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


def _directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def _assert_security_headers(response: httpx.Response) -> None:
    csp = _directives(response.headers["content-security-policy"])
    assert csp["script-src"] == ["'self'"], "no inline script, no eval, no other origin"
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["connect-src"] == ["'self'"], "the API and its WebSocket on the same origin, nothing else"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/", "/inbox", "/settings/channels", "/favicon.svg", "/assets/index-AbC123.js"])
async def test_every_spa_response_carries_the_security_headers(spa: httpx.AsyncClient, path: str) -> None:
    response = await spa.get(path)
    assert response.status_code == 200
    _assert_security_headers(response)


async def test_index_is_revalidated_and_client_routes_fall_back_to_it(spa: httpx.AsyncClient) -> None:
    for path in ("/", "/inbox/some-conversation", "/dashboard"):
        response = await spa.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"
        assert response.text.startswith("<!doctype html>")
    assert (await spa.get("/favicon.svg")).headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_immutable_and_gzipped(spa: httpx.AsyncClient) -> None:
    response = await spa.get("/assets/index-AbC123.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.text == SCRIPT  # httpx decoded the gzip body
    assert int(response.headers["content-length"]) < len(SCRIPT) // 10


async def test_plain_body_without_gzip_in_accept_encoding(spa: httpx.AsyncClient) -> None:
    for accept in ("identity", "gzip;q=0", "br"):
        response = await spa.get("/assets/index-AbC123.js", headers={"Accept-Encoding": accept})
        assert "content-encoding" not in response.headers, accept
        assert response.content == SCRIPT.encode()


async def test_gzip_body_is_real_gzip(spa: httpx.AsyncClient) -> None:
    async with spa.stream("GET", "/", headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    # index.html is below the compression threshold here: sent as is.
    assert "content-encoding" not in response.headers
    assert raw.startswith(b"<!doctype html>")
    async with spa.stream("GET", "/assets/index-AbC123.js", headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert gzip.decompress(raw) == SCRIPT.encode()


async def test_conditional_request_answers_304_with_the_headers(spa: httpx.AsyncClient) -> None:
    first = await spa.get("/")
    again = await spa.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    _assert_security_headers(again)


async def test_nothing_outside_the_build_and_no_api_path_is_served_as_the_spa(spa: httpx.AsyncClient) -> None:
    missing = await spa.get("/assets/missing-123.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    traversal = await spa.get("/assets/..%2F..%2Fsecret.txt")
    assert traversal.status_code == 404
    assert b"outside the build" not in traversal.content
    for path in ("/v1/nothing-here", "/metrics/x", "/healthz/x"):
        response = await spa.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"


async def test_head_answers_like_get_without_a_body(spa: httpx.AsyncClient) -> None:
    response = await spa.head("/assets/index-AbC123.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    _assert_security_headers(response)

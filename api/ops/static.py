"""Serving the built SPA (frontend/dist): security headers, gzip, and cache lifetimes.

Every response from here carries a Content-Security-Policy the build passes as is (Vite emits one
module script and stylesheets under /assets, no inline script), refuses framing, turns off MIME
sniffing and keeps the path out of the Referer sent to other sites. The API's own JSON responses
and /v1/docs (Swagger UI loads its scripts from elsewhere) are not served from here and keep theirs.

Hashed files under /assets never change under a name, so browsers may keep them for a year;
index.html and the other top-level files (favicon) are revalidated on every load so a deployment
is picked up at once.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

# script-src 'self': no inline script and no eval (Vite emits one module script under /assets).
# style-src needs 'unsafe-inline' for buyer emails: the sanitised email keeps its <style> and style
# attributes inside the sandboxed srcdoc iframe, and a srcdoc document inherits this policy on top of
# its own (which forbids everything but images and inline style). React's style props go through the
# CSSOM, which CSP does not restrict. img-src https: is there for the same iframe, whose own policy
# allows remote images. connect-src 'self' covers the WebSocket to the same host (CSP Level 3:
# 'self' matches ws:/wss: on the page's host and port).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # frame-ancestors above is the standard; X-Frame-Options covers browsers that predate it.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

# Worth compressing: text formats. Images other than SVG and fonts (woff2) are compressed already.
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/manifest+json")
_MIN_GZIP_BYTES = 512
_RESERVED = ("v1/", "help/", "healthz", "readyz", "metrics")


@dataclass(frozen=True)
class _Entry:
    stamp: tuple[int, int]  # (mtime_ns, size): a rebuilt file is read again
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _media_type(path: Path) -> str:
    # Python's table has no entry for the web app manifest; browsers want this type to install the app.
    if path.suffix == ".webmanifest":
        return "application/manifest+json; charset=utf-8"
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed in ("text/javascript", "application/x-javascript"):
        guessed = "application/javascript"
    if guessed.startswith("text/") or guessed in ("application/javascript", "application/json", "image/svg+xml"):
        return f"{guessed}; charset=utf-8"
    return guessed


class FrontendFiles:
    """The files of one build, read once and kept with their gzip form (a build is a few MB)."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist.resolve()
        self._cache: dict[Path, _Entry] = {}

    def _entry(self, path: Path) -> _Entry:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached
        body = path.read_bytes()
        media_type = _media_type(path)
        gzipped = None
        if len(body) >= _MIN_GZIP_BYTES and media_type.startswith(_COMPRESSIBLE):
            # mtime=0: the same file always compresses to the same bytes.
            gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        entry = _Entry(stamp, body, gzipped, media_type, etag)
        self._cache[path] = entry
        return entry

    def respond(self, request: Request, path: Path, cache_control: str) -> Response:
        entry = self._entry(path)
        headers = {**SECURITY_HEADERS, "Cache-Control": cache_control, "ETag": entry.etag, "Vary": "Accept-Encoding"}
        if entry.etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        body = entry.body
        if entry.gzipped is not None and _accepts_gzip(request.headers.get("accept-encoding", "")):
            body = entry.gzipped
            headers["Content-Encoding"] = "gzip"
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            return Response(status_code=200, headers=headers, media_type=entry.media_type)
        return Response(body, headers=headers, media_type=entry.media_type)

    def find(self, relative: str, folder: Path) -> Path | None:
        """The file `relative` names inside `folder`, never one outside it."""
        candidate = (folder / relative).resolve()
        if relative and candidate.is_file() and candidate.is_relative_to(folder):
            return candidate
        return None


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        if name.lower() in ("gzip", "*"):
            for param in params:
                if param.startswith("q="):
                    try:
                        return float(param[2:]) > 0
                    except ValueError:
                        return False
            return True
    return False


def install_frontend(app: FastAPI, dist: Path | None = None) -> None:
    """Serve the build (default: the checkout's frontend/dist) at / with client-side routes falling
    back to index.html. Without a build, / points at the API documentation instead."""
    dist = dist or Path(__file__).resolve().parents[2] / "frontend" / "dist"
    index = dist / "index.html"
    if not index.is_file():

        @app.get("/", include_in_schema=False)
        async def root() -> RedirectResponse:
            return RedirectResponse("/v1/docs")

        return
    files = FrontendFiles(dist)
    assets = files.dist / "assets"

    @app.api_route("/assets/{name:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def asset(request: Request, name: str) -> Response:
        found = files.find(name, assets)
        if found is None:
            raise StarletteHTTPException(status_code=404, detail=f"No asset /assets/{name}.")
        return files.respond(request, found, IMMUTABLE)

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def spa(request: Request, path: str) -> Response:
        if path.startswith(_RESERVED):
            raise StarletteHTTPException(status_code=404, detail=f"No route /{path}.")
        # Top-level files of the build (favicon...); any other path is a client-side route.
        found = files.find(path, files.dist)
        if found is None or found.parent != files.dist:
            found = files.dist / "index.html"
        return files.respond(request, found, REVALIDATE)

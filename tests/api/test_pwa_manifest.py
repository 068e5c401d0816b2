"""The installable app (issue 16, item 8): the web app manifest and its icons, as the API serves them.

The manifest checked is the real one in frontend/public (Vite copies it into the build as is); it is
served from a small stand-in build, as in test_static_headers.py, because the real build needs npm.
"""

from __future__ import annotations

import json
import shutil
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.config import Settings
from api.main import create_app

PUBLIC = Path(__file__).resolve().parents[2] / "frontend" / "public"


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_manifest_names_the_app_and_has_192_512_and_maskable_icons_that_exist() -> None:
    manifest = json.loads((PUBLIC / "manifest.webmanifest").read_text())
    assert manifest["name"] == "Hourglass"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/")
    assert manifest["theme_color"].startswith("#")
    pngs = [i for i in manifest["icons"] if i["type"] == "image/png"]
    for icon in pngs:
        width, height = _png_size(PUBLIC / icon["src"].lstrip("/"))
        assert f"{width}x{height}" == icon["sizes"], icon["src"]
    any_sizes = {i["sizes"] for i in pngs if i["purpose"] == "any"}
    maskable_sizes = {i["sizes"] for i in pngs if i["purpose"] == "maskable"}
    assert {"192x192", "512x512"} <= any_sizes
    assert {"192x192", "512x512"} <= maskable_sizes
    svg = [i for i in manifest["icons"] if i["type"] == "image/svg+xml"]
    assert svg and (PUBLIC / svg[0]["src"].lstrip("/")).is_file()


@pytest.fixture
async def spa(settings: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    index = '<!doctype html><html><head><link rel="manifest" href="/manifest.webmanifest"></head></html>'
    (tmp_path / "index.html").write_text(index)
    shutil.copy(PUBLIC / "manifest.webmanifest", tmp_path / "manifest.webmanifest")
    for icon in PUBLIC.glob("icon*"):
        shutil.copy(icon, tmp_path / icon.name)
    app = create_app(settings.model_copy(update={"frontend_dist": tmp_path}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def test_the_manifest_and_icons_are_served_with_the_types_browsers_install_from(spa: httpx.AsyncClient) -> None:
    manifest = await spa.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"] == "application/manifest+json; charset=utf-8"
    assert manifest.json()["name"] == "Hourglass"
    assert "manifest-src 'self'" in manifest.headers["content-security-policy"]
    icon = await spa.get("/icon-512.png")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/png"
    svg = await spa.get("/icon.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")

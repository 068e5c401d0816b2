"""Small builders shared by the API tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

_seq = itertools.count(1)


async def make_channel(client: httpx.AsyncClient, marketplace: str = "api", name: str | None = None) -> dict[str, Any]:
    r = await client.post("/v1/channels", json={"marketplace": marketplace, "name": name or f"{marketplace} store"})
    assert r.status_code == 201, r.text
    return r.json()


def inbound(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    body: dict[str, Any] = {
        "external_message_id": f"m-{n}",
        "external_thread_id": f"t-{n}",
        "buyer": {"external_id": f"buyer-{n}", "name": f"Buyer {n}"},
        "subject": f"Question {n}",
        "body": f"Hello, where is my order? #{n}",
        "sent_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
    }
    body.update(overrides)
    return body


async def push(client: httpx.AsyncClient, channel_id: str, **overrides: Any) -> dict[str, Any]:
    r = await client.post(f"/v1/channels/{channel_id}/messages", json=inbound(**overrides))
    assert r.status_code in (200, 201), r.text
    return r.json()

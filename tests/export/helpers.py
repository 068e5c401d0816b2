"""Running the export worker job the way the relay does, and reading files back."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select

from api.models import OutboxEvent
from workers.tasks.exports import export_created_job


async def run_exports(sessionmaker, settings) -> list[str | None]:  # type: ignore[no-untyped-def]
    """Run every export the relay would have started (its `export.created` events), in order."""
    async with sessionmaker() as s:
        ids = list(
            (
                await s.execute(
                    select(OutboxEvent.id).where(OutboxEvent.event_type == "export.created").order_by(OutboxEvent.id)
                )
            ).scalars()
        )
    ctx = {"sessionmaker": sessionmaker, "settings": settings}
    return [await export_created_job(ctx, i) for i in ids]


async def create(client, **body: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = await client.post("/v1/exports", json=body)
    assert r.status_code == 202, r.text
    return r.json()


async def download(client, export_id: str) -> bytes:  # type: ignore[no-untyped-def]
    r = await client.get(f"/v1/exports/{export_id}/download")
    assert r.status_code == 200, r.text
    return r.content


def csv_rows(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:20]
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def jsonl_rows(raw: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in raw.decode("utf-8").splitlines() if line]

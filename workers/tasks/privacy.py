"""The daily retention job (api/privacy/retention.py): conversations older than each organization's
retention period are deleted, with an audit entry per organization."""

from __future__ import annotations

from typing import Any

from api.kit.time import utc_now
from api.privacy import retention


async def retention_job(ctx: dict[str, Any]) -> int:
    runs = await retention.run(ctx["sessionmaker"], utc_now())
    return sum(r.conversations for r in runs)

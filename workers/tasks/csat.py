"""The cron job that sends due CSAT questions (api/csat/service.py: re-checked, then queued as an
automatic reply through the normal outbound path)."""

from __future__ import annotations

from typing import Any

from api.csat import service
from api.kit.time import utc_now


async def csat_send_job(ctx: dict[str, Any]) -> int:
    async with ctx["sessionmaker"].begin() as session:
        return await service.send_due(session, utc_now(), ctx["settings"].public_url)

"""The cron job that queues each scheduled report once its period is over (api/reports/schedule_service.py);
workers/tasks/mail.py then sends the mail."""

from __future__ import annotations

from typing import Any

from api.kit.time import utc_now
from api.reports import schedule_service


async def report_schedules_job(ctx: dict[str, Any]) -> int:
    async with ctx["sessionmaker"].begin() as session:
        return await schedule_service.send_due(session, utc_now())

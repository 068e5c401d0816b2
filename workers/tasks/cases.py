"""Case clocks and follow-ups: the loop that fires case timers (rows of sla_timers with a case_id,
woken by the same hourglass_timers NOTIFY as conversation timers), and the cron job that sends due
follow-up contacts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.case import clocks, followup
from api.db import Sessionmaker
from api.kit.time import utc_now
from api.sla.timers import next_due
from workers.loops import MORE, TIMERS, Loop, StepResult, until_due

BATCH = 500
MAX_SLEEP = timedelta(seconds=30)
RECHECK = timedelta(milliseconds=200)


def case_timer_step(sessionmaker: Sessionmaker) -> Any:
    async def step() -> StepResult:
        """Fire due case timers; then sleep until the next due timer of any kind (at most MAX_SLEEP)."""
        async with sessionmaker.begin() as session:
            fired = await clocks.fire_due(session, utc_now(), BATCH)
        if fired == BATCH:
            return MORE
        async with sessionmaker() as session:
            upcoming = await next_due(session)
        return until_due(upcoming, utc_now(), recheck=RECHECK, cap=MAX_SLEEP, resolution=RECHECK)

    return step


def case_timer_loop(sessionmaker: Sessionmaker) -> Loop:
    return Loop("case_timers", case_timer_step(sessionmaker), channels=(TIMERS,), poll=MAX_SLEEP.total_seconds())


async def case_followups_job(ctx: dict[str, Any]) -> int:
    async with ctx["sessionmaker"].begin() as session:
        return await followup.send_due(session, utc_now())

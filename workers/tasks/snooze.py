"""The snooze loop: brings snoozed conversations back to the lists at their time (api/conversation/snooze.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from api.conversation.snooze import NOTIFY_CHANNEL, next_wake, wake_due
from api.db import Sessionmaker
from api.kit.time import utc_now
from workers.loops import MORE, Loop, StepResult, until_due

BATCH = 500
# A new snooze notifies NOTIFY_CHANNEL at commit; this is the safety net for a lost notification.
MAX_SLEEP = timedelta(seconds=30)
RECHECK = timedelta(milliseconds=200)


def snooze_step(sessionmaker: Sessionmaker) -> Any:
    async def step() -> StepResult:
        """Wake due snoozes; then sleep until the next one (at most MAX_SLEEP). Nothing is woken
        unless it committed, so an error only delays the wake-up."""
        async with sessionmaker.begin() as session:
            woken = await wake_due(session, utc_now(), BATCH)
        if woken == BATCH:
            return MORE
        async with sessionmaker() as session:
            upcoming = await next_wake(session)
        return until_due(upcoming, utc_now(), recheck=RECHECK, cap=MAX_SLEEP, resolution=RECHECK)

    return step


def snooze_loop(sessionmaker: Sessionmaker) -> Loop:
    return Loop("snooze", snooze_step(sessionmaker), channels=(NOTIFY_CHANNEL,), poll=MAX_SLEEP.total_seconds())

"""The overflow check loop: raises or clears each organization's overflow alert (api/notification/overflow.py).

Every worker runs it; the per-organization advisory lock and the unique index on the active alert make
concurrent checks raise an alert exactly once.
"""

from __future__ import annotations

import logging
from typing import Any

from api.db import Sessionmaker
from api.kit.time import utc_now
from api.notification.overflow import check_all
from workers.loops import Loop, StepResult

log = logging.getLogger(__name__)

# Load changes with every assignment; a check every few seconds is a handful of indexed counts.
INTERVAL_SECONDS = 5.0


def overflow_step(sessionmaker: Sessionmaker) -> Any:
    async def step() -> StepResult:
        counts = await check_all(sessionmaker, utc_now())
        if counts.get("raised") or counts.get("cleared"):
            log.info("overflow check: %s", counts)
        return INTERVAL_SECONDS

    return step


def overflow_loop(sessionmaker: Sessionmaker) -> Loop:
    return Loop("overflow", overflow_step(sessionmaker), poll=INTERVAL_SECONDS)

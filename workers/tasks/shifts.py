"""Shifts, every minute (one run cluster-wide): availability follows the rosters, conversations due
while their assignee is away are handed over, and team queues are distributed to whoever came on
shift. Each step is its own transaction and idempotent, so a re-run after a killed worker repeats
nothing (api/shift/handover.py, api/assignment/queue.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.assignment import queue
from api.db import Sessionmaker
from api.kit.time import utc_now
from api.shift import availability_service, handover


@dataclass(frozen=True)
class ShiftRun:
    status_changes: int
    handed_over: int
    distributed: int


async def run_shifts(sessionmaker: Sessionmaker) -> ShiftRun:
    now = utc_now()
    async with sessionmaker.begin() as session:
        changes = await availability_service.sweep(session, now)
    async with sessionmaker.begin() as session:
        handed = await handover.hand_over_due(session, now)
    async with sessionmaker() as session:
        teams = await queue.teams_with_queue(session)
    distributed = 0
    for team_id in teams:  # one transaction per team: a team lock is held only for its own queue
        async with sessionmaker.begin() as session:
            distributed += (await queue.distribute_team(session, team_id, now)).assigned
    return ShiftRun(changes, handed, distributed)


async def shift_sweep_job(ctx: dict[str, Any]) -> dict[str, int]:
    run = await run_shifts(ctx["sessionmaker"])
    return {"status_changes": run.status_changes, "handed_over": run.handed_over, "distributed": run.distributed}

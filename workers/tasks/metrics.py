"""The metric rollups' fold: recompute the hours the triggers marked (api/reports/rollup.py)."""

from __future__ import annotations

from typing import Any

from api.reports import rollup

MAX_BATCHES = 10


async def fold_metrics_job(ctx: dict[str, Any]) -> int:
    """Each batch in its own transaction, so a large backfill is folded in steps that each commit."""
    folded = 0
    for _ in range(MAX_BATCHES):
        async with ctx["sessionmaker"].begin() as session:
            n = await rollup.fold(session)
        folded += n
        if n < rollup.FOLD_BATCH:
            break
    return folded

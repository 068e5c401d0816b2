"""The metric fold runs in a child process of the worker (workers/tasks/metrics.py): it folds what the
in-process fold would, in another process, is not started while nothing is marked, and a killed child
loses no mark (the next fold starts a new child and folds them)."""

import os
import signal
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from api.models.metrics import MetricDirtyHour, MetricRollup
from tests.helpers import make_channel
from tests.reports.test_reports_api import _answer
from workers.tasks.metrics import FoldProcess, fold_metrics_job


async def _count(sessionmaker, model, org_id=None) -> int:
    async with sessionmaker() as s:
        query = select(func.count()).select_from(model)
        if org_id is not None:
            query = query.where(model.organization_id == org_id)
        return (await s.execute(query)).scalar_one()


async def test_the_fold_runs_in_a_child_and_survives_its_death(tenant, sessionmaker, database_url):
    fold = FoldProcess(database_url)
    ctx = {"sessionmaker": sessionmaker, "fold": fold}
    try:
        assert await fold_metrics_job(ctx) == 0  # nothing marked yet (the tenant's set-up marks nothing)
        assert fold._process is None  # no child started for nothing

        channel = await make_channel(tenant.api, marketplace="walmart")
        asked = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
        await _answer(tenant, channel["id"], asked, after=timedelta(minutes=20))
        assert await _count(sessionmaker, MetricDirtyHour) > 0
        assert await fold_metrics_job(ctx) > 0
        child = fold._process.pid
        assert child != os.getpid()
        assert await _count(sessionmaker, MetricDirtyHour) == 0
        folded = await _count(sessionmaker, MetricRollup, tenant.org_id)
        assert folded > 0

        # A second answer marks its hours again; the child is killed before it folds them.
        await _answer(tenant, channel["id"], asked - timedelta(hours=5), after=timedelta(minutes=3))
        os.kill(child, signal.SIGKILL)
        fold._process.join(timeout=10)
        assert await fold_metrics_job(ctx) > 0  # a new child
        assert fold._process.pid != child
        assert await _count(sessionmaker, MetricDirtyHour) == 0
        assert await _count(sessionmaker, MetricRollup, tenant.org_id) > folded
    finally:
        fold.close()
    assert fold._process is None

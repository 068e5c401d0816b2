"""Day rollups: a range's figures read through the day rows (whole local days) and the hour rows (the
edges) are exactly the hour rows' figures summed per local day, in a zone whose midnight falls inside a
UTC hour; the rebuild writes the same day rows as the fold; the backlog before a range agrees too."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from api.models import Organization
from api.models.metrics import MetricRollup, MetricRollupDay
from api.reports import buckets, repository, rollup, rollup_repository
from api.reports.repository import HIST_KEYS, MetricFilters
from tests.helpers import make_channel
from tests.reports.test_reports_api import _answer, _fold

ZONE = "Asia/Kolkata"  # +05:30: a local day starts half-way through a UTC hour
SUMMED = (
    "replies_human",
    "replies_automated",
    "first_responses",
    "frt_wall_sum",
    "resolutions",
    "sla_met",
    "sla_breached",
    "backlog_delta",
)


def _zero() -> dict:
    return {**{k: 0 for k in SUMMED}, **{k: [0] * buckets.SIZE for k in HIST_KEYS}}


def _by_day(hour_rows: list[dict], group: str | None) -> dict[tuple, dict]:
    out: dict[tuple, dict] = defaultdict(_zero)
    for r in hour_rows:
        key = (buckets.day_of(r["period"], ZONE), r[group] if group else None)
        for k in SUMMED:
            out[key][k] += int(r[k] or 0)
        for k in HIST_KEYS:
            out[key][k] = [a + b for a, b in zip(out[key][k], r[k], strict=True)]
    return out


def _shape(rows: list[dict], group: str | None) -> dict[tuple, dict]:
    return {
        (r.get("period"), r[group] if group else None): {
            **{k: int(r[k] or 0) for k in SUMMED},
            **{k: list(r[k]) for k in HIST_KEYS},
        }
        for r in rows
    }


async def test_day_rows_equal_the_hours_summed_and_rebuild_equals_the_fold(tenant, sessionmaker):
    async with sessionmaker.begin() as s:
        await s.execute(update(Organization).where(Organization.id == tenant.org_id).values(time_zone=ZONE))
    walmart = await make_channel(tenant.api, marketplace="walmart")
    ebay = await make_channel(tenant.api, marketplace="ebay")
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    # Around local midnights (18:30 UTC) and across four days, answered after minutes to a day.
    asked = [now - timedelta(days=d, hours=h) for d in (1, 2, 3, 4) for h in (0, 5, 11)]
    for i, at in enumerate(asked):
        channel = walmart if i % 2 else ebay
        await _answer(tenant, channel["id"], at, after=timedelta(minutes=7 + 180 * i), auto_ack=i % 3 == 0)
    await _fold(sessionmaker)

    async with sessionmaker() as s:
        days = (
            await s.execute(select(func.count()).where(MetricRollupDay.organization_id == tenant.org_id))
        ).scalar_one()
        assert days > 0
        start, end = now - timedelta(days=6, minutes=-17), now + timedelta(hours=2)  # starts mid-hour
        assert buckets.whole_days(start, end, ZONE) is not None
        for group in (None, "marketplace", "channel_id"):  # the marketplace day rows, then the detailed ones
            group_by = (group,) if group else ()
            hours = await repository.series(
                s, tenant.org_id, start, end, "hour", ZONE, group_by, MetricFilters(include_automation=True)
            )
            by_day = await repository.series(
                s, tenant.org_id, start, end, "day", ZONE, group_by, MetricFilters(include_automation=True)
            )
            assert sum(r["replies_human"] or 0 for r in by_day) >= len(asked)
            assert _shape(by_day, group) == {k: v for k, v in _by_day(hours, group).items() if any(v.values())}
            whole = await repository.series(s, tenant.org_id, start, end, None, ZONE, group_by, MetricFilters())
            people = await repository.series(s, tenant.org_id, start, end, "hour", ZONE, group_by, MetricFilters())
            totals: dict = defaultdict(_zero)
            for (_, g), v in _by_day(people, group).items():
                for k in SUMMED:
                    totals[g][k] += v[k]
                for k in HIST_KEYS:
                    totals[g][k] = [a + b for a, b in zip(totals[g][k], v[k], strict=True)]
            assert {g: v for (_, g), v in _shape(whole, group).items()} == dict(totals)

        # The backlog before a point: day rows before its day, hour rows of its day before it.
        cut = now - timedelta(days=2, hours=3)
        expected = (
            await s.execute(
                select(func.coalesce(func.sum(MetricRollup.backlog_delta), 0)).where(
                    MetricRollup.organization_id == tenant.org_id, MetricRollup.bucket < cut
                )
            )
        ).scalar_one()
        got = await repository.backlog_before(s, tenant.org_id, cut, (), MetricFilters(), ZONE)
        assert got.get((), 0) == expected

    async def day_rows() -> list[tuple]:
        async with sessionmaker() as s:
            found = (
                await s.execute(select(MetricRollupDay).where(MetricRollupDay.organization_id == tenant.org_id))
            ).scalars()
            cols = [c.name for c in MetricRollupDay.__table__.columns if c.name != "id"]
            return sorted(tuple(str(getattr(r, c)) for c in cols) for r in found)

    folded = await day_rows()
    async with sessionmaker.begin() as s:
        await rollup.rebuild(s, now - timedelta(days=8), now + timedelta(hours=3), tenant.org_id)
    assert await day_rows() == folded


def test_the_one_statement_hour_insert_names_every_column_of_the_hour_rows():
    names = set(rollup_repository._HOUR_NAMES.split(", "))
    assert names == {c.name for c in MetricRollup.__table__.columns} - {"id"}

"""Reports over the metric rollups: people and automation apart, late messages, rebuild ==
incremental, ranges, tenant isolation and who may see whose performance."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from api.models.metrics import MetricRollup
from api.reports import rollup
from tests.helpers import make_channel, push


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


async def _fold(sessionmaker) -> int:
    async with sessionmaker.begin() as s:
        return await rollup.fold(s)


async def _rows(sessionmaker, org_id) -> list[tuple]:
    async with sessionmaker() as s:
        found = (await s.execute(select(MetricRollup).where(MetricRollup.organization_id == org_id))).scalars()
        cols = [c.name for c in MetricRollup.__table__.columns if c.name != "id"]
        return sorted(tuple(str(getattr(r, c)) for c in cols) for r in found)


async def _answer(tenant, channel_id, asked_at, *, after, auto_ack=False, agent=None):
    msg = await push(tenant.api, channel_id, sent_at=iso(asked_at))
    conv = msg["conversation_id"]
    if auto_ack:
        ack = (
            await tenant.api.post(
                f"/v1/conversations/{conv}/replies", json={"body": "We got your message.", "author_kind": "auto"}
            )
        ).json()
        sent = {"status": "sent", "delivered_at": iso(asked_at + timedelta(seconds=20))}
        assert (await tenant.api.post(f"/v1/messages/{ack['id']}/delivery", json=sent)).status_code == 200
    who = agent or tenant.agent
    reply = (await who.post(f"/v1/conversations/{conv}/replies", json={"body": "It ships today."})).json()
    sent = {"status": "sent", "delivered_at": iso(asked_at + after)}
    assert (await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json=sent)).status_code == 200
    return conv


def _params(start, end, **extra):
    return {"from": iso(start), "to": iso(end), **extra}


async def test_people_by_default_automation_apart_and_rebuild_equals_incremental(tenant, sessionmaker):
    walmart = await make_channel(tenant.api, marketplace="walmart")
    tiktok = await make_channel(tenant.api, marketplace="tiktok")
    day = NOW - timedelta(days=2)
    await _answer(tenant, walmart["id"], day, after=timedelta(hours=2), auto_ack=True)
    await _answer(tenant, walmart["id"], day + timedelta(hours=1), after=timedelta(minutes=30), auto_ack=True)
    # TikTok's rule lets an away message answer the buyer: the marketplace clock stops on it.
    await _answer(tenant, tiktok["id"], day + timedelta(hours=3), after=timedelta(hours=5), auto_ack=True)
    assert await _fold(sessionmaker) > 0

    r = await tenant.admin.get("/v1/reports/metrics", params=_params(NOW - timedelta(days=7), NOW, granularity="day"))
    assert r.status_code == 200, r.text
    body = r.json()
    (total,) = body["totals"]
    assert (total["replies_human"], total["replies_automated"]) == (3, 3)
    # People by default: the two Walmart replies (TikTok's first response was the away message).
    assert total["first_responses"] == 2
    assert total["first_response_wall"]["mean_seconds"] == (7200 + 1800) / 2
    assert total["sla_met"] == 3 and total["sla_met_by_automation"] == 1
    assert body["marketplace_automation_counts"]["tiktok"] is True
    notes = {n["figure"]: n["counts_automation"] for n in body["automation"]}
    assert notes["replies_human"] == "no" and notes["sla_met"] == "marketplace_rule"
    assert notes["first_responses"] == "no"
    assert len(body["series"]) in (7, 8) and sum(p["replies_human"] for p in body["series"]) == 3
    assert body["series"][-1]["backlog"] == 0

    with_auto = (
        await tenant.admin.get(
            "/v1/reports/metrics", params=_params(NOW - timedelta(days=7), NOW, include_automation="true")
        )
    ).json()["totals"][0]
    assert with_auto["first_responses"] == 3 and with_auto["first_response_wall"]["median_seconds"] is not None

    by_mp = (
        await tenant.admin.get(
            "/v1/reports/metrics", params=_params(NOW - timedelta(days=7), NOW, group_by="marketplace")
        )
    ).json()["totals"]
    assert {t["marketplace"]: t["replies_human"] for t in by_mp} == {"walmart": 2, "tiktok": 1}

    incremental = await _rows(sessionmaker, tenant.org_id)
    async with sessionmaker.begin() as s:
        await rollup.rebuild(s, NOW - timedelta(days=10), datetime.now(UTC) + timedelta(hours=2), tenant.org_id)
    assert await _rows(sessionmaker, tenant.org_id) == incremental
    assert await _fold(sessionmaker) == 0  # nothing left to fold: idempotent


async def test_late_message_folds_into_its_own_hour_and_resolution_reopen(tenant, sessionmaker):
    channel = await make_channel(tenant.api, marketplace="ebay")
    await _fold(sessionmaker)
    old = NOW - timedelta(days=5, hours=3)
    conv = await _answer(tenant, channel["id"], old, after=timedelta(minutes=10))
    await _fold(sessionmaker)
    hourly = (
        await tenant.admin.get(
            "/v1/reports/metrics",
            params=_params(old - timedelta(hours=1), old + timedelta(hours=3), granularity="hour"),
        )
    ).json()["series"]
    by_hour = {p["period"]: p for p in hourly}
    assert by_hour[iso(old)]["first_responses"] == 1 and by_hour[iso(old)]["backlog"] == 0

    # NOW was taken when the module was imported: in a long run the resolution below can fall in a
    # later hour, so the ranges that must contain it end after the current hour, not NOW's.
    later = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    patch = await tenant.agent.patch(f"/v1/conversations/{conv}", json={"status": "resolved"})
    assert patch.status_code == 200, patch.text
    await _fold(sessionmaker)
    t = await tenant.admin.get("/v1/reports/metrics", params=_params(NOW - timedelta(days=7), later))
    total = t.json()["totals"][0]
    assert total["resolutions"] == 1 and total["reopened"] == 0

    incremental = await _rows(sessionmaker, tenant.org_id)
    async with sessionmaker.begin() as s:
        await rollup.rebuild(s, NOW - timedelta(days=10), later + timedelta(hours=1), tenant.org_id)
    assert await _rows(sessionmaker, tenant.org_id) == incremental

    drill = await tenant.admin.get(
        "/v1/reports/metrics/conversations",
        params=_params(NOW - timedelta(days=7), later, measure="first_responses"),
    )
    assert drill.status_code == 200, drill.text
    assert [c["id"] for c in drill.json()] == [conv]
    resolved = await tenant.admin.get(
        "/v1/reports/metrics/conversations",
        params=_params(NOW - timedelta(days=7), later, measure="resolutions"),
    )
    assert [c["id"] for c in resolved.json()] == [conv]


async def test_range_limits_name_the_field_and_the_maximum(tenant):
    r = await tenant.admin.get("/v1/reports/metrics", params=_params(NOW - timedelta(days=40), NOW, granularity="hour"))
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "query.to" and "31 days" in err["reason"]
    r = await tenant.admin.get("/v1/reports/metrics", params=_params(NOW - timedelta(days=400), NOW))
    assert r.status_code == 422 and "366 days" in r.json()["errors"][0]["reason"]
    r = await tenant.admin.get("/v1/reports/metrics", params=_params(NOW, NOW - timedelta(days=1)))
    assert r.status_code == 422


async def test_another_organizations_store_contributes_nothing(tenant, other_tenant, sessionmaker):
    mine = await make_channel(tenant.api, marketplace="amazon")
    theirs = await make_channel(other_tenant.api, marketplace="amazon")
    await _answer(tenant, mine["id"], NOW - timedelta(days=1), after=timedelta(minutes=5))
    await _answer(other_tenant, theirs["id"], NOW - timedelta(days=1), after=timedelta(minutes=5))
    await _fold(sessionmaker)
    span = _params(NOW - timedelta(days=3), NOW)
    own = (await tenant.admin.get("/v1/reports/metrics", params=span)).json()["totals"][0]
    assert own["replies_human"] == 1
    foreign = (await tenant.admin.get("/v1/reports/metrics", params={**span, "channel_id": theirs["id"]})).json()
    assert foreign["totals"][0]["replies_human"] == 0 and foreign["totals"][0]["first_responses"] == 0
    drill = await tenant.admin.get(
        "/v1/reports/metrics/conversations", params={**span, "measure": "replies", "channel_id": theirs["id"]}
    )
    assert drill.json() == []
    board = (await tenant.admin.get("/v1/reports/agents", params=span)).json()["agents"]
    assert [a["agent_id"] for a in board] == [str(tenant.agent_id)]
    assert (await tenant.admin.get(f"/v1/reports/agents/{other_tenant.agent_id}", params=span)).status_code == 404


async def test_agents_see_their_own_performance_only(tenant, sessionmaker):
    channel = await make_channel(tenant.api, marketplace="shopee")
    await _answer(tenant, channel["id"], NOW - timedelta(days=1), after=timedelta(minutes=15))
    await _answer(tenant, channel["id"], NOW - timedelta(days=1), after=timedelta(minutes=25), agent=tenant.admin)
    await _fold(sessionmaker)
    span = _params(NOW - timedelta(days=3), NOW)

    board = await tenant.admin.get("/v1/reports/agents", params=span)
    assert board.status_code == 200
    rows = {a["name"]: a for a in board.json()["agents"]}
    assert rows["Agent"]["replies_human"] == 1 and rows["Admin"]["replies_human"] == 1
    assert rows["Agent"]["first_response_wall"]["mean_seconds"] == 900

    assert (await tenant.agent.get("/v1/reports/agents", params=span)).status_code == 403
    assert (await tenant.agent.get(f"/v1/reports/agents/{tenant.admin_id}", params=span)).status_code == 403
    own = await tenant.agent.get(f"/v1/reports/agents/{tenant.agent_id}", params=span)
    assert own.status_code == 200, own.text
    assert own.json()["totals"]["replies_human"] == 1 and len(own.json()["series"]) >= 3
    # The agent's dashboard query is narrowed to their own work; grouping by agent is refused.
    mine = (await tenant.agent.get("/v1/reports/metrics", params=span)).json()["totals"][0]
    assert mine["replies_human"] == 1
    assert (await tenant.agent.get("/v1/reports/metrics", params={**span, "group_by": "agent_id"})).status_code == 403
    sup = await tenant.admin.get(f"/v1/reports/agents/{tenant.agent_id}", params=span)
    assert sup.status_code == 200

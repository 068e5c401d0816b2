"""The retention job (api/privacy/retention.py): deletes only conversations older than the period,
never one with an open case or a running marketplace clock, only in the organizations that set a
period; it is idempotent, audited per run, and the metric rollups of the deleted past stay as they were
(through later folds and rebuilds)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from api.models import AuditEntry, Conversation, Message, PrivacySettings
from api.models.metrics import MetricRollup
from api.privacy import retention
from api.reports import rollup
from tests.helpers import make_channel, push

AGE = "800 days"

SHIFT = [
    f"""UPDATE messages SET sent_at = sent_at - interval '{AGE}', created_at = created_at - interval '{AGE}',
        delivered_at = delivered_at - interval '{AGE}' WHERE conversation_id = :c""",
    f"""UPDATE sla_clocks SET started_at = started_at - interval '{AGE}', due_at = due_at - interval '{AGE}',
        due_soon_at = due_soon_at - interval '{AGE}', stopped_at = stopped_at - interval '{AGE}',
        breached_at = breached_at - interval '{AGE}' WHERE conversation_id = :c""",
    f"""UPDATE conversation_resolutions SET opened_at = opened_at - interval '{AGE}',
        resolved_at = resolved_at - interval '{AGE}', reopened_at = reopened_at - interval '{AGE}'
        WHERE conversation_id = :c""",
    f"""UPDATE conversations SET created_at = created_at - interval '{AGE}',
        last_message_at = last_message_at - interval '{AGE}', updated_at = updated_at - interval '{AGE}',
        resolved_at = resolved_at - interval '{AGE}', first_inbound_at = first_inbound_at - interval '{AGE}',
        last_inbound_at = last_inbound_at - interval '{AGE}', last_response_at = last_response_at - interval '{AGE}',
        waiting_since = waiting_since - interval '{AGE}' WHERE id = :c""",
]


async def _age(sessionmaker, conversation_id):
    async with sessionmaker.begin() as s:
        for stmt in SHIFT:
            await s.execute(text(stmt), {"c": uuid.UUID(conversation_id)})


async def _answered_and_resolved(tenant, channel_id):
    msg = await push(tenant.api, channel_id)
    conv = msg["conversation_id"]
    reply = (await tenant.agent.post(f"/v1/conversations/{conv}/replies", json={"body": "On its way"})).json()
    r = await tenant.api.post(f"/v1/messages/{reply['id']}/delivery", json={"status": "sent"})
    assert r.status_code == 200, r.text
    r = await tenant.agent.patch(f"/v1/conversations/{conv}", json={"status": "resolved"})
    assert r.status_code == 200, r.text
    return conv


async def _fold(sessionmaker):
    while True:
        async with sessionmaker.begin() as s:
            if not await rollup.fold(s):
                return


async def _rollups(sessionmaker, org):
    async with sessionmaker() as s:
        rows = await s.execute(
            select(
                MetricRollup.bucket,
                MetricRollup.automated,
                MetricRollup.replies,
                MetricRollup.resolutions,
                MetricRollup.first_responses,
                MetricRollup.sla_met,
            )
            .where(MetricRollup.organization_id == org)
            .order_by(MetricRollup.bucket, MetricRollup.automated)
        )
        return [tuple(r) for r in rows]


async def _exists(sessionmaker, conversation_id):
    async with sessionmaker() as s:
        return await s.get(Conversation, uuid.UUID(conversation_id)) is not None


async def _audits(sessionmaker, org):
    async with sessionmaker() as s:
        rows = await s.execute(
            select(AuditEntry)
            .where(AuditEntry.organization_id == org, AuditEntry.action == "privacy.retention_applied")
            .order_by(AuditEntry.created_at)
        )
        return [e.data for e in rows.scalars()]


async def test_retention_deletes_only_eligible_conversations_keeps_rollups_and_is_idempotent(
    tenant, other_tenant, sessionmaker
):
    channel = await make_channel(tenant.api)
    old = await _answered_and_resolved(tenant, channel["id"])
    with_case = await _answered_and_resolved(tenant, channel["id"])
    case = await tenant.agent.post("/v1/cases", json={"conversation_id": with_case, "kind": "return"})
    assert case.status_code == 201, case.text
    waiting = (await push(tenant.api, channel["id"]))["conversation_id"]  # its marketplace clock runs
    recent = await _answered_and_resolved(tenant, channel["id"])
    for conv in (old, with_case, waiting):
        await _age(sessionmaker, conv)
    other_channel = await make_channel(other_tenant.api)
    other_old = await _answered_and_resolved(other_tenant, other_channel["id"])
    await _age(sessionmaker, other_old)
    await _fold(sessionmaker)
    before = await _rollups(sessionmaker, tenant.org_id)
    old_hours = [r for r in before if r[0] < datetime.now(UTC) - timedelta(days=700)]
    assert any(r[2] for r in old_hours), "the aged replies are in the rollups"

    r = await tenant.admin.put("/v1/privacy/settings", json={"retention_days": 365, "masked_roles": []})
    assert r.status_code == 200, r.text
    async with sessionmaker() as s:
        messages_of_old = (
            await s.execute(select(func.count()).select_from(Message).where(Message.conversation_id == uuid.UUID(old)))
        ).scalar_one()

    now = datetime.now(UTC)
    [run] = await retention.run(sessionmaker, now)
    assert run.organization_id == tenant.org_id
    assert (run.conversations, run.messages, run.kept_open, run.complete) == (1, messages_of_old, 2, True)
    assert not await _exists(sessionmaker, old)
    for kept in (with_case, waiting, recent):
        assert await _exists(sessionmaker, kept), kept
    assert await _exists(sessionmaker, other_old), "an organization without a period keeps everything"
    async with sessionmaker() as s:
        assert (
            await s.execute(select(func.count()).select_from(Message).where(Message.conversation_id == uuid.UUID(old)))
        ).scalar_one() == 0
        settings = await s.get(PrivacySettings, tenant.org_id)
        assert settings.rollups_frozen_before == retention.cutoff_for(now, 365)

    # The deletion marked hours for refolding (its clocks went); the frozen hours keep their figures,
    # through a fold and a full rebuild alike.
    await _fold(sessionmaker)
    assert await _rollups(sessionmaker, tenant.org_id) == before
    async with sessionmaker.begin() as s:
        await rollup.rebuild(s, now - timedelta(days=900), now + timedelta(hours=1), tenant.org_id)
    assert await _rollups(sessionmaker, tenant.org_id) == before

    # Idempotent: nothing more to delete; each run leaves its audit entry with its counts.
    [again] = await retention.run(sessionmaker, now)
    assert (again.conversations, again.messages, again.kept_open) == (0, 0, 2)
    audits = await _audits(sessionmaker, tenant.org_id)
    assert [a["conversations_deleted"] for a in audits] == [1, 0]
    assert audits[0]["messages_deleted"] == messages_of_old and audits[0]["retention_days"] == 365
    assert await _audits(sessionmaker, other_tenant.org_id) == []


async def test_retention_works_in_bounded_batches(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    convs = [await _answered_and_resolved(tenant, channel["id"]) for _ in range(5)]
    for conv in convs:
        await _age(sessionmaker, conv)
    async with sessionmaker.begin() as s:
        s.add(PrivacySettings(organization_id=tenant.org_id, retention_days=400, masked_roles=[]))
    now = datetime.now(UTC)
    first = await retention.apply(sessionmaker, tenant.org_id, 400, now, batch=2, max_batches=2)
    assert (first.conversations, first.complete) == (4, False)
    second = await retention.apply(sessionmaker, tenant.org_id, 400, now, batch=2, max_batches=2)
    assert (second.conversations, second.complete) == (1, True)
    assert not any([await _exists(sessionmaker, c) for c in convs])


async def test_the_freeze_line_never_moves_back(tenant, sessionmaker):
    async with sessionmaker.begin() as s:
        s.add(PrivacySettings(organization_id=tenant.org_id, retention_days=365, masked_roles=[]))
    now = datetime.now(UTC)
    await retention.apply(sessionmaker, tenant.org_id, 365, now)
    await retention.apply(sessionmaker, tenant.org_id, 730, now)
    async with sessionmaker() as s:
        row = await s.get(PrivacySettings, tenant.org_id)
        assert row.rollups_frozen_before == retention.cutoff_for(now, 365)


def test_cutoff_is_the_start_of_an_hour():
    now = datetime(2027, 3, 1, 14, 37, 12, tzinfo=UTC)
    assert retention.cutoff_for(now, 365) == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    # Leap day: 2028-02-29 minus 365 days.
    assert retention.cutoff_for(datetime(2028, 2, 29, 0, 30, tzinfo=UTC), 365) == datetime(2027, 3, 1, 0, 0, tzinfo=UTC)


async def test_the_worker_job_applies_every_configured_organization(tenant, other_tenant, sessionmaker):
    from workers.tasks.privacy import retention_job

    channel = await make_channel(tenant.api)
    conv = await _answered_and_resolved(tenant, channel["id"])
    await _age(sessionmaker, conv)
    async with sessionmaker.begin() as s:
        s.add(PrivacySettings(organization_id=tenant.org_id, retention_days=365, masked_roles=[]))
    assert await retention_job({"sessionmaker": sessionmaker}) == 1
    assert not await _exists(sessionmaker, conv)
    assert await retention_job({"sessionmaker": sessionmaker}) == 0

"""One batch of mixed timers across two organizations: every effect written exactly once, in a fixed
number of statements whatever the batch size."""

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, select

from api.models import (
    AuditEntry,
    Channel,
    Conversation,
    Notification,
    Organization,
    OutboundEmail,
    OutboxEvent,
    SlaClock,
    SlaTimer,
    Team,
    TeamMember,
    User,
)
from api.sla.timers import fire_due

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


def _user(org, name, role="agent", status="offline"):
    return User(
        id=uuid.uuid4(),
        organization_id=org.id,
        email=f"{name}-{org.slug}@example.test",
        name=name,
        role=role,
        status=status,
        password_hash="x",
    )


async def _setup(s, slug):
    org = Organization(id=uuid.uuid4(), name=slug, slug=slug)
    s.add(org)
    await s.flush()
    channel = Channel(id=uuid.uuid4(), organization_id=org.id, marketplace="amazon", name="store")
    s.add(channel)
    await s.flush()
    return org, channel


async def _conversation(s, org, channel, n, *, assignee=None, team=None):
    c = Conversation(
        id=uuid.uuid4(),
        organization_id=org.id,
        channel_id=channel.id,
        marketplace="amazon",
        thread_key=f"t-{n}",
        subject=f"Question {n}",
        order_external_id=f"O-{n}",
        assignee_id=assignee.id if assignee else None,
        team_id=team.id if team else None,
        last_message_at=T0,
        waiting_since=T0,
        sla_deadline=T0 + timedelta(hours=24),
    )
    s.add(c)
    await s.flush()
    clock = SlaClock(
        id=uuid.uuid4(),
        organization_id=org.id,
        conversation_id=c.id,
        kind="marketplace_first_response",
        policy_snapshot={"name": "Amazon (24 h)"},
        reason="test",
        marketplace="amazon",
        channel_id=channel.id,
        started_at=T0,
        due_at=T0 + timedelta(hours=24),
    )
    s.add(clock)
    await s.flush()
    return c, clock


def _timer(clock, action, tier, hours):
    return SlaTimer(
        organization_id=clock.organization_id,
        clock_id=clock.id,
        tier=tier,
        action=action,
        due_at=T0 + timedelta(hours=hours),
    )


LADDER = [("email_assignee", 0, 12), ("notify_assignee_and_team", 1, 18), ("escalate_supervisor", 2, 22)]


async def test_a_mixed_batch_applies_every_effect_exactly_once(sessionmaker, engine):
    async with sessionmaker.begin() as s:
        a, a_channel = await _setup(s, "org-a")
        b, b_channel = await _setup(s, "org-b")
        a_agent, a_member = _user(a, "agent"), _user(a, "member")
        a_sup = _user(a, "sup", role="supervisor", status="online")
        b_agent = _user(b, "agent")
        b_sup_online, b_sup_idle = _user(b, "sup1", "supervisor", "online"), _user(b, "sup2", "supervisor", "online")
        s.add_all([a_agent, a_member, a_sup, b_agent, b_sup_online, b_sup_idle])
        await s.flush()
        team = Team(id=uuid.uuid4(), organization_id=a.id, name="Returns")
        s.add(team)
        await s.flush()
        s.add_all([TeamMember(organization_id=a.id, team_id=team.id, user_id=u.id) for u in (a_agent, a_member)])
        # Org A: the whole ladder and the breach fall due in one batch.
        ladder, ladder_clock = await _conversation(s, a, a_channel, 1, assignee=a_agent, team=team)
        s.add_all([_timer(ladder_clock, *t) for t in LADDER] + [_timer(ladder_clock, "breach", 1000, 24)])
        # Org B: two escalations; the second goes to the supervisor the first left idle.
        b1, b1_clock = await _conversation(s, b, b_channel, 2, assignee=b_agent)
        b2, b2_clock = await _conversation(s, b, b_channel, 3)
        s.add_all([_timer(b1_clock, "escalate_supervisor", 2, 22), _timer(b2_clock, "escalate_supervisor", 2, 22.5)])
        # Org B: an unassigned breach, and a timer not yet due.
        b3, b3_clock = await _conversation(s, b, b_channel, 4)
        s.add_all([_timer(b3_clock, "breach", 1000, 24), _timer(b3_clock, "email_assignee", 0, 72)])

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with sessionmaker.begin() as s:
            fired = await fire_due(s, T0 + timedelta(hours=25), limit=100)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(fired) == 7
    # The claim (returning clocks and conversations), team members, emails, supervisors, the rosters
    # of those people (who is on shift); clocks, conversations, notifications, emails, audit, outbox
    # events: 11, however many timers it holds.
    assert len(statements) == 11, statements

    async with sessionmaker.begin() as s:  # nothing fires twice
        assert await fire_due(s, T0 + timedelta(hours=25), limit=100) == []

    async with sessionmaker() as s:
        convs = {c.id: c for c in (await s.execute(select(Conversation))).scalars()}
        clocks = {k.conversation_id: k for k in (await s.execute(select(SlaClock))).scalars()}
        notes = Counter(
            (n.conversation_id, n.user_id, n.kind)
            for n in (await s.execute(select(Notification).order_by(Notification.created_at))).scalars()
        )
        mails = list((await s.execute(select(OutboundEmail))).scalars())
        audits = list((await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())
        outbox = list((await s.execute(select(OutboxEvent).order_by(OutboxEvent.id))).scalars())
        unfired = (
            await s.execute(select(func.count()).select_from(SlaTimer).where(SlaTimer.fired_at.is_(None)))
        ).scalar_one()

    assert unfired == 1
    # b1 goes to whichever online supervisor sorts first (both idle); b2 then to the other one.
    first, second = sorted([b_sup_online, b_sup_idle], key=lambda u: u.id.bytes)
    assert convs[ladder.id].assignee_id == a_sup.id
    assert convs[b1.id].assignee_id == first.id and convs[b2.id].assignee_id == second.id
    assert convs[b3.id].assignee_id is None
    assert clocks[ladder.id].state == "breached" and clocks[ladder.id].breached_at == T0 + timedelta(hours=24)
    assert clocks[b3.id].state == "breached" and clocks[b1.id].state == "running"

    assert [(m.to_address, m.organization_id) for m in mails] == [(a_agent.email, a.id)]
    assert notes == Counter(
        {
            (ladder.id, a_agent.id, "sla.due_soon"): 1,
            (ladder.id, a_member.id, "sla.due_soon"): 1,
            (ladder.id, a_sup.id, "sla.escalated"): 1,
            (ladder.id, a_agent.id, "sla.escalated"): 1,
            (ladder.id, a_sup.id, "sla.overdue"): 1,  # the breach after the escalation: the new assignee
            (b1.id, first.id, "sla.escalated"): 1,
            (b1.id, b_agent.id, "sla.escalated"): 1,
            (b2.id, second.id, "sla.escalated"): 1,
        }
    )
    assert [(x.organization_id, x.entity_id, x.actor_type, x.data["to"]) for x in audits] == [
        (a.id, str(ladder.id), "automation", str(a_sup.id)),
        (b.id, str(b1.id), "automation", str(first.id)),
        (b.id, str(b2.id), "automation", str(second.id)),
    ]

    by_conversation: dict[uuid.UUID, list[str]] = {}
    for e in outbox:
        by_conversation.setdefault(e.conversation_id, []).append(e.event_type)
        assert e.payload["type"] == e.event_type and e.organization_id == convs[e.conversation_id].organization_id
    assert by_conversation[ladder.id] == [
        "sla.warning",  # email
        "sla.warning",  # team
        "notification",
        "notification",
        "sla.warning",  # escalation
        "notification",
        "notification",
        "conversation.assigned",
        "sla.overdue",
        "notification",
        "sla.updated",
    ]
    assert by_conversation[b3.id] == ["sla.overdue", "sla.updated"]
    overdue = next(e for e in outbox if e.event_type == "sla.overdue" and e.conversation_id == ladder.id)
    assert overdue.payload["data"]["assignee_id"] == str(a_sup.id)
    assert overdue.payload["data"]["due_at"] == (T0 + timedelta(hours=24)).isoformat()
    note_events = [e.payload["data"]["notification_id"] for e in outbox if e.event_type == "notification"]
    assert len(note_events) == len(set(note_events)) == sum(notes.values())

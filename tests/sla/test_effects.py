"""The effects of a batch of fired timers, as a pure function (no database)."""

import itertools
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from api.conversation.service import payload as orm_conversation_payload
from api.models import Conversation as ConversationModel
from api.sla import effects

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
ORG_A, ORG_B = uuid.UUID(int=0xA), uuid.UUID(int=0xB)
AGENT, MEMBER = uuid.UUID(int=0x100), uuid.UUID(int=0x101)
TEAM = uuid.UUID(int=0x200)
_ids = itertools.count(1)


def conversation(org=ORG_A, **kw) -> effects.Conversation:
    n = next(_ids)
    return replace(
        effects.Conversation(
            id=uuid.UUID(int=0x1000 + n),
            organization_id=org,
            channel_id=uuid.UUID(int=0x300),
            marketplace="amazon",
            subject=f"Where is order {n}",
            status="open",
            priority="normal",
            category="shipping",
            labels=("vip",),
            assignee_id=AGENT,
            team_id=None,
            unread=True,
            waiting_since=T0,
            order_external_id=f"O-{n}",
            has_failed_delivery=False,
            spam_reason=None,
            last_message_at=T0,
            sla_deadline=T0 + timedelta(hours=24),
            sla_due_soon_at=T0 + timedelta(hours=18),
        ),
        **kw,
    )


def clock(c: effects.Conversation, state="running") -> effects.Clock:
    return effects.Clock(
        id=uuid.UUID(int=0x5000 + next(_ids)),
        conversation_id=c.id,
        kind="marketplace_first_response",
        marketplace=c.marketplace,
        channel_id=c.channel_id,
        started_at=T0,
        due_at=T0 + timedelta(hours=24),
        state=state,
        policy_name="Amazon (24 h)",
    )


def timer(k: effects.Clock, action: str, tier: int, hours: float) -> effects.DueTimer:
    due = T0 + timedelta(hours=hours)
    return effects.DueTimer(next(_ids), k.id, tier, action, due, due + timedelta(milliseconds=5))


def supervisor(org, n, *, online=True, load=0) -> effects.Supervisor:
    return effects.Supervisor(uuid.UUID(int=0x900 + n), org, f"Sup {n}", f"sup{n}@example.test", online, load)


def plan(timers, clocks, convs, *, team_members=None, emails=None, supervisors=()):
    ids = (uuid.UUID(int=0xF0000 + i) for i in itertools.count())
    return effects.plan(
        timers,
        {k.id: k for k in clocks},
        {c.id: c for c in convs},
        team_members=team_members or {},
        emails=emails or {},
        supervisors=supervisors,
        new_id=lambda: next(ids),
    )


def test_breach_ends_a_running_clock_and_tells_the_assignee():
    c = conversation()
    k = clock(c)
    out = plan([timer(k, "breach", 1000, 24)], [k], [c])
    assert out.breached_clocks == {k.id: k.due_at}
    assert [e.event_type for e in out.events] == ["sla.overdue", "notification", "sla.updated"]
    overdue, note, updated = (e.data for e in out.events)
    assert overdue["tier"] is None and overdue["action"] == "breach" and overdue["policy"] == "Amazon (24 h)"
    assert [(n.user_id, n.kind) for n in out.notifications] == [(AGENT, "sla.overdue")]
    assert note["notification_id"] == str(out.notifications[0].id) and note["sla"] == overdue
    assert updated["sla_state"] == "overdue" and updated["changed_clock"]["state"] == "breached"
    assert updated["sla_deadline"] == c.sla_deadline.isoformat()


def test_breach_of_a_clock_no_longer_running_leaves_it_alone():
    c = conversation(assignee_id=None)
    k = clock(c, state="met")
    out = plan([timer(k, "breach", 1000, 24)], [k], [c])
    assert out.breached_clocks == {} and out.notifications == []
    assert [e.event_type for e in out.events] == ["sla.overdue", "sla.updated"]
    assert out.events[1].data["changed_clock"]["state"] == "met"


def test_email_goes_to_the_assignee_with_a_key_per_timer():
    c, lost = conversation(), conversation(assignee_id=uuid.UUID(int=0x777))
    k, k2 = clock(c), clock(lost)
    t, t2 = timer(k, "email_assignee", 0, 12), timer(k2, "email_assignee", 0, 12)
    out = plan([t, t2], [k, k2], [c, lost], emails={AGENT: "agent@example.test"})
    assert [(m.to_address, m.dedupe_key) for m in out.emails] == [("agent@example.test", f"sla-timer:{t.id}")]
    assert out.emails[0].subject == f"[Hourglass] Reply due: {c.order_external_id}"
    assert "2026-12-05 08:00 UTC" in out.emails[0].body and "Policy: Amazon (24 h)." in out.emails[0].body
    assert [e.event_type for e in out.events] == ["sla.warning", "sla.warning"]


def test_team_and_assignee_are_notified_once_each():
    c = conversation(team_id=TEAM)
    k = clock(c)
    out = plan([timer(k, "notify_assignee_and_team", 1, 18)], [k], [c], team_members={TEAM: [AGENT, MEMBER]})
    assert sorted(n.user_id for n in out.notifications) == sorted([AGENT, MEMBER])
    assert {n.kind for n in out.notifications} == {"sla.due_soon"}
    assert [e.event_type for e in out.events] == ["sla.warning", "notification", "notification"]


def test_escalations_spread_over_supervisors_as_the_batch_assigns_them():
    busy, idle, offline = supervisor(ORG_A, 1, load=1), supervisor(ORG_A, 2), supervisor(ORG_A, 3, online=False)
    other_org = supervisor(ORG_B, 4)
    convs = [conversation() for _ in range(3)] + [conversation(ORG_B)]
    clocks = [clock(c) for c in convs]
    timers = [timer(k, "escalate_supervisor", 2, 22 + i / 10) for i, k in enumerate(clocks)]
    out = plan(timers, clocks, convs, supervisors=[busy, idle, offline, other_org])
    # idle (0) first; then busy (1) and idle (1) tie and the lower id wins; online before offline.
    assert [out.reassigned[c.id] for c in convs] == [idle.id, busy.id, idle.id, other_org.id]
    assert len(out.audits) == 4 and out.audits[0].data == {
        "from": str(AGENT),
        "to": str(idle.id),
        "timer": timers[0].id,
    }
    assigned = [e for e in out.events if e.event_type == "conversation.assigned"]
    assert [e.data["assignee_id"] for e in assigned] == [str(idle.id), str(busy.id), str(idle.id), str(other_org.id)]
    notes = [(n.user_id, n.title.split(":")[0]) for n in out.notifications[:2]]
    assert notes == [(idle.id, "Escalated to you"), (AGENT, "Escalated to a supervisor")]
    assert out.notifications[1].body == "Sup 2 now owns this conversation."


def test_escalation_without_a_supervisor_only_warns():
    c = conversation()
    k = clock(c)
    out = plan([timer(k, "escalate_supervisor", 2, 22)], [k], [c], supervisors=[supervisor(ORG_B, 1)])
    assert [e.event_type for e in out.events] == ["sla.warning"]
    assert out.reassigned == {} and out.audits == [] and out.notifications == []


def test_later_timers_of_the_batch_see_the_escalation():
    sup = supervisor(ORG_A, 1)
    c = conversation()
    k = clock(c)
    timers = [timer(k, "breach", 1000, 24), timer(k, "escalate_supervisor", 2, 22)]  # given out of order
    out = plan(timers, [k], [c], supervisors=[sup])
    assert [e.event_type for e in out.events] == [
        "sla.warning",
        "notification",
        "notification",
        "conversation.assigned",
        "sla.overdue",
        "notification",
        "sla.updated",
    ]
    overdue = out.events[4].data
    assert overdue["assignee_id"] == str(sup.id)
    assert (out.notifications[-1].user_id, out.notifications[-1].kind) == (sup.id, "sla.overdue")


def test_a_clock_breached_twice_in_one_batch_is_updated_once():
    c = conversation()
    k = clock(c)
    out = plan([timer(k, "breach", 1000, 24), timer(k, "breach", 1001, 24)], [k], [c])
    assert out.breached_clocks == {k.id: k.due_at}
    assert [e.data["changed_clock"]["state"] for e in out.events if e.event_type == "sla.updated"] == [
        "breached",
        "breached",
    ]


def test_conversation_payload_matches_the_conversation_service():
    c = conversation(team_id=TEAM, waiting_since=None, spam_reason="keyword")
    model = ConversationModel(
        **{
            k: getattr(c, k)
            for k in (
                "id",
                "channel_id",
                "marketplace",
                "subject",
                "status",
                "priority",
                "category",
                "assignee_id",
                "team_id",
                "unread",
                "waiting_since",
                "order_external_id",
                "has_failed_delivery",
                "spam_reason",
                "last_message_at",
            )
        },
        labels=list(c.labels),
    )
    assert effects.conversation_payload(c) == orm_conversation_payload(model)

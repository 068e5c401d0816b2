"""Shift-aware escalation tiers (pure): each tier goes to whoever is on shift in the role it names."""

import itertools
import uuid

from api.sla import effects
from tests.sla.test_effects import AGENT, MEMBER, ORG_A, TEAM, clock, conversation, supervisor, timer


def plan(timers, clocks, convs, *, off_shift=frozenset(), **kw):
    ids = (uuid.UUID(int=0xF0000 + i) for i in itertools.count())
    return effects.plan(
        timers,
        {k.id: k for k in clocks},
        {c.id: c for c in convs},
        team_members=kw.get("team_members", {}),
        emails=kw.get("emails", {}),
        supervisors=kw.get("supervisors", ()),
        new_id=lambda: next(ids),
        off_shift=frozenset(off_shift),
    )


def test_escalation_goes_to_the_supervisor_on_shift_even_if_another_is_less_loaded():
    home, on_duty = supervisor(ORG_A, 1), supervisor(ORG_A, 2, load=5)
    c = conversation()
    k = clock(c)
    out = plan([timer(k, "escalate_supervisor", 2, 12)], [k], [c], supervisors=[home, on_duty], off_shift={home.id})
    assert out.reassigned == {c.id: on_duty.id}
    # With nobody on shift, the ladder still reaches a supervisor (as before rosters).
    out = plan([timer(k, "escalate_supervisor", 2, 12)], [k], [c], supervisors=[home], off_shift={home.id})
    assert out.reassigned == {c.id: home.id}


def test_mail_tier_goes_to_the_teams_on_shift_agents_when_the_assignee_is_off():
    c = conversation(team_id=TEAM)
    k = clock(c)
    t = timer(k, "email_assignee", 0, 12)
    emails = {AGENT: "a@example.test", MEMBER: "m@example.test"}
    out = plan([t], [k], [c], team_members={TEAM: [AGENT, MEMBER]}, emails=emails, off_shift={AGENT})
    assert [(m.to_address, m.dedupe_key) for m in out.emails] == [("m@example.test", f"sla-timer:{t.id}:{MEMBER}")]
    assert "assignee is off shift" in out.emails[0].body


def test_in_app_tier_falls_back_to_the_on_shift_supervisor():
    sup = supervisor(ORG_A, 3)
    c = conversation(team_id=TEAM)
    k = clock(c)
    out = plan(
        [timer(k, "notify_assignee_and_team", 1, 18)],
        [k],
        [c],
        team_members={TEAM: [AGENT, MEMBER]},
        supervisors=[sup],
        off_shift={AGENT, MEMBER},
    )
    assert [n.user_id for n in out.notifications] == [sup.id]
    # Assignee on shift: assignee and on-shift team members, as before.
    out = plan([timer(k, "notify_assignee_and_team", 1, 18)], [k], [c], team_members={TEAM: [AGENT, MEMBER]})
    assert sorted(n.user_id for n in out.notifications) == sorted([AGENT, MEMBER])

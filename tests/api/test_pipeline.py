"""The inbound pipeline (api/message/pipeline.py) as one owner: what it decides is kept for the
automation pass, the order found at ingest classifies the message, the connectors' message type
stands alone, and the modules on the message path import each other at the top, not in functions."""

import ast
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from api.message.inbound import InboundMessage
from api.models import Channel, Conversation, Customer, Message, SlaClock
from api.outbox.events import envelope
from api.sync.inbound import ingest_batch
from api.webhook.payloads import ConversationData, MessageData
from tests.api.test_ingest_cost import statements
from tests.helpers import make_channel, push
from workers.tasks.automation import process_next

ROOT = Path(__file__).resolve().parents[2]


async def test_the_decision_is_kept_on_the_message_and_the_automation_reads_it(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    buyer = {"external_id": "decided-buyer", "name": "Dee"}
    first = await push(tenant.api, channel["id"], external_thread_id="d-1", buyer=buyer)
    second = await push(tenant.api, channel["id"], external_thread_id="d-1", buyer=buyer, body="any news?")
    async with sessionmaker() as s:
        decided = {
            m.id: m.ingest_decision
            for m in (await s.execute(select(Message).where(Message.channel_id == uuid.UUID(channel["id"])))).scalars()
        }
    one, two = decided[uuid.UUID(first["id"])], decided[uuid.UUID(second["id"])]
    assert one["customer_tier"] == "standard" and one["first_message"] and one["conversation_created"]
    assert one["classification"]["category"] == "order_status"
    assert not two["first_message"] and not two["conversation_created"]

    # The buyer became high-value after the messages came in: the automation pass uses the tier ingest
    # decided with (it no longer reads the customer again), and does not choose the SLA policy again.
    async with sessionmaker.begin() as s:
        await s.execute(update(Customer).where(Customer.external_buyer_id == "decided-buyer").values(tier="high_value"))
    with statements() as seen:
        async with sessionmaker.begin() as s:
            assert await process_next(s)
    assert not any("customers.tier" in q or "FROM sla_policies" in q for q in seen), "\n".join(seen)


async def test_a_message_about_a_delivered_order_is_classified_with_that_order(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    r = await tenant.api.put("/v1/orders/PO-DELIVERED", json={"channel_id": channel["id"], "status": "delivered"})
    assert r.status_code in (200, 201), r.text
    msg = await push(tenant.api, channel["id"], order_id="PO-DELIVERED", body="I want a refund for this")
    other = await push(tenant.api, channel["id"], order_id="PO-UNKNOWN", body="I want a refund for this")
    async with sessionmaker() as s:
        delivered = await s.get(Conversation, uuid.UUID(msg["conversation_id"]))
        unknown = await s.get(Conversation, uuid.UUID(other["conversation_id"]))
    assert delivered is not None and unknown is not None
    assert delivered.category == "return_refund" and "delivered order" in (delivered.classification_reason or "")
    assert unknown.category == "return_refund" and "delivered order" not in (unknown.classification_reason or "")


async def test_the_conversation_returned_by_ingest_is_the_stored_row(tenant, sessionmaker):
    channel = await make_channel(tenant.api)
    msg = await push(tenant.api, channel["id"], external_thread_id="row-1", subject="Row")
    async with sessionmaker() as s:
        c = (
            await s.execute(select(Conversation).where(Conversation.id == uuid.UUID(msg["conversation_id"])))
        ).scalar_one()
    # The SLA deadline was set by the clocks' statement, and is on the row as the events saw it.
    assert c.sla_deadline is not None and c.message_count == 1 and c.waiting_since is not None


def test_typed_event_payloads_serialise_as_the_hand_built_ones():
    now = datetime(2026, 12, 4, 16, 0, 0, 123456, tzinfo=UTC)
    c = Conversation(
        id=uuid.uuid4(),
        channel_id=uuid.uuid4(),
        marketplace="walmart",
        subject="s",
        status="open",
        priority="normal",
        category="order_status",
        labels=["b", "a"],
        assignee_id=None,
        team_id=uuid.uuid4(),
        unread=True,
        waiting_since=now,
        order_external_id="PO-1",
        has_failed_delivery=False,
        spam_reason=None,
        last_message_at=now,
    )
    data = envelope("conversation.assigned", ConversationData.of(c))["data"]
    assert data == {
        "id": str(c.id),
        "channel_id": str(c.channel_id),
        "marketplace": "walmart",
        "subject": "s",
        "status": "open",
        "priority": "normal",
        "category": "order_status",
        "labels": ["b", "a"],
        "assignee_id": None,
        "team_id": str(c.team_id),
        "unread": True,
        "waiting_since": "2026-12-04T16:00:00.123456+00:00",
        "order_id": "PO-1",
        "has_failed_delivery": False,
        "spam_reason": None,
        "last_message_at": "2026-12-04T16:00:00.123456+00:00",
    }
    m = Message(
        id=uuid.uuid4(),
        conversation_id=c.id,
        channel_id=c.channel_id,
        direction="inbound",
        author_kind="buyer",
        external_id="x",
        sent_at=now,
        delivery_status=None,
        delivery_error=None,
        body="hello   world",
    )
    data = envelope("message.received", MessageData.of(m))["data"]
    assert data["sent_at"] == now.isoformat() and data["preview"] == "hello world" and data["id"] == str(m.id)


def test_connectors_build_messages_without_importing_the_ingest_stack():
    leaf = "import sys, api.message.inbound\nassert 'sqlalchemy' not in sys.modules, 'the leaf imports SQLAlchemy'\n"
    subprocess.run([sys.executable, "-c", leaf], cwd=ROOT, check=True)
    code = (
        "import sys, api.channel.connectors.base\n"
        "stack = ('api.message.pipeline', 'api.sla.service', 'api.automation.classify')\n"
        "heavy = [m for m in stack if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# The modules a buyer message passes through, from the endpoint or a connector to its SLA clock and
# its events: an import inside a function there hid the conversation <-> outbound <-> escalation cycle.
MESSAGE_PATH = [
    "api/message",
    "api/sync/inbound.py",
    "api/sync/pushes.py",
    "api/automation/service.py",
    "api/assignment/service.py",
    "api/sla/service.py",
    "api/conversation/service.py",
    "api/outbox/events.py",
    "api/outbox/repository.py",
    "api/webhook/payloads.py",
]


def test_no_function_level_imports_on_the_message_path():
    found = []
    for entry in MESSAGE_PATH:
        path = ROOT / entry
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            tree = ast.parse(file.read_text())
            for fn in ast.walk(tree):
                if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    for node in ast.walk(fn):
                        if isinstance(node, ast.Import | ast.ImportFrom):
                            found.append(f"{file.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


async def test_one_thread_ingested_in_one_transaction_sees_its_own_writes(tenant, sessionmaker):
    """A connector's batch: several messages of one thread in one transaction, the last one labelled
    a BBB complaint (another SLA policy). The batch leaves what the messages one by one would: one
    conversation with every message counted, the labels, the oldest wait; its clocks run under the
    complaint's policy from that wait (reconciled once, after the page's last message, so no clock
    under the first policy is started and re-planned within the transaction)."""
    channel = await make_channel(tenant.api, marketplace="walmart")
    start = datetime.now(UTC) - timedelta(minutes=30)
    messages = [
        InboundMessage(
            external_message_id=f"batch-{i}",
            external_thread_id="batch-thread",
            buyer_external_id="batch-buyer",
            body=f"Where is my order? ({i})",
            sent_at=start + timedelta(minutes=i),
            labels=("bbb_complaint",) if i == 2 else (),
        )
        for i in range(3)
    ]
    async with sessionmaker.begin() as s:
        ch = await s.get(Channel, uuid.UUID(channel["id"]))
        assert ch is not None
        tally = await ingest_batch(s, ch, messages, isolate=True)
    assert (tally.created, tally.conversations, tally.refused) == (3, 1, [])
    async with sessionmaker() as s:
        c = (await s.execute(select(Conversation).where(Conversation.thread_key == "t:batch-thread"))).scalar_one()
        clocks = list((await s.execute(select(SlaClock).where(SlaClock.conversation_id == c.id))).scalars())
    assert c.message_count == 3 and c.labels == ["bbb_complaint"] and c.waiting_since == start
    running = [k for k in clocks if k.stopped_at is None]
    assert running and len({k.policy_id for k in running}) == 1
    assert {k.policy_snapshot["name"] for k in running} == {"Walmart — BBB / Attorney General complaint (1 h)"}
    assert not [k for k in clocks if k.stopped_at is not None]
    assert all(k.started_at == start for k in running)
    assert c.sla_deadline == min(k.due_at for k in running if k.due_at is not None)

"""The wire format and visibility rules, without I/O."""

import json
from datetime import UTC, datetime

from api.realtime.frames import control, event_message, for_viewer, presence_message, render, visible_to, ws_type


def test_outbox_types_map_to_socket_types():
    assert ws_type("message.received") == ws_type("message.queued") == "message.created"
    assert ws_type("message.sent") == ws_type("message.failed") == "message.delivery_updated"
    for same in ("conversation.created", "conversation.assigned", "sla.updated", "sla.overdue", "notification"):
        assert ws_type(same) == same


def test_event_frame_shape():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    message = event_message("message.sent", 42, 7, "c-1", {"type": "message.sent", "data": {"id": "m"}})
    frame = json.loads(render(message, now))
    assert frame == {
        "type": "message.delivery_updated",
        "seq": 42,
        "event_id": 7,
        "conversation_id": "c-1",
        "data": {"id": "m"},
        "server_time": "2026-11-23T12:00:00+00:00",
    }
    assert json.loads(control("heartbeat", now)) == {"type": "heartbeat", "server_time": now.isoformat()}


def test_notifications_only_reach_their_user():
    note = event_message("notification", 1, 1, None, {"data": {"user_id": "u1"}})
    assert visible_to(note, "u1")
    assert not visible_to(note, "u2")
    assert not visible_to(note, None)  # API keys
    assert visible_to(event_message("sla.overdue", 2, 2, None, {"data": {}}), None)


def test_presence_lists_the_others():
    message = presence_message("c", [{"user_id": "u1", "name": "A"}, {"user_id": "u2", "name": "B"}])
    assert for_viewer(message, "u1")["data"]["viewers"] == [{"user_id": "u2", "name": "B"}]
    assert len(message["data"]["viewers"]) == 2  # not mutated
    assert "seq" not in message


def test_tokens_are_redacted_from_handshake_logs():
    import logging

    from api.realtime.endpoints import RedactTokens

    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        "",
        0,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5", "/v1/ws?token=hgs_secret&since=4"),
        None,
    )
    RedactTokens().filter(record)
    assert "hgs_secret" not in record.getMessage() and "since=4" in record.getMessage()

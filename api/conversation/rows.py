"""List items straight from database rows to JSON, without ORM objects or a Pydantic model per row.

The inbox list is the hottest read: building a `Conversation` entity and then a `ConversationRead`
(validated, then serialised again by FastAPI) for each of 50 rows cost more CPU than the query
itself. Here a row (the columns `repository.LIST_COLUMNS` selects) becomes a plain dict in the
field order of `ConversationRead`, and the whole page is serialised once by orjson, with UTC written
as `Z`: byte for byte what the models' writer (pydantic-core) produces for these values (strings,
numbers, booleans, lists, aware datetimes; checked in tests/api/test_conversation_rows.py), at a
third of its CPU (46 against 157 us for a page of 50). UUIDs are turned into strings first: asyncpg
returns its own UUID subclass, which neither writer serialises quickly (pydantic-core took 0.23 ms
per 200 of them against 0.02 ms for str()). `ConversationRead` stays the
documented schema (OpenAPI, the generated client); tests/api/test_conversation_rows.py checks the
two agree field for field.

Nothing is validated here: the values come from our own columns, whose check constraints already
hold them to the schema's literals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson
from starlette.responses import Response

from api.channel.failures import explain
from api.privacy.masking import mask_identifier
from api.privacy.policy import masking_active
from api.sla.service import state_at

# The customer columns of a row whose conversation has no (or no visible) customer.
NO_CUSTOMER: Mapping[str, Any] = {
    "customer_found": None,
    "customer_display_name": None,
    "customer_marketplace": None,
    "customer_tier": None,
}


def list_item(row: Mapping[Any, Any], now: datetime) -> dict[str, Any]:
    """One `ConversationRead`, as JSON-ready values, from a row of `repository.LIST_COLUMNS`."""
    customer = None
    if row["customer_found"] is not None:
        customer = {
            "id": str(row["customer_found"]),
            # The list's copy of the summary's masking rule (api/customer/schemas.py): rows skip the model.
            "display_name": mask_identifier(row["customer_display_name"])
            if masking_active()
            else row["customer_display_name"],
            "marketplace": row["customer_marketplace"],
            "tier": row["customer_tier"],
        }
    deadline = row["sla_deadline"]
    due_soon_at = row["sla_due_soon_at"]
    return {
        "id": str(row["id"]),
        "channel_id": str(row["channel_id"]),
        "marketplace": row["marketplace"],
        "external_thread_id": row["external_thread_id"],
        "subject": row["subject"],
        "category": row["category"],
        "priority": row["priority"],
        "status": row["status"],
        "labels": list(row["labels"] or ()),
        "assignee_id": _str_or_none(row["assignee_id"]),
        "team_id": _str_or_none(row["team_id"]),
        "unread": row["unread"],
        "waiting_since": row["waiting_since"],
        "customer": customer,
        "order_id": row["order_external_id"],
        "item_id": row["item_external_id"],
        "last_message_at": row["last_message_at"],
        "last_message_preview": row["last_message_preview"],
        "message_count": row["message_count"],
        "has_failed_delivery": row["has_failed_delivery"],
        "failure": failure_item(row["last_delivery_error"]),
        "spam_reason": row["spam_reason"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "resolved_at": row["resolved_at"],
        "sla_state": state_at(deadline, due_soon_at, now),
        "sla_deadline": deadline,
        "sla_due_soon_at": due_soon_at,
        "snoozed": row["snoozed_at"] is not None,
        "snoozed_until": row["snoozed_until"],
    }


def failure_item(error: str | None) -> dict[str, Any] | None:
    explained = explain(error)
    if explained is None:
        return None
    return {"reason": explained.reason, "action": explained.action, "retry_helps": explained.retry_helps}


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def list_items(rows: Iterable[Mapping[Any, Any]], now: datetime) -> list[dict[str, Any]]:
    return [list_item(row, now) for row in rows]


class JSONBytes(Response):
    """A body already serialised; FastAPI sends it as is (no response_model validation)."""

    media_type = "application/json"


def json_response(content: Any) -> JSONBytes:
    """`content` (dicts, lists, strings, numbers, aware datetimes) serialised once, as the response
    models would write it."""
    return JSONBytes(orjson.dumps(content, option=orjson.OPT_UTC_Z))

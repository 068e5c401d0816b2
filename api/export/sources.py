"""What each kind of export reads: which of the stored filters apply, the SELECT they choose (built in
api/export/sources_repository.py), its column names, and which columns carry buyer contact data
(masked per row for a masked role, api/privacy/masking.py).

Every statement is scoped to the organization and ordered by a unique key, so the worker can stream
it through a server-side cursor; none is ever materialised in Python."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api import audit
from api.conversation.views import ConversationFilters
from api.export import sources_repository as repository
from api.export.formats import Masker
from api.export.sources_repository import ExportStatement
from api.privacy.masking import mask_email, mask_identifier, mask_phone


@dataclass(frozen=True)
class Requester:
    """Who the export is made for: the rows and buyer data they may see."""

    organization_id: uuid.UUID
    user_id: uuid.UUID | None
    supervises: bool  # supervisors, admins and API keys see every agent's figures


@dataclass(frozen=True)
class Source:
    columns: list[str]
    statement: ExportStatement
    masked: dict[str, Masker]

    def maskers(self) -> dict[int, Masker]:
        return {self.columns.index(name): fn for name, fn in self.masked.items()}


BUYER_MASKS: dict[str, Masker] = {
    "customer_name": mask_identifier,
    "buyer_id": mask_identifier,
    "customer_email": mask_email,
    "customer_phone": mask_phone,
}


def conversation_filters(raw: dict[str, Any], user_id: uuid.UUID | None) -> tuple[str, ConversationFilters]:
    """A stored `filter` (the inbox's filters) as the inbox list's predicates; `me` is the requester."""
    assignee = raw.get("assignee")
    assignee_id = None
    if assignee == "me":
        assignee_id = user_id
    elif assignee and assignee != "none":
        assignee_id = uuid.UUID(assignee)

    def as_uuid(key: str) -> uuid.UUID | None:
        return uuid.UUID(raw[key]) if raw.get(key) else None

    return raw.get("view") or "all", ConversationFilters(
        channel_id=as_uuid("channel_id"),
        marketplace=raw.get("marketplace"),
        assignee_id=assignee_id,
        unassigned=assignee == "none",
        team_id=as_uuid("team_id"),
        status=raw.get("status"),
        category=raw.get("category"),
        priority=raw.get("priority"),
        label=raw.get("label"),
        customer_id=as_uuid("customer_id"),
        sla_state=raw.get("sla_state"),
        q=raw.get("q"),
    )


def conversations(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    query = repository.conversations(req.organization_id, conversation_filters(filters, req.user_id), start, end)
    return Source(query.columns, query.statement, BUYER_MASKS)


def messages(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    """Without a filter, the messages of every conversation (not only the inbox's `all` view)."""
    chosen = conversation_filters(filters, req.user_id) if filters else None
    query = repository.messages(req.organization_id, chosen, start, end)
    masks = {k: v for k, v in BUYER_MASKS.items() if k in ("customer_name", "buyer_id")}
    return Source(query.columns, query.statement, masks)


def cases(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    query = repository.cases(
        req.organization_id,
        start,
        end,
        states=filters.get("state") or None,
        kind=filters.get("kind") or None,
        marketplace=filters.get("marketplace") or None,
    )
    return Source(query.columns, query.statement, BUYER_MASKS)


def customers(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    query = repository.customers(req.organization_id, start, end)
    return Source(query.columns, query.statement, BUYER_MASKS)


def audit_log(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    entity_type, entity_id = audit.split_target(filters.get("target"))
    query = repository.audit_log(
        req.organization_id,
        start,
        end,
        actor_type=filters.get("actor_type"),
        actor_id=filters.get("actor_id"),
        action=filters.get("action"),
        entity_type=entity_type,
        entity_id=entity_id,
    )
    return Source(query.columns, query.statement, {})


def reports(req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None) -> Source:
    """The hourly rollup rows behind every report (api/reports), with averages beside the sums."""
    query = repository.report_rollups(
        req.organization_id,
        start,
        end,
        # An agent sees their own performance only (as GET /v1/reports does).
        own_agent_id=None if req.supervises else req.user_id,
        agent_id=uuid.UUID(filters["agent_id"]) if filters.get("agent_id") else None,
        marketplace=filters.get("marketplace") or None,
        automated=filters.get("automated"),
    )
    return Source(query.columns, query.statement, {})


BUILDERS = {
    "conversations": conversations,
    "messages": messages,
    "cases": cases,
    "customers": customers,
    "audit": audit_log,
    "reports": reports,
}


def source_for(
    kind: str, req: Requester, filters: dict[str, Any], start: datetime | None, end: datetime | None
) -> Source:
    return BUILDERS[kind](req, filters, start, end)

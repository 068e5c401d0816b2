"""The audit log: every action by a person, an ERP or the automation is recorded, and
kept at least a year, as sellers' compliance needs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.principal import Principal
from api.models import AuditEntry


def record(
    session: AsyncSession,
    actor: Principal | None,
    organization_id: uuid.UUID,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str | None,
    data: dict[str, Any] | None = None,
    *,
    actor_type: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            organization_id=organization_id,
            actor_type=actor_type or (actor.actor_type if actor else "system"),
            actor_id=actor.actor_id if actor else None,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id) if entity_id else None,
            data=data or {},
        )
    )


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def predicates(
    organization_id: uuid.UUID,
    *,
    actor_type: str | None = None,
    actor_id: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ColumnElement[bool]]:
    """The audit log's filters (GET /v1/audit and the audit export): `action` matches itself and, as a
    prefix, every action under it (`case` → `case.created`, `case.transitioned`)."""
    p: list[ColumnElement[bool]] = [AuditEntry.organization_id == organization_id]
    if actor_type:
        p.append(AuditEntry.actor_type == actor_type)
    if actor_id:
        p.append(AuditEntry.actor_id == actor_id)
    if action:
        p.append(AuditEntry.action.like(escape_like(action) + "%", escape="\\"))
    if entity_type:
        p.append(AuditEntry.entity_type == entity_type)
    if entity_id:
        p.append(AuditEntry.entity_id == entity_id)
    if since:
        p.append(AuditEntry.created_at >= since)
    if until:
        p.append(AuditEntry.created_at < until)
    return p


def split_target(target: str | None) -> tuple[str | None, str | None]:
    """`conversation` → (conversation, None); `conversation:<id>` → (conversation, <id>)."""
    if not target:
        return None, None
    kind, _, ident = target.partition(":")
    return kind or None, ident or None

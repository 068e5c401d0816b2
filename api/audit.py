"""The audit log: every action by a person, an ERP or the automation is recorded, and
kept at least a year, as sellers' compliance needs."""

from __future__ import annotations

import uuid
from typing import Any

from api.auth.principal import Principal
from api.db import Session
from api.models import AuditEntry


def record(
    session: Session,
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


def split_target(target: str | None) -> tuple[str | None, str | None]:
    """`conversation` → (conversation, None); `conversation:<id>` → (conversation, <id>)."""
    if not target:
        return None, None
    kind, _, ident = target.partition(":")
    return kind or None, ident or None

"""Who is calling, and what they may do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

# Scopes an API key can carry. Users get scopes from their role.
SCOPES: dict[str, str] = {
    "conversations:read": "List and read conversations, messages and notes",
    "conversations:write": "Reply, update, assign, label, annotate conversations",
    "messages:write": "Push inbound buyer messages and confirm delivery of outbound ones",
    "channels:read": "List and read channels",
    "channels:write": "Create, update and disable channels",
    "orders:read": "Read orders",
    "orders:write": "Create and update orders",
    "cases:read": "List and read after-sales cases (returns, refunds, claims)",
    "cases:write": "Open after-sales cases, update them and move them through their states",
    "customers:read": "Read customers",
    "customers:write": "Update customers",
    "settings:read": "Read SLA policies, templates, rules, teams and users",
    "settings:write": "Change SLA policies, templates, rules, teams and users",
    "webhooks:read": "Read webhook subscriptions and deliveries",
    "webhooks:write": "Manage webhook subscriptions and replay deliveries",
    "metrics:read": "Read dashboards and response-rate metrics",
    "exports:read": "List exports and download their files",
    "exports:write": "Create exports (each kind also needs the read scope of what it exports)",
}

_READ = {s for s in SCOPES if s.endswith(":read")}
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "agent": frozenset(
        _READ - {"webhooks:read"} | {"conversations:write", "customers:write", "cases:write", "exports:write"}
    ),
    "supervisor": frozenset(
        _READ
        | {"conversations:write", "customers:write", "orders:write", "settings:write", "cases:write", "exports:write"}
    ),
    "admin": frozenset(SCOPES),
}


@dataclass(frozen=True)
class Principal:
    organization_id: uuid.UUID
    scopes: frozenset[str]
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None  # the login session a user principal came from
    role: str | None = None
    name: str = ""
    rate_limit_per_minute: int | None = field(default=None, compare=False)

    @property
    def actor_type(self) -> str:
        return "user" if self.user_id else "api_key"

    @property
    def actor_id(self) -> str:
        return str(self.user_id or self.api_key_id)

    @property
    def idempotency_scope(self) -> str:
        # The credential, not the person: a replay (which may carry a one-time secret) is served only
        # to the very session or API key that made the request, and only while it is still valid.
        return f"session:{self.session_id}" if self.session_id else f"key:{self.api_key_id}"

    def has(self, scope: str) -> bool:
        return scope in self.scopes

"""What a buyer (or marketplace) message looks like on its way in, before it touches the database.

A leaf module on purpose: the connectors build these from marketplace payloads and must not import
the ingest stack (SQLAlchemy, the SLA engine, the classifier) to do so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from api.message.content import content_digest

# NUL and lone UTF-16 surrogates: PostgreSQL's text and JSONB cannot store them. The REST API refuses
# them (api/kit/schema.py); a marketplace payload or a mail cannot be refused (the buyer's message
# would be lost and the poll would stall on it), so what a connector hands in is cleaned instead.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """`value` with NUL removed and lone surrogates replaced by U+FFFD, at any depth (keys too)."""
    if isinstance(value, str):
        if _UNSTORABLE.search(value) is None:
            return value
        return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)
    if isinstance(value, dict):
        items = [(_storable(k), _storable(v)) for k, v in value.items()]
        changed = any(nk is not k or nv is not v for (nk, nv), (k, v) in zip(items, value.items(), strict=True))
        return dict(items) if changed else value
    if isinstance(value, list | tuple):
        cleaned = [_storable(v) for v in value]
        if all(c is v for c, v in zip(cleaned, value, strict=True)):
            return value
        return cleaned if isinstance(value, list) else tuple(cleaned)
    return value


@dataclass(frozen=True)
class InboundMessage:
    external_message_id: str
    buyer_external_id: str
    body: str
    sent_at: datetime
    external_thread_id: str | None = None
    order_id: str | None = None
    item_id: str | None = None
    buyer_name: str | None = None
    buyer_email: str | None = None
    subject: str = ""
    body_html: str | None = None
    author_kind: str = "buyer"  # buyer | system
    no_response_needed: bool = False
    attachments: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # Marketplace metadata a connector knows: a category it implies (Walmart Customer Care, platform
    # notice), labels (bbb_complaint, attorney_general_complaint), and RFC 3834 Auto-Submitted mail.
    category: str | None = None
    labels: tuple[str, ...] = ()
    auto_submitted: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            cleaned = _storable(value)
            if cleaned is not value:
                object.__setattr__(self, f.name, cleaned)

    @property
    def needs_reply(self) -> bool:
        return self.author_kind == "buyer" and not self.no_response_needed

    def digest(self) -> str:
        return content_digest(
            {
                "id": self.external_message_id,
                "thread": self.external_thread_id,
                "order": self.order_id,
                "item": self.item_id,
                "buyer": self.buyer_external_id,
                "subject": self.subject,
                "body": self.body,
                "sent_at": self.sent_at.isoformat(),
                "author": self.author_kind,
            }
        )

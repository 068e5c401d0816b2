"""What a buyer (or marketplace) message looks like on its way in, before it touches the database.

A leaf module on purpose: the connectors build these from marketplace payloads and must not import
the ingest stack (SQLAlchemy, the SLA engine, the classifier) to do so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.message.rules import content_digest


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

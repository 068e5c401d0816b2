"""Pure rules about messages that several domains share."""

from __future__ import annotations

import hashlib
import json
from typing import Any

# Marketplaces whose response metrics count automated replies (TikTok counts FAQ automation).
# Amazon ("auto-responders are not considered a valid response"), Walmart and Shopee do not.
AUTOMATION_COUNTS: dict[str, bool] = {
    "tiktok": True,
    "amazon": False,
    "walmart": False,
    "shopee": False,
    "ebay": False,
    "email": False,
    "api": False,
}


def counts_as_response(marketplace: str, author_kind: str) -> bool:
    """Whether a delivered outbound message of this author answers the buyer for SLA purposes."""
    if author_kind == "human":
        return True
    if author_kind == "auto":
        return AUTOMATION_COUNTS.get(marketplace, False)
    return False


def preview(body: str, limit: int = 280) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def content_digest(payload: dict[str, Any]) -> str:
    """Stable digest of an inbound message's content, to tell a replay from a conflicting reuse of an id."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def thread_key(external_thread_id: str | None, order_id: str | None, buyer_id: str, message_id: str) -> str:
    """How a message finds its conversation: marketplace thread, else order + buyer, else itself."""
    if external_thread_id:
        return "t:" + external_thread_id
    if order_id:
        return f"o:{order_id}:b:{buyer_id}"[:400]
    return "m:" + message_id

"""What several domains read from a message's content (pure): its preview, its digest, the key that
finds its conversation, and whether it asks a question."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any


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


# Why a person may say a buyer message needs no answer. Each is a case the marketplaces themselves
# accept for their "no response needed" action (a thank-you, a question already answered elsewhere,
# a repeat of a message being answered, an automated or irrelevant message); `other` needs a note.
NO_RESPONSE_REASONS = ("thanks_only", "answered_elsewhere", "duplicate", "not_for_us", "other")

_QUESTION_MARKS = ("?", "？", "¿")
# Words that open a question without a question mark ("where is my order", "能否退款").
_QUESTION_OPENERS = re.compile(
    r"(?:^|[.!\n。！]\s*)(?:where|when|what|why|how|which|who|can|could|would|will|is|are|do|does|did|have|has|"
    r"may|should|dónde|donde|cuándo|cuando|qué|cómo|puedo|puede)\b",
    re.IGNORECASE,
)
_CHINESE_QUESTION = re.compile(
    r"吗|呢|什么|怎么|为什么|哪|多少|几时|几天|是否|能否|可否|可以不|有没有|是不是|能不能|会不会"
)


def contains_question(text: str) -> bool:
    """Whether the buyer seems to ask something: a question mark in any script, a sentence that
    opens like an English or Spanish question, or a Chinese question particle or word. Errs towards
    yes, since a wrong yes costs one extra confirmation and a wrong no can stop a clock on a real
    question."""
    if any(mark in text for mark in _QUESTION_MARKS):
        return True
    return bool(_QUESTION_OPENERS.search(text.strip()) or _CHINESE_QUESTION.search(text))

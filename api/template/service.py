"""Templates: the library, the values a conversation gives them, previews, and usage counts."""

from __future__ import annotations

import uuid
from typing import Any

from api.db import Session
from api.kit.errors import InvalidInput, NotFound, field_error
from api.models import Conversation, Template, User
from api.template import pool, repository
from api.template.render import Rendered, TemplateError
from api.template.starter import STARTERS

MARKETPLACE_NAMES = {
    "walmart": "Walmart",
    "amazon": "Amazon",
    "ebay": "eBay",
    "shopee": "Shopee",
    "tiktok": "TikTok Shop",
    "email": "email",
    "api": "our store",
}


async def ensure_starters(session: Session, organization_id: uuid.UUID) -> None:
    if await repository.has_any(session, organization_id):
        return
    await repository.add_missing(
        session,
        organization_id,
        [
            {"name": name, "category": category, "language": "en", "body": body, "starter_key": key}
            for key, name, category, body in STARTERS
        ],
    )


async def ensure_usable(source: str, field: str = "body.body") -> None:
    """Refuse, when it is saved, a template that could never render: syntax, unknown variables, and
    whatever the sandbox would refuse that is visible without rendering (`''.__class__`, `center(10**9)`).
    Checked in the render pool, so not even parsing a hostile template runs in the event loop."""
    try:
        problems = await pool.check(source)
    except TemplateError as exc:
        problems = [str(exc)]
    if problems:
        reason = " ".join(problems)
        raise InvalidInput(f"The template cannot be used: {reason}", errors=field_error(field, reason))


async def render(source: str, values: dict[str, str | None], field: str = "template.body") -> Rendered:
    """Render in the bounded pool; a refusal, a timeout or a memory overrun is a 422 naming `field`."""
    try:
        return await pool.render(source, values)
    except TemplateError as exc:
        raise InvalidInput(str(exc), errors=field_error(field, str(exc))) from exc


async def get(session: Session, organization_id: uuid.UUID, template_id: uuid.UUID) -> Template:
    row = await repository.get(session, organization_id, template_id)
    if row is None:
        raise NotFound(f"No template {template_id}.")
    return row


async def values_for(session: Session, conversation: Conversation, agent: User | None = None) -> dict[str, str | None]:
    """The template variables a conversation provides (strings only, so templates reach no objects)."""
    values: dict[str, str | None] = {
        "marketplace": MARKETPLACE_NAMES.get(conversation.marketplace),
        "order_id": conversation.order_external_id,
        "agent_name": agent.name if agent else None,
    }
    facts = await repository.conversation_facts(session, conversation)
    values["store_name"] = facts.store_name
    if conversation.customer_id:
        values["customer_name"] = facts.customer_name or None
    if conversation.order_id:
        values["order_status"] = facts.order_status
        values["item_title"] = facts.item_title
        eta = facts.shipment_eta or facts.order_eta
        values["ship_eta"] = eta.date().isoformat() if eta else None
        values.update(tracking_number=facts.tracking_number, tracking_url=facts.tracking_url, carrier=facts.carrier)
    return values


async def count_use(session: Session, template_id: uuid.UUID) -> None:
    await repository.count_use(session, template_id)


def to_dict(t: Template) -> dict[str, Any]:
    return {
        k: getattr(t, k)
        for k in (
            "id",
            "name",
            "category",
            "language",
            "body",
            "is_active",
            "starter_key",
            "usage_count",
            "last_used_at",
            "created_at",
            "updated_at",
        )
    }


async def get_by_starter(session: Session, organization_id: uuid.UUID, starter_key: str) -> Template:
    row = await repository.by_starter(session, organization_id, starter_key)
    if row is None:
        raise NotFound(f"No starter template {starter_key!r}.")
    return row


async def variant_for(session: Session, template: Template, language: str | None) -> Template:
    """The same template (same name) in the buyer's language, if the library has an active one;
    else the template itself. Variants are the library's rows that share a name (one per language)."""
    if not language or language == template.language:
        return template
    return await repository.active_variant(session, template, language) or template

"""Privacy settings and buyer-data erasure. Services never commit (the request's edge does)."""

from __future__ import annotations

import asyncio
import uuid

from api import audit
from api.attachment import repository as attachment_repository
from api.attachment import service as attachment_service
from api.auth.principal import Principal
from api.customer import repository as customer_repository
from api.db import Session
from api.kit.errors import Conflict
from api.kit.time import utc_now
from api.models import PrivacySettings
from api.models.privacy import MIN_RETENTION_DAYS
from api.outbox import events
from api.privacy import policy, repository
from api.privacy.schemas import (
    CustomerErasureResult,
    PrivacySettingsRead,
    PrivacySettingsUpdate,
)
from api.webhook.payloads import CustomerErasedData

# An erased buyer's bytes go even when just stored: keeping them would be keeping them for good (no row
# would point at them again). The price is a race nobody should hit: an agent uploading the very same
# bytes in the same instant gets a row whose file reads as missing.
ERASE_RECENT_SECONDS = 0.0


def settings_view(row: PrivacySettings | None) -> PrivacySettingsRead:
    return PrivacySettingsRead(
        retention_days=row.retention_days if row else None,
        minimum_retention_days=MIN_RETENTION_DAYS,
        masked_roles=sorted(row.masked_roles or []) if row else [],  # type: ignore[arg-type]
        rollups_frozen_before=row.rollups_frozen_before if row else None,
    )


async def read_settings(session: Session, organization_id: uuid.UUID) -> PrivacySettingsRead:
    return settings_view(await repository.settings(session, organization_id))


async def update_settings(session: Session, principal: Principal, body: PrivacySettingsUpdate) -> PrivacySettingsRead:
    row = await repository.settings_for_update(session, principal.organization_id)
    before = settings_view(row).model_dump(mode="json")
    row.retention_days = body.retention_days
    row.masked_roles = list(body.masked_roles)
    await session.flush()
    after = settings_view(row)
    changed = {k: v for k, v in after.model_dump(mode="json").items() if before[k] != v}
    if changed:
        audit.record(
            session, principal, principal.organization_id, "privacy.settings_updated", "organization", None, changed
        )
    policy.forget_after_commit(session, principal.organization_id)
    return after


async def _erase_buyer_files(session: Session, org: uuid.UUID, conversation_ids: list[uuid.UUID]) -> None:
    """The buyer's photos and files go too (and so their links to cases), with their bytes unless
    another row holds the same content. The bytes go before the commit: an erasure that then fails
    leaves rows whose file reads as missing, never a file kept after its erasure was confirmed."""
    digests = await attachment_repository.delete_of_buyer_messages(session, org, conversation_ids)
    store = attachment_service.file_store(attachment_service.current_settings())
    for sha in digests:
        if not await attachment_repository.content_referenced(session, sha):
            await asyncio.to_thread(store.remove_unless_recent, sha, ERASE_RECENT_SECONDS)


async def erase_customer(
    session: Session, principal: Principal, customer_id: uuid.UUID, force: bool
) -> CustomerErasureResult:
    """Erase the whole profile the customer belongs to: every identity is the same person."""
    org = principal.organization_id
    root = await customer_repository.root_id(session, org, customer_id)
    identities = [c.id for c in await customer_repository.members(session, org, root)]
    conversation_ids = await repository.conversation_ids_of(session, org, identities)
    open_cases, running_clocks = await repository.open_blockers(session, org, conversation_ids)
    if (open_cases or running_clocks) and not force:
        raise Conflict(
            f"The buyer has {open_cases} open case(s) and {running_clocks} running marketplace reply clock(s): "
            "close or answer them first, or send force: true to erase anyway."
        )
    await repository.erase_customers(session, org, identities)
    messages = await repository.erase_buyer_messages(session, org, conversation_ids) if conversation_ids else 0
    await _erase_buyer_files(session, org, conversation_ids)
    if conversation_ids:
        await repository.erase_conversation_text(session, org, conversation_ids)
    erased_at = utc_now()
    forced = bool(force and (open_cases or running_clocks))
    # No personal data in the audit entry or the event: only ids and counts.
    audit.record(
        session,
        principal,
        org,
        "customer.erased",
        "customer",
        root,
        {
            "identities": len(identities),
            "conversations": len(conversation_ids),
            "messages": messages,
            "forced": forced,
            "open_cases": open_cases,
            "running_clocks": running_clocks,
        },
    )
    events.emit(
        session,
        org,
        "customer.erased",
        CustomerErasedData(
            customer_id=root,
            identity_ids=identities,
            conversation_ids=conversation_ids,
            messages=messages,
            forced=forced,
            erased_at=erased_at,
        ),
    )
    return CustomerErasureResult(
        customer_id=root,
        identity_ids=identities,
        conversations=len(conversation_ids),
        messages=messages,
        forced=forced,
        erased_at=erased_at,
    )

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends

from api.auth.dependencies import require, require_role
from api.auth.principal import Principal
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.privacy import service
from api.privacy.schemas import (
    CustomerErasureRequest,
    CustomerErasureResult,
    PrivacySettingsRead,
    PrivacySettingsUpdate,
)

router = APIRouter(tags=["privacy"], responses=problem_responses(401, 403, 422, 429))
SettingsReader = Annotated[Principal, Depends(require("settings:read"))]
Admin = Annotated[Principal, Depends(require_role("admin"))]


@router.get("/v1/privacy/settings", response_model=PrivacySettingsRead)
async def get_privacy_settings(session: SessionDep, principal: SettingsReader) -> PrivacySettingsRead:
    """The organization's retention period (null: keep everything, the default) and the roles that see
    buyer contact data masked."""
    return await service.read_settings(session, principal.organization_id)


@router.put("/v1/privacy/settings", response_model=PrivacySettingsRead)
async def put_privacy_settings(
    body: PrivacySettingsUpdate, session: SessionDep, principal: Admin
) -> PrivacySettingsRead:
    """Set the retention period and the masked roles (admins only). A retention period under 365 days
    is refused (422): service records are kept at least a year. A daily job then deletes conversations
    whose last activity is older than the period, except those with an open case or a running marketplace
    reply clock; report figures are kept. Masking applies to emails, phone numbers, addresses, and buyer
    ids or names that are email addresses, in every API response to the masked roles; message text is
    not rewritten. Audited."""
    return await service.update_settings(session, principal, body)


@router.post(
    "/v1/customers/{customer_id}/erasure",
    response_model=CustomerErasureResult,
    responses=problem_responses(404, 409),
)
async def erase_customer(
    customer_id: uuid.UUID,
    session: SessionDep,
    principal: Admin,
    body: Annotated[CustomerErasureRequest | None, Body()] = None,
) -> CustomerErasureResult:
    """Erase a buyer on request (admins only): every identity of the profile loses its name, buyer id,
    email, phone and notes, and every message the buyer wrote its text, HTML, attachments and metadata,
    replaced by `[erased]`. Conversations, orders, counts and timestamps stay, so reports do not change.
    Refused (409) while a case is open or a marketplace reply clock is running on the buyer's
    conversations, unless `force` is true. Audited; emits `customer.erased`. Cannot be undone."""
    return await service.erase_customer(session, principal, customer_id, bool(body and body.force))

"""Whether the current request sees buyer data masked, decided once at authentication.

The response schemas that carry buyer contact data (api/customer/schemas.py) mask their fields when
serialised to JSON while this request's flag is set, so every endpoint returning them masks alike
and no endpoint can forget to. Only JSON serialisation masks: services that dump the same schemas in
Python mode (audit entries, events) keep the real values.

The masked roles of an organization are cached per process for `TTL_SECONDS`, like credentials
(api/auth/cache.py): a change made through this process counts at once, one made through another
process within the TTL. API keys (ERP integrations) and admins are never masked.
"""

from __future__ import annotations

import time
import uuid
from contextvars import ContextVar

from api.auth.principal import Principal
from api.db import Session, after_commit
from api.privacy import repository

TTL_SECONDS = 5.0
MASKABLE_ROLES = ("agent", "supervisor")

_masked: ContextVar[bool] = ContextVar("hourglass_buyer_data_masked", default=False)
_roles: dict[uuid.UUID, tuple[frozenset[str], float]] = {}


def masking_active() -> bool:
    return _masked.get()


def set_masking(on: bool) -> None:
    _masked.set(on)


def forget(organization_id: uuid.UUID) -> None:
    _roles.pop(organization_id, None)


def forget_after_commit(session: Session, organization_id: uuid.UUID) -> None:
    """Forget now and again once the change commits: a request reading the old row between the two
    would otherwise cache it for a whole TTL."""
    forget(organization_id)
    after_commit(session, lambda: forget(organization_id))


async def masked_roles(session: Session, organization_id: uuid.UUID) -> frozenset[str]:
    cached = _roles.get(organization_id)
    now = time.monotonic()
    if cached is not None and cached[1] > now:
        return cached[0]
    row = await repository.settings(session, organization_id)
    roles = frozenset(row.masked_roles or ()) if row else frozenset()
    if len(_roles) > 10_000:
        _roles.clear()
    _roles[organization_id] = (roles, now + TTL_SECONDS)
    return roles


async def decide(session: Session, principal: Principal) -> bool:
    """Set (and return) this request's masking flag. Always set, never left over from another request."""
    on = principal.role in MASKABLE_ROLES and principal.role in await masked_roles(session, principal.organization_id)
    set_masking(on)
    return on

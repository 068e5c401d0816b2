"""One customer across marketplaces: merging identities into profiles, and the profile's tier.

An identity is a customer row (one marketplace buyer id, relay alias or email). A profile is an
identity with nothing above it (`merged_into_id` NULL) plus every identity pointing at it; there is
never a chain (merging re-points the merged profile's identities too). The pointer is a foreign key
on (organization_id, id), so a profile of another organization cannot be named, whatever the code.

Identities merge automatically when an identifier matches exactly (email, relay alias, phone) as
buyers write in and orders arrive, and by hand; a person can split an identity off again, and it is
then never merged automatically again. The tier is computed for the whole profile and written to
every identity of it, because the SLA policy and the automation read an identity's tier.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from api import audit
from api.auth.principal import Principal
from api.customer import repository
from api.customer.tiers import TierDecision, TierRules, decide
from api.db import Session
from api.kit.errors import Conflict, InvalidInput, NotFound, field_error
from api.kit.time import utc_now
from api.models import Customer


async def rules_for(session: Session, organization_id: uuid.UUID) -> TierRules:
    stored = await repository.tier_rules(session, organization_id)
    return TierRules.model_validate(stored) if stored else TierRules()


async def recompute_tier(
    session: Session, organization_id: uuid.UUID, customer_id: uuid.UUID, now: datetime | None = None
) -> TierDecision | None:
    """Recompute the tier of the profile `customer_id` belongs to (None when it is set by hand)."""
    root = await repository.root_id(session, organization_id, customer_id)
    group = await repository.members(session, organization_id, root)
    head = group[0]
    if head.tier_source == "manual":
        # A hand-set tier is the profile's: identities merged into it since take it too.
        await repository.write_tier(session, organization_id, root, head.tier, head.tier_reason, "manual")
        return None
    ids = [c.id for c in group]
    decision = decide(
        await repository.order_facts(session, organization_id, ids),
        await repository.last_complaint(session, organization_id, ids),
        now or utc_now(),
        await rules_for(session, organization_id),
    )
    if any(c.tier != decision.tier or c.tier_reason != decision.reason for c in group):
        # A bulk UPDATE: rows already loaded keep their old tier until re-read (repository.members
        # reads with populate_existing).
        await repository.write_tier(session, organization_id, root, decision.tier, decision.reason, "computed")
    return decision


async def auto_merge(session: Session, organization_id: uuid.UUID, customer_id: uuid.UUID) -> uuid.UUID | None:
    """Merge this identity into the profile of another with the same email or phone, if any (only an
    identity that is still a profile of its own). Returns the profile it joined."""
    found = await repository.auto_merge_target(session, organization_id, customer_id)
    if found is None:
        return None
    root, identifier = found
    await repository.point_at(session, organization_id, [customer_id], root)
    audit.record(
        session,
        None,
        organization_id,
        "customer.merged",
        "customer",
        root,
        {"merged": [str(customer_id)], "automatic": True, "identifier": identifier},
        actor_type="system",
    )
    return root


async def after_new_conversation(
    session: Session,
    organization_id: uuid.UUID,
    customer_id: uuid.UUID,
    *,
    category: str,
    buyer_email: str | None,
    buyer_external_id: str,
) -> None:
    """Called by the ingest pipeline for a conversation it just created: a buyer who gave an email
    (or writes from a relay alias) may be known on another marketplace, and a complaint puts a
    profile at risk. Without either, it costs nothing: most marketplaces name buyers by an id of
    their own, which no other marketplace shares."""
    complaint = category in repository.COMPLAINT_CATEGORIES
    if not (buyer_email or "@" in buyer_external_id or complaint):
        return
    merged = await auto_merge(session, organization_id, customer_id)
    if merged is not None or complaint:
        await recompute_tier(session, organization_id, customer_id)


async def after_order(
    session: Session, organization_id: uuid.UUID, customer_id: uuid.UUID, phone: str | None = None
) -> None:
    """An order arrived or changed for this identity: learn its phone, merge, recompute the tier."""
    if phone:
        customer = await repository.get(session, organization_id, customer_id)
        customer.phone = phone
        await session.flush()
    await auto_merge(session, organization_id, customer_id)
    await recompute_tier(session, organization_id, customer_id)


async def merge(session: Session, principal: Principal, customer_id: uuid.UUID, others: list[uuid.UUID]) -> uuid.UUID:
    """Merge the profiles of `others` (any identity of each names its profile) into the profile of
    `customer_id`. Tags are united; notes appended."""
    org = principal.organization_id
    root = await repository.root_id(session, org, customer_id)
    roots: list[uuid.UUID] = []
    for other in others:
        try:
            other_root = await repository.root_id(session, org, other)
        except NotFound as exc:
            # Another organization's customer is indistinguishable from one that does not exist.
            raise InvalidInput(
                f"No customer {other}.", errors=field_error("body.customer_ids", "no such customer")
            ) from exc
        if other_root != root and other_root not in roots:
            roots.append(other_root)
    if not roots:
        raise Conflict(
            "These customers are already one profile.", errors=field_error("body.customer_ids", "already merged")
        )
    head = (await repository.members(session, org, root))[0]
    for other_root in roots:
        merged = await repository.get(session, org, other_root)
        head.tags = list(dict.fromkeys([*head.tags, *merged.tags]))[:50]
        if merged.notes:
            head.notes = f"{head.notes}\n\n{merged.notes}" if head.notes else merged.notes
    await session.flush()
    await repository.point_at(session, org, roots, root)
    audit.record(session, principal, org, "customer.merged", "customer", root, {"merged": [str(r) for r in roots]})
    await recompute_tier(session, org, root)
    return root


async def unmerge(session: Session, principal: Principal, customer_id: uuid.UUID) -> uuid.UUID:
    """Split one identity off its profile; it becomes a profile of its own and is never merged
    automatically again. Its conversations and orders go with it."""
    org = principal.organization_id
    identity = await repository.get(session, org, customer_id)
    if identity.merged_into_id is None:
        raise Conflict(
            "This customer is a profile, not an identity merged into one: split off its identities instead.",
            errors=field_error("customer", "not merged"),
        )
    root = identity.merged_into_id
    await repository.detach(session, org, customer_id)
    audit.record(session, principal, org, "customer.unmerged", "customer", customer_id, {"from": str(root)})
    # The identity keeps the profile's tags and notes as they were; its tier is recomputed alone.
    await repository.write_tier(session, org, customer_id, "standard", None, "computed")
    await recompute_tier(session, org, customer_id)
    await recompute_tier(session, org, root)
    return customer_id


async def update_profile(
    session: Session, principal: Principal, customer_id: uuid.UUID, changes: dict[str, object]
) -> uuid.UUID:
    org = principal.organization_id
    identity = await repository.get(session, org, customer_id)
    root = identity.merged_into_id or identity.id
    head: Customer = identity if root == identity.id else await repository.get(session, org, root)
    for field in ("email", "phone"):
        if field in changes:
            setattr(identity, field, changes[field])
    for field in ("display_name", "tags", "notes"):
        if field in changes and (changes[field] is not None or field == "notes"):
            setattr(head, field, changes[field])
    await session.flush()
    if changes.get("tier") is not None:
        await repository.write_tier(session, org, root, str(changes["tier"]), "set by hand", "manual")
    elif changes.get("tier_auto"):
        head.tier_source = "computed"
        await session.flush()
    audit.record(session, principal, org, "customer.updated", "customer", identity.id, {"fields": sorted(changes)})
    if changes.keys() & {"email", "phone"}:
        await auto_merge(session, org, identity.id)
    await recompute_tier(session, org, identity.id)
    return identity.id


async def set_rules(session: Session, principal: Principal, rules: TierRules) -> TierRules:
    """Save an organization's tier rules and recompute every computed tier with them."""
    org = principal.organization_id
    await repository.save_tier_rules(session, org, rules.model_dump(mode="json"))
    audit.record(
        session, principal, org, "customer.tier_rules_updated", "organization", org, rules.model_dump(mode="json")
    )
    for root in await repository.roots_with_computed_tiers(session, org):
        await recompute_tier(session, org, root)
    return rules

"""Webhook subscriptions: create (the secret is shown once), update, rotate, delete, replay, test,
and disabling an endpoint (by a user, or automatically with a notification to the admins)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from api import audit
from api.auth import repository as auth_repository
from api.auth.principal import Principal
from api.db import Session
from api.kit.crypto import CredentialCipher
from api.kit.errors import Conflict, InvalidInput, field_error
from api.kit.outbound import OutboundPolicy, OutboundRefused
from api.kit.time import utc_now
from api.models import Notification, WebhookDelivery, WebhookEndpoint
from api.outbox import events
from api.outbox import repository as outbox_repository
from api.webhook import repository
from api.webhook.fanout import delivery_row
from api.webhook.payloads import API_VERSION, TEST_EVENT_TYPE
from api.webhook.schemas import ReplayRange, TestDeliveryResult, WebhookEndpointCreate, WebhookEndpointUpdate
from api.webhook.sender import WebhookSender
from api.webhook.signing import new_secret, signed_headers

MAX_ENDPOINTS_PER_ORG = 50
ROTATION_OVERLAP = timedelta(hours=24)
MAX_REPLAY_EVENTS = 10_000


def active_secrets(endpoint: WebhookEndpoint, cipher: CredentialCipher, now: datetime) -> list[str]:
    """The secrets that sign a request sent now: the current one, and the previous one during the
    rotation overlap (receivers accept either signature)."""
    found = [cipher.decrypt(endpoint.secret_encrypted)["secret"]]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires and expires > now:
        found.append(cipher.decrypt(endpoint.previous_secret_encrypted)["secret"])
    return found


async def _checked_url(guard: OutboundPolicy, url: str) -> str:
    try:
        await guard.resolve(url)
    except OutboundRefused as exc:
        raise InvalidInput(
            f"This URL cannot receive webhooks: {exc}.", errors=field_error("body.url", str(exc))
        ) from exc
    return url.strip()


async def create(
    session: Session,
    principal: Principal,
    body: WebhookEndpointCreate,
    cipher: CredentialCipher,
    guard: OutboundPolicy,
) -> tuple[WebhookEndpoint, str]:
    if await repository.count_endpoints(session, principal.organization_id) >= MAX_ENDPOINTS_PER_ORG:
        raise Conflict(f"An organization can have at most {MAX_ENDPOINTS_PER_ORG} webhook endpoints.")
    url = await _checked_url(guard, body.url)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        organization_id=principal.organization_id,
        url=url,
        description=body.description,
        event_types=list(body.event_types),
        secret_encrypted=cipher.encrypt({"secret": secret}),
    )
    session.add(endpoint)
    await session.flush()
    await session.refresh(endpoint)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "webhook.created",
        "webhook_endpoint",
        endpoint.id,
        {"url": url, "event_types": endpoint.event_types},
    )
    return endpoint, secret


async def update(
    session: Session,
    principal: Principal,
    endpoint_id: uuid.UUID,
    body: WebhookEndpointUpdate,
    guard: OutboundPolicy,
) -> WebhookEndpoint:
    endpoint = await repository.get_endpoint(session, principal.organization_id, endpoint_id, lock=True)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("url") is not None:
        endpoint.url = await _checked_url(guard, changes["url"])
    if changes.get("event_types") is not None:
        endpoint.event_types = list(changes["event_types"])
    if changes.get("description") is not None:
        endpoint.description = changes["description"]
    if changes.get("is_active") is True and not endpoint.is_active:
        endpoint.is_active = True
        endpoint.disabled_at = endpoint.disabled_reason = endpoint.failing_since = None
    elif changes.get("is_active") is False and endpoint.is_active:
        await disable(session, endpoint, f"disabled by {principal.name or principal.actor_type}", utc_now(), principal)
    await session.flush()
    await session.refresh(endpoint)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "webhook.updated",
        "webhook_endpoint",
        endpoint.id,
        {k: v for k, v in changes.items() if v is not None},
    )
    return endpoint


async def rotate_secret(
    session: Session, principal: Principal, endpoint_id: uuid.UUID, cipher: CredentialCipher
) -> tuple[WebhookEndpoint, str]:
    endpoint = await repository.get_endpoint(session, principal.organization_id, endpoint_id, lock=True)
    secret = new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = utc_now() + ROTATION_OVERLAP
    endpoint.secret_encrypted = cipher.encrypt({"secret": secret})
    await session.flush()
    await session.refresh(endpoint)
    audit.record(
        session, principal, principal.organization_id, "webhook.secret_rotated", "webhook_endpoint", endpoint.id
    )
    return endpoint, secret


async def delete(session: Session, principal: Principal, endpoint_id: uuid.UUID) -> None:
    endpoint = await repository.get_endpoint(session, principal.organization_id, endpoint_id, lock=True)
    await session.delete(endpoint)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "webhook.deleted",
        "webhook_endpoint",
        endpoint_id,
        {"url": endpoint.url},
    )


async def disable(
    session: Session, endpoint: WebhookEndpoint, reason: str, now: datetime, actor: Principal | None = None
) -> None:
    """Stop delivering to an endpoint; its pending deliveries fail (a range replay brings them back).
    Disabled by the system (410 Gone, days of failures), every admin of the organization is told."""
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason[:200]
    await repository.fail_pending(session, endpoint.organization_id, endpoint.id, f"endpoint disabled: {reason}")
    audit.record(
        session,
        actor,
        endpoint.organization_id,
        "webhook.disabled",
        "webhook_endpoint",
        endpoint.id,
        {"reason": reason},
        actor_type=None if actor else "system",
    )
    if actor is None:
        await _notify_admins(session, endpoint, reason)


async def _notify_admins(session: Session, endpoint: WebhookEndpoint, reason: str) -> None:
    admins = await auth_repository.active_admin_ids(session, endpoint.organization_id)
    title = "Webhook endpoint disabled"
    body = f"{endpoint.url} was disabled: {reason}. Fix the receiver, re-enable it, then replay what it missed."
    for user_id in admins:
        note = Notification(
            id=uuid.uuid4(),
            organization_id=endpoint.organization_id,
            user_id=user_id,
            kind="webhook.disabled",
            title=title,
            body=body,
            data={"endpoint_id": str(endpoint.id), "url": endpoint.url, "reason": reason},
        )
        session.add(note)
        events.emit(
            session,
            endpoint.organization_id,
            "notification",
            {
                "notification_id": str(note.id),
                "user_id": str(user_id),
                "kind": note.kind,
                "title": title,
                "body": body,
                "conversation_id": None,
                "endpoint_id": str(endpoint.id),
            },
        )


async def replay_delivery(
    session: Session, principal: Principal, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Queue one delivery again, now, with its original `webhook-id` (receivers deduplicate on it)."""
    endpoint = await repository.get_endpoint(session, principal.organization_id, endpoint_id)
    delivery = await repository.get_delivery(session, principal.organization_id, endpoint_id, delivery_id)
    _require_active(endpoint)
    await repository.requeue(session, principal.organization_id, [delivery.id], utc_now())
    await session.refresh(delivery)
    audit.record(session, principal, principal.organization_id, "webhook.replayed", "webhook_delivery", delivery.id)
    return delivery


async def replay_range(
    session: Session, principal: Principal, endpoint_id: uuid.UUID, body: ReplayRange
) -> tuple[int, int]:
    """Redeliver the events of a time range: failed deliveries are queued again, and events the
    endpoint never got (it was disabled or not subscribed then) get new deliveries."""
    now = utc_now()
    endpoint = await repository.get_endpoint(session, principal.organization_id, endpoint_id, lock=True)
    _require_active(endpoint)
    until = body.until or now
    if until <= body.since:
        raise InvalidInput("`until` must be after `since`.", errors=field_error("body.until", "not after since"))
    found = await outbox_repository.published_between(
        session, principal, body.since, until, endpoint.event_types, limit=MAX_REPLAY_EVENTS + 1
    )
    if len(found) > MAX_REPLAY_EVENTS:
        raise InvalidInput(
            f"The range holds more than {MAX_REPLAY_EVENTS} events; replay it in smaller pieces.",
            errors=field_error("body.since", "range too large"),
        )
    event_ids = [row.id for row in found]
    existing = {
        event_id: (delivery_id, status)
        for delivery_id, event_id, status in await repository.deliveries_of_events(
            session, principal.organization_id, endpoint.id, event_ids
        )
    }
    redo = {"failed"} if body.status == "failed" else {"failed", "succeeded"}
    requeue_ids = [delivery_id for delivery_id, status in existing.values() if status in redo]
    requeued = await repository.requeue(session, principal.organization_id, requeue_ids, now)
    new_rows = [
        delivery_row(endpoint.id, _Event(row.id, endpoint.organization_id, row.event_type, row.payload), now)
        for row in found
        if row.id not in existing
    ]
    await repository.insert_deliveries(session, new_rows)
    audit.record(
        session,
        principal,
        principal.organization_id,
        "webhook.replayed_range",
        "webhook_endpoint",
        endpoint.id,
        {"since": body.since.isoformat(), "until": until.isoformat(), "requeued": requeued, "created": len(new_rows)},
    )
    return requeued, len(new_rows)


@dataclass(frozen=True)
class _Event:
    id: int
    organization_id: uuid.UUID
    event_type: str
    payload: dict[str, Any]


def _require_active(endpoint: WebhookEndpoint) -> None:
    if not endpoint.is_active:
        raise Conflict("The endpoint is disabled; re-enable it (PATCH is_active=true) before replaying.")


async def send_test(endpoint: WebhookEndpoint, cipher: CredentialCipher, sender: WebhookSender) -> TestDeliveryResult:
    """Send a signed `webhook.test` event now and report what the receiver answered (not logged)."""
    now = utc_now()
    msg_id = f"msg_test_{uuid.uuid4().hex}"
    payload: dict[str, Any] = {
        "type": TEST_EVENT_TYPE,
        "timestamp": now.isoformat(),
        "api_version": API_VERSION,
        "event_id": 0,
        "organization_id": str(endpoint.organization_id),
        "data": {"endpoint_id": str(endpoint.id), "message": "A test delivery from Hourglass."},
    }
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    headers = signed_headers(active_secrets(endpoint, cipher, now), msg_id, now, body)
    result = await sender.post(endpoint.url, body.encode(), headers)
    ok = result.status_code is not None and 200 <= result.status_code < 300
    return TestDeliveryResult(
        succeeded=ok,
        webhook_id=msg_id,
        status_code=result.status_code,
        duration_ms=result.duration_ms,
        error=result.error,
        request_excerpt=result.request_excerpt,
        response_excerpt=result.response_excerpt,
    )

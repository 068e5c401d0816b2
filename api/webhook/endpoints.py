from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.kit.errors import problem_responses
from api.kit.outbound import OutboundPolicy, policy_for
from api.webhook import repository, service
from api.webhook.payloads import EVENT_MODELS, WEBHOOK_EVENT_TYPES
from api.webhook.schemas import (
    EventTypeInfo,
    ReplayRange,
    ReplayResult,
    TestDeliveryResult,
    WebhookAttemptRead,
    WebhookDeliveryDetail,
    WebhookDeliveryList,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointList,
    WebhookEndpointRead,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)
from api.webhook.sender import WebhookSender

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=problem_responses(401, 403, 422, 429))

Reader = Annotated[Principal, Depends(require("webhooks:read"))]
Writer = Annotated[Principal, Depends(require("webhooks:write"))]


def _guard(request: Request) -> OutboundPolicy:
    return policy_for(request.app.state.settings.outbound_allowed)


def _with_secret(endpoint: object, secret: str) -> WebhookEndpointWithSecret:
    return WebhookEndpointWithSecret.model_validate(
        {**WebhookEndpointRead.model_validate(endpoint).model_dump(), "secret": secret}
    )


@router.get("/event-types", response_model=list[EventTypeInfo])
async def list_event_types(principal: Reader) -> list[EventTypeInfo]:
    """The event types an endpoint can subscribe to, with the JSON Schema of each payload.

    Every request carries the Standard Webhooks headers `webhook-id` (the delivery, stable across
    retries: deduplicate on it), `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>`
    of `{id}.{timestamp}.{body}`; two signatures separated by a space during a secret rotation)."""
    return [
        EventTypeInfo(type=t, description=d, payload_schema=EVENT_MODELS[t].model_json_schema())
        for t, d in WEBHOOK_EVENT_TYPES.items()
    ]


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=WebhookEndpointWithSecret, responses=problem_responses(409)
)
async def create_webhook_endpoint(
    body: WebhookEndpointCreate, request: Request, session: SessionDep, principal: Writer
) -> WebhookEndpointWithSecret:
    """Subscribe a URL to event types. The response carries the signing secret, the only time it is shown.

    The URL must be https and resolve to public addresses only (private, loopback, link-local and
    carrier-grade NAT ranges are refused, here and again at every delivery)."""
    endpoint, secret = await service.create(session, principal, body, request.app.state.cipher, _guard(request))
    return _with_secret(endpoint, secret)


@router.get("", response_model=WebhookEndpointList)
async def list_webhook_endpoints(session: SessionDep, principal: Reader) -> WebhookEndpointList:
    """The organization's webhook endpoints, oldest first (secrets are never returned)."""
    endpoints = await repository.list_endpoints(session, principal.organization_id)
    return WebhookEndpointList(items=[WebhookEndpointRead.model_validate(e) for e in endpoints])


@router.get("/{endpoint_id}", response_model=WebhookEndpointRead, responses=problem_responses(404))
async def get_webhook_endpoint(endpoint_id: uuid.UUID, session: SessionDep, principal: Reader) -> WebhookEndpointRead:
    """One endpoint, with why and when it was disabled, if it was."""
    return WebhookEndpointRead.model_validate(
        await repository.get_endpoint(session, principal.organization_id, endpoint_id)
    )


@router.patch("/{endpoint_id}", response_model=WebhookEndpointRead, responses=problem_responses(404))
async def update_webhook_endpoint(
    endpoint_id: uuid.UUID, body: WebhookEndpointUpdate, request: Request, session: SessionDep, principal: Writer
) -> WebhookEndpointRead:
    """Change the URL, event types or description, or disable / re-enable the endpoint.

    Disabling fails its pending deliveries; after re-enabling, replay the range it missed."""
    endpoint = await service.update(session, principal, endpoint_id, body, _guard(request))
    return WebhookEndpointRead.model_validate(endpoint)


@router.delete("/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404))
async def delete_webhook_endpoint(endpoint_id: uuid.UUID, session: SessionDep, principal: Writer) -> Response:
    """Delete an endpoint with its delivery log."""
    await service.delete(session, principal, endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{endpoint_id}/rotate-secret", response_model=WebhookEndpointWithSecret, responses=problem_responses(404))
async def rotate_webhook_secret(
    endpoint_id: uuid.UUID, request: Request, session: SessionDep, principal: Writer
) -> WebhookEndpointWithSecret:
    """Issue a new signing secret (shown once). For 24 hours the old secret signs too, so each request
    carries two signatures and receivers can switch without dropping any."""
    endpoint, secret = await service.rotate_secret(session, principal, endpoint_id, request.app.state.cipher)
    return _with_secret(endpoint, secret)


@router.post("/{endpoint_id}/test", response_model=TestDeliveryResult, responses=problem_responses(404))
async def test_webhook_endpoint(
    endpoint_id: uuid.UUID, request: Request, session: SessionDep, principal: Writer
) -> TestDeliveryResult:
    """Send a signed `webhook.test` event now and return what the receiver answered. Not retried and
    not logged; the endpoint may be disabled (test before re-enabling)."""
    endpoint = await repository.get_endpoint(session, principal.organization_id, endpoint_id)
    sender = WebhookSender(_guard(request), timeout=10.0)
    try:
        return await service.send_test(endpoint, request.app.state.cipher, sender)
    finally:
        await sender.aclose()


@router.get("/{endpoint_id}/deliveries", response_model=WebhookDeliveryList, responses=problem_responses(404))
async def list_webhook_deliveries(
    endpoint_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    delivery_status: Annotated[Literal["pending", "succeeded", "failed"] | None, Query(alias="status")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> WebhookDeliveryList:
    """The delivery log of an endpoint, newest first: one entry per event, with its latest outcome."""
    await repository.get_endpoint(session, principal.organization_id, endpoint_id)
    items, next_cursor = await repository.list_deliveries(
        session, principal.organization_id, endpoint_id, status=delivery_status, cursor=cursor, limit=limit
    )
    return WebhookDeliveryList(items=[WebhookDeliveryRead.model_validate(d) for d in items], next_cursor=next_cursor)


@router.get(
    "/{endpoint_id}/deliveries/{delivery_id}", response_model=WebhookDeliveryDetail, responses=problem_responses(404)
)
async def get_webhook_delivery(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep, principal: Reader
) -> WebhookDeliveryDetail:
    """One delivery with its payload and every attempt: request and response excerpts (2 KB each),
    status, duration and error."""
    delivery = await repository.get_delivery(session, principal.organization_id, endpoint_id, delivery_id)
    attempts = await repository.attempts_of(session, principal.organization_id, delivery.id)
    return WebhookDeliveryDetail.model_validate(
        {
            **WebhookDeliveryRead.model_validate(delivery).model_dump(),
            "payload": delivery.payload,
            "attempt_log": [WebhookAttemptRead.model_validate(a) for a in attempts],
        }
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryRead,
    responses=problem_responses(404, 409),
)
async def replay_webhook_delivery(
    endpoint_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep, principal: Writer
) -> WebhookDeliveryRead:
    """Send one delivery again now, with the same `webhook-id` and payload; the retry schedule
    starts over."""
    delivery = await service.replay_delivery(session, principal, endpoint_id, delivery_id)
    return WebhookDeliveryRead.model_validate(delivery)


@router.post(
    "/{endpoint_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReplayResult,
    responses=problem_responses(404, 409),
)
async def replay_webhook_range(
    endpoint_id: uuid.UUID, body: ReplayRange, session: SessionDep, principal: Writer
) -> ReplayResult:
    """Redeliver the events of a time range (at most 10,000): failed deliveries are queued again, and
    events the endpoint never received (it was disabled, or not subscribed to them then) are delivered
    for the first time."""
    requeued, created = await service.replay_range(session, principal, endpoint_id, body)
    return ReplayResult(requeued=requeued, created=created)

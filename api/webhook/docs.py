"""The OpenAPI `webhooks` section: one operation per event type, its body the versioned payload model,
so the spec (and the generated client types) document what subscribers receive."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from api.webhook.payloads import EVENT_MODELS, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES

HEADERS_DOC = """

Headers (Standard Webhooks): `webhook-id` (the delivery; stable across retries and replays, use it
to deduplicate), `webhook-timestamp` (unix seconds), `webhook-signature` (`v1,<base64 HMAC-SHA256 of
"{webhook-id}.{webhook-timestamp}.{body}">`, space-separated when two secrets are active). Verify
with any Standard Webhooks library and your `whsec_` secret; answer 2xx within 15 s. Other answers
are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (with jitter; `Retry-After`
is honoured on 429 and 503); 410 disables the endpoint, as do 5 days of failures."""


def webhooks_router() -> APIRouter:
    router = APIRouter()
    documented = {**WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE: "A test delivery, sent by POST /v1/webhooks/{id}/test"}
    for event_type, description in documented.items():
        model = EVENT_MODELS[event_type]

        async def receive(body: Any = Body(...)) -> None:  # documentation only, never served
            return None

        receive.__annotations__["body"] = model
        router.add_api_route(
            event_type,
            receive,
            methods=["POST"],
            summary=description,
            description=description + "." + HEADERS_DOC,
            operation_id=f"webhook-{event_type}",
            status_code=200,
            response_model=None,
            responses={200: {"description": "Received (any 2xx)"}},
        )
    return router

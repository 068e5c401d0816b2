"""`POST /v1/hooks/{marketplace}/{channel_id}`: eBay NEW_MESSAGE, Shopee webchat push (code 10),
TikTok Shop webhooks 13/14.

Fast by design: verify the signature over the raw body, store the push verbatim (one row per
notification id, so a re-sent push is stored once) and answer; a worker, woken by NOTIFY at
commit, parses and ingests it. Nothing is acknowledged before it is durable in Postgres.
"""

from __future__ import annotations

import uuid
from typing import Literal

import httpx
from fastapi import APIRouter, Request
from sqlalchemy import select

from api.channel.connectors.base import ConnectorError
from api.channel.connectors.registry import build
from api.db import SessionDep
from api.kit.errors import Conflict, HourglassError, NotFound, Unauthorized, problem_responses
from api.kit.schema import ResponseModel
from api.models import Channel
from api.sync import pushes

router = APIRouter(prefix="/v1/hooks", tags=["hooks"])


class VerificationUnavailable(HourglassError):
    """The signature could not be checked right now (eBay's key server did not answer): 503 makes
    the marketplace send the push again, where 401 would tell it the push is forged."""

    status_code = 503
    problem_type = "verification-unavailable"
    title = "Signature verification unavailable"


class PushAck(ResponseModel):
    status: Literal["accepted", "duplicate"]


def _http(request: Request) -> httpx.AsyncClient:
    """One client per app for the few calls verification needs (eBay's public key, cached)."""
    client = getattr(request.app.state, "hooks_http", None)
    if client is None:
        client = request.app.state.hooks_http = httpx.AsyncClient(timeout=10, trust_env=False)
    return client


@router.post(
    "/{marketplace}/{channel_id}",
    response_model=PushAck,
    responses=problem_responses(401, 404, 409, 503),
    openapi_extra={"security": []},
)
async def receive_push(
    marketplace: Literal["ebay", "shopee", "tiktok"], channel_id: uuid.UUID, request: Request, session: SessionDep
) -> PushAck:
    """Receive a marketplace push for one channel. Point the marketplace at the URL shown in the
    channel's `sync.push_url`. No API key: the marketplace's signature (`X-EBAY-SIGNATURE`, or the
    `Authorization` HMAC of Shopee and TikTok) is checked against the channel's credentials; a bad
    signature is 401. 200 means stored: processing follows within a second."""
    channel = (await session.execute(select(Channel).where(Channel.id == channel_id))).scalar_one_or_none()
    if channel is None or channel.marketplace != marketplace or not channel.credentials_encrypted:
        raise NotFound(f"No {marketplace} channel {channel_id}.")
    if channel.status != "active":
        raise Conflict("This channel is disabled; pushes are refused until it is re-enabled.")
    body = await request.body()
    connector = build(
        marketplace,
        channel.settings or {},
        request.app.state.cipher.decrypt(channel.credentials_encrypted),
        http=_http(request),
    )
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        verified = await connector.verify_push(headers, body, str(request.url))
    except ConnectorError as exc:
        raise VerificationUnavailable(f"Cannot verify the signature now: {exc.describe()}") from exc
    if not verified:
        raise Unauthorized("The push signature does not verify with this channel's credentials.")
    stored = await pushes.store(session, channel, connector, headers, body)
    return PushAck(status="accepted" if stored else "duplicate")

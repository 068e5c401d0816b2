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
from fastapi import APIRouter, Query, Request

from api.channel import repository as channel_repository
from api.channel.connectors import ebay
from api.channel.connectors.base import ConnectorError, in_our_words
from api.channel.connectors.registry import build
from api.db import Session, SessionDep
from api.kit.errors import (
    Conflict,
    HourglassError,
    InvalidInput,
    NotFound,
    Unauthorized,
    field_error,
    problem_responses,
)
from api.kit.outbound import outbound_client, policy_for
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
        # The channel's hosts (eBay's key endpoint) go through the outbound policy like every other.
        policy = policy_for(request.app.state.settings.outbound_allowed)
        client = request.app.state.hooks_http = outbound_client(policy, timeout=10)
    return client


async def _connected_channel(session: Session, marketplace: str, channel_id: uuid.UUID) -> Channel:
    """Hooks are not tenant-scoped (the marketplace signs them): any channel of another marketplace,
    or one without credentials to check a signature with, is a 404 like an unknown id."""
    channel = await channel_repository.signed_for(session, channel_id)
    if channel is None or channel.marketplace != marketplace or not channel.credentials_encrypted:
        raise NotFound(f"No {marketplace} channel {channel_id}.")
    return channel


class ChallengeResponse(ResponseModel):
    challengeResponse: str


@router.get(
    "/ebay/{channel_id}",
    response_model=ChallengeResponse,
    responses=problem_responses(404, 409, 422),
    openapi_extra={"security": []},
)
async def ebay_endpoint_challenge(
    channel_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    challenge_code: str | None = Query(default=None, max_length=512),
) -> ChallengeResponse:
    """eBay's destination check: before sending notifications to this URL, eBay GETs it with a
    `challenge_code`; the answer proves we hold the channel's `verification_token` (a credential
    chosen when the destination is created at eBay)."""
    channel = await _connected_channel(session, "ebay", channel_id)
    if not challenge_code:
        raise InvalidInput(
            "eBay's endpoint check sends a challenge_code.", errors=field_error("query.challenge_code", "required")
        )
    token = str(request.app.state.cipher.decrypt(channel.credentials_encrypted).get("verification_token") or "")
    if not token:
        raise Conflict(
            "Set the channel's verification_token credential (the one given to eBay for this destination).",
            errors=field_error("credentials.verification_token", "required for eBay's endpoint check"),
        )
    endpoint = str((channel.settings or {}).get("push_url") or request.url.remove_query_params("challenge_code"))
    return ChallengeResponse(challengeResponse=ebay.challenge_response(challenge_code, token, endpoint))


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
    channel = await _connected_channel(session, marketplace, channel_id)
    if channel.status != "active":
        raise Conflict("This channel is disabled; pushes are refused until it is re-enabled.")
    body = await request.body()
    connector = build(
        marketplace,
        channel.settings or {},
        request.app.state.cipher.decrypt(channel.credentials_encrypted),
        http=_http(request),
        outbound=policy_for(request.app.state.settings.outbound_allowed),
    )
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        verified = await connector.verify_push(headers, body, str(request.url))
    except ConnectorError as exc:
        raise VerificationUnavailable(f"Cannot verify the signature now: {in_our_words(exc, marketplace)}") from None
    if not verified:
        raise Unauthorized("The push signature does not verify with this channel's credentials.")
    stored = await pushes.store(session, channel, connector, headers, body)
    return PushAck(status="accepted" if stored else "duplicate")

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.channel import authorize, connect, repository, service, testing
from api.channel.schemas import (
    ChannelCreate,
    ChannelList,
    ChannelRead,
    ChannelTest,
    ChannelUpdate,
    ConnectionTest,
    ConnectOptions,
    ConnectStarted,
    ProactiveMessageCreate,
    ProactiveMessageSent,
    ProactiveMessageTypes,
)
from api.db import SessionDep
from api.kit.errors import InvalidInput, field_error, problem_responses
from api.kit.outbound import OutboundPolicy, policy_for
from api.kit.usage import Usage
from api.models import Channel
from api.sync import proactive
from api.sync.onboarding import backlogs

router = APIRouter(prefix="/v1/channels", tags=["channels"], responses=problem_responses(401, 403, 422, 429))

Reader = Annotated[Principal, Depends(require("channels:read"))]
Writer = Annotated[Principal, Depends(require("channels:write"))]


def _outbound(request: Request) -> OutboundPolicy:
    """Every host a channel names goes through this policy (HOURGLASS_OUTBOUND_ALLOWED)."""
    settings = request.app.state.settings
    return policy_for(settings.outbound_allowed, ca_file=settings.outbound_ca_file)


async def _read(session: SessionDep, request: Request, channel: Channel) -> ChannelRead:
    """A channel with its live sync status (backlog counts, lag, push URL)."""
    counts = await backlogs(session, [channel])
    return service.to_read(channel, counts.get(channel.id), request.app.state.settings.public_url)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ChannelRead)
async def create_channel(body: ChannelCreate, request: Request, session: SessionDep, principal: Writer) -> ChannelRead:
    """Connect a store account on a marketplace (or an `api` channel whose messages an ERP pushes).

    Credentials are encrypted at rest and never returned; `has_credentials` tells whether some are set.
    """
    channel = await service.create(session, principal, body, request.app.state.cipher, _outbound(request))
    return await _read(session, request, channel)


@router.get("", response_model=ChannelList)
async def list_channels(session: SessionDep, request: Request, principal: Reader) -> ChannelList:
    """All channels of the organization, oldest first, with their sync status."""
    channels = await repository.list_all(session, principal.organization_id)
    counts = await backlogs(session, channels)
    public_url = request.app.state.settings.public_url
    return ChannelList(items=[service.to_read(c, counts.get(c.id), public_url) for c in channels])


def _test_result(checks: list[testing.Check]) -> ConnectionTest:
    return ConnectionTest.model_validate({"ok": all(c.ok for c in checks), "checks": [c.__dict__ for c in checks]})


@router.post("/test", response_model=ConnectionTest)
async def test_connection(body: ChannelTest, request: Request, principal: Writer) -> ConnectionTest:
    """Test connection for values not saved yet (the connect form): each part checked on its own and
    named when it fails, in plain words: the fields, the marketplace API's credentials or token,
    the IMAP login, and the SMTP session (connect, EHLO, STARTTLS, login; no mail is sent). Every
    host goes through the outbound policy first. Nothing is stored."""
    checks = await testing.run(body.marketplace, body.settings, body.credentials, _outbound(request))
    return _test_result(checks)


@router.get("/connect", response_model=ConnectOptions)
async def connect_options(request: Request, principal: Reader) -> ConnectOptions:
    """Which marketplaces connect through their own consent page here (the others use the form)."""
    apps = request.app.state.settings.connect_apps
    return ConnectOptions.model_validate(
        {"consent": [m for m in authorize.OAUTH_MARKETPLACES if authorize.app_config(apps, m) is not None]}
    )


@router.post("/connect/{marketplace}/start", response_model=ConnectStarted, responses=problem_responses(404))
async def connect_start(
    marketplace: str,
    request: Request,
    session: SessionDep,
    principal: Writer,
    channel_id: uuid.UUID | None = None,
) -> ConnectStarted:
    """Begin connecting a store through the marketplace's consent page (eBay OAuth, Shopee partner
    authorization, TikTok Shop app authorization, Amazon SP-API website authorization with Login
    with Amazon). Send the browser to `authorize_url`; the marketplace sends it back to the
    callback, which returns to the SPA. The `state` in the URL is signed, bound to this organization
    and user (and `channel_id` when given), single-use, and expires in `expires_in` seconds.

    `channel_id` authorizes an existing channel instead of connecting a new store: required for
    Amazon, whose buyer messages come by mail relay (the channel is connected with its relay form
    first; the consent adds SP-API to it)."""
    settings = request.app.state.settings
    channel = await repository.get(session, principal.organization_id, channel_id) if channel_id else None
    started = await connect.start(
        request.app.state.redis,
        principal,
        marketplace,
        settings.connect_apps,
        settings.secret_key.get_secret_value(),
        settings.public_url,
        channel,
    )
    return ConnectStarted.model_validate(
        {"marketplace": marketplace, "authorize_url": started.authorize_url, "expires_in": started.expires_in}
    )


@router.get("/connect/{marketplace}/callback", status_code=status.HTTP_303_SEE_OTHER, response_class=RedirectResponse)
async def connect_callback(marketplace: str, request: Request, session: SessionDep) -> RedirectResponse:
    """Where the marketplace sends the seller back (no bearer token: the signed `state` says who).
    Always redirects to the SPA's channel settings: `result=connected&channel=<id>`, or
    `result=error&reason=<denied|state_invalid|state_expired|state_used|wrong_organization|
    not_configured|refused_host|unreachable|exchange_refused|check_failed>` (and the marketplace's
    error `code` when it gave one)."""
    settings = request.app.state.settings
    public_url = settings.public_url
    try:
        channel = await connect.callback(
            session,
            request.app.state.redis,
            marketplace,
            dict(request.query_params),
            apps=settings.connect_apps,
            secret=settings.secret_key.get_secret_value(),
            cipher=request.app.state.cipher,
            outbound=_outbound(request),
            public_url=public_url,
        )
    except connect.ConnectFailed as failure:
        target = connect.spa_redirect(public_url, marketplace if marketplace.isalpha() else "", failure=failure)
        return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    return RedirectResponse(
        connect.spa_redirect(public_url, marketplace, channel=channel), status_code=status.HTTP_303_SEE_OTHER
    )


@router.get("/{channel_id}", response_model=ChannelRead, responses=problem_responses(404))
async def get_channel(channel_id: uuid.UUID, request: Request, session: SessionDep, principal: Reader) -> ChannelRead:
    """One channel with its sync status: last success, lag, backlog (pending pushes, replies queued or
    failed), last error, next poll, and where the marketplace should push."""
    return await _read(session, request, await repository.get(session, principal.organization_id, channel_id))


@router.patch("/{channel_id}", response_model=ChannelRead, responses=problem_responses(404))
async def update_channel(
    channel_id: uuid.UUID, body: ChannelUpdate, request: Request, session: SessionDep, principal: Writer
) -> ChannelRead:
    """Rename, re-configure, replace credentials, or re-enable a channel. Only the fields sent change."""
    channel = await service.update(session, principal, channel_id, body, request.app.state.cipher, _outbound(request))
    return await _read(session, request, channel)


@router.post("/{channel_id}/test", response_model=ConnectionTest, responses=problem_responses(404))
async def test_channel(
    channel_id: uuid.UUID, request: Request, session: SessionDep, principal: Writer
) -> ConnectionTest:
    """Test a saved channel's connection with its stored settings and credentials, part by part
    (see `POST /v1/channels/test`)."""
    channel = await repository.get(session, principal.organization_id, channel_id)
    credentials: dict[str, Any] = {}
    if channel.credentials_encrypted:
        credentials = dict(request.app.state.cipher.decrypt(channel.credentials_encrypted))
    elif channel.marketplace != "api":
        return _test_result(
            [testing.Check("fields", False, "fields", "No credentials are stored for this channel: enter them again.")]
        )
    checks = await testing.run(channel.marketplace, dict(channel.settings or {}), credentials, _outbound(request))
    return _test_result(checks)


@router.get("/{channel_id}/usage", response_model=Usage, responses=problem_responses(404))
async def channel_usage(channel_id: uuid.UUID, session: SessionDep, principal: Reader) -> Usage:
    """What uses the store: its conversations, and rules or policies whose conditions name it.
    A store with conversations cannot be deleted (disable it instead)."""
    channel = await repository.get(session, principal.organization_id, channel_id)
    return await service.channel_usage(session, channel)


@router.delete("/{channel_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(404, 409))
async def delete_channel(channel_id: uuid.UUID, session: SessionDep, principal: Writer) -> None:
    """Delete a store that nothing uses (audited). While something does, 409 problem+json with
    `used_by` (as `GET .../usage` lists it) and a `hint`: a store with conversations is disabled
    instead, so their history stays."""
    await service.delete(session, principal, channel_id)


@router.post("/{channel_id}/disable", response_model=ChannelRead, responses=problem_responses(404))
async def disable_channel(
    channel_id: uuid.UUID, request: Request, session: SessionDep, principal: Writer
) -> ChannelRead:
    """Stop syncing a channel. Its conversations stay; pushes to it are refused until it is re-enabled."""
    return await _read(session, request, await service.disable(session, principal, channel_id))


@router.post(
    "/{channel_id}/sync",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ChannelRead,
    responses=problem_responses(404, 409),
)
async def sync_channel(channel_id: uuid.UUID, request: Request, session: SessionDep, principal: Writer) -> ChannelRead:
    """Poll the marketplace now rather than at the next interval (a worker starts within a second);
    watch `sync.last_sync_at` and `sync.last_error` for the outcome."""
    return await _read(session, request, await service.request_sync(session, principal, channel_id))


_AMAZON_ORDER_ID = re.compile(r"\d{3}-\d{7}-\d{7}")


def _check_amazon_order_id(order_id: str) -> None:
    # The id goes into an SP-API path: only Amazon's own shape (after the channel lookup, so another
    # organization's channel is a 404 whatever the id).
    if not _AMAZON_ORDER_ID.fullmatch(order_id):
        raise InvalidInput(
            "Not an Amazon order id.", errors=field_error("path.order_id", "expected 123-1234567-1234567")
        )


@router.get(
    "/{channel_id}/amazon/orders/{order_id}/message-types",
    response_model=ProactiveMessageTypes,
    responses=problem_responses(404, 409),
)
async def amazon_message_types(
    channel_id: uuid.UUID, order_id: str, request: Request, session: SessionDep, principal: Reader
) -> ProactiveMessageTypes:
    """Amazon SP-API Messaging: the proactive message types Amazon allows for this order now."""
    channel = await repository.get(session, principal.organization_id, channel_id)
    _check_amazon_order_id(order_id)
    types = await proactive.message_types(channel, request.app.state.cipher, order_id, _outbound(request))
    return ProactiveMessageTypes(order_id=order_id, message_types=types)


@router.post(
    "/{channel_id}/amazon/orders/{order_id}/messages",
    response_model=ProactiveMessageSent,
    responses=problem_responses(404, 409),
)
async def amazon_send_proactive(
    channel_id: uuid.UUID,
    order_id: str,
    body: ProactiveMessageCreate,
    request: Request,
    session: SessionDep,
    principal: Writer,
) -> ProactiveMessageSent:
    """Send one Amazon SP-API proactive message (e.g. `confirmDeliveryDetails`) about an order. Amazon
    says these are not replies to buyers: they stop no SLA clock. Sent at once; Amazon's refusal is
    a 422 (its status and error code, in our words), an unreachable Amazon a 502."""
    channel = await repository.get(session, principal.organization_id, channel_id)
    _check_amazon_order_id(order_id)
    cipher, outbound = request.app.state.cipher, _outbound(request)
    result = await proactive.send(session, principal, channel, cipher, order_id, body.message_type, body.text, outbound)
    return ProactiveMessageSent.model_validate(result)

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.channel import repository as channel_repository
from api.channel.service import delivered_by_erp
from api.conversation import repository as conversation_repository
from api.db import SessionDep
from api.kit.errors import Conflict, problem_responses
from api.kit.pagination import CursorScope
from api.message import outbound, repository
from api.message.inbound import InboundMessage
from api.message.pipeline import refuse_conflicting
from api.message.push_batches import PushBatcher
from api.message.schemas import (
    DeliveryReport,
    InboundMessageCreate,
    MessagePage,
    MessageRead,
    MessageSyncPage,
    NoResponseNeededCreate,
)

router = APIRouter(tags=["messages"], responses=problem_responses(401, 403, 422, 429))

Pusher = Annotated[Principal, Depends(require("messages:write"))]
Reader = Annotated[Principal, Depends(require("conversations:read"))]
Writer = Annotated[Principal, Depends(require("conversations:write"))]


@router.post(
    "/v1/channels/{channel_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageRead,
    responses={
        200: {"model": MessageRead, "description": "Already received: the stored message"},
        **problem_responses(404, 409),
    },
)
async def push_inbound_message(
    channel_id: uuid.UUID, body: InboundMessageCreate, request: Request, response: Response, principal: Pusher
) -> MessageRead:
    """An ERP pushes a buyer message into one of its channels.

    Idempotent on `external_message_id`: sending the same message again returns the stored one
    (200); reusing the id for different content is a 409. The message joins the conversation of
    its `external_thread_id`, else of the same order and buyer, else starts a new one.
    """
    author_kind, category, labels = body.marketplace_metadata()
    batcher: PushBatcher = request.app.state.push_batcher
    # Stored with the pushes to this channel that arrive meanwhile, in one transaction (see
    # api/message/push_batches.py); the answer comes after the commit.
    result = await batcher.receive(
        principal.organization_id,
        channel_id,
        InboundMessage(
            external_message_id=body.external_message_id,
            external_thread_id=body.external_thread_id,
            order_id=body.order_id,
            item_id=body.item_id,
            buyer_external_id=body.buyer.external_id,
            buyer_name=body.buyer.name,
            buyer_email=body.buyer.email,
            subject=body.subject,
            body=body.body,
            sent_at=body.sent_at,
            author_kind=author_kind,
            category=category,
            labels=labels,
            # A marketplace notice is information: like synced notices, it never triggers automation.
            auto_submitted=author_kind == "system" and body.sender == "marketplace",
        ),
    )
    refuse_conflicting(result)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return MessageRead.model_validate(result.message)


@router.get("/v1/messages", response_model=MessagePage)
async def list_messages(
    session: SessionDep,
    principal: Reader,
    direction: Literal["inbound", "outbound"] | None = None,
    delivery_status: Literal["queued", "sending", "accepted", "sent", "failed"] | None = None,
    channel_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=100, ge=1, le=200),
) -> MessagePage:
    """Messages in the order they were stored (`created_at`, then id), oldest first. ERPs collect
    replies to deliver with `direction=outbound&delivery_status=queued` and confirm each through
    `/delivery`.

    A cursor belongs to the filters it was issued for: repeat the same query with only `cursor`
    changed (another list's or another filter's cursor is a 422 naming `cursor`). Paging with a
    `delivery_status` filter follows the rows that have that status when each page is read: a reply
    confirmed meanwhile leaves the list, which is what a delivery queue wants. `created_at` is when
    the storing transaction started, so a message whose transaction commits late can appear behind
    a page already read: to mirror every message, use `GET /v1/messages/sync`."""
    scope = CursorScope(
        "messages:created",
        {
            "org": principal.organization_id,
            "direction": direction,
            "delivery_status": delivery_status,
            "channel_id": channel_id,
            "conversation_id": conversation_id,
        },
    )
    after = scope.read(cursor)
    rows = await repository.page(
        session,
        principal.organization_id,
        direction=direction,
        delivery_status=delivery_status,
        channel_id=channel_id,
        conversation_id=conversation_id,
        after=after,
        limit=limit + 1,
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    return MessagePage(
        items=[MessageRead.model_validate(m) for m in rows],
        next_cursor=scope.issue(rows[-1].created_at, rows[-1].id) if has_more else None,
    )


@router.get("/v1/messages/sync", response_model=MessageSyncPage)
async def sync_messages(
    session: SessionDep,
    principal: Reader,
    direction: Literal["inbound", "outbound"] | None = None,
    channel_id: uuid.UUID | None = None,
    cursor: str | None = Query(
        default=None, max_length=500, description="The `next_cursor` of the previous call; omit to start a sync"
    ),
    limit: int = Query(default=100, ge=1, le=500),
) -> MessageSyncPage:
    """Every message that was stored or changed (delivery status, retries) since the cursor, in
    change order: the feed an ERP mirrors messages from without missing any.

    Call without `cursor` to start, then keep calling with the `next_cursor` of the last answer:
    while `has_more` is true straight away, afterwards on a schedule. `next_cursor` is always
    present, and belongs to the filters it was issued for.

    Guarantee: as for `GET /v1/conversations/sync`, every change committed after a message was
    returned brings it back in a later page (at least once: upsert by id), whatever order
    concurrent transactions commit in; an open transaction holds the feed back until it ends.
    `GET /v1/messages` pages by `created_at` instead, and can skip a message whose transaction
    commits after a later one was listed."""
    scope = CursorScope(
        "messages:sync",
        {"org": principal.organization_id, "direction": direction, "channel_id": channel_id},
        key_kind="int",
    )
    after = scope.read(cursor)
    rows, resume = await repository.changed_since(
        session, principal.organization_id, after, limit + 1, direction=direction, channel_id=channel_id
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    position = (rows[-1].change_xid, rows[-1].id) if has_more else resume
    return MessageSyncPage(
        items=[MessageRead.model_validate(m) for m in rows], next_cursor=scope.issue(*position), has_more=has_more
    )


@router.get("/v1/messages/{message_id}", response_model=MessageRead, responses=problem_responses(404))
async def get_message(message_id: uuid.UUID, session: SessionDep, principal: Reader) -> MessageRead:
    """One message with its delivery status."""
    return MessageRead.model_validate(await repository.get(session, principal.organization_id, message_id))


@router.post("/v1/messages/{message_id}/delivery", response_model=MessageRead, responses=problem_responses(404, 409))
async def report_delivery(
    message_id: uuid.UUID, body: DeliveryReport, session: SessionDep, principal: Pusher
) -> MessageRead:
    """The ERP reports the outcome of delivering a reply on a channel it delivers for.

    `sent` (with the marketplace's message id) stops the buyer's wait; `failed` (with the error)
    lists the conversation under Failed until the reply is retried. Repeating a report is harmless.
    """
    message = await repository.get(session, principal.organization_id, message_id, lock=True)
    conversation = await conversation_repository.get(
        session, principal.organization_id, message.conversation_id, lock=True
    )
    channel = await channel_repository.get(session, principal.organization_id, message.channel_id)
    if not delivered_by_erp(channel):
        raise Conflict("This channel's replies are delivered by its marketplace connector, not by the ERP.")
    await outbound.record_delivery(
        session,
        principal,
        message,
        conversation,
        channel,
        status=body.status,
        external_id=body.external_message_id,
        error=body.error,
        delivered_at=body.delivered_at,
    )
    return MessageRead.model_validate(message)


@router.post("/v1/messages/{message_id}/retry", response_model=MessageRead, responses=problem_responses(404, 409))
async def retry_message(message_id: uuid.UUID, session: SessionDep, principal: Writer) -> MessageRead:
    """Queue a failed reply for delivery again."""
    message = await repository.get(session, principal.organization_id, message_id, lock=True)
    conversation = await conversation_repository.get(
        session, principal.organization_id, message.conversation_id, lock=True
    )
    await outbound.retry(session, principal, message, conversation)
    return MessageRead.model_validate(message)


@router.post(
    "/v1/messages/{message_id}/no-response-needed", response_model=MessageRead, responses=problem_responses(404, 409)
)
async def mark_no_response_needed(
    message_id: uuid.UUID, body: NoResponseNeededCreate, session: SessionDep, principal: Writer
) -> MessageRead:
    """Mark a buyer message as needing no response (e.g. "thanks!"), with the reason: it stops the
    clocks it started (the marketplace's included) and leaves the response-rate figures, as the
    marketplaces do. A message that seems to ask something is refused with 409 naming
    `body.confirm_question` unless that is true. Undo with DELETE on the same path. Audited."""
    message = await repository.get(session, principal.organization_id, message_id, lock=True)
    conversation = await conversation_repository.get(
        session, principal.organization_id, message.conversation_id, lock=True
    )
    await outbound.mark_no_response_needed(
        session,
        principal,
        message,
        conversation,
        reason=body.reason,
        note=body.note,
        confirm_question=body.confirm_question,
    )
    return MessageRead.model_validate(message)


@router.delete(
    "/v1/messages/{message_id}/no-response-needed", response_model=MessageRead, responses=problem_responses(404)
)
async def undo_no_response_needed(message_id: uuid.UUID, session: SessionDep, principal: Writer) -> MessageRead:
    """Undo "no response needed": the message waits for an answer again from when the buyer sent it
    (the clock restarts with its original deadline) and counts in the response rate again. Audited."""
    message = await repository.get(session, principal.organization_id, message_id, lock=True)
    conversation = await conversation_repository.get(
        session, principal.organization_id, message.conversation_id, lock=True
    )
    await outbound.undo_no_response_needed(session, principal, message, conversation)
    return MessageRead.model_validate(message)


@router.post(
    "/v1/messages/{message_id}/response-needed", response_model=MessageRead, responses=problem_responses(404, 409)
)
async def mark_response_needed(message_id: uuid.UUID, session: SessionDep, principal: Writer) -> MessageRead:
    """Undo "no response needed" on a buyer message, whether Hourglass decided it (a plain "thanks", see
    `auto_no_response_reason`) or a person did: the message waits for an answer again, with its clocks
    counting from when it was sent. Recorded in the audit log."""
    message = await repository.get(session, principal.organization_id, message_id, lock=True)
    conversation = await conversation_repository.get(
        session, principal.organization_id, message.conversation_id, lock=True
    )
    await outbound.mark_response_needed(session, principal, message, conversation)
    return MessageRead.model_validate(message)

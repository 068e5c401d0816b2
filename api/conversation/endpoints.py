from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import AwareDatetime

from api.auth.dependencies import require
from api.auth.principal import Principal
from api.conversation import repository, rows, service, snooze
from api.conversation.schemas import (
    Category,
    ConversationDetail,
    ConversationPage,
    ConversationRead,
    ConversationSyncPage,
    ConversationUpdate,
    NoteCreate,
    NoteRead,
    Priority,
    SnoozeCreate,
    SpamFlag,
    Status,
    View,
    ViewCounts,
)
from api.conversation.views import COUNT_CAP, ConversationFilters
from api.db import SessionDep
from api.draft_lock import service as draft_locks
from api.kit.errors import InvalidInput, field_error, problem_responses
from api.kit.pagination import CursorScope
from api.kit.time import utc_now
from api.message import repository as message_repository
from api.message.schemas import MessagePage, MessageRead, ReplyCreate

router = APIRouter(prefix="/v1/conversations", tags=["conversations"], responses=problem_responses(401, 403, 422, 429))

Reader = Annotated[Principal, Depends(require("conversations:read"))]
Writer = Annotated[Principal, Depends(require("conversations:write"))]
Marketplace = Literal["walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api"]


async def _filters(
    principal: Reader,
    channel_id: uuid.UUID | None = None,
    marketplace: Marketplace | None = None,
    assignee: str | None = Query(default=None, description="A user id, `me`, or `none` for unassigned"),
    team_id: uuid.UUID | None = None,
    status: Status | None = None,
    category: Category | None = None,
    priority: Priority | None = None,
    label: str | None = Query(default=None, max_length=64),
    customer_id: uuid.UUID | None = None,
    sla_state: Literal["none", "ok", "due_soon", "overdue"] | None = Query(
        default=None, description="Deadline state now: ok, due_soon (amber), overdue (red), or none"
    ),
    q: str | None = Query(
        default=None,
        min_length=1,
        max_length=200,
        description="Order id (prefix), subject, customer name or words of any message, Chinese included",
    ),
) -> ConversationFilters:
    # `async` although it awaits nothing: FastAPI runs a plain `def` dependency in its thread pool,
    # a hand-off to a thread and back on every list and counts request for a few attribute copies.
    assignee_id = None
    unassigned = False
    if assignee == "me":
        if principal.user_id is None:
            raise InvalidInput("`me` needs a user session.", errors=field_error("query.assignee", "no user"))
        assignee_id = principal.user_id
    elif assignee == "none":
        unassigned = True
    elif assignee:
        try:
            assignee_id = uuid.UUID(assignee)
        except ValueError as exc:
            raise InvalidInput(
                "assignee must be a user id, `me` or `none`.",
                errors=field_error("query.assignee", "not a user id, me or none"),
            ) from exc
    return ConversationFilters(
        channel_id=channel_id,
        marketplace=marketplace,
        assignee_id=assignee_id,
        unassigned=unassigned,
        team_id=team_id,
        status=status,
        category=category,
        priority=priority,
        label=label,
        customer_id=customer_id,
        sla_state=sla_state,
        q=q,
    )


Filters = Annotated[ConversationFilters, Depends(_filters)]


def default_sort(view: str) -> str:
    """Lists of work waiting for an answer put the most urgent deadline on top; the others, the latest activity."""
    return "deadline" if view in ("response_needed", "customer_care") else "last_message"


@router.get("", response_model=ConversationPage)
async def list_conversations(
    session: SessionDep,
    principal: Reader,
    filters: Filters,
    view: View = "all",
    sort: Literal["last_message", "deadline"] | None = Query(
        default=None,
        description="`last_message`: newest activity first. `deadline`: soonest SLA deadline first (overdue on "
        "top), then conversations with no running clock, newest first. Default: `deadline` for the "
        "response_needed and customer_care views (work to do), `last_message` for the others.",
    ),
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=50, ge=1, le=200),
) -> Response:
    """The inbox: one of the views (all, unread, response needed, Walmart Customer Care, failed, spam),
    narrowed by filters and search.

    Pass `next_cursor` back as `cursor` for the next page, repeating the same query otherwise: a
    cursor belongs to this list, its sort and its filters (any other is a 422 naming `cursor`).

    Ordering guarantee: pages follow (`last_message_at`, id) descending, or with `sort=deadline`
    (`sla_deadline`, id) ascending and then (`last_message_at`, id) descending for the conversations
    without a deadline, as they are when each page is read. A conversation that moves while you
    page (a new message, an automatic acknowledgement, a deadline that changes) can be skipped or
    listed twice; new conversations appear on top and do not shift later pages. This list is for
    people looking at an inbox. To mirror every conversation (ERPs), use
    `GET /v1/conversations/sync`, which never misses a change.
    """
    order = sort or default_sort(view)
    filter_scope = {"org": principal.organization_id, "view": view, **asdict(filters)}
    if order == "deadline":
        scope = CursorScope("conversations:deadline_then_activity", filter_scope, key_kind="text")
        read = scope.read(cursor)
        after: tuple[Any, ...] | None = None
        if read is not None:
            # Signed, so only our own keys come back: "deadline|<time>" or "activity|<time>".
            phase, _, when = str(read[0]).partition("|")
            after = (phase, datetime.fromisoformat(when), read[1])
    else:
        scope = CursorScope("conversations:last_message", filter_scope)
        after = scope.read(cursor)
    found = await repository.page(session, principal.organization_id, view, filters, after, limit + 1, order)
    has_more = len(found) > limit
    found = found[:limit]
    next_cursor = None
    if has_more:
        last = found[-1]
        if order != "deadline":
            next_cursor = scope.issue(last["last_message_at"], last["id"])
        elif last["sla_deadline"] is not None:
            next_cursor = scope.issue(f"deadline|{last['sla_deadline'].isoformat()}", last["id"])
        else:
            next_cursor = scope.issue(f"activity|{last['last_message_at'].isoformat()}", last["id"])
    # Rows straight to JSON (api/conversation/rows.py); response_model above still documents it.
    return rows.json_response({"items": rows.list_items(found, utc_now()), "next_cursor": next_cursor})


@router.get("/sync", response_model=ConversationSyncPage)
async def sync_conversations(
    session: SessionDep,
    principal: Reader,
    cursor: str | None = Query(
        default=None, max_length=500, description="The `next_cursor` of the previous call; omit to start a sync"
    ),
    updated_since: AwareDatetime | None = Query(
        default=None,
        description="Where a new sync starts: its first page holds only conversations whose `updated_at` is "
        "at or after this time (later pages may include earlier ones). Only without `cursor`; resume with "
        "`next_cursor`, never with a time.",
    ),
    limit: int = Query(default=100, ge=1, le=500),
) -> Response:
    """Every conversation that changed since the cursor, in change order: the feed an ERP mirrors
    conversations from without missing any.

    Call without `cursor` (optionally with `updated_since`) to start, then keep calling with the
    `next_cursor` of the last answer: while `has_more` is true straight away, afterwards on a
    schedule. `next_cursor` is always present; store it with the rows you saved.

    Guarantee: every change committed after a conversation was returned brings it back in a later
    page (at least once; a conversation can come again with the same content, so upsert by id).
    Pages follow the order in which changes became visible, not `updated_at`: a change made in a
    transaction that commits later than newer ones is still delivered after the cursor, never
    behind it. A change in a transaction that is still open holds the feed back until it ends, so
    the feed can trail the database by the length of the longest running transaction. Deleted
    conversations are not reported.
    """
    if cursor is not None and updated_since is not None:
        raise InvalidInput(
            "updated_since only chooses where a new sync starts; resume with the cursor alone.",
            errors=field_error("query.updated_since", "not allowed together with cursor"),
        )
    scope = CursorScope("conversations:sync", {"org": principal.organization_id}, key_kind="int")
    after = scope.read(cursor)
    found, resume = await repository.changed_since(
        session, principal.organization_id, after, limit + 1, updated_since=updated_since
    )
    has_more = len(found) > limit
    found = found[:limit]
    position = (found[-1]["change_xid"], found[-1]["id"]) if has_more else resume
    customers = await repository.customer_summaries(
        session, principal.organization_id, {r["customer_id"] for r in found if r["customer_id"]}
    )
    now = utc_now()
    items = [rows.list_item({**r, **customers.get(r["customer_id"], rows.NO_CUSTOMER)}, now) for r in found]
    return rows.json_response({"items": items, "next_cursor": scope.issue(*position), "has_more": has_more})


@router.get("/counts", response_model=ViewCounts)
async def count_conversations(session: SessionDep, principal: Reader, filters: Filters) -> Response:
    """How many conversations each view holds, under the same filters as the list."""
    counts = await repository.counts(session, principal.organization_id, filters)
    return rows.json_response({"cap": COUNT_CAP, **counts})


@router.get("/{conversation_id}", response_model=ConversationDetail, responses=problem_responses(404))
async def get_conversation(conversation_id: uuid.UUID, session: SessionDep, principal: Reader) -> ConversationDetail:
    """One conversation with its latest messages, notes, order (items, tracking) and customer."""
    return await service.detail(session, principal.organization_id, conversation_id)


@router.patch("/{conversation_id}", response_model=ConversationRead, responses=problem_responses(404))
async def update_conversation(
    conversation_id: uuid.UUID, body: ConversationUpdate, session: SessionDep, principal: Writer
) -> ConversationRead:
    """Change status, priority, category, assignee, team or labels. Only the fields sent change."""
    c = await service.update(session, principal, conversation_id, body)
    return (await service.read_many(session, principal.organization_id, [c]))[0]


@router.post("/{conversation_id}/read", response_model=ConversationRead, responses=problem_responses(404))
async def mark_read(conversation_id: uuid.UUID, session: SessionDep, principal: Writer) -> ConversationRead:
    """Mark the conversation read (it leaves the Unread view)."""
    c = await service.set_read(session, principal, conversation_id, True)
    return (await service.read_many(session, principal.organization_id, [c]))[0]


@router.post("/{conversation_id}/unread", response_model=ConversationRead, responses=problem_responses(404))
async def mark_unread(conversation_id: uuid.UUID, session: SessionDep, principal: Writer) -> ConversationRead:
    """Mark the conversation unread again."""
    c = await service.set_read(session, principal, conversation_id, False)
    return (await service.read_many(session, principal.organization_id, [c]))[0]


@router.post(
    "/{conversation_id}/notes",
    status_code=status.HTTP_201_CREATED,
    response_model=NoteRead,
    responses=problem_responses(404),
)
async def add_note(conversation_id: uuid.UUID, body: NoteCreate, session: SessionDep, principal: Writer) -> NoteRead:
    """Add an internal note (never sent to the buyer), or log a contact that happened off the marketplace."""
    return NoteRead.model_validate(await service.add_note(session, principal, conversation_id, body))


@router.post(
    "/{conversation_id}/replies",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageRead,
    responses=problem_responses(404, 409, 423),
)
async def create_reply(
    conversation_id: uuid.UUID, body: ReplyCreate, session: SessionDep, principal: Writer, request: Request
) -> MessageRead:
    """Queue a reply to the buyer. It shows `delivery_status=queued` until the marketplace (or, on
    ERP-delivered channels, the ERP through `POST /v1/messages/{id}/delivery`) confirms it.

    The text is checked against the marketplace's rules first: a reply with blocking violations
    (e.g. an outside link on Amazon) is refused with 422 listing each violation and its offsets.
    A reply written in another language and sent translated carries what the agent wrote in
    `original_text`; the rules are checked on `body`, the text that is sent.

    With `based_on_message_id`, a reply composed on top of a message that is no longer the newest
    (someone replied, or the buyer wrote again, meanwhile) is refused with 409 whose `newer_message`
    shows what arrived; send again with `confirm: true` to send anyway.

    When the organization uses draft locks and a colleague holds this conversation's, a person's
    reply is refused with 423 naming the holder; sending releases the sender's own lock.

    `attachment_ids` (from `POST /v1/attachments`) go with the reply where the marketplace takes
    files (GET /v1/attachments/policy); otherwise 422 on `body.attachment_ids` says why."""
    redis = request.app.state.redis
    locks_on = await draft_locks.refuse_if_held_by_other(session, redis, principal, conversation_id)
    message = await service.reply(
        session,
        principal,
        conversation_id,
        body.body,
        author_kind=body.author_kind,
        template_id=body.template_id,
        original_text=body.original_text,
        original_language=body.original_language,
        resolve=body.resolve,
        based_on_message_id=body.based_on_message_id,
        confirm=body.confirm,
        attachment_ids=body.attachment_ids,
    )
    if locks_on:
        await draft_locks.release_after_send(redis, principal, conversation_id)
    return MessageRead.model_validate(message)


@router.get("/{conversation_id}/messages", response_model=MessagePage, responses=problem_responses(404))
async def list_conversation_messages(
    conversation_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    cursor: str | None = Query(default=None, max_length=500, description="Page towards older messages"),
    limit: int = Query(default=100, ge=1, le=200),
) -> MessagePage:
    """The thread, oldest first within a page; `next_cursor` pages back in time, by (`sent_at`, id)."""
    await repository.get(session, principal.organization_id, conversation_id)
    scope = CursorScope("conversation_messages:sent_desc", {"org": principal.organization_id, "c": conversation_id})
    before = scope.read(cursor)
    rows = await message_repository.for_conversation(
        session, principal.organization_id, conversation_id, limit + 1, before
    )
    has_more = len(rows) > limit
    rows = rows[-limit:]
    return MessagePage(
        items=[MessageRead.model_validate(m) for m in rows],
        next_cursor=scope.issue(rows[0].sent_at, rows[0].id) if has_more else None,
    )


@router.post("/{conversation_id}/spam", response_model=ConversationRead, responses=problem_responses(404, 409))
async def flag_spam(
    conversation_id: uuid.UUID, body: SpamFlag, session: SessionDep, principal: Writer
) -> ConversationRead:
    """Flag an unreplied pre-sale conversation as spam, fraud or inappropriate (it moves to Spam).
    Conversations about an order are refused with 409."""
    c = await service.flag_spam(session, principal, conversation_id, body.reason)
    return (await service.read_many(session, principal.organization_id, [c]))[0]


@router.delete("/{conversation_id}/spam", response_model=ConversationRead, responses=problem_responses(404))
async def unflag_spam(conversation_id: uuid.UUID, session: SessionDep, principal: Writer) -> ConversationRead:
    """Take the spam flag off; the conversation returns to All."""
    c = await service.unflag_spam(session, principal, conversation_id)
    return (await service.read_many(session, principal.organization_id, [c]))[0]


@router.post("/{conversation_id}/snooze", response_model=ConversationRead, responses=problem_responses(404))
async def snooze_conversation(
    conversation_id: uuid.UUID, body: SnoozeCreate, session: SessionDep, principal: Writer
) -> ConversationRead:
    """Take the conversation out of the lists (it shows under Snoozed) until `until`, or until the
    buyer writes when `until` is null; a buyer message wakes it either way. SLA clocks keep running:
    a marketplace deadline inside the snooze still falls due. Snoozing again replaces the time."""
    c = await snooze.snooze(session, principal, conversation_id, body.until)
    return (await service.read_many(session, principal.organization_id, [c]))[0]


@router.delete("/{conversation_id}/snooze", response_model=ConversationRead, responses=problem_responses(404))
async def unsnooze_conversation(conversation_id: uuid.UUID, session: SessionDep, principal: Writer) -> ConversationRead:
    """Bring a snoozed conversation back to the lists now."""
    c = await snooze.unsnooze(session, principal, conversation_id)
    return (await service.read_many(session, principal.organization_id, [c]))[0]

"""eBay: Commerce Message API v1, the Notification API's public key, OAuth tokens, NEW_MESSAGE pushes.

Quirks reproduced (see reference/marketplaces.md and the vendored OAS3 spec):
- conversations reference a LISTING only; there is no order id anywhere, so a connector must link a
  conversation to an order through the buyer's username and the item;
- sendMessage answers `senderUserName` / `recipientUserName` while MessageDetail (getConversation,
  getConversations) spells `senderUsername` / `recipientUsername`;
- `offset` must be a multiple of `limit` (355008); text over 2,000 characters is 355013; an unknown
  conversation id is 355007;
- FROM_EBAY conversations are eBay's own system mail: listed only with conversation_type=FROM_EBAY
  and refusing replies (the sandbox answers 355007 and records the attempt as a rejection);
- every Message API operation needs the `commerce.message` scope: a token without it is answered
  403 with errorId 1100 ("Access denied" / "Insufficient permissions to fulfill the request."),
  and a refresh asking for more scopes than the seller consented to is `invalid_scope`;
- a body field of the wrong JSON type is the gateway's 400 (errorId 2004), never a 500;
  bulkUpdateConversation takes READ and UNREAD as statuses as well as ACTIVE/ARCHIVE/DELETE.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox.clock import iso_millis, parse_iso
from sandbox.delivery import open_thread, record_seller_message
from sandbox.marketplaces.common import (
    FaultErrors,
    MarketError,
    bearer,
    form_body,
    gate,
    int_param,
    json_body,
    set_context,
)
from sandbox.models import Message, Store, Thread
from sandbox.push import PushJob
from sandbox.state import SandboxState
from sandbox.stores import TOKEN_TTL

MARKET = "ebay"
BASE = "/commerce/message/v1"
MAX_TEXT = 2000
MAX_MEDIA = 5
MEDIA_TYPES = {"IMAGE", "PDF", "DOC", "TXT"}
STATUSES = {"ACTIVE", "ARCHIVE", "DELETE", "READ", "UNREAD"}
TYPES = {"FROM_MEMBERS", "FROM_EBAY"}
# Every Message API operation needs this scope (the OAS3 model's `security`); the application
# scope is what client-credentials tokens carry.
MESSAGE_SCOPE = "https://api.ebay.com/oauth/api_scope/commerce.message"
APP_SCOPE = "https://api.ebay.com/oauth/api_scope"
IDENTITY_SCOPE = "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly"


def error(
    status: int,
    error_id: int,
    message: str,
    *,
    domain: str = "API_MESSAGE",
    category: str = "REQUEST",
    headers: dict[str, str] | None = None,
    long_message: str | None = None,
    parameters: list[dict[str, str]] | None = None,
) -> MarketError:
    detail: dict[str, Any] = {"errorId": error_id, "domain": domain, "category": category, "message": message}
    if long_message:
        detail["longMessage"] = long_message
    if parameters:
        detail["parameters"] = parameters
    body = {"errors": [detail]}
    return MarketError(MARKET, status, body, code=error_id, message=message, headers=headers)


def request_error(error_id: int, message: str) -> MarketError:
    return error(400, error_id, message)


ERRORS = FaultErrors(
    throttled=lambda retry_after: error(
        429, 2001, "Too many requests. The request limit has been reached for the resource.", domain="ACCESS"
    ),
    server_error=lambda status: error(
        status,
        335000,
        "Internal server error encountered. If this problem persists, contact the eBay Developers Program for support.",
        category="APPLICATION",
    ),
    timeout=lambda: error(504, 335000, "Gateway timeout.", category="APPLICATION"),
)


def _authenticate(
    request: Request,
    state: SandboxState,
    operation: str,
    kinds: tuple[str, ...] = ("user",),
    scope: str | None = MESSAGE_SCOPE,
) -> Store:
    """The store behind the bearer token; 401 for a missing, unknown or expired token, and 403
    (errorId 1100, eBay's gateway answer) when the token was not granted the operation's scope."""
    set_context(request, MARKET, None, operation)
    token = bearer(request)
    if not token:
        raise error(401, 1002, "Missing access token", domain="OAuth")
    status, record = state.tokens.check(token, state.clock.now(), kinds)
    if status != "ok" or record is None:
        raise error(401, 1001, "Invalid access token", domain="OAuth")
    store = state.store(record.store_id)
    if store is None or store.marketplace != MARKET:
        raise error(401, 1001, "Invalid access token", domain="OAuth")
    set_context(request, MARKET, store.id, operation)
    if scope is not None and not record.grants(scope):
        raise error(
            403,
            1100,
            "Access denied",
            domain="ACCESS",
            long_message="Insufficient permissions to fulfill the request.",
        )
    return store


def _usernames(state: SandboxState, store: Store, thread: Thread, message: Message) -> tuple[str, str]:
    buyer = state.buyer(thread.buyer_id)
    if message.direction == "seller":
        return store.seller_handle, buyer.handle
    if message.direction == "system":
        return "eBay", store.seller_handle
    return buyer.handle, store.seller_handle


def message_detail(state: SandboxState, store: Store, thread: Thread, message: Message) -> dict[str, Any]:
    sender, recipient = _usernames(state, store, thread, message)
    detail: dict[str, Any] = {
        "messageId": message.id,
        "senderUsername": sender,
        "recipientUsername": recipient,
        "subject": message.subject or thread.subject,
        "messageBody": message.body,
        "createdDate": iso_millis(message.created_at),
        "readStatus": message.read,
    }
    if message.media:
        detail["messageMedia"] = message.media
    return detail


def conversation_detail(state: SandboxState, store: Store, thread: Thread) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "conversationId": thread.id,
        "conversationStatus": thread.status,
        "conversationTitle": thread.item_title or thread.subject,
        "conversationType": thread.conversation_type,
        "createdDate": iso_millis(thread.created_at),
        "unreadCount": thread.unread_count(),
    }
    if thread.listing_id and thread.conversation_type == "FROM_MEMBERS":
        detail["referenceType"] = "LISTING"
        detail["referenceId"] = thread.listing_id
    last = thread.last_message()
    if last is not None:
        detail["latestMessage"] = message_detail(state, store, thread, last)
    return detail


def _page_params(request: Request) -> tuple[int, int]:
    limit = int_param(request.query_params.get("limit"), 25)
    offset = int_param(request.query_params.get("offset"), 0)
    if limit is None or limit < 1 or limit > 50:
        raise request_error(
            355009, "Invalid limit. The limit value must be a positive integer value that does not exceed 50."
        )
    if offset is None or offset < 0 or offset % limit != 0:
        raise request_error(
            355008,
            "Invalid offset. The offset value must be a positive integer value and "
            f"synchronized up with the limit value. If the limit value is {limit}, value "
            f"offset values would be 0, {limit}, {2 * limit}, etc.",
        )
    return limit, offset


def _page_links(
    state: SandboxState, path: str, params: dict[str, str], limit: int, offset: int, total: int
) -> dict[str, Any]:
    def href(off: int) -> str:
        return f"{state.http_url}{path}?" + urlencode({**params, "limit": limit, "offset": off})

    links: dict[str, Any] = {"href": href(offset), "limit": limit, "offset": offset, "total": total}
    if offset + limit < total:
        links["next"] = href(offset + limit)
    if offset > 0:
        links["prev"] = href(max(0, offset - limit))
    return links


def _store_thread(state: SandboxState, store: Store, conversation_id: str | None) -> Thread | None:
    thread = state.thread(conversation_id or "")
    if thread is None or thread.store_id != store.id:
        return None
    return thread


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()

    @api.post("/identity/v1/oauth2/token")
    async def oauth_token(request: Request) -> Response:
        """OAuth2 token endpoint: client_credentials (application token) or refresh_token (user token)."""
        set_context(request, MARKET, None, "oauth2.token")
        store = _client_store(request, state)
        form = await form_body(request)
        grant = form.get("grant_type")
        now = state.clock.now()
        requested = str(form.get("scope") or "").split()
        if grant == "client_credentials":
            # Application tokens can only carry public (application) scopes.
            if any(s != APP_SCOPE for s in requested):
                raise _invalid_scope()
            token = "v^1.1#i^1#p^1#r^0#I^3#f^0#t^" + state.ids.secret(140)
            state.tokens.add(token, store.id, "app", now, TOKEN_TTL["ebay_app"], [APP_SCOPE])
            return JSONResponse(
                {"access_token": token, "expires_in": TOKEN_TTL["ebay_app"], "token_type": "Application Access Token"}
            )
        if grant == "refresh_token":
            status, record = state.tokens.check(str(form.get("refresh_token", "")), now, ("refresh",))
            if status != "ok" or record is None or record.store_id != store.id:
                raise MarketError(
                    MARKET,
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "the provided "
                        "authorization refresh token is invalid or was issued to another client",
                    },
                    code="invalid_grant",
                    message="invalid refresh token",
                )
            # A refresh may ask for the consented scopes or fewer, never more (RFC 6749 §6).
            granted = record.scopes if record.scopes is not None else requested
            if any(s not in granted for s in requested):
                raise _invalid_scope()
            token = "v^1.1#i^1#f^0#p^3#I^3#r^0#t^" + state.ids.secret(160)
            state.tokens.add(token, store.id, "user", now, TOKEN_TTL["ebay"], requested or list(granted))
            return JSONResponse(
                {"access_token": token, "expires_in": TOKEN_TTL["ebay"], "token_type": "User Access Token"}
            )
        if grant == "authorization_code":
            # The code from the consent page: single use, 299 s, for this client, with its RuName.
            status, record = state.tokens.check(str(form.get("code", "")), now, ("code",))
            if (
                status != "ok"
                or record is None
                or record.store_id != store.id
                or form.get("redirect_uri") != store.credentials.get("ru_name")
            ):
                raise MarketError(
                    MARKET,
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "the provided authorization grant code is invalid or was issued to "
                        "another client",
                    },
                    code="invalid_grant",
                    message="invalid authorization code",
                )
            state.tokens.revoke(record.token)
            scopes = list(record.scopes or [])
            token = "v^1.1#i^1#f^0#p^3#I^3#r^0#t^" + state.ids.secret(160)
            refresh = "v^1.1#i^1#r^1#p^3#I^3#f^0#t^" + state.ids.secret(120)
            state.tokens.add(token, store.id, "user", now, TOKEN_TTL["ebay"], scopes)
            state.tokens.add(refresh, store.id, "refresh", now, TOKEN_TTL["ebay_refresh"], scopes)
            return JSONResponse(
                {
                    "access_token": token,
                    "expires_in": TOKEN_TTL["ebay"],
                    "refresh_token": refresh,
                    "refresh_token_expires_in": TOKEN_TTL["ebay_refresh"],
                    "token_type": "User Access Token",
                }
            )
        raise MarketError(
            MARKET,
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": "grant type in request is not supported by the authorization server",
            },
            code="unsupported_grant_type",
        )

    @api.get("/commerce/identity/v1/user/")
    async def get_user(request: Request) -> Response:
        """Identity API getUser: who the user token belongs to (scope commerce.identity.readonly)."""
        store = _authenticate(request, state, "identity.getUser", scope=IDENTITY_SCOPE)
        return JSONResponse(
            {
                "userId": hashlib.sha256(store.id.encode()).hexdigest()[:10],
                "username": store.credentials.get("seller_username") or store.seller_handle,
                "accountType": "BUSINESS",
                "registrationMarketplaceId": "EBAY_US",
                "status": "CONFIRMED",
            }
        )

    @api.get(f"{BASE}/conversation")
    async def get_conversations(request: Request) -> Response:
        """getConversations: a store's conversations of one type, newest activity first."""
        store = _authenticate(request, state, "getConversations")
        ticket = await gate(request, state, MARKET, store.id, "getConversations", ERRORS)
        q = request.query_params
        conversation_type = q.get("conversation_type")
        if not conversation_type:
            raise request_error(
                355017,
                "The required conversation_type query parameter is either missing or has "
                "an invalid value. Please include this parameter and use a supported value.",
            )
        if conversation_type not in TYPES:
            raise request_error(355002, "Invalid conversation_type value. Please see documentation for valid values.")
        status = q.get("conversation_status")
        if status is not None and status not in STATUSES:
            raise request_error(355001, "Invalid conversation_status value. Please see documentation for valid values.")
        reference_type, reference_id = q.get("reference_type"), q.get("reference_id")
        if reference_type is not None and reference_type != "LISTING":
            raise request_error(355003, "Invalid reference_type value. Please see documentation for valid values.")
        if reference_id is not None:
            if reference_type is None:
                raise request_error(
                    355022, "The parameter reference_type is required whenever reference_id is provided."
                )
            if not reference_id.isdigit() or int(reference_id) <= 0:
                raise request_error(
                    355016, "Invalid reference_id. The reference_id value must be a positive integer value."
                )
        start, end = q.get("start_time"), q.get("end_time")
        try:
            start_at = parse_iso(start) if start else None
            end_at = parse_iso(end) if end else None
        except ValueError as exc:
            raise request_error(
                355005,
                "Invalid date format used for one or both date filters. Please use ISO 8601 dates with UTC offset.",
            ) from exc
        if start_at and end_at and start_at >= end_at:
            raise request_error(355004, "The start_time must be an earlier date than end_time.")
        other = q.get("other_party_username")
        if other is not None and state.buyer_by_handle(store.id, other) is None:
            raise request_error(355006, "Invalid or unrecognized other_party_username value.")
        limit, offset = _page_params(request)

        threads = [t for t in state.threads_of(store.id) if t.conversation_type == conversation_type]
        if status in ("ACTIVE", "ARCHIVE", "DELETE"):
            threads = [t for t in threads if t.status == status]
        else:
            threads = [t for t in threads if t.status != "DELETE"]
            if status == "UNREAD":
                threads = [t for t in threads if t.unread_count() > 0]
            elif status == "READ":
                threads = [t for t in threads if t.unread_count() == 0]
        if reference_id is not None:
            threads = [t for t in threads if t.listing_id == reference_id]
        if other is not None:
            threads = [t for t in threads if state.buyer(t.buyer_id).handle == other]
        if conversation_type == "FROM_MEMBERS":  # the time filters only apply to member conversations
            if start_at:
                threads = [t for t in threads if t.last_activity() >= start_at]
            if end_at:
                threads = [t for t in threads if t.last_activity() < end_at]
        threads.sort(key=lambda t: t.last_activity(), reverse=True)
        params = {k: v for k, v in q.items() if k not in ("limit", "offset")}
        body = _page_links(state, f"{BASE}/conversation", params, limit, offset, len(threads))
        body["conversations"] = [conversation_detail(state, store, t) for t in threads[offset : offset + limit]]
        await ticket.finish()
        return JSONResponse(body)

    @api.get(f"{BASE}/conversation/{{conversation_id}}")
    async def get_conversation(request: Request, conversation_id: str) -> Response:
        """getConversation: the messages of one conversation, oldest first."""
        store = _authenticate(request, state, "getConversation")
        ticket = await gate(request, state, MARKET, store.id, "getConversation", ERRORS)
        conversation_type = request.query_params.get("conversation_type")
        if conversation_type not in TYPES:
            raise request_error(355002, "Invalid conversation_type value. Please see documentation for valid values.")
        limit, offset = _page_params(request)
        thread = _store_thread(state, store, conversation_id)
        if thread is None or thread.conversation_type != conversation_type:
            raise request_error(355007, "Invalid or unrecognized conversation_id value.")
        messages = thread.messages
        body: dict[str, Any] = {
            "conversationStatus": thread.status,
            "conversationTitle": thread.item_title or thread.subject,
            "conversationType": thread.conversation_type,
        }
        body |= _page_links(
            state,
            f"{BASE}/conversation/{thread.id}",
            {"conversation_type": conversation_type},
            limit,
            offset,
            len(messages),
        )
        body["messages"] = [message_detail(state, store, thread, m) for m in messages[offset : offset + limit]]
        await ticket.finish()
        return JSONResponse(body)

    @api.post(f"{BASE}/send_message")
    async def send_message(request: Request) -> Response:
        """sendMessage: reply in a conversation, or start one with otherPartyUsername (+ LISTING reference)."""
        store = _authenticate(request, state, "sendMessage")
        ticket = await gate(request, state, MARKET, store.id, "sendMessage", ERRORS)
        data = await json_body(request, lambda m: invalid_request("body"))
        _typed(data, SEND_SHAPE)
        text = data.get("messageText") or ""
        media = [item for item in data.get("messageMedia") or [] if item is not None]
        if len(text) > MAX_TEXT:
            raise request_error(
                355013,
                f"The messageText string exceeds the maximum character threshold of "
                f"{MAX_TEXT}. Please modify the message text to meet this requirement.",
            )
        if len(media) > MAX_MEDIA:
            raise request_error(
                355010,
                f"The maximum amount of media that may be sent is {MAX_MEDIA}. Please "
                f"reduce the number of media in the messageMedia array to {MAX_MEDIA} and "
                "try again.",
            )
        for item in media:
            if not isinstance(item, dict) or not all(item.get(k) for k in ("mediaName", "mediaType", "mediaUrl")):
                raise request_error(355012, "All fields under messageMedia are required. Please add missing field(s).")
            if item["mediaType"] not in MEDIA_TYPES:
                raise request_error(355011, "Invalid mediaType value. Please see documentation for valid values.")
            if not str(item["mediaUrl"]).startswith("https://"):
                raise request_error(355014, "Invalid mediaUrl. Please see documentation.")
        if not text and not media:
            raise request_error(355015, "Please pass message text or upload one of more media attachments.")
        reference = data.get("reference")
        listing = None
        if reference is not None:
            complete = isinstance(reference, dict) and reference.get("referenceType") and reference.get("referenceId")
            if not complete:
                raise request_error(355021, "All fields under reference are required. Please add missing field(s).")
            if reference["referenceType"] != "LISTING":
                raise request_error(355003, "Invalid referenceType value. Please see documentation for valid values.")
            if not str(reference["referenceId"]).isdigit():
                raise request_error(
                    355016, "Invalid referenceId. The referenceId value must be a positive integer value."
                )
            listing = state.catalog.listing(store, str(reference["referenceId"]))
            if listing is None:
                raise request_error(355020, "The referenceId is invalid, no listing can be found by this referenceId.")
        conversation_id, other = data.get("conversationId"), data.get("otherPartyUsername")
        if not conversation_id and not other:
            raise request_error(355018, "conversationId and otherPartyUsername cannot both be empty.")
        if conversation_id:
            thread = _store_thread(state, store, str(conversation_id))
            if thread is None or thread.conversation_type != "FROM_MEMBERS":
                # FROM_EBAY mail is eBay's own: it cannot be answered.
                raise request_error(355007, "Invalid or unrecognized conversation_id value.")
        else:
            buyer = state.buyer_by_handle(store.id, str(other))
            if buyer is None:
                raise request_error(355006, "Invalid or unrecognized otherPartyUsername value.")
            thread = next(
                (
                    t
                    for t in sorted(state.threads_of(store.id), key=lambda t: t.last_activity(), reverse=True)
                    if t.buyer_id == buyer.id
                    and t.conversation_type == "FROM_MEMBERS"
                    and (listing is None or t.listing_id == listing.listing_id)
                ),
                None,
            )
            if thread is None:
                thread = open_thread(
                    state,
                    store,
                    buyer,
                    category="seller_initiated",
                    language=buyer.language,
                    subject=listing.title if listing else f"Message from {store.seller_handle}",
                    listing=listing,
                )
        message = record_seller_message(
            state,
            store,
            thread,
            body=text,
            operation="ebay.sendMessage",
            channel="api",
            matched_by="conversation",
        )
        assert message is not None
        message.media = media
        message.subject = f"Re: {thread.subject}" if thread.subject else None
        buyer = state.buyer(thread.buyer_id)
        body: dict[str, Any] = {
            "messageId": message.id,
            "createdDate": iso_millis(message.created_at),
            "messageBody": text,
            "readStatus": False,
            "recipientUserName": buyer.handle,
            "senderUserName": store.seller_handle,
            "subject": message.subject,
        }
        if media:
            body["messageMedia"] = media
        await ticket.finish()
        return JSONResponse(body, status_code=201)

    @api.post(f"{BASE}/update_conversation")
    async def update_conversation(request: Request) -> Response:
        """updateConversation: read/unread, or ACTIVE/ARCHIVE/DELETE; `read` wins when both are sent.
        A field of the wrong JSON type is the gateway's 400 (errorId 2004)."""
        store = _authenticate(request, state, "updateConversation")
        ticket = await gate(request, state, MARKET, store.id, "updateConversation", ERRORS)
        data = await json_body(request, lambda m: invalid_request("body"))
        _typed(data, UPDATE_SHAPE)
        _update(state, store, data)
        await ticket.finish()
        return Response(status_code=204)

    @api.post(f"{BASE}/bulk_update_conversation")
    async def bulk_update_conversation(request: Request) -> Response:
        """bulkUpdateConversation: up to 10 status changes (ACTIVE, ARCHIVE, DELETE, READ, UNREAD), each
        reported SUCCESS or FAILURE; a malformed body is refused whole (400, errors[])."""
        store = _authenticate(request, state, "bulkUpdateConversation")
        ticket = await gate(request, state, MARKET, store.id, "bulkUpdateConversation", ERRORS)
        data = await json_body(request, lambda m: invalid_request("body"))
        _typed(data, BULK_SHAPE)
        items = [item for item in data.get("conversations") or [] if item is not None]
        if len(items) > 10:
            raise request_error(
                355019,
                "The number of conversations for batch update exceeds the limit, a maximum "
                "of 10 conversations is allowed per request.",
            )
        results = []
        for item in items:
            try:
                _update(state, store, item, bulk=True)
                results.append({"conversationId": item.get("conversationId"), "updateStatus": "SUCCESS"})
            except MarketError:
                results.append({"conversationId": item.get("conversationId"), "updateStatus": "FAILURE"})
        ok = sum(1 for r in results if r["updateStatus"] == "SUCCESS")
        await ticket.finish()
        return JSONResponse(
            {
                "conversationsMetadata": {
                    "totalConversationsCount": len(results),
                    "updateSuccessCount": ok,
                    "updateFailureCount": len(results) - ok,
                },
                "conversationsResponse": results,
            }
        )

    @api.get("/commerce/notification/v1/public_key/{public_key_id}")
    async def get_public_key(request: Request, public_key_id: str) -> Response:
        """getPublicKey: the key that verifies X-EBAY-SIGNATURE (needs an application or user token)."""
        # The Notification API's own scope rules are not the Message API's: any token of the app.
        store = _authenticate(request, state, "getPublicKey", kinds=("app", "user"), scope=None)
        ticket = await gate(request, state, MARKET, store.id, "getPublicKey", ERRORS)
        if public_key_id != state.ebay_key.kid:
            raise error(404, 195001, "The specified key id is invalid.", domain="API_NOTIFICATION")
        await ticket.finish()
        return JSONResponse(
            {
                "algorithm": state.ebay_key.algorithm,
                "digest": state.ebay_key.digest,
                "key": state.ebay_key.public_key_field(),
            }
        )

    return api


def _invalid_scope() -> MarketError:
    return MarketError(
        MARKET,
        400,
        {
            "error": "invalid_scope",
            "error_description": "The requested scope is invalid, unknown, malformed, or exceeds the scope "
            "granted to the client",
        },
        code="invalid_scope",
        message="invalid scope",
    )


def _client_store(request: Request, state: SandboxState) -> Store:
    header = request.headers.get("authorization", "")
    try:
        client_id, _, secret = base64.b64decode(header.split(" ", 1)[1]).decode().partition(":")
    except (IndexError, ValueError) as exc:
        raise MarketError(
            MARKET,
            401,
            {"error": "invalid_client", "error_description": "client authentication failed"},
            code="invalid_client",
        ) from exc
    store = state.store_by_credential(MARKET, "client_id", client_id)
    if store is None or store.credentials.get("client_secret") != secret:
        raise MarketError(
            MARKET,
            401,
            {"error": "invalid_client", "error_description": "client authentication failed"},
            code="invalid_client",
        )
    set_context(request, MARKET, store.id, "oauth2.token")
    return store


def invalid_request(field: str) -> MarketError:
    """eBay's gateway refuses a body it cannot bind to the model (a field of the wrong JSON type)
    before the API sees it: 400 with errorId 2004, never a 500."""
    return error(
        400,
        2004,
        "Invalid request",
        domain="ACCESS",
        long_message="The request has errors. For help, see the documentation for this API.",
        parameters=[{"name": "reason", "value": f"Could not serialize field [{field}]"}],
    )


# The request bodies' JSON types, from the OAS3 model: a type, an object's fields, or [item shape].
Shape = type | dict[str, "Shape"] | list["Shape"]
UPDATE_SHAPE: dict[str, Shape] = {
    "conversationId": str,
    "conversationStatus": str,
    "conversationType": str,
    "read": bool,
}
BULK_SHAPE: dict[str, Shape] = {
    "conversations": [{"conversationId": str, "conversationStatus": str, "conversationType": str}]
}
SEND_SHAPE: dict[str, Shape] = {
    "conversationId": str,
    "emailCopyToSender": bool,
    "messageMedia": [{"mediaName": str, "mediaType": str, "mediaUrl": str}],
    "messageText": str,
    "otherPartyUsername": str,
    "reference": {"referenceId": str, "referenceType": str},
}


def _typed(value: Any, shape: Shape, path: str = "") -> None:
    """Refuse a value whose JSON type is not the model's, depth first (null counts as absent;
    fields the model does not name are ignored, as eBay ignores them)."""
    if value is None:
        return
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            raise invalid_request(path or "body")
        for name, inner in shape.items():
            _typed(value.get(name), inner, f"{path}.{name}" if path else name)
    elif isinstance(shape, list):
        if not isinstance(value, list):
            raise invalid_request(path)
        for index, item in enumerate(value):
            _typed(item, shape[0], f"{path}[{index}]")
    elif not isinstance(value, shape) or (shape is not bool and isinstance(value, bool)):
        raise invalid_request(path)


def _update(state: SandboxState, store: Store, data: dict[str, Any], *, bulk: bool = False) -> None:
    """One conversation's change. updateConversation takes `read` (which wins) or an
    ACTIVE/ARCHIVE/DELETE status; bulkUpdateConversation has no `read` field but accepts READ and
    UNREAD as statuses (BulkConversation in the model)."""
    thread = _store_thread(state, store, data.get("conversationId") or "")
    conversation_type = data.get("conversationType")
    if conversation_type not in TYPES:
        raise request_error(355002, "Invalid conversationType value. Please see documentation for valid values.")
    if thread is None or thread.conversation_type != conversation_type:
        raise request_error(355007, "Invalid or unrecognized conversation_id value.")
    status = data.get("conversationStatus")
    operation = "ebay.bulkUpdateConversation" if bulk else "ebay.updateConversation"
    read: bool | None = None
    if not bulk and data.get("read") is not None:
        read = bool(data["read"])
    elif bulk and status in ("READ", "UNREAD"):
        read = status == "READ"
    if read is not None:
        if read:
            for m in thread.messages:
                m.read = True
        else:
            last = next((m for m in reversed(thread.messages) if m.direction != "seller"), None)
            if last:
                last.read = False
        state.record_read(store, thread.id, operation, "read" if read else "unread")
        return
    if status not in ("ACTIVE", "ARCHIVE", "DELETE"):
        raise request_error(355001, "Invalid conversationStatus value. Please see documentation for valid values.")
    thread.status = status
    state.record_read(store, thread.id, operation, f"status={status}")


# -- pushes ---------------------------------------------------------------------------------------


def publish(state: SandboxState, store: Store, thread: Thread, messages: list[Message]) -> None:
    """NEW_MESSAGE for each buyer (or eBay system) message, signed with X-EBAY-SIGNATURE."""
    if not store.push_target or state.pushes is None:
        return
    for message in messages:
        notification_id = f"{_uuid(state)}_{_uuid(state)}"
        sender, recipient = _usernames(state, store, thread, message)
        data = {
            "messageId": message.id,
            "conversationId": thread.id,
            "conversationType": thread.conversation_type,
            "messageBody": message.body,
            "senderUserName": sender,
            "recipientUserName": recipient,
            "createdDate": iso_millis(message.created_at),
            "readStatus": False,
        }

        def render(
            attempt: int,
            data: dict[str, Any] = data,
            notification_id: str = notification_id,
            event_at: Any = message.created_at,
        ) -> tuple[bytes, dict[str, str]]:
            envelope = {
                "metadata": {"topic": "NEW_MESSAGE", "schemaVersion": "1.0", "deprecated": False},
                "notification": {
                    "notificationId": notification_id,
                    "eventDate": iso_millis(event_at),
                    "publishDate": iso_millis(state.market_time(MARKET, store.id)),
                    "publishAttemptCount": attempt,
                    "data": data,
                },
            }
            body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
            return body, {"Content-Type": "application/json", "X-EBAY-SIGNATURE": state.ebay_key.signature_header(body)}

        state.pushes.submit(
            PushJob(
                push_id=notification_id,
                marketplace=MARKET,
                store_id=store.id,
                event="NEW_MESSAGE",
                message_id=message.id,
                thread_id=thread.id,
                url=store.push_target,
                render=render,
            )
        )


def _uuid(state: SandboxState) -> str:
    h = state.ids.hex(32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

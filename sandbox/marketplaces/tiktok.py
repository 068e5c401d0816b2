"""TikTok Shop: Customer Service API 202309, tokens, authorized shops, and webhooks 13 and 14.

Requests carry the `x-tts-access-token` header and `app_key, sign, timestamp, shop_cipher` in the
query; `sign` follows TikTok's signing guide (see sandbox.signing.tiktok_api_sign) and timestamps
must lie between 5 minutes before and 30 seconds after TikTok's clock. Answers use
`{"code": 0, "message": "Success", "request_id", "data"}`.

Quirks reproduced:
- message `content` is a JSON *string* (`"{\"content\": \"hi\"}"`), in answers, in webhooks and in
  Send Message's request body (an object there is refused);
- reading messages does not mark them read (Read Message does);
- conversation rules: a conversation closes 6 hours after the seller's last message if the buyer does
  not answer, and 7 days after an unanswered buyer message; sending into a closed conversation fails
  with 45109001 until Create Conversation reopens it (allowed with a chat in the last 30 days or an
  order in the last 60);
- webhook 14 also fires for the shop's own messages (sender role SHOP): a connector must not take its
  own echo for a buyer message;
- customer-service calls count against a 10,000-a-day quota (45101004).

HTTP statuses for business errors are not documented (UNVERIFIED); connectors should branch on
`code`.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox.clock import to_epoch
from sandbox.delivery import record_seller_message
from sandbox.faults import TIKTOK_DAILY_QUOTA
from sandbox.marketplaces.common import FaultErrors, MarketError, gate, int_param, set_context
from sandbox.media import parse_multipart, url_for
from sandbox.models import Message, Store, Thread
from sandbox.push import PushJob
from sandbox.signing import constant_time_equal, tiktok_api_sign, tiktok_webhook_authorization
from sandbox.state import SandboxState
from sandbox.stores import TOKEN_TTL

MARKET = "tiktok"
CS = "/customer_service/202309"
SEND_TYPES = {"TEXT", "IMAGE", "PRODUCT_CARD", "ORDER_CARD", "RETURN_REFUND_CARD", "COUPON_CARD"}
MAX_TEXT = 2000
# Contact details and off-platform channels that TikTok's sensitive-content filter refuses.
SENSITIVE = re.compile(r"whatsapp|wechat|telegram|paypal\.me|[\w.+-]+@[\w-]+\.[\w.]+", re.IGNORECASE)
BUYER_SILENCE_CLOSE = timedelta(hours=6)
SELLER_RESPONSE_WINDOW = timedelta(days=7)


def _request_id(state: SandboxState) -> str:
    return state.clock.now().strftime("%Y%m%d%H%M%S") + state.ids.hex(20).upper()


def error(state: SandboxState, code: int, message: str, status: int = 400) -> MarketError:
    body = {"code": code, "message": message, "request_id": _request_id(state)}
    return MarketError(MARKET, status, body, code=code, message=message)


def ok(state: SandboxState, data: Any) -> JSONResponse:
    return JSONResponse({"code": 0, "message": "Success", "request_id": _request_id(state), "data": data})


def fault_errors(state: SandboxState) -> FaultErrors:
    return FaultErrors(
        throttled=lambda retry_after: error(
            state, 36009002, "Too many requests. You've made too many requests in a short period of time.", 429
        ),
        server_error=lambda status: error(
            state,
            36009003,
            "Internal error. Please try again. If the issue "
            "persists after multiple attempts, please contact platform support.",
            status,
        ),
        timeout=lambda: error(state, 36009007, "Request timeout. The request to the endpoint timed out.", 504),
    )


def _authenticate(
    request: Request, state: SandboxState, operation: str, body: bytes, *, needs_cipher: bool = True
) -> Store:
    set_context(request, MARKET, None, operation)
    q = request.query_params
    app_key = q.get("app_key")
    app_stores = [s for s in state.stores_of(MARKET) if s.credentials["app_key"] == app_key]
    if not app_key or not app_stores:
        raise error(state, 36009004, "Invalid credentials. Invalid `app_key` query parameter.", 401)
    if not q.get("sign"):
        raise error(
            state, 36009004, "Missing credentials. The request does not include a required signature in the query.", 401
        )
    timestamp = int_param(q.get("timestamp"), -1)
    now = state.signature_epoch(MARKET, app_stores[0].id)
    if timestamp is None or timestamp < 0:
        raise error(
            state,
            36009004,
            "Invalid timestamp. The value of the `timestamp` query parameter must not be lesser than 0.",
            401,
        )
    if timestamp < now - 300:
        raise error(
            state,
            36009004,
            "Invalid timestamp. The value of the `timestamp` query parameter must not be "
            "earlier than 5 minutes before the current time.",
            401,
        )
    if timestamp > now + 30:
        raise error(
            state,
            36009004,
            "Invalid timestamp. The value of the `timestamp` query parameter must not "
            "exceed the current time by more than 30 seconds.",
            401,
        )
    secret = app_stores[0].credentials["app_secret"]
    expected = tiktok_api_sign(secret, request.url.path, dict(q), body, request.headers.get("content-type", ""))
    if not constant_time_equal(expected, q["sign"]):
        raise error(state, 106001, "Invalid credentials. The `sign` query parameter is invalid.", 401)
    status, record = state.tokens.check(request.headers.get("x-tts-access-token"), state.clock.now(), ("access",))
    if status == "expired":
        raise error(
            state, 105002, "Expired credentials. The `access_token` or `x-tts-access-token` header has expired.", 401
        )
    store = state.store(record.store_id) if record else None
    if status != "ok" or store is None or store.credentials["app_key"] != app_key:
        raise error(state, 36009004, "Invalid credentials. The `x-tts-access-token` header is invalid.", 401)
    set_context(request, MARKET, store.id, operation)
    if needs_cipher:
        cipher = q.get("shop_cipher")
        if not cipher:
            raise error(
                state,
                106013,
                "Missing identifier. The `shop_cipher` query parameter is required to identify the target shop.",
            )
        if cipher != store.credentials["shop_cipher"]:
            raise error(
                state,
                101000,
                "Invalid query or header. The `category_asset_cipher` query parameter or "
                "`x-tts-access-token` header is invalid.",
                401,
            )
    return store


def _quota(state: SandboxState, store: Store) -> None:
    if not state.faults.take_daily_quota(MARKET, store.id, TIKTOK_DAILY_QUOTA):
        raise error(
            state, 45101004, "The query quota has been reached (10000 request per day). Please try again tomorrow.", 429
        )


# -- conversation rules -----------------------------------------------------------------------


def _conversational(thread: Thread) -> list[Message]:
    return [m for m in thread.messages if m.kind not in ("BUYER_ENTER_FROM_ORDER", "BUYER_ENTER_FROM_PRODUCT")]


def is_closed(thread: Thread, now: datetime) -> bool:
    messages = _conversational(thread)
    if not messages:
        return False
    last = messages[-1]
    reopened = thread.reopened_at
    if reopened is not None and reopened >= last.world_at:
        return now - reopened > BUYER_SILENCE_CLOSE
    if last.direction == "seller":
        return now - last.world_at > BUYER_SILENCE_CLOSE
    since = last.world_at
    for m in reversed(messages):
        if m.direction == "seller":
            break
        since = m.world_at
    return now - since > SELLER_RESPONSE_WINDOW


def may_initiate(state: SandboxState, store: Store, buyer_id: str, now: datetime) -> bool:
    """A chat in the last 30 days, or an order in the last 60 (return history is not modelled)."""
    recent_chat = any(
        t.buyer_id == buyer_id and t.messages and now - t.messages[-1].world_at <= timedelta(days=30)
        for t in state.threads_of(store.id)
    )
    buyer = state.buyer(buyer_id)
    recent_order = any(
        o.buyer.handle == buyer.handle and now - o.created_at <= timedelta(days=60)
        for o in state.catalog.orders_for_store(store)
    )
    return recent_chat or recent_order


# -- rendering --------------------------------------------------------------------------------


def _content_string(message: Message, compact: bool = False) -> str:
    separators = (",", ":") if compact else (", ", ": ")
    if message.kind == "TEXT":
        return json.dumps({"content": message.body}, separators=separators, ensure_ascii=False)
    return json.dumps(message.content, separators=separators, ensure_ascii=False)


def _sender(state: SandboxState, store: Store, thread: Thread, message: Message) -> dict[str, Any]:
    if message.direction == "seller":
        return {
            "im_user_id": store.credentials["shop_im_user_id"],
            "role": "SHOP",
            "nickname": store.name,
            "avatar": f"https://p16-oec-ttp.tiktokcdn-us.com/shop/{store.id}.image",
        }
    buyer = state.buyer(thread.buyer_id)
    return {
        "im_user_id": buyer.im_user_id,
        "role": "BUYER",
        "nickname": buyer.handle,
        "avatar": f"https://p16-oec-ttp.tiktokcdn-us.com/avatar/{buyer.id}.image",
    }


def message_json(state: SandboxState, store: Store, thread: Thread, message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "type": message.kind,
        "content": _content_string(message),
        "create_time": to_epoch(message.created_at),
        "is_visible": message.is_visible,
        "sender": _sender(state, store, thread, message),
        "index": str(message.index),
    }


def conversation_json(state: SandboxState, store: Store, thread: Thread) -> dict[str, Any]:
    buyer = state.buyer(thread.buyer_id)
    last = thread.last_message()
    body: dict[str, Any] = {
        "id": thread.id,
        "participant_count": 2,
        "can_send_message": not is_closed(thread, state.clock.now()),
        "unread_count": thread.unread_count(),
        "create_time": to_epoch(thread.created_at),
        "participants": [
            {
                "im_user_id": buyer.im_user_id,
                "user_id": buyer.user_id,
                "role": "BUYER",
                "nickname": buyer.handle,
                "avatar": f"https://p16-oec-ttp.tiktokcdn-us.com/avatar/{buyer.id}.image",
            },
            {
                "im_user_id": store.credentials["shop_im_user_id"],
                "user_id": store.credentials["shop_id"],
                "role": "SHOP",
                "nickname": store.name,
                "avatar": f"https://p16-oec-ttp.tiktokcdn-us.com/shop/{store.id}.image",
            },
        ],
    }
    if last is not None:
        body["latest_message"] = message_json(state, store, thread, last)
    return body


def _page(token: str | None) -> int | None:
    if not token:
        return 0
    return int(token) if token.isdigit() else None


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()
    errors = fault_errors(state)

    def invalid() -> MarketError:
        return error(state, 45101001, "Invalid parameter. Please check the parameters.")

    def store_thread(store: Store, conversation_id: str) -> Thread:
        thread = state.thread(conversation_id)
        if thread is None or thread.store_id != store.id:
            raise error(state, 45101003, "Record not found. Please check the parameters.", 404)
        return thread

    @api.get("/api/v2/token/get")
    async def token_get(request: Request) -> Response:
        """Exchange an auth code (grant_type=authorized_code) for the seller's tokens."""
        store = _app_secret_store(request, state, "token.get")
        if request.query_params.get("grant_type") != "authorized_code":
            raise error(state, 36004004, "Invalid grant_type.")
        status, record = state.tokens.check(request.query_params.get("auth_code"), state.clock.now(), ("code",))
        if status != "ok" or record is None or record.store_id != store.id:
            raise error(state, 36004004, "Invalid auth_code.")
        # The code is single-use.
        state.tokens.revoke(record.token)
        return JSONResponse(
            {"code": 0, "message": "success", "request_id": _request_id(state), "data": _issue(state, store)}
        )

    @api.get("/api/v2/token/refresh")
    async def token_refresh(request: Request) -> Response:
        """Refresh (grant_type=refresh_token): a new access token valid 7 days."""
        store = _app_secret_store(request, state, "token.refresh")
        if request.query_params.get("grant_type") != "refresh_token":
            raise error(state, 36004004, "Invalid grant_type.")
        status, record = state.tokens.check(request.query_params.get("refresh_token"), state.clock.now(), ("refresh",))
        if status != "ok" or record is None or record.store_id != store.id:
            raise error(state, 36004004, "Invalid refresh_token.")
        return JSONResponse(
            {"code": 0, "message": "success", "request_id": _request_id(state), "data": _issue(state, store)}
        )

    @api.get("/authorization/202309/shops")
    async def authorized_shops(request: Request) -> Response:
        """The shops the token may act for, with the `cipher` every shop call needs."""
        store = _authenticate(request, state, "get_authorized_shops", b"", needs_cipher=False)
        ticket = await gate(request, state, MARKET, store.id, "get_authorized_shops", errors)
        await ticket.finish()
        return ok(
            state,
            {
                "shops": [
                    {
                        "id": store.credentials["shop_id"],
                        "name": store.name,
                        "region": store.region,
                        "seller_type": "CROSS_BORDER",
                        "cipher": store.credentials["shop_cipher"],
                        "code": store.credentials["shop_code"],
                    }
                ]
            },
        )

    @api.get(f"{CS}/conversations")
    async def get_conversations(request: Request) -> Response:
        """Conversations, latest activity first; page_size at most 20; next_page_token "" at the end."""
        store = _authenticate(request, state, "get_conversations", await request.body())
        ticket = await gate(request, state, MARKET, store.id, "get_conversations", errors)
        _quota(state, store)
        size = int_param(request.query_params.get("page_size"), 0)
        start = _page(request.query_params.get("page_token"))
        if size is None or not 1 <= size <= 20 or start is None:
            raise invalid()
        threads = sorted(state.threads_of(store.id), key=lambda t: (t.last_activity(), t.id), reverse=True)
        page = threads[start : start + size]
        more = start + size < len(threads)
        await ticket.finish()
        return ok(
            state,
            {
                "next_page_token": str(start + size) if more else "",
                "conversations": [conversation_json(state, store, t) for t in page],
            },
        )

    @api.post(f"{CS}/conversations")
    async def create_conversation(request: Request) -> Response:
        """Create, or reopen, the conversation with a buyer; same id when one exists."""
        raw = await request.body()
        store = _authenticate(request, state, "create_conversation", raw)
        ticket = await gate(request, state, MARKET, store.id, "create_conversation", errors)
        _quota(state, store)
        data = _json(raw, invalid)
        buyer = state.buyer_by_user_id(store.id, str(data.get("buyer_user_id") or ""))
        now = state.clock.now()
        if buyer is None or not may_initiate(state, store, buyer.id, now):
            raise error(
                state,
                45109003,
                "Unable to create a conversation as you did not meet the criteria for initiating conversations.",
            )
        thread = next((t for t in state.threads_of(store.id) if t.buyer_id == buyer.id), None)
        if thread is None:
            from sandbox.delivery import open_thread

            thread = open_thread(state, store, buyer, category="seller_initiated", language=buyer.language, subject="")
        thread.reopened_at = now
        await ticket.finish()
        return ok(state, {"conversation_id": thread.id})

    @api.get(f"{CS}/conversations/{{conversation_id}}/messages")
    async def get_messages(request: Request, conversation_id: str) -> Response:
        """Messages of a conversation; page_size at most 10; DESC by create_time unless asked otherwise."""
        store = _authenticate(request, state, "get_conversation_messages", await request.body())
        ticket = await gate(request, state, MARKET, store.id, "get_conversation_messages", errors)
        _quota(state, store)
        q = request.query_params
        size = int_param(q.get("page_size"), 0)
        start = _page(q.get("page_token"))
        order, field = q.get("sort_order", "DESC"), q.get("sort_field", "create_time")
        if (
            size is None
            or not 1 <= size <= 10
            or start is None
            or order not in ("ASC", "DESC")
            or field not in ("create_time", "index")
        ):
            raise invalid()
        thread = store_thread(store, conversation_id)
        messages = sorted(
            thread.messages,
            key=lambda m: (m.created_at, m.index or 0) if field == "create_time" else (m.index or 0,),
            reverse=order == "DESC",
        )
        page = messages[start : start + size]
        more = start + size < len(messages)
        await ticket.finish()
        return ok(
            state,
            {
                "next_page_token": str(start + size) if more else "",
                "unsupported_msg_tips": "Please check this message in Seller Center.\n",
                "messages": [message_json(state, store, thread, m) for m in page],
            },
        )

    @api.post(f"{CS}/images/upload")
    async def upload_image(request: Request) -> Response:
        """An image for an IMAGE message (multipart field `data`); the body is not signed."""
        raw = await request.body()
        store = _authenticate(request, state, "upload_image", raw)
        ticket = await gate(request, state, MARKET, store.id, "upload_image", errors)
        _quota(state, store)
        upload = parse_multipart(request.headers.get("content-type", ""), raw).get("data")
        if upload is None or (
            upload[2][:4] not in (b"\x89PNG", b"GIF8", b"RIFF") and not upload[2].startswith(b"\xff\xd8\xff")
        ):
            raise invalid()
        url = url_for(state.http_url, state.media.upload(upload[2], upload[1], store.id))
        await ticket.finish()
        return ok(state, {"url": url, "width": 1, "height": 1, "use_case": "IM"})

    @api.post(f"{CS}/conversations/{{conversation_id}}/messages")
    async def send_message(request: Request, conversation_id: str) -> Response:
        """Send to the buyer; `content` must be a JSON string; TEXT at most 2,000 characters."""
        raw = await request.body()
        store = _authenticate(request, state, "send_message", raw)
        ticket = await gate(request, state, MARKET, store.id, "send_message", errors)
        _quota(state, store)
        data = _json(raw, invalid)
        kind, content = data.get("type"), data.get("content")
        if kind not in SEND_TYPES or not isinstance(content, str):
            raise invalid()
        try:
            parsed = json.loads(content)
        except ValueError as exc:
            raise invalid() from exc
        if not isinstance(parsed, dict):
            raise invalid()
        text = parsed.get("content") if kind == "TEXT" else None
        if kind == "TEXT" and (not isinstance(text, str) or not text or len(text) > MAX_TEXT):
            raise invalid()
        if text and SENSITIVE.search(text):
            raise error(
                state, 45101006, "You cannot send the message containing sensitive content. Please check the message."
            )
        thread = store_thread(store, conversation_id)
        if is_closed(thread, state.clock.now()):
            raise error(state, 45109001, "Unable to send messages due to conversation rules.")
        message = record_seller_message(
            state,
            store,
            thread,
            body=text or content,
            operation="tiktok.send_message",
            channel="api",
            kind=kind,
            content=parsed if kind != "TEXT" else None,
            matched_by="conversation",
        )
        assert message is not None
        await ticket.finish()
        return ok(state, {"message_id": message.id})

    @api.post(f"{CS}/conversations/{{conversation_id}}/messages/read")
    async def read_messages(request: Request, conversation_id: str) -> Response:
        """Mark the conversation's messages read (reading them does not)."""
        store = _authenticate(request, state, "read_message", await request.body())
        ticket = await gate(request, state, MARKET, store.id, "read_message", errors)
        _quota(state, store)
        thread = store_thread(store, conversation_id)
        for m in thread.messages:
            m.read = True
        state.record_read(store, thread.id, "tiktok.read_message")
        await ticket.finish()
        return ok(state, {})

    @api.get("/customer_service/202407/performance")
    async def performance(request: Request) -> Response:
        """Sessions started in [support_date_ge, support_date_lt) and the share first answered within 24 h.

        Automated answers count (TikTok's metric says FAQ cards are responses); the sandbox has no
        buyer ratings, so satisfaction_percentage is empty.
        """
        store = _authenticate(request, state, "get_customer_service_performance", await request.body())
        ticket = await gate(request, state, MARKET, store.id, "get_customer_service_performance", errors)
        _quota(state, store)
        try:
            since = date.fromisoformat(request.query_params.get("support_date_ge", ""))
            until = date.fromisoformat(request.query_params.get("support_date_lt", ""))
        except ValueError as exc:
            raise invalid() from exc
        sessions = answered = 0
        minutes: list[float] = []
        for thread in state.threads_of(store.id):
            first = next((m for m in thread.messages if m.direction == "buyer" and m.kind == "TEXT"), None)
            if first is None or not since <= first.world_at.date() < until:
                continue
            sessions += 1
            response = next(
                (m for m in thread.messages if m.direction == "seller" and m.world_at >= first.world_at), None
            )
            if response is not None:
                waited = (response.world_at - first.world_at).total_seconds() / 60
                minutes.append(waited)
                answered += waited <= 24 * 60
        await ticket.finish()
        return ok(
            state,
            {
                "performance": {
                    "support_session_count": sessions,
                    "response_percentage": f"{100 * answered / sessions:.1f}" if sessions else "0.0",
                    "satisfaction_percentage": "",
                    "response_time_mins": f"{sum(minutes) / len(minutes):.1f}" if minutes else "0.0",
                }
            },
        )

    return api


def _json(raw: bytes, invalid: Any) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError as exc:
        raise invalid() from exc
    if not isinstance(data, dict):
        raise invalid()
    return data


def _app_secret_store(request: Request, state: SandboxState, operation: str) -> Store:
    set_context(request, MARKET, None, operation)
    q = request.query_params
    store = next(
        (
            s
            for s in state.stores_of(MARKET)
            if s.credentials["app_key"] == q.get("app_key") and s.credentials["app_secret"] == q.get("app_secret")
        ),
        None,
    )
    if store is None:
        raise error(state, 36004004, "Invalid app_key or app_secret.", 401)
    # Tokens belong to the shop whose code or refresh token is presented; find it.
    for name, kind in (("auth_code", "code"), ("refresh_token", "refresh")):
        _, record = state.tokens.check(q.get(name), state.clock.now(), (kind,))
        if record is not None and record.store_id in state.stores:
            candidate = state.stores[record.store_id]
            if candidate.credentials["app_key"] == store.credentials["app_key"]:
                set_context(request, MARKET, candidate.id, operation)
                return candidate
    return store


def _issue(state: SandboxState, store: Store) -> dict[str, Any]:
    now = state.clock.now()
    access = "TTP_" + state.ids.secret(86)
    refresh = "TTP_" + state.ids.secret(86)
    state.tokens.add(access, store.id, "access", now, TOKEN_TTL["tiktok"])
    state.tokens.add(refresh, store.id, "refresh", now, TOKEN_TTL["tiktok_refresh"])
    return {
        "access_token": access,
        "access_token_expire_in": to_epoch(now) + TOKEN_TTL["tiktok"],
        "refresh_token": refresh,
        "refresh_token_expire_in": to_epoch(now) + TOKEN_TTL["tiktok_refresh"],
        "open_id": store.credentials["open_id"],
        "seller_name": store.name,
        "seller_base_region": store.region,
        "user_type": 0,
        "granted_scopes": ["seller.customer_service", "seller.order.info"],
    }


# -- webhooks ------------------------------------------------------------------------------------


def publish(state: SandboxState, store: Store, thread: Thread, messages: list[Message], new_thread: bool) -> None:
    """Webhook 13 for a new conversation, 14 for every message (the shop's own included)."""
    if not store.push_target or state.pushes is None:
        return
    if new_thread:
        _submit(
            state, store, thread, None, 13, {"conversation_id": thread.id, "create_time": to_epoch(thread.created_at)}
        )
    for message in messages:
        sender = _sender(state, store, thread, message)
        _submit(
            state,
            store,
            thread,
            message,
            14,
            {
                "content": _content_string(message, compact=True),
                "conversation_id": thread.id,
                "create_time": to_epoch(message.created_at),
                "is_visible": message.is_visible,
                "message_id": message.id,
                "index": str(message.index),
                "type": message.kind,
                "sender": {"im_user_id": sender["im_user_id"], "role": sender["role"]},
            },
        )


def _submit(
    state: SandboxState, store: Store, thread: Thread, message: Message | None, kind: int, data: dict[str, Any]
) -> None:
    assert state.pushes is not None and store.push_target is not None
    notification_id = state.ids.digits(19, first="7")
    payload = {
        "type": kind,
        "tts_notification_id": notification_id,
        "shop_id": store.credentials["shop_id"],
        "timestamp": to_epoch(state.market_time(MARKET, store.id)),
        "data": data,
    }
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "Authorization": tiktok_webhook_authorization(
            store.credentials["app_key"], store.credentials["app_secret"], body
        ),
    }

    def render(attempt: int) -> tuple[bytes, dict[str, str]]:
        return body, headers

    state.pushes.submit(
        PushJob(
            push_id=notification_id,
            marketplace=MARKET,
            store_id=store.id,
            event=f"type {kind}",
            message_id=message.id if message else None,
            thread_id=thread.id,
            url=store.push_target,
            render=render,
        )
    )

"""Shopee Open Platform v2: sellerchat, the auth token calls, lost-push recovery, and push code 10.

Every shop API call carries `partner_id, timestamp, access_token, shop_id, sign` in the query;
`sign` is hex HMAC-SHA256(partner_key, partner_id + path + timestamp + access_token + shop_id) and a
timestamp more than 5 minutes from Shopee's clock is refused. Answers use the envelope
`{"request_id", "error", "message", "response"}`; errors are the documented `error_param`,
`error_auth`, `error_sign`, `error_shop`, `error_server`.

The int64 quirk: conversation ids are 18-digit numbers. They are strings in get_conversation_list
and pushes, but send_message answers `conversation_id` as a bare JSON number (Shopee's own SDKs
rewrite the raw text before parsing it), and `last_message_timestamp` is a bare nanosecond number.
Both exceed 2**53: a double-based JSON parser corrupts them.

Sellerchat field lists come from SDK typings (UNVERIFIED against the official reference), as do
the cursor semantics of get_conversation_list: pages go from the newest conversation to older ones,
`next_timestamp_nano` being the last_message_timestamp to continue below.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox.clock import to_epoch, to_epoch_nanos
from sandbox.delivery import open_thread, record_seller_message
from sandbox.marketplaces.common import FaultErrors, MarketError, gate, int_param, json_body, set_context
from sandbox.media import parse_multipart, url_for
from sandbox.models import Message, Store, Thread
from sandbox.push import PushJob
from sandbox.signing import constant_time_equal, shopee_api_sign, shopee_push_authorization
from sandbox.state import LostPush, SandboxState
from sandbox.stores import TOKEN_TTL

MARKET = "shopee"
CHAT = "/api/v2/sellerchat"
MESSAGE_TYPES = {"text", "sticker", "image", "item", "order"}
IMAGE_MAGIC = ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))
STATUS = {
    "error_param": 400,
    "error_auth": 403,
    "error_sign": 403,
    "error_shop": 403,
    "error_data": 400,
    "error_permission": 403,
    "error_server": 500,
}


def _request_id(state: SandboxState) -> str:
    return state.ids.hex(32)


def error(state: SandboxState, code: str, message: str, status: int | None = None) -> MarketError:
    body = {"request_id": _request_id(state), "error": code, "message": message}
    return MarketError(MARKET, status or STATUS.get(code, 400), body, code=code, message=message)


def ok(state: SandboxState, response: Any) -> JSONResponse:
    return JSONResponse({"request_id": _request_id(state), "error": "", "message": "", "response": response})


def fault_errors(state: SandboxState) -> FaultErrors:
    return FaultErrors(
        # Shopee's throttling error code is not documented (UNVERIFIED).
        throttled=lambda retry_after: error(
            state, "error_too_many_request", "Too many requests, please try again later.", 429
        ),
        server_error=lambda status: error(state, "error_server", "Something wrong. Please try later.", status),
        timeout=lambda: error(state, "error_network", "Inner http call failed", 504),
    )


def _public_auth(request: Request, state: SandboxState, operation: str) -> list[Store]:
    """Public API calls (auth, push): partner_id, timestamp, sign over partner_id + path + timestamp."""
    set_context(request, MARKET, None, operation)
    q = request.query_params
    if not q.get("partner_id"):
        raise error(state, "error_param", "There is no partner_id in query.")
    if not q.get("timestamp"):
        raise error(state, "error_param", "no timestamp")
    if not q.get("sign"):
        raise error(state, "error_param", "There is no sign in query.")
    stores = [s for s in state.stores_of(MARKET) if str(s.credentials["partner_id"]) == q["partner_id"]]
    if not stores:
        raise error(state, "error_param", "Invalid partner_id.")
    _check_timestamp(state, stores[0], q["timestamp"])
    expected = shopee_api_sign(stores[0].credentials["partner_key"], q["partner_id"], request.url.path, q["timestamp"])
    if not constant_time_equal(expected, q["sign"]):
        raise error(state, "error_sign", "Wrong sign.")
    return stores


# Public (unsigned-shop) calls the consent page shares.
public_auth = _public_auth
AUTH_PARTNER_PATH = "/api/v2/shop/auth_partner"


def _check_timestamp(state: SandboxState, store: Store, value: str) -> None:
    timestamp = int_param(value, 0)
    now = state.signature_epoch(MARKET, store.id)
    if timestamp is None or timestamp <= 0 or abs(now - timestamp) > 300:
        raise error(state, "error_param", "Invalid timestamp")


def _shop_auth(request: Request, state: SandboxState, operation: str) -> Store:
    """Shop API calls: the five common parameters, the timestamp window, the sign, then the token."""
    set_context(request, MARKET, None, operation)
    q = request.query_params
    if not q.get("partner_id"):
        raise error(state, "error_param", "There is no partner_id in query.")
    if not q.get("timestamp"):
        raise error(state, "error_param", "no timestamp")
    if not q.get("access_token"):
        raise error(state, "error_param", "There is no access_token in query.")
    if not q.get("sign"):
        raise error(state, "error_param", "There is no sign in query.")
    if not q.get("shop_id"):
        raise error(state, "error_param", "Wrong parameters, detail: shop_id is required.")
    partner_stores = [s for s in state.stores_of(MARKET) if str(s.credentials["partner_id"]) == q["partner_id"]]
    if not partner_stores:
        raise error(state, "error_param", "Invalid partner_id.")
    store = next((s for s in partner_stores if str(s.credentials["shop_id"]) == q["shop_id"]), None)
    if store is None:
        raise error(state, "error_shop", "shopid is invalid")
    set_context(request, MARKET, store.id, operation)
    _check_timestamp(state, store, q["timestamp"])
    expected = shopee_api_sign(
        store.credentials["partner_key"],
        q["partner_id"],
        request.url.path,
        q["timestamp"],
        q["access_token"],
        q["shop_id"],
    )
    if not constant_time_equal(expected, q["sign"]):
        raise error(state, "error_sign", "Wrong sign.")
    status, record = state.tokens.check(q["access_token"], state.clock.now(), ("access",))
    if status != "ok" or record is None or record.store_id != store.id:
        raise error(state, "error_auth", "Invalid access_token.")
    return store


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ids(store: Store) -> tuple[int, int]:
    return int(store.credentials["shop_id"]), int(store.credentials["shop_user_id"])


def _content(message: Message) -> dict[str, Any]:
    return {"text": message.body}


def _from_to(state: SandboxState, store: Store, thread: Thread, message: Message) -> dict[str, int]:
    shop_id, shop_user = _ids(store)
    buyer_id = int(state.buyer(thread.buyer_id).user_id or 0)
    if message.direction == "seller":
        return {"from_id": shop_user, "from_shop_id": shop_id, "to_id": buyer_id, "to_shop_id": 0}
    return {"from_id": buyer_id, "from_shop_id": 0, "to_id": shop_user, "to_shop_id": shop_id}


def message_json(state: SandboxState, store: Store, thread: Thread, message: Message) -> dict[str, Any]:
    if message.kind.upper() == "IMAGE":
        url = message.content.get("url") or message.content.get("image_url")
        return {
            **message_json(state, store, thread, message.model_copy(update={"kind": "TEXT"})),
            "message_type": "image",
            "content": {"url": url, "thumb_url": url, "thumb_width": 1, "thumb_height": 1},
        }
    return {
        "message_id": message.id,
        "message_type": "text",
        **_from_to(state, store, thread, message),
        "conversation_id": thread.id,
        "created_timestamp": to_epoch(message.created_at),
        "region": store.region,
        "status": "normal",
        "source": "pc" if message.direction == "seller" else "android",
        "content": _content(message),
        "message_option": 0,
        "source_content": {"order_sn": thread.order_id} if thread.order_id else {},
    }


def conversation_json(state: SandboxState, store: Store, thread: Thread) -> dict[str, Any]:
    buyer = state.buyer(thread.buyer_id)
    last = thread.last_message()
    read_ids = [m.id for m in thread.messages if m.direction != "seller" and m.read]
    return {
        "conversation_id": thread.id,
        "to_id": int(buyer.user_id or 0),
        "to_name": buyer.handle,
        "to_avatar": f"https://cf.shopee.sg/file/{buyer.id[2:]}_tn",
        "shop_id": int(store.credentials["shop_id"]),
        "unread_count": thread.unread_count(),
        "pinned": thread.pinned,
        "last_read_message_id": read_ids[-1] if read_ids else "0",
        "latest_message_id": last.id if last else "0",
        "latest_message_type": "text",
        "latest_message_content": _content(last) if last else {},
        "latest_message_from_id": _from_to(state, store, thread, last)["from_id"] if last else 0,
        "last_message_timestamp": to_epoch_nanos(thread.last_activity()),
        "last_message_option": 0,
        "max_general_option_hide_time": "9223372036854775",
    }


def _store_thread(state: SandboxState, store: Store, value: Any) -> Thread:
    thread = state.thread(str(value)) if value not in (None, "") else None
    if thread is None or thread.store_id != store.id:
        raise error(state, "error_param", "Wrong parameters, detail: conversation_id is invalid.")
    return thread


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()
    errors = fault_errors(state)

    def invalid(message: str) -> MarketError:
        return error(state, "error_param", f"Wrong parameters, detail: {message}")

    @api.post("/api/v2/auth/token/get")
    async def token_get(request: Request) -> Response:
        """Exchange the authorization code for the shop's first access and refresh tokens."""
        stores = _public_auth(request, state, "auth.token.get")
        data = await json_body(request, invalid)
        store = next((s for s in stores if str(s.credentials["shop_id"]) == str(data.get("shop_id"))), None)
        if store is None:
            raise error(state, "error_shop", "shopid is invalid")
        status, record = state.tokens.check(str(data.get("code", "")), state.clock.now(), ("code",))
        if status != "ok" or record is None or record.store_id != store.id:
            raise error(state, "error_auth", "Invalid code.")
        # The code is single-use.
        state.tokens.revoke(record.token)
        return JSONResponse(_issue(state, store) | {"request_id": _request_id(state), "error": "", "message": ""})

    @api.post("/api/v2/auth/access_token/get")
    async def access_token_get(request: Request) -> Response:
        """Refresh: a new access token (4 h) and a new refresh token for the shop."""
        stores = _public_auth(request, state, "auth.access_token.get")
        data = await json_body(request, invalid)
        store = next((s for s in stores if str(s.credentials["shop_id"]) == str(data.get("shop_id"))), None)
        if store is None:
            raise error(state, "error_shop", "shopid is invalid")
        status, record = state.tokens.check(str(data.get("refresh_token", "")), state.clock.now(), ("refresh",))
        if status != "ok" or record is None or record.store_id != store.id:
            raise error(state, "error_auth", "Invalid refresh_token.")
        state.tokens.revoke(record.token)
        issued = _issue(state, store)
        return JSONResponse(
            issued
            | {
                "partner_id": int(store.credentials["partner_id"]),
                "shop_id": int(store.credentials["shop_id"]),
                "request_id": _request_id(state),
                "error": "",
                "message": "",
            }
        )

    @api.get(f"{CHAT}/get_conversation_list")
    async def get_conversation_list(request: Request) -> Response:
        """Conversations newest first; continue with next_cursor.next_message_time_nano."""
        store = _shop_auth(request, state, "get_conversation_list")
        ticket = await gate(request, state, MARKET, store.id, "get_conversation_list", errors)
        q = request.query_params
        direction = q.get("direction")
        kind = q.get("type")
        if direction not in ("latest", "older"):
            raise invalid("direction must be latest or older.")
        if kind not in ("all", "pinned", "unread"):
            raise invalid("type must be all, pinned or unread.")
        page_size = int_param(q.get("page_size"), 25)
        if page_size is None or not 1 <= page_size <= 100:
            raise invalid("page_size must be between 1 and 100.")
        cursor = int_param(q.get("next_timestamp_nano"), 0)
        if cursor is None:
            raise invalid("next_timestamp_nano is invalid.")
        threads = sorted(state.threads_of(store.id), key=lambda t: (t.last_activity(), t.id), reverse=True)
        if kind == "pinned":
            threads = [t for t in threads if t.pinned]
        elif kind == "unread":
            threads = [t for t in threads if t.unread_count() > 0]
        if cursor:
            threads = [t for t in threads if to_epoch_nanos(t.last_activity()) < cursor]
        page = threads[:page_size]
        more = len(threads) > page_size
        next_cursor = {"next_message_time_nano": "0", "conversation_id": "0"}
        if page:
            next_cursor = {
                "next_message_time_nano": str(to_epoch_nanos(page[-1].last_activity())),
                "conversation_id": page[-1].id,
            }
        await ticket.finish()
        return ok(
            state,
            {
                "page_result": {"page_size": len(page), "more": more, "next_cursor": next_cursor},
                "conversations": [conversation_json(state, store, t) for t in page],
            },
        )

    @api.get(f"{CHAT}/get_one_conversation")
    async def get_one_conversation(request: Request) -> Response:
        store = _shop_auth(request, state, "get_one_conversation")
        ticket = await gate(request, state, MARKET, store.id, "get_one_conversation", errors)
        thread = _store_thread(state, store, request.query_params.get("conversation_id"))
        await ticket.finish()
        return ok(state, conversation_json(state, store, thread))

    @api.get(f"{CHAT}/get_message")
    async def get_message(request: Request) -> Response:
        """Messages of one conversation, newest first; continue with page_result.next_offset."""
        store = _shop_auth(request, state, "get_message")
        ticket = await gate(request, state, MARKET, store.id, "get_message", errors)
        q = request.query_params
        thread = _store_thread(state, store, q.get("conversation_id"))
        page_size = int_param(q.get("page_size"), 25)
        if page_size is None or not 1 <= page_size <= 60:
            raise invalid("page_size must be between 1 and 60.")
        newest_first = list(reversed(thread.messages))
        start = 0
        if q.get("offset"):
            position = next((i for i, m in enumerate(newest_first) if m.id == q["offset"]), None)
            if position is None:
                raise invalid("offset is invalid.")
            start = position
        page = newest_first[start : start + page_size]
        following = newest_first[start + page_size : start + page_size + 1]
        await ticket.finish()
        return ok(
            state,
            {
                "messages": [message_json(state, store, thread, m) for m in page],
                "page_result": {"page_size": len(page), "next_offset": following[0].id if following else ""},
            },
        )

    async def _send(request: Request, operation: str, auto_reply: bool) -> Response:
        store = _shop_auth(request, state, operation)
        ticket = await gate(request, state, MARKET, store.id, operation, errors)
        data = await json_body(request, invalid)
        if store.region == "TW":
            raise invalid("TW region is not supported.")
        to_id = _int(data.get("to_id"))
        if to_id is None:
            raise invalid("to_id is required.")
        buyer = state.buyer_by_user_id(store.id, str(to_id))
        if buyer is None:
            raise invalid("to_id is invalid.")
        message_type = "text" if auto_reply else data.get("message_type")
        if message_type not in MESSAGE_TYPES:
            raise invalid("message_type is invalid.")
        content = data.get("content")
        if not isinstance(content, dict):
            raise invalid("content is required.")
        text = content.get("text")
        if message_type == "text" and (not isinstance(text, str) or not text.strip()):
            raise invalid("content.text is required for text messages.")
        if message_type == "image" and not isinstance(content.get("image_url"), str):
            raise invalid("content.image_url is required for image messages (from upload_image).")
        thread = None
        if data.get("conversation_id") not in (None, "", 0):
            thread = _store_thread(state, store, data["conversation_id"])
        if thread is None:
            thread = next(
                (
                    t
                    for t in sorted(state.threads_of(store.id), key=lambda t: t.last_activity(), reverse=True)
                    if t.buyer_id == buyer.id
                ),
                None,
            )
        if thread is None:
            thread = open_thread(state, store, buyer, category="seller_initiated", language=buyer.language, subject="")
        message = record_seller_message(
            state,
            store,
            thread,
            body=text or json.dumps(content),
            operation=f"shopee.{operation}",
            channel="api",
            kind=str(message_type).upper(),
            content=content,
            auto_reply=auto_reply,
            matched_by="conversation",
        )
        assert message is not None
        await ticket.finish()
        return ok(
            state,
            {
                "to_id": to_id,
                "message_id": message.id,
                "message_type": message_type,
                "content": content,
                # A bare int64 JSON number, as Shopee answers it (above 2**53).
                "conversation_id": int(thread.id),
                "created_timestamp": to_epoch(message.created_at),
                "message_option": 0,
                "region": store.region,
                "source_content": {},
            },
        )

    @api.post(f"{CHAT}/upload_image")
    async def upload_image(request: Request) -> Response:
        """An image for a chat message (multipart field `file`): jpg, png or gif, at most 2 MB."""
        store = _shop_auth(request, state, "upload_image")
        ticket = await gate(request, state, MARKET, store.id, "upload_image", errors)
        fields = parse_multipart(request.headers.get("content-type", ""), await request.body())
        upload = fields.get("file")
        if upload is None:
            raise invalid("file is required.")
        data = upload[2]
        kind = next((k for magic, k in IMAGE_MAGIC if data.startswith(magic)), None)
        if kind is None:
            raise invalid("Only jpg, png and gif images are supported.")
        if len(data) > 2 * 1024 * 1024:
            raise invalid("The image must not exceed 2 MB.")
        url = url_for(state.http_url, state.media.upload(data, kind, store.id))
        await ticket.finish()
        return ok(state, {"url": url, "thumbnail": url, "url_hash": url.rsplit("/", 1)[-1]})

    @api.post(f"{CHAT}/send_message")
    async def send_message(request: Request) -> Response:
        """Send to a buyer (to_id); answers conversation_id as a bare int64 number."""
        return await _send(request, "send_message", auto_reply=False)

    @api.post(f"{CHAT}/send_autoreply_message")
    async def send_autoreply_message(request: Request) -> Response:
        """An auto-reply: delivered, but it does not count toward the chat response rate."""
        return await _send(request, "send_autoreply_message", auto_reply=True)

    @api.post(f"{CHAT}/read_conversation")
    async def read_conversation(request: Request) -> Response:
        """Mark the buyer's messages read up to last_read_message_id."""
        store = _shop_auth(request, state, "read_conversation")
        ticket = await gate(request, state, MARKET, store.id, "read_conversation", errors)
        data = await json_body(request, invalid)
        thread = _store_thread(state, store, data.get("conversation_id"))
        last_read = str(data.get("last_read_message_id") or "")
        if thread.message(last_read) is None:
            raise invalid("last_read_message_id is invalid.")
        for m in thread.messages:
            m.read = True
            if m.id == last_read:
                break
        state.record_read(store, thread.id, "shopee.read_conversation", last_read)
        await ticket.finish()
        return ok(state, {})

    @api.post(f"{CHAT}/unread_conversation")
    async def unread_conversation(request: Request) -> Response:
        store = _shop_auth(request, state, "unread_conversation")
        ticket = await gate(request, state, MARKET, store.id, "unread_conversation", errors)
        data = await json_body(request, invalid)
        thread = _store_thread(state, store, data.get("conversation_id"))
        last = next((m for m in reversed(thread.messages) if m.direction != "seller"), None)
        if last:
            last.read = False
        state.record_read(store, thread.id, "shopee.unread_conversation")
        await ticket.finish()
        return ok(state, {})

    @api.get(f"{CHAT}/get_unread_conversation_count")
    async def get_unread_conversation_count(request: Request) -> Response:
        store = _shop_auth(request, state, "get_unread_conversation_count")
        ticket = await gate(request, state, MARKET, store.id, "get_unread_conversation_count", errors)
        count = sum(1 for t in state.threads_of(store.id) if t.unread_count() > 0)
        await ticket.finish()
        return ok(state, {"total_unread_count": count})

    def pin_endpoint(pin: bool):  # type: ignore[no-untyped-def]
        operation = "pin_conversation" if pin else "unpin_conversation"

        async def endpoint(request: Request) -> Response:
            store = _shop_auth(request, state, operation)
            ticket = await gate(request, state, MARKET, store.id, operation, errors)
            data = await json_body(request, invalid)
            _store_thread(state, store, data.get("conversation_id")).pinned = pin
            await ticket.finish()
            return ok(state, {})

        return endpoint

    api.add_api_route(f"{CHAT}/pin_conversation", pin_endpoint(True), methods=["POST"])
    api.add_api_route(f"{CHAT}/unpin_conversation", pin_endpoint(False), methods=["POST"])

    @api.post("/api/v2/push/get_lost_push_message")
    async def get_lost_push_message(request: Request) -> Response:
        """Pushes lost in the last 3 days and not yet confirmed consumed, earliest 100."""
        stores = _public_auth(request, state, "push.get_lost_push_message")
        store_ids = {s.id for s in stores}
        horizon = state.clock.now().timestamp() - 3 * 86400
        lost = [
            p
            for p in state.lost_pushes
            if p.marketplace == MARKET and p.store_id in store_ids and not p.consumed and p.at.timestamp() >= horizon
        ]
        page = lost[:100]
        return ok(
            state,
            {
                "push_message_list": [
                    {
                        "shop_id": int(state.stores[p.store_id].credentials["shop_id"]),
                        "code": p.code,
                        "timestamp": to_epoch(p.at),
                        "data": p.data,
                    }
                    for p in page
                ],
                "has_next_page": len(lost) > 100,
                "last_message_id": page[-1].seq if page else 0,
            },
        )

    @api.post("/api/v2/push/confirm_consumed_lost_push_message")
    async def confirm_consumed_lost_push_message(request: Request) -> Response:
        stores = _public_auth(request, state, "push.confirm_consumed_lost_push_message")
        data = await json_body(request, invalid)
        last = _int(data.get("last_message_id"))
        if last is None:
            raise invalid("last_message_id is required.")
        store_ids = {s.id for s in stores}
        for p in state.lost_pushes:
            if p.marketplace == MARKET and p.store_id in store_ids and p.seq <= last:
                p.consumed = True
        return ok(state, {})

    return api


def _issue(state: SandboxState, store: Store) -> dict[str, Any]:
    now = state.clock.now()
    access, refresh = state.ids.hex(32), state.ids.hex(32)
    state.tokens.add(access, store.id, "access", now, TOKEN_TTL["shopee"])
    state.tokens.add(refresh, store.id, "refresh", now, TOKEN_TTL["shopee_refresh"])
    return {"access_token": access, "refresh_token": refresh, "expire_in": TOKEN_TTL["shopee"]}


# -- pushes ---------------------------------------------------------------------------------------


def publish(state: SandboxState, store: Store, thread: Thread, messages: list[Message]) -> None:
    """Webchat push (code 10) for each buyer message; Authorization = HMAC(partner_key, url|body)."""
    if not store.push_target or state.pushes is None:
        return
    shop_id, shop_user = _ids(store)
    buyer = state.buyer(thread.buyer_id)
    for message in messages:
        payload = {
            "shop_id": shop_id,
            "code": 10,
            "timestamp": to_epoch(state.market_time(MARKET, store.id)),
            "msg_id": "",
            "data": {
                "type": "message",
                "region": store.region,
                "content": {
                    "message_id": message.id,
                    "shop_id": shop_id,
                    "from_id": int(buyer.user_id or 0),
                    "from_user_name": buyer.handle,
                    "to_id": shop_user,
                    "to_user_name": store.name,
                    "message_type": "text",
                    "content": _content(message),
                    "conversation_id": thread.id,
                    "created_timestamp": to_epoch(message.created_at),
                    "is_in_chatbot_session": False,
                    "source_content": {"order_sn": thread.order_id} if thread.order_id else {},
                },
            },
        }
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        url = store.push_target
        headers = {
            "Content-Type": "application/json",
            "Authorization": shopee_push_authorization(store.credentials["partner_key"], url, body),
        }

        def lost(raw: bytes, store_id: str = store.id) -> None:
            state.lost_pushes.append(
                LostPush(
                    seq=len(state.lost_pushes) + 1,
                    marketplace=MARKET,
                    store_id=store_id,
                    code=10,
                    at=state.clock.now(),
                    data=raw.decode(),
                )
            )

        def render(attempt: int, body: bytes = body, headers: dict[str, str] = headers) -> tuple[bytes, dict[str, str]]:
            return body, headers

        state.pushes.submit(
            PushJob(
                push_id=message.id,
                marketplace=MARKET,
                store_id=store.id,
                event="code 10",
                message_id=message.id,
                thread_id=thread.id,
                url=url,
                render=render,
                on_lost=lost,
            )
        )

"""TikTok Shop: Customer Service API 202309 (polling, replies, read marks) and webhooks 13/14.

Requests carry `x-tts-access-token` and `app_key, timestamp, shop_cipher, sign` in the query (the
signing guide: secret + path + sorted {key}{value} + body + secret, HMAC-SHA256 with the secret).

Quirks handled:
- `content` is a JSON *string* everywhere (answers, webhooks, and the body we send);
- webhook 14 fires for the shop's own messages too (sender role SHOP): never taken for the buyer's;
- opening cards (BUYER_ENTER_FROM_ORDER/PRODUCT) carry the order or product: ingested as system
  messages, so the conversation learns its order without a clock starting on a card;
- closed conversations (45109001) are reopened once through Create Conversation, then retried;
- business errors come as `code` (36009002 throttled, 45101004 daily quota) whatever the status;
- the 10,000-calls-a-day quota makes polling slow by default: webhooks carry the traffic.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from api.channel.connectors.base import (
    AuthError,
    Connector,
    FetchResult,
    ParsedPush,
    Permanent,
    RateLimited,
    ReplyTarget,
    SentReply,
    Transient,
    bounded_gather,
)
from api.channel.connectors.http import body_json, retry_after_seconds
from api.channel.connectors.window import PollWindow
from api.message.inbound import InboundMessage

DEFAULT_BASE = "https://open-api.tiktokglobalshop.com"
DEFAULT_AUTH_BASE = "https://auth.tiktok-shops.com"
CS = "/customer_service/202309"
THROTTLED = {36009002}
QUOTA = {45101004}
EXPIRED = {105002}
AUTH = {36009004, 106001, 105001, 105002, 101000}
CLOSED = 45109001
TRANSIENT = {36009003, 36009007}
CARD_KINDS = {"BUYER_ENTER_FROM_ORDER", "BUYER_ENTER_FROM_PRODUCT", "NOTIFICATION", "ALLOCATED_SERVICE"}


def api_sign(secret: str, path: str, params: Mapping[str, str], body: str = "") -> str:
    joined = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in ("sign", "access_token"))
    text = f"{secret}{path}{joined}{body}{secret}"
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def decode_content(raw: Any) -> dict[str, Any]:
    """`content` is a JSON string (`"{\\"content\\": \\"hi\\"}"`); tolerate an object too."""
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {"content": str(raw)}
    return value if isinstance(value, dict) else {"content": str(value)}


# Senders on the seller's side: their messages are ours (echoes), never a buyer's.
SHOP_SIDE = frozenset({"SHOP", "CUSTOMER_SERVICE", "ROBOT"})


def to_inbound(
    conversation_id: str, message: Mapping[str, Any], buyer_user_id: str | None = None
) -> InboundMessage | None:
    """A message from the API or webhook 14 (same fields); None for the shop's own messages."""
    sender = message.get("sender") or {}
    role = str(sender.get("role") or "BUYER").upper()
    if role in SHOP_SIDE:
        return None
    kind = str(message.get("type") or "TEXT")
    content = decode_content(message.get("content"))
    order_id = content.get("order_id")
    product_id = content.get("product_id")
    if kind == "TEXT":
        body = str(content.get("content", ""))
    elif kind == "IMAGE":
        body = f"[image] {content.get('url', '')}".strip()
    elif kind in ("ORDER_CARD", "BUYER_ENTER_FROM_ORDER"):
        body = f"[order {order_id}]"
    elif kind in ("PRODUCT_CARD", "BUYER_ENTER_FROM_PRODUCT"):
        body = f"[product {product_id}]"
    else:
        body = str(content.get("content") or f"[{kind.lower()}]")
    # Only a BUYER's words wait for an answer; anything else (platform, unknown roles) is a notice.
    system = kind in CARD_KINDS or role != "BUYER"
    metadata: dict[str, Any] = {"type": kind, "im_user_id": sender.get("im_user_id")}
    if buyer_user_id:
        metadata["buyer_user_id"] = buyer_user_id
    return InboundMessage(
        external_message_id=str(message["id"] if "id" in message else message["message_id"]),
        external_thread_id=conversation_id,
        buyer_external_id=str(sender.get("im_user_id") or "unknown"),
        buyer_name=sender.get("nickname"),
        body=body,
        sent_at=datetime.fromtimestamp(int(message["create_time"]), UTC),
        order_id=str(order_id) if order_id else None,
        item_id=str(product_id) if product_id else None,
        author_kind="system" if system else "buyer",
        auto_submitted=system,
        attachments=[{"type": "IMAGE", "url": content["url"]}] if kind == "IMAGE" and content.get("url") else [],
        metadata=metadata,
    )


class TiktokConnector(Connector):
    marketplace = "tiktok"
    required_credentials = ("app_key", "app_secret", "access_token")
    supports_push = True
    # 10,000 customer-service calls a day: a poll costs 1 + one per changed conversation.
    poll_interval = 30.0
    poll_interval_with_push = 120.0
    # "50 QPS per API per app and shop": one bucket per shop, with headroom.
    requests_per_second = 40.0

    def account_key(self) -> str:
        shop = self.credentials.get("shop_id") or self.credentials.get("shop_cipher")
        return f"{self.credentials.get('app_key')}:{shop}"

    @property
    def base(self) -> str:
        return str(self.settings.get("base_url") or DEFAULT_BASE).rstrip("/")

    async def _refresh(self) -> bool:
        c = self.credentials
        if not c.get("refresh_token"):
            return False
        auth_base = str(
            self.settings.get("auth_base_url") or (self.settings.get("base_url") and self.base) or DEFAULT_AUTH_BASE
        )
        response = await self.send(
            "GET",
            f"{auth_base.rstrip('/')}/api/v2/token/refresh",
            params={
                "app_key": c["app_key"],
                "app_secret": c["app_secret"],
                "refresh_token": c["refresh_token"],
                "grant_type": "refresh_token",
            },
        )
        body = body_json(response) or {}
        if body.get("code") != 0:
            raise AuthError(str(body.get("message") or "token refresh refused"), code=str(body.get("code")))
        data = body["data"]
        await self.credentials_updated(access_token=data["access_token"], refresh_token=data["refresh_token"])
        return True

    async def _raw(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: Any,
        cipher: bool,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        c = self.credentials
        query = {
            "app_key": str(c["app_key"]),
            "timestamp": str(int(time.time())),
            **{k: str(v) for k, v in (params or {}).items()},
        }
        if cipher:
            query["shop_cipher"] = str(await self._cipher())
        raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False) if body is not None else ""
        # A multipart body is not part of the signature (TikTok's signing guide).
        query["sign"] = api_sign(str(c["app_secret"]), path, query, "" if files else raw)
        headers = {"x-tts-access-token": str(c["access_token"])}
        if files:
            response = await self.send(method, f"{self.base}{path}", params=query, files=files, headers=headers)
        else:
            headers["content-type"] = "application/json"
            response = await self.send(
                method, f"{self.base}{path}", params=query, content=raw.encode() or None, headers=headers
            )
        payload = body_json(response)
        code = payload.get("code") if isinstance(payload, dict) else None
        if code == 0 and response.status_code < 400:
            return payload.get("data") or {}
        message = (
            str((payload or {}).get("message") or response.reason_phrase)
            if isinstance(payload, dict)
            else response.reason_phrase
        )
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        status = response.status_code
        if code in THROTTLED or (status == 429 and code not in QUOTA):
            raise RateLimited(message, retry_after=retry_after, code=str(code), status=status)
        if code in QUOTA:
            raise RateLimited(message, retry_after=retry_after or 3600, code=str(code), status=status)
        if code in TRANSIENT or status >= 500:
            raise Transient(message, code=str(code), status=status, ambiguous=status == 504 or code == 36009007)
        if code in AUTH or status in (401, 403):
            raise AuthError(message, code=str(code), status=status)
        raise Permanent(message, code=str(code), status=status)

    async def _call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        *,
        cipher: bool = True,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        used = self.credentials.get("access_token")
        try:
            return await self._raw(method, path, params, body, cipher, files)
        except AuthError as exc:
            if exc.code in {str(c) for c in EXPIRED} and await self.refresh_once("access_token", used, self._refresh):
                return await self._raw(method, path, params, body, cipher, files)
            raise

    async def _cipher(self) -> str:
        """Every shop call needs the shop's cipher; it is looked up once when not configured."""
        if not self.credentials.get("shop_cipher"):
            shops = (await self._call("GET", "/authorization/202309/shops", cipher=False)).get("shops") or []
            wanted = str(self.credentials.get("shop_id") or "")
            shop = next((s for s in shops if not wanted or str(s.get("id")) == wanted), None)
            if shop is None:
                raise AuthError("the token is not authorised for this shop")
            await self.credentials_updated(shop_cipher=shop["cipher"], shop_id=str(shop["id"]))
        return str(self.credentials["shop_cipher"])

    async def check_credentials(self) -> dict[str, Any]:
        shops = (await self._call("GET", "/authorization/202309/shops", cipher=False)).get("shops") or []
        wanted = str(self.credentials.get("shop_id") or "")
        shop = next((s for s in shops if not wanted or str(s.get("id")) == wanted), None)
        if shop is None:
            raise AuthError("the token is not authorised for this shop")
        if not self.credentials.get("shop_cipher"):
            await self.credentials_updated(shop_cipher=shop["cipher"], shop_id=str(shop["id"]))
        return {"account": str(shop.get("id")), "name": shop.get("name"), "region": shop.get("region")}

    # -- inbound ------------------------------------------------------------------------------------

    async def _messages_since(self, conversation_id: str, start: datetime) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        token = ""
        while True:
            params = {"page_size": 10, "sort_order": "DESC", "sort_field": "create_time"}
            if token:
                params["page_token"] = token
            data = await self._call("GET", f"{CS}/conversations/{conversation_id}/messages", params)
            page = data.get("messages") or []
            older = False
            for message in page:
                if datetime.fromtimestamp(int(message["create_time"]), UTC) < start:
                    older = True
                    break
                found.append(message)
            token = str(data.get("next_page_token") or "")
            if older or not token or not page:
                break
        return list(reversed(found))

    async def fetch(self, cursor: Mapping[str, Any]) -> FetchResult:
        window = PollWindow(cursor, self.settings, datetime.now(UTC))
        budget = int(self.settings.get("page_budget", 300))
        out: list[InboundMessage] = []
        token = ""
        while True:
            params: dict[str, Any] = {"page_size": 20}
            if token:
                params["page_token"] = token
            data = await self._call("GET", f"{CS}/conversations", params)
            conversations = data.get("conversations") or []
            reached_start = full = False
            wanted: list[tuple[str, str | None, datetime, str | None]] = []
            for conversation in conversations:
                latest = conversation.get("latest_message") or {}
                created = latest.get("create_time") or conversation.get("create_time") or 0
                latest_at = datetime.fromtimestamp(int(created), UTC)
                if latest_at < window.start:
                    reached_start = True
                    break
                cid = str(conversation["id"])
                latest_id = str(latest["id"]) if latest.get("id") else None
                if window.known(cid, latest_id):
                    continue
                if len(out) + len(wanted) >= budget:
                    full = True
                    break
                participants = conversation.get("participants") or []
                buyer: dict[str, Any] = next((p for p in participants if p.get("role") == "BUYER"), {})
                wanted.append((cid, latest_id, latest_at, buyer.get("user_id")))
            details = await bounded_gather(
                self.fetch_concurrency,
                [partial(self._messages_since, cid, window.start) for cid, _, _, _ in wanted],
            )
            for (cid, latest_id, latest_at, buyer_user_id), messages in zip(wanted, details, strict=True):
                for message in messages:
                    inbound = to_inbound(cid, message, buyer_user_id)
                    if inbound is not None:
                        out.append(inbound)
                window.done(cid, latest_id, latest_at)
            if full:
                return FetchResult(out, window.cursor(complete=False), more=True)
            token = str(data.get("next_page_token") or "")
            if reached_start or not token or not conversations:
                break
        return FetchResult(out, window.cursor(complete=True))

    # -- outbound -----------------------------------------------------------------------------------

    async def _buyer_of(self, conversation_id: str, pages: int = 5) -> str | None:
        """The BUYER participant's user id, from the newest conversations (a reply goes to a recent one)."""
        token = ""
        for _ in range(pages):
            params: dict[str, Any] = {"page_size": 20}
            if token:
                params["page_token"] = token
            data = await self._call("GET", f"{CS}/conversations", params)
            for conversation in data.get("conversations") or []:
                if str(conversation.get("id")) == conversation_id:
                    buyer: dict[str, Any] = next(
                        (p for p in conversation.get("participants") or [] if p.get("role") == "BUYER"), {}
                    )
                    return str(buyer["user_id"]) if buyer.get("user_id") else None
            token = str(data.get("next_page_token") or "")
            if not token:
                return None
        return None

    async def send_reply(self, target: ReplyTarget, text: str) -> SentReply:
        if not target.external_thread_id:
            raise Permanent("no TikTok conversation id to answer in")
        path = f"{CS}/conversations/{target.external_thread_id}/messages"
        body = {"type": "TEXT", "content": json.dumps({"content": text}, ensure_ascii=False)}
        # Images are uploaded before the text is sent: an upload the marketplace refuses or drops fails
        # the reply while the buyer has seen nothing, so a retry sends nothing twice.
        images = []
        for f in target.attachments:
            image = await self._call(
                "POST", f"{CS}/images/upload", files={"data": (f.filename, f.data, f.content_type)}
            )
            images.append({"url": image.get("url"), "width": image.get("width"), "height": image.get("height")})
        try:
            data = await self._call("POST", path, body=body)
        except Permanent as exc:
            if exc.code != str(CLOSED):
                raise
            # The conversation closed (6 h of buyer silence, or 7 days): open one with the buyer
            # (allowed within 30 days of a chat) and send there. The buyer's user id is known from
            # polling; a message that first arrived by webhook lacks it, so the list is consulted.
            buyer_user_id = target.last_inbound_meta.get("buyer_user_id") or await self._buyer_of(
                target.external_thread_id
            )
            if not buyer_user_id:
                raise
            created = await self._call("POST", f"{CS}/conversations", body={"buyer_user_id": str(buyer_user_id)})
            reopened = str(created.get("conversation_id") or target.external_thread_id)
            data = await self._call("POST", f"{CS}/conversations/{reopened}/messages", body=body)
            path = f"{CS}/conversations/{reopened}/messages"
        # Each image is an IMAGE message of its own, after the text.
        for content in images:
            await self._call("POST", path, body={"type": "IMAGE", "content": json.dumps(content)})
        return SentReply(external_id=str(data["message_id"]))

    async def find_sent(self, target: ReplyTarget, text: str, since: datetime) -> SentReply | None:
        if not target.external_thread_id:
            return None
        for message in reversed(await self._messages_since(target.external_thread_id, since)):
            role = (message.get("sender") or {}).get("role")
            if role == "SHOP" and decode_content(message.get("content")).get("content") == text:
                return SentReply(external_id=str(message["id"]))
        return None

    async def mark_read(self, target: ReplyTarget) -> None:
        if target.external_thread_id:
            await self._call("POST", f"{CS}/conversations/{target.external_thread_id}/messages/read", body={})

    # -- webhooks -----------------------------------------------------------------------------------

    async def verify_push(self, headers: Mapping[str, str], body: bytes, url: str) -> bool:
        """Authorization = hex HMAC-SHA256(app_secret, app_key + raw body)."""
        given = headers.get("authorization", "")
        c = self.credentials
        expected = hmac.new(
            str(c["app_secret"]).encode(), str(c["app_key"]).encode() + body, hashlib.sha256
        ).hexdigest()
        return bool(given) and hmac.compare_digest(expected, given)

    def push_dedupe_key(self, body: bytes) -> str | None:
        try:
            payload = json.loads(body)
            return f"{payload['type']}:{payload['tts_notification_id']}"
        except (ValueError, KeyError, TypeError):
            return None

    def parse_push(self, body: bytes) -> ParsedPush:
        return parse_push(body, str(self.credentials.get("shop_id") or ""))


def parse_push(body: bytes, shop_id: str = "") -> ParsedPush:
    """Type 14: the message (skipped when the shop sent it); type 13: nothing to ingest (14 follows).
    Webhooks are signed with the app's secret, not the shop's: one for another shop of the same app
    verifies too, so the shop is checked before anything lands in this channel."""
    try:
        payload = json.loads(body)
        kind, data = int(payload["type"]), payload["data"]
    except (ValueError, KeyError, TypeError):
        return ParsedPush(note="not a TikTok webhook")
    if shop_id and str(payload.get("shop_id", shop_id)) != shop_id:
        return ParsedPush(note=f"webhook for shop {payload.get('shop_id')}, not this channel's shop: ignored")
    if kind == 13:
        return ParsedPush(note="conversation created")
    if kind != 14:
        return ParsedPush(note=f"webhook type {kind} ignored")
    inbound = to_inbound(str(data["conversation_id"]), data)
    if inbound is None:
        return ParsedPush(note="the shop's own message (echo)")
    return ParsedPush(messages=[inbound], note="new message")

"""Shopee Open Platform v2: sellerchat polling, replies, read marks, and webchat push (code 10).

Every shop call is signed: sign = hex HMAC-SHA256(partner_key, partner_id + path + timestamp +
access_token + shop_id). Access tokens last 4 hours; refreshing rotates the refresh token too, so
the new pair is saved at once.

Quirks handled:
- int64 ids: conversation and message ids exceed 2**53 and send_message answers `conversation_id`
  as a bare JSON number. Python's json keeps integers exact; every id is normalised to a string
  here so the same id never appears as both 7091... and "7091...";
- `get_message` pages newest first with `offset` = a message id, not a number;
- the shop's own messages (from_shop_id = our shop) are ours, not the buyer's;
- an Hourglass auto-reply is sent through send_autoreply_message, which Shopee does not count as a
  response (and neither does Hourglass's SLA engine);
- errors come as {"error": "error_auth", "message": ...}, with HTTP 200 on some gateways: the
  envelope is checked whatever the status.
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
from api.channel.connectors.http import body_json, raise_for_status, retry_after_seconds
from api.channel.connectors.window import PollWindow
from api.message.inbound import InboundMessage

DEFAULT_BASE = "https://partner.shopeemobile.com"
CHAT = "/api/v2/sellerchat"
TRANSIENT_ERRORS = {"error_server", "error_network", "error_busy", "error_inner", "error_system"}
AUTH_ERRORS = {"error_auth", "invalid_access_token", "invalid_acceess_token", "error_permission"}


def sign(partner_key: str, base: str) -> str:
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def read_error(body: Any) -> tuple[str | None, str]:
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"]), str(body.get("message") or "")
    return None, ""


def _epoch(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


def message_text(content: Mapping[str, Any], message_type: str) -> str:
    """Readable text of a chat message: text as is, other kinds as a short marker."""
    if content.get("text"):
        return str(content["text"])
    if message_type == "image" and content.get("url"):
        return f"[image] {content['url']}"
    if message_type == "sticker":
        return "[sticker]"
    if content.get("order_sn"):
        return f"[order {content['order_sn']}]"
    if content.get("item_id"):
        return f"[item {content['item_id']}]"
    return f"[{message_type}]"


def to_inbound(message: Mapping[str, Any], buyer_name: str | None = None) -> InboundMessage:
    """A get_message entry or a push's content, as Hourglass ingests it (pure; both give the same)."""
    content = message.get("content") or {}
    message_type = str(message.get("message_type") or "text")
    source = message.get("source_content") or {}
    order_sn = source.get("order_sn") or (content.get("order_sn") if isinstance(content, dict) else None)
    item_id = source.get("item_id") or (content.get("item_id") if isinstance(content, dict) else None)
    attachments = []
    if message_type == "image" and isinstance(content, dict) and content.get("url"):
        attachments.append({"type": "IMAGE", "url": content["url"]})
    return InboundMessage(
        external_message_id=str(message["message_id"]),
        external_thread_id=str(message["conversation_id"]),
        buyer_external_id=str(message["from_id"]),
        buyer_name=buyer_name or message.get("from_user_name"),
        body=message_text(content if isinstance(content, dict) else {}, message_type),
        sent_at=_epoch(message["created_timestamp"]),
        order_id=str(order_sn) if order_sn else None,
        item_id=str(item_id) if item_id else None,
        attachments=attachments,
        metadata={"to_id": str(message["from_id"]), "message_type": message_type},
    )


class ShopeeConnector(Connector):
    marketplace = "shopee"
    required_credentials = ("partner_id", "partner_key", "shop_id", "access_token")
    supports_push = True
    poll_interval = 10.0

    @property
    def base(self) -> str:
        return str(self.settings.get("base_url") or DEFAULT_BASE).rstrip("/")

    @property
    def shop_id(self) -> str:
        return str(self.credentials["shop_id"])

    def _params(self, path: str, public: bool = False) -> dict[str, Any]:
        c = self.credentials
        ts = int(time.time())
        if public:
            return {
                "partner_id": c["partner_id"],
                "timestamp": ts,
                "sign": sign(c["partner_key"], f"{c['partner_id']}{path}{ts}"),
            }
        base = f"{c['partner_id']}{path}{ts}{c['access_token']}{c['shop_id']}"
        return {
            "partner_id": c["partner_id"],
            "timestamp": ts,
            "access_token": c["access_token"],
            "shop_id": c["shop_id"],
            "sign": sign(c["partner_key"], base),
        }

    @staticmethod
    def _check(response: Any) -> Any:
        """The envelope decides, whatever the HTTP status said."""
        body = body_json(response)
        code, message = read_error(body)
        if code is None:
            raise_for_status(response, read_error)
            return (body or {}).get("response") if isinstance(body, dict) else None
        if code == "error_too_many_request" or response.status_code == 429:
            raise RateLimited(
                message,
                retry_after=retry_after_seconds(response.headers.get("retry-after")),
                code=code,
                status=response.status_code,
            )
        if code in TRANSIENT_ERRORS or response.status_code >= 500:
            raise Transient(message, code=code, status=response.status_code, ambiguous=response.status_code == 504)
        if code in AUTH_ERRORS:
            raise AuthError(message, code=code, status=response.status_code)
        raise Permanent(message, code=code, status=response.status_code)

    async def _refresh(self) -> bool:
        c = self.credentials
        if not c.get("refresh_token"):
            return False
        path = "/api/v2/auth/access_token/get"
        response = await self.send(
            "POST",
            f"{self.base}{path}",
            params=self._params(path, public=True),
            json={
                "refresh_token": c["refresh_token"],
                "partner_id": int(c["partner_id"]),
                "shop_id": int(c["shop_id"]),
            },
        )
        body = body_json(response)
        if read_error(body)[0] is not None or response.status_code >= 400:
            self._check(response)
        await self.credentials_updated(access_token=body["access_token"], refresh_token=body["refresh_token"])
        return True

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        for attempt in (1, 2):
            used = self.credentials.get("access_token")
            body: dict[str, Any] = {"files": files} if files else {"json": json_body}
            response = await self.send(
                method, f"{self.base}{path}", params={**self._params(path), **(params or {})}, **body
            )
            try:
                return self._check(response)
            except AuthError:
                if attempt == 1 and await self.refresh_once("access_token", used, self._refresh):
                    continue
                raise
        raise AuthError("Shopee refused the refreshed token")

    async def check_credentials(self) -> dict[str, Any]:
        data = await self._call("GET", f"{CHAT}/get_unread_conversation_count")
        return {"account": self.shop_id, "unread_conversations": (data or {}).get("total_unread_count")}

    # -- inbound ------------------------------------------------------------------------------------

    def _own(self, message: Mapping[str, Any]) -> bool:
        return str(message.get("from_shop_id") or "0") == self.shop_id

    async def _messages_since(self, conversation_id: str, start: datetime) -> list[dict[str, Any]]:
        """The conversation's messages at or after `start`, oldest first."""
        found: list[dict[str, Any]] = []
        offset = ""
        while True:
            params = {"conversation_id": conversation_id, "page_size": 60, **({"offset": offset} if offset else {})}
            data = await self._call("GET", f"{CHAT}/get_message", params=params)
            page = data.get("messages") or []
            older = False
            for message in page:
                if _epoch(message["created_timestamp"]) < start:
                    older = True
                    break
                found.append(message)
            offset = str((data.get("page_result") or {}).get("next_offset") or "")
            if older or not offset or not page:
                break
        return list(reversed(found))

    async def fetch(self, cursor: Mapping[str, Any]) -> FetchResult:
        window = PollWindow(cursor, self.settings, datetime.now(UTC))
        budget = int(self.settings.get("page_budget", 500))
        start_nano = int(window.start.timestamp() * 1e9)
        out: list[InboundMessage] = []
        next_nano = 0
        while True:
            params: dict[str, Any] = {"direction": "latest", "type": "all", "page_size": 50}
            if next_nano:
                params["next_timestamp_nano"] = next_nano
            data = await self._call("GET", f"{CHAT}/get_conversation_list", params=params)
            conversations = data.get("conversations") or []
            reached_start = full = False
            wanted: list[tuple[dict[str, Any], str, str | None, datetime]] = []
            for conversation in conversations:
                latest_nano = int(conversation.get("last_message_timestamp") or 0)
                if latest_nano < start_nano:
                    reached_start = True
                    break
                cid = str(conversation["conversation_id"])
                latest_id = str(conversation.get("latest_message_id") or "") or None
                if window.known(cid, latest_id):
                    continue
                if len(out) + len(wanted) >= budget:
                    full = True
                    break
                wanted.append((conversation, cid, latest_id, datetime.fromtimestamp(latest_nano / 1e9, UTC)))
            details = await bounded_gather(
                self.fetch_concurrency,
                [partial(self._messages_since, cid, window.start) for _, cid, _, _ in wanted],
            )
            for (conversation, cid, latest_id, latest_at), messages in zip(wanted, details, strict=True):
                out += [to_inbound(m, conversation.get("to_name")) for m in messages if not self._own(m)]
                window.done(cid, latest_id, latest_at)
            if full:
                return FetchResult(out, window.cursor(complete=False), more=True)
            page = data.get("page_result") or {}
            next_nano = int((page.get("next_cursor") or {}).get("next_message_time_nano") or 0)
            if reached_start or not page.get("more") or not conversations or not next_nano:
                break
        return FetchResult(out, window.cursor(complete=True))

    # -- outbound -----------------------------------------------------------------------------------

    async def send_reply(self, target: ReplyTarget, text: str) -> SentReply:
        to_id = target.last_inbound_meta.get("to_id") or target.buyer_external_id
        if not to_id or not str(to_id).isdigit():
            raise Permanent("no Shopee buyer id (to_id) to answer")
        body: dict[str, Any] = {"to_id": int(to_id), "message_type": "text", "content": {"text": text}}
        if target.external_thread_id and target.external_thread_id.isdigit():
            body["conversation_id"] = int(target.external_thread_id)
        # Our auto-replies go out as what they are: Shopee does not count them as responses.
        path = f"{CHAT}/send_autoreply_message" if target.author_kind == "auto" else f"{CHAT}/send_message"
        # Images are uploaded before the text is sent (jpg, png, gif, 2 MB): an upload the marketplace
        # refuses or drops fails the reply while the buyer has seen nothing, so a retry sends nothing twice.
        urls = []
        for f in target.attachments:
            files = {"file": (f.filename, f.data, f.content_type)}
            urls.append(str((await self._call("POST", f"{CHAT}/upload_image", files=files))["url"]))
        data = await self._call("POST", path, json_body=body)
        sent_at = _epoch(data["created_timestamp"]) if data.get("created_timestamp") else None
        # Each image is a message of its own, after the text.
        for url in urls:
            await self._call("POST", path, json_body={**body, "message_type": "image", "content": {"image_url": url}})
        return SentReply(external_id=str(data["message_id"]), sent_at=sent_at)

    async def find_sent(self, target: ReplyTarget, text: str, since: datetime) -> SentReply | None:
        if not target.external_thread_id:
            return None
        for message in reversed(await self._messages_since(target.external_thread_id, since)):
            if self._own(message) and (message.get("content") or {}).get("text") == text:
                return SentReply(external_id=str(message["message_id"]), sent_at=_epoch(message["created_timestamp"]))
        return None

    async def mark_read(self, target: ReplyTarget) -> None:
        if not target.external_thread_id or not target.last_inbound_external_id:
            return
        await self._call(
            "POST",
            f"{CHAT}/read_conversation",
            json_body={
                "conversation_id": int(target.external_thread_id),
                "last_read_message_id": target.last_inbound_external_id,
            },
        )

    # -- pushes -------------------------------------------------------------------------------------

    async def verify_push(self, headers: Mapping[str, str], body: bytes, url: str) -> bool:
        """Authorization = hex HMAC-SHA256(partner_key, push URL + "|" + raw body). The URL is the one
        registered at Shopee: `settings.push_url` when a proxy rewrites it, else the request's."""
        given = headers.get("authorization", "")
        push_url = str(self.settings.get("push_url") or url)
        expected = hmac.new(
            str(self.credentials["partner_key"]).encode(), push_url.encode() + b"|" + body, hashlib.sha256
        ).hexdigest()
        return bool(given) and hmac.compare_digest(expected, given)

    def push_dedupe_key(self, body: bytes) -> str | None:
        try:
            payload = json.loads(body)
            content = payload["data"]["content"]
            return f"{payload['code']}:{content.get('message_id') or payload.get('msg_id') or payload['timestamp']}"
        except (ValueError, KeyError, TypeError):
            return None

    def parse_push(self, body: bytes) -> ParsedPush:
        return parse_push(body, str(self.credentials.get("shop_user_id") or ""), str(self.credentials["shop_id"]))


def parse_push(body: bytes, shop_user_id: str = "", shop_id: str = "") -> ParsedPush:
    """Code 10 `message`: the message itself (same fields as get_message); other pushes ignored.
    The signature is keyed on the partner (app), not the shop: a push for another shop of the same
    app verifies too, so the shop is checked before anything lands in this channel."""
    try:
        payload = json.loads(body)
        code, data = int(payload["code"]), payload["data"]
    except (ValueError, KeyError, TypeError):
        return ParsedPush(note="not a Shopee push")
    if shop_id and str(payload.get("shop_id", shop_id)) != shop_id:
        return ParsedPush(note=f"push for shop {payload.get('shop_id')}, not this channel's shop: ignored")
    if code != 10:
        return ParsedPush(note=f"push code {code} ignored")
    if data.get("type") != "message":
        return ParsedPush(fetch=True, note=f"webchat {data.get('type')}: poll")
    content = data.get("content") or {}
    own_shop = shop_id and str(content.get("from_shop_id") or "0") == shop_id
    if own_shop or (shop_user_id and str(content.get("from_id")) == shop_user_id):
        return ParsedPush(note="the shop's own message")
    return ParsedPush(messages=[to_inbound(content)], note="webchat message")

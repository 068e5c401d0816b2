"""eBay: Commerce Message API v1 (REST), OAuth user tokens, Notification API NEW_MESSAGE pushes.

Quirks handled (reference/marketplaces.md §3):
- MessageDetail spells `senderUsername` while sendMessage's answer and the NEW_MESSAGE push spell
  `senderUserName`: `_sender` reads both;
- `offset` must be a multiple of `limit` (error 355008): every page request keeps it so, and the
  last page of a long conversation is reached by jumping to `(total - 1) // limit * limit`;
- FROM_EBAY conversations are eBay's own mail: ingested as `system` (no clock, no auto-reply) and
  never answered (a reply is refused before any call);
- conversations reference a LISTING, never an order: the item id is kept so the sync service can
  link the conversation to the buyer's order of that item;
- pushes carry no subject or listing: a push makes the connector fetch that one conversation, so a
  message looks the same whether it came by push or by poll;
- a user token without the `commerce.message` scope is answered 403 errorId 1100 ("Access
  denied"): one refresh asking for the scope is tried (the refresh token may carry it); when that
  is impossible, or eBay answers `invalid_scope` or 1100 again, `MissingScope` names the scope so
  the channel asks for a reconnect instead of retrying.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from api.channel.connectors import aftersales
from api.channel.connectors.base import (
    AuthError,
    Connector,
    FetchResult,
    MissingScope,
    ParsedPush,
    Permanent,
    ReplyTarget,
    SentReply,
    bounded_gather,
)
from api.channel.connectors.http import raise_for_status
from api.channel.connectors.window import PollWindow, parse_time
from api.message.inbound import InboundMessage

DEFAULT_BASE = "https://api.ebay.com"
MESSAGE_PATH = "/commerce/message/v1"
SCOPE = "https://api.ebay.com/oauth/api_scope/commerce.message"
POST_ORDER_PATH = "/post-order/v2"
AFTER_SALES_CAP = 2000  # records per search and poll; returns older than the window are not re-read
PAGE = 50  # the API's maximum; offsets stay multiples of it (355008)
TYPES = ("FROM_MEMBERS", "FROM_EBAY")
# Public keys by (host, kid): eBay rotates them rarely; one fetch per process and key.
_PUBLIC_KEYS: dict[tuple[str, str], ec.EllipticCurvePublicKey] = {}
# Key ids eBay did not know, until a monotonic deadline: anyone can post a made-up kid to the push
# endpoint, and each must not cost a call to eBay (nor a token refresh).
_UNKNOWN_KEYS: dict[tuple[str, str], float] = {}
UNKNOWN_KEY_TTL = 300.0
# Application tokens (client-credentials grant) by (auth host, client id): what getPublicKey asks for.
_APP_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}
APP_SCOPE = "https://api.ebay.com/oauth/api_scope"
# Key ids go into the URL path: only the characters eBay's ids use (no '/', '..', '?', '%').
_KID = re.compile(r"[A-Za-z0-9_-]{1,128}")


# eBay's gateway answer to a token without the operation's scope: 403 "Access denied",
# "Insufficient permissions to fulfill the request."
ACCESS_DENIED = "1100"


def missing_scope(status: int | str | None, code: str = ACCESS_DENIED) -> MissingScope:
    return MissingScope(f"the eBay token was not granted {SCOPE}", scopes=(SCOPE,), status=status, code=code)


def _error_id(response: httpx.Response) -> str | None:
    try:
        return read_error(response.json())[0]
    except ValueError:
        return None


def read_error(body: Any) -> tuple[str | None, str]:
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("errorId", "")) or None, str(errors[0].get("message", ""))
        if "error" in body:  # OAuth endpoints
            return str(body["error"]), str(body.get("error_description", ""))
    return None, ""


def read_post_order_error(body: Any) -> tuple[str | None, str]:
    """Post-Order errors: `{"errorMessage":{"error":[{"errorId","message",…}]}}`."""
    try:
        first = body["errorMessage"]["error"][0]
        return str(first.get("errorId") or "") or None, str(first.get("message") or "")
    except (KeyError, IndexError, TypeError):
        return read_error(body)


def _sender(detail: Mapping[str, Any]) -> str:
    """`senderUsername` (MessageDetail) or `senderUserName` (sendMessage, NEW_MESSAGE)."""
    return str(detail.get("senderUsername") or detail.get("senderUserName") or "")


def to_inbound(conversation: Mapping[str, Any], message: Mapping[str, Any], conversation_type: str) -> InboundMessage:
    """One MessageDetail of a conversation as Hourglass ingests it (pure)."""
    system = conversation_type == "FROM_EBAY"
    sender = _sender(message) or ("eBay" if system else "unknown")
    media = [
        {"name": m.get("mediaName"), "type": m.get("mediaType"), "url": m.get("mediaUrl")}
        for m in message.get("messageMedia") or []
        if isinstance(m, dict)
    ]
    reference = conversation.get("referenceId") if conversation.get("referenceType") == "LISTING" else None
    sent_at = parse_time(message.get("createdDate")) or datetime.now(UTC)
    return InboundMessage(
        external_message_id=str(message["messageId"]),
        external_thread_id=str(conversation["conversationId"]),
        buyer_external_id=sender,
        buyer_name=sender,
        item_id=str(reference) if reference else None,
        subject=str(message.get("subject") or conversation.get("conversationTitle") or ""),
        body=str(message.get("messageBody") or ""),
        sent_at=sent_at,
        author_kind="system" if system else "buyer",
        auto_submitted=system,
        category="platform_notice" if system else None,
        attachments=media,
        metadata={"conversation_type": conversation_type},
    )


class EbayConnector(Connector):
    marketplace = "ebay"
    supports_push = True
    poll_interval = 10.0

    @classmethod
    def validate(cls, settings: Mapping[str, Any], credentials: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems = super().validate(settings, credentials)
        refreshable = all(credentials.get(k) for k in ("client_id", "client_secret", "refresh_token"))
        if not credentials.get("access_token") and not refreshable:
            problems.append(("credentials.access_token", "required (or client_id, client_secret and refresh_token)"))
        if not (settings.get("seller_username") or credentials.get("seller_username")):
            problems.append(("settings.seller_username", "required: the store's eBay user name"))
        return problems

    @property
    def base(self) -> str:
        return str(self.settings.get("base_url") or DEFAULT_BASE).rstrip("/")

    @property
    def seller(self) -> str:
        return str(self.settings.get("seller_username") or self.credentials.get("seller_username") or "")

    # -- auth ---------------------------------------------------------------------------------------

    async def _refresh(self) -> bool:
        creds = self.credentials
        if not all(creds.get(k) for k in ("client_id", "client_secret", "refresh_token")):
            return False
        try:
            response = await self._token_request(
                {"grant_type": "refresh_token", "refresh_token": creds["refresh_token"], "scope": SCOPE}
            )
        except Permanent as exc:
            if exc.code == "invalid_scope":  # the seller never consented to the message scope
                raise missing_scope(exc.status, "invalid_scope") from None
            raise
        await self.credentials_updated(access_token=response.json()["access_token"])
        return True

    @property
    def _auth_base(self) -> str:
        return str(self.settings.get("auth_base_url") or self.base).rstrip("/")

    async def _token_request(self, form: dict[str, str]) -> httpx.Response:
        """eBay's OAuth token endpoint, authenticated with the app's client id and secret."""
        creds = self.credentials
        basic = base64.b64encode(f"{creds['client_id']}:{creds['client_secret']}".encode()).decode()
        response = await self.send(
            "POST",
            f"{self._auth_base}/identity/v1/oauth2/token",
            data=form,
            headers={"Authorization": f"Basic {basic}"},
        )
        raise_for_status(response, read_error)
        return response

    async def _app_token(self) -> str | None:
        """An application access token (client-credentials grant), cached until shortly before it
        expires; None when the channel has no client id and secret (then the user token is used)."""
        creds = self.credentials
        if not (creds.get("client_id") and creds.get("client_secret")):
            return None
        key = (self._auth_base, str(creds["client_id"]))
        cached = _APP_TOKENS.get(key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        body = (await self._token_request({"grant_type": "client_credentials", "scope": APP_SCOPE})).json()
        token = str(body["access_token"])
        _APP_TOKENS[key] = (token, time.monotonic() + max(60.0, float(body.get("expires_in") or 7200) - 300))
        return token

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """An authenticated call; an expired token is refreshed once, and so is a token without the
        message scope (a refresh asks for it). A scope still missing after that is MissingScope."""
        for attempt in (1, 2):
            token = self.credentials.get("access_token")
            if not token and attempt == 1 and await self._refresh():
                continue
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            response = await self.send(method, f"{self.base}{path}", headers=headers, **kwargs)
            denied = response.status_code == 403 and _error_id(response) == ACCESS_DENIED
            if (response.status_code == 401 or denied) and attempt == 1 and await self._refresh():
                continue
            if denied:
                raise missing_scope(response.status_code)
            raise_for_status(response, read_error)
            return response.json() if response.content else None
        raise AuthError("eBay refused the refreshed token")

    async def check_credentials(self) -> dict[str, Any]:
        data = await self._call(
            "GET", f"{MESSAGE_PATH}/conversation", params={"conversation_type": "FROM_MEMBERS", "limit": 1}
        )
        return {"account": self.seller, "conversations": data.get("total")}

    # -- inbound ------------------------------------------------------------------------------------

    async def _conversation_messages(
        self, conversation_id: str, conversation_type: str, start: datetime
    ) -> list[dict[str, Any]]:
        """The conversation's messages created at or after `start`, oldest first."""
        path = f"{MESSAGE_PATH}/conversation/{conversation_id}"
        params: dict[str, Any] = {"conversation_type": conversation_type, "limit": PAGE, "offset": 0}
        first = await self._call("GET", path, params=params)
        total = int(first.get("total") or 0)
        if total <= PAGE:
            pages = [first.get("messages") or []]
        else:
            # Newest last: start at the last page (offset a multiple of the limit) and walk back.
            pages = []
            offset = (total - 1) // PAGE * PAGE
            while offset >= 0:
                page = (await self._call("GET", path, params={**params, "offset": offset})).get("messages") or []
                pages.insert(0, page)
                oldest = parse_time(page[0].get("createdDate")) if page else None
                if oldest is None or oldest < start:
                    break
                offset -= PAGE
        messages = [m for page in pages for m in page]
        return [m for m in messages if (parse_time(m.get("createdDate")) or start) >= start]

    def _wanted(self, message: Mapping[str, Any]) -> bool:
        # The seller's own messages (our replies, or sent from eBay's site) are not buyer messages.
        return _sender(message).lower() != self.seller.lower()

    async def fetch(self, cursor: Mapping[str, Any]) -> FetchResult:
        window = PollWindow(cursor, self.settings, datetime.now(UTC))
        budget = int(self.settings.get("page_budget", 500))
        out: list[InboundMessage] = []
        for conversation_type in TYPES:
            offset = 0
            while True:
                params: dict[str, Any] = {"conversation_type": conversation_type, "limit": PAGE, "offset": offset}
                if conversation_type == "FROM_MEMBERS":  # eBay filters by time for member mail only
                    params["start_time"] = window.start.strftime("%Y-%m-%dT%H:%M:%S.000Z")
                data = await self._call("GET", f"{MESSAGE_PATH}/conversation", params=params)
                conversations = data.get("conversations") or []
                reached_start = full = False
                wanted: list[tuple[dict[str, Any], str, str | None, datetime | None]] = []
                for conversation in conversations:
                    latest = conversation.get("latestMessage") or {}
                    latest_at = parse_time(latest.get("createdDate") or conversation.get("createdDate"))
                    if latest_at is not None and latest_at < window.start:
                        reached_start = True
                        break
                    cid = str(conversation["conversationId"])
                    latest_id = str(latest["messageId"]) if latest.get("messageId") else None
                    if window.known(cid, latest_id):
                        continue
                    if len(out) + len(wanted) >= budget:
                        full = True
                        break
                    wanted.append((conversation, cid, latest_id, latest_at))
                details = await bounded_gather(
                    self.fetch_concurrency,
                    [
                        partial(self._conversation_messages, cid, conversation_type, window.start)
                        for _, cid, _, _ in wanted
                    ],
                )
                for (conversation, cid, latest_id, latest_at), messages in zip(wanted, details, strict=True):
                    out += [to_inbound(conversation, m, conversation_type) for m in messages if self._wanted(m)]
                    window.done(cid, latest_id, latest_at)
                if full:
                    return FetchResult(out, window.cursor(complete=False), more=True)
                if reached_start or not data.get("next") or not conversations:
                    break
                offset += PAGE
        return FetchResult(out, window.cursor(complete=True))

    async def fetch_conversation(self, conversation_id: str, conversation_type: str) -> list[InboundMessage]:
        """One conversation's recent messages (a push names it)."""
        start = datetime.now(UTC) - PollWindow({}, self.settings, datetime.now(UTC)).overlap
        path = f"{MESSAGE_PATH}/conversation/{conversation_id}"
        head = await self._call("GET", path, params={"conversation_type": conversation_type, "limit": PAGE})
        conversation = {
            "conversationId": conversation_id,
            "conversationTitle": head.get("conversationTitle"),
            "referenceType": head.get("referenceType"),
            "referenceId": head.get("referenceId"),
        }
        if not conversation["referenceId"]:
            # getConversation carries no reference: find it in the conversation list (one call).
            listed = await self._call(
                "GET",
                f"{MESSAGE_PATH}/conversation",
                params={"conversation_type": conversation_type, "limit": PAGE, "offset": 0},
            )
            match = next(
                (c for c in listed.get("conversations") or [] if str(c.get("conversationId")) == conversation_id), None
            )
            if match:
                conversation.update({k: match.get(k) for k in ("referenceType", "referenceId")})
        messages = await self._conversation_messages(conversation_id, conversation_type, start)
        return [to_inbound(conversation, m, conversation_type) for m in messages if self._wanted(m)]

    # -- outbound -----------------------------------------------------------------------------------

    async def send_reply(self, target: ReplyTarget, text: str) -> SentReply:
        if target.system_thread or target.last_inbound_meta.get("conversation_type") == "FROM_EBAY":
            raise Permanent("eBay system messages (FROM_EBAY) cannot be answered", code="FROM_EBAY")
        if not target.external_thread_id:
            raise Permanent("no eBay conversation id to answer in")
        body: dict[str, Any] = {"conversationId": target.external_thread_id, "messageText": text}
        if target.attachments:
            # messageMedia: HTTPS links eBay fetches (signed links to our store), IMAGE/PDF/DOC/TXT.
            body["messageMedia"] = [
                {"mediaName": f.filename, "mediaType": _media_type(f.content_type), "mediaUrl": f.link}
                for f in target.attachments
            ]
            if any(not (f.link or "").startswith("https://") for f in target.attachments):
                raise Permanent("eBay fetches attachments from https links: HOURGLASS_PUBLIC_URL must be https")
        data = await self._call("POST", f"{MESSAGE_PATH}/send_message", json=body)
        return SentReply(external_id=str(data["messageId"]), sent_at=parse_time(data.get("createdDate")))

    async def find_sent(self, target: ReplyTarget, text: str, since: datetime) -> SentReply | None:
        if not target.external_thread_id:
            return None
        messages = await self._conversation_messages(target.external_thread_id, "FROM_MEMBERS", since)
        for message in reversed(messages):
            if not self._wanted(message) and (message.get("messageBody") or "") == text:
                return SentReply(external_id=str(message["messageId"]), sent_at=parse_time(message.get("createdDate")))
        return None

    async def mark_read(self, target: ReplyTarget) -> None:
        if not target.external_thread_id:
            return
        await self._call(
            "POST",
            f"{MESSAGE_PATH}/update_conversation",
            json={
                "conversationId": target.external_thread_id,
                "conversationType": target.last_inbound_meta.get("conversation_type", "FROM_MEMBERS"),
                "read": True,
            },
        )

    # -- after-sales: Post-Order API v2 (reference/wave2-apis.md §2.1) -----------------------------

    async def _post_order(self, method: str, path: str, **kwargs: Any) -> Any:
        """A Post-Order call: `Authorization: IAF <user token>` and the marketplace id header; an
        expired token is refreshed once."""
        for attempt in (1, 2):
            token = self.credentials.get("access_token")
            if not token and attempt == 1 and await self._refresh():
                continue
            headers = {
                "Authorization": f"IAF {token}",
                "X-EBAY-C-MARKETPLACE-ID": str(self.settings.get("marketplace_id") or "EBAY_US"),
                "Content-Type": "application/json",
            }
            response = await self.send(method, f"{self.base}{POST_ORDER_PATH}{path}", headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 1 and await self._refresh():
                continue
            raise_for_status(response, read_post_order_error)
            return response.json() if response.content else None
        raise AuthError("eBay refused the refreshed token")

    async def _search(self, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            data = await self._post_order("GET", path, params={**params, "limit": 200, "offset": offset}) or {}
            members = data.get("members") or []
            found += members
            pages = int((data.get("paginationOutput") or {}).get("totalPages") or 1)
            offset += 200
            if not members or offset // 200 >= pages or offset >= AFTER_SALES_CAP:
                return found

    async def after_sales(self, since: datetime) -> list[aftersales.MarketCase]:
        """Returns and item-not-received inquiries created since `since` (their current state)."""
        stamp = since.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        returns = await self._search("/return/search", {"creation_date_range_from": stamp})
        inquiries = await self._search("/inquiry/search", {"inquiry_creation_date_range_from": stamp})
        return [aftersales.ebay_return(m, self.seller) for m in returns] + [
            aftersales.ebay_inquiry(m) for m in inquiries
        ]

    async def after_sales_action(self, record: aftersales.MarketCase, action: str, amount: Decimal | None) -> None:
        """approve | decline a return request; refund a return or an inquiry."""
        rid = record.marketplace_case_id
        if not rid.isdigit():
            raise Permanent(f"not an eBay {record.source} id: {rid!r}")
        if action in ("approve", "decline") and record.source == "ebay_return":
            await self._post_order(
                "POST", f"/return/{rid}/decide", json={"decision": "APPROVE" if action == "approve" else "DECLINE"}
            )
        elif action == "refund" and record.source == "ebay_return":
            total = {"value": float(amount if amount is not None else record.amount or 0), "currency": record.currency}
            await self._post_order(
                "POST",
                f"/return/{rid}/issue_refund",
                json={
                    "refundDetail": {
                        "itemizedRefundDetail": [{"refundAmount": total, "refundFeeType": "PURCHASE_PRICE"}],
                        "totalAmount": total,
                    }
                },
            )
        elif action == "refund" and record.source == "ebay_inquiry":
            await self._post_order("POST", f"/inquiry/{rid}/issue_refund", json={"comments": ""})
        else:
            raise Permanent(f"eBay has no {action} for a {record.source}")

    # -- pushes -------------------------------------------------------------------------------------

    async def _public_key(self, kid: str) -> ec.EllipticCurvePublicKey | None:
        """The key, or None when eBay does not know this id (remembered for a few minutes).
        Network trouble raises (the push is answered 503 and eBay retries it)."""
        cache_key = (self.base, kid)
        if cache_key in _PUBLIC_KEYS:
            return _PUBLIC_KEYS[cache_key]
        if _UNKNOWN_KEYS.get(cache_key, 0.0) > time.monotonic():
            return None
        try:
            # eBay's getPublicKey wants an application token (api_scope), not the seller's user token.
            app = await self._app_token()
            if app is None:
                data = await self._call("GET", f"/commerce/notification/v1/public_key/{kid}")
            else:
                response = await self.send(
                    "GET",
                    f"{self.base}/commerce/notification/v1/public_key/{kid}",
                    headers={"Authorization": f"Bearer {app}"},
                )
                raise_for_status(response, read_error)
                data = response.json()
            key = load_public_key(str(data["key"]))
        except (Permanent, KeyError, TypeError, ValueError):
            if len(_UNKNOWN_KEYS) > 10_000:
                _UNKNOWN_KEYS.clear()
            _UNKNOWN_KEYS[cache_key] = time.monotonic() + UNKNOWN_KEY_TTL
            return None
        _PUBLIC_KEYS[cache_key] = key
        return key

    async def verify_push(self, headers: Mapping[str, str], body: bytes, url: str) -> bool:
        header = headers.get("x-ebay-signature")
        if not header:
            return False
        try:
            signature = json.loads(base64.b64decode(header))
            kid, der = str(signature["kid"]), base64.b64decode(signature["signature"])
        except (ValueError, KeyError, TypeError):
            return False
        if not _KID.fullmatch(kid):
            return False
        key = await self._public_key(kid)
        return key is not None and verify_signature(key, der, body, str(signature.get("digest", "SHA256")))

    def push_dedupe_key(self, body: bytes) -> str | None:
        try:
            return "n:" + str(json.loads(body)["notification"]["notificationId"])
        except (ValueError, KeyError, TypeError):
            return None

    def parse_push(self, body: bytes) -> ParsedPush:
        return parse_push(body, self.seller)

    async def resolve_push(self, parsed: ParsedPush) -> list[InboundMessage]:
        messages = list(parsed.messages)
        for conversation_id, conversation_type in parsed.threads:
            messages += await self.fetch_conversation(conversation_id, conversation_type)
        return messages


def challenge_response(challenge_code: str, verification_token: str, endpoint: str) -> str:
    """eBay validates a notification destination before using it: a GET with `challenge_code`,
    answered with SHA-256 hex of challenge code + verification token + the endpoint URL as registered."""
    return hashlib.sha256((challenge_code + verification_token + endpoint).encode()).hexdigest()


def load_public_key(field: str) -> ec.EllipticCurvePublicKey:
    """eBay serves the PEM on one line; put the markers back on lines of their own."""
    pem = field.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n").replace(
        "-----END PUBLIC KEY-----", "\n-----END PUBLIC KEY-----"
    )
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise Permanent("eBay's notification key is not an EC key")
    return key


def verify_signature(key: ec.EllipticCurvePublicKey, der: bytes, body: bytes, digest: str) -> bool:
    algorithm = {"SHA256": hashes.SHA256(), "SHA1": hashes.SHA1()}.get(digest.upper())  # noqa: S303
    if algorithm is None:
        return False
    try:
        key.verify(der, body, ec.ECDSA(algorithm))
    except InvalidSignature:
        return False
    return True


def parse_push(body: bytes, seller: str) -> ParsedPush:
    """NEW_MESSAGE: the conversation to fetch (the push lacks subject and listing); others ignored."""
    try:
        envelope = json.loads(body)
        topic = envelope["metadata"]["topic"]
        data = envelope["notification"]["data"]
    except (ValueError, KeyError, TypeError):
        return ParsedPush(note="not a notification envelope")
    if topic not in ("NEW_MESSAGE", "BUYER_QUESTION"):
        return ParsedPush(note=f"topic {topic} ignored")
    if _sender(data).lower() == seller.lower():
        return ParsedPush(note="the seller's own message")
    return ParsedPush(
        fetch=True,
        threads=[(str(data["conversationId"]), str(data.get("conversationType") or "FROM_MEMBERS"))],
        note="NEW_MESSAGE",
    )


def _media_type(content_type: str) -> str:
    if content_type.startswith("image/"):
        return "IMAGE"
    if content_type == "application/pdf":
        return "PDF"
    if content_type == "text/plain":
        return "TXT"
    return "DOC"

"""Amazon: Buyer-Seller Messaging by mail relay (IMAP in, SMTP out) and SP-API Messaging for
proactive, order-scoped messages (which Amazon says are not replies).

Relay quirks handled (reference/marketplaces.md §1):
- buyers write from one stable anonymised alias per seller (`…@marketplace.amazon.com`), the
  customer key; the display name is "<Name> - Amazon Marketplace";
- the subject carries `(Order: 111-3958185-1645065)` (none for pre-sale questions): such mail
  threads by order and buyer; pre-sale mail by its mail thread;
- the relay wraps the buyer's words between "Begin message"/"End message" lines, and ends with the
  "no response needed" link and a `[commMgrTok:…]` token: the body keeps the words, the link and
  token go to metadata (the link is where a person marks it so in Seller Central);
- replies must come from the seller's registered (or an approved) address, on the same thread.

SP-API quirk: its usage plan is 1 request/s with a burst of 5, and a 429 carries no Retry-After
(the model lists only x-amzn-RequestId), so a throttled call backs off on its own, exponentially
from the plan's refill interval, a few times before giving up with that wait as `retry_after`.
"""

from __future__ import annotations

import asyncio
import random
import re
from typing import Any

from api.channel.connectors.base import AuthError, ConnectorError, Permanent, RateLimited
from api.channel.connectors.http import raise_for_status, read_error_default
from api.channel.connectors.mail.connector import MailConnector, base_inbound
from api.channel.connectors.mail.parse import Mail
from api.message.inbound import InboundMessage

RELAY_DOMAIN = "marketplace.amazon.com"
DEFAULT_SP_API = "https://sellingpartnerapi-na.amazon.com"
DEFAULT_LWA = "https://api.amazon.com"
_ORDER = re.compile(r"\(Order:\s*(\d{3}-\d{7}-\d{7})\)")
_ORDER_IN_BODY = re.compile(r"Order ID:\s*(\d{3}-\d{7}-\d{7})")
_ASIN = re.compile(r"ASIN:\s*([A-Z0-9]{10})")
_NO_RESPONSE = re.compile(r"(https://\S+/no-response-needed\.html\S*)")
_TOKEN = re.compile(r"\[commMgrTok:([A-Z0-9]+)\]")
# The usage plan's refill interval (1 request/s) and how many throttled answers a call sits out.
SP_REFILL_SECONDS = 1.0
SP_THROTTLE_RETRIES = 3
_BEGIN = "------------- Begin message -------------"
_END = "------------- End message -------------"


def sp_backoff(throttled: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `throttled`-th 429 in a row (0-based): the refill interval doubled
    each time, with up to 25 % jitter so callers throttled together do not return together."""
    jitter = 1 + 0.25 * (rng or random).random()
    return SP_REFILL_SECONDS * 2 ** min(throttled, 6) * jitter


def buyer_words(text: str) -> str:
    """What the buyer wrote, without the relay's wrapping and footer."""
    if _BEGIN in text:
        text = text.split(_BEGIN, 1)[1]
        text = text.split(_END, 1)[0]
    else:
        text = text.split("To mark this message as no response needed", 1)[0]
    return text.strip()


def parse_relay_mail(mail: Mail) -> InboundMessage | None:
    """One mail from Amazon's relay (pure)."""
    if not mail.from_address.endswith("amazon.com"):
        return base_inbound(mail)  # someone writing directly: keep it, threaded as plain mail
    if not mail.from_address.endswith("@" + RELAY_DOMAIN):
        # Amazon's own notices (Seller Central, A-to-z…): information, not a buyer waiting.
        return base_inbound(mail, author_kind="system", auto_submitted=True, category="platform_notice")
    order = _ORDER.search(mail.subject) or _ORDER_IN_BODY.search(mail.text)
    order_id = order.group(1) if order else None
    asin = _ASIN.search(mail.text)
    link = _NO_RESPONSE.search(mail.text)
    token = _TOKEN.search(mail.text)
    name = re.sub(r"\s*-\s*Amazon Marketplace\s*$", "", mail.from_name).strip() or None
    metadata: dict[str, Any] = {"reply_to": mail.from_address}
    if link:
        metadata["no_response_needed_url"] = link.group(1)
    if token:
        metadata["comm_token"] = token.group(1)
    return base_inbound(
        mail,
        # Order mail threads by order and buyer (as Seller Central shows it); pre-sale by mail thread.
        external_thread_id=None if order_id else mail.thread_root,
        order_id=order_id,
        item_id=asin.group(1) if asin else None,
        buyer_name=name,
        body=buyer_words(mail.text),
        body_html=None,  # the HTML part repeats the wrapped text; the words are in `body`
        metadata=metadata,
    )


class AmazonConnector(MailConnector):
    marketplace = "amazon"
    notice_domains = ("amazon.com",)

    def to_inbound(self, mail: Mail) -> InboundMessage | None:
        return parse_relay_mail(mail)

    # -- SP-API Messaging (proactive order messages) --------------------------------------------------

    async def _lwa_token(self) -> str:
        c = self.credentials
        if not all(c.get(k) for k in ("lwa_client_id", "lwa_client_secret", "refresh_token")):
            raise Permanent("SP-API Messaging needs lwa_client_id, lwa_client_secret and refresh_token")
        base = str(self.settings.get("auth_base_url") or self.settings.get("base_url") or DEFAULT_LWA).rstrip("/")
        response = await self.send(
            "POST",
            f"{base}/auth/o2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": c["refresh_token"],
                "client_id": c["lwa_client_id"],
                "client_secret": c["lwa_client_secret"],
            },
        )
        raise_for_status(response, read_error_default)
        token = str(response.json()["access_token"])
        self.credentials["access_token"] = token  # an hour; not persisted (cheap to renew)
        return token

    async def _sp(self, method: str, path: str, **kwargs: Any) -> Any:
        base = str(self.settings.get("base_url") or DEFAULT_SP_API).rstrip("/")
        params = {
            "marketplaceIds": str(
                self.settings.get("marketplace_id") or self.credentials.get("marketplace_id") or "ATVPDKIKX0DER"
            )
        }
        renewed = False
        throttled = 0
        while True:
            token = self.credentials.get("access_token") or await self._lwa_token()
            response = await self.send(
                method, f"{base}{path}", params=params, headers={"x-amz-access-token": str(token)}, **kwargs
            )
            try:
                raise_for_status(response, read_sp_error)
            except AuthError:
                if not renewed:
                    renewed = True
                    self.credentials.pop("access_token", None)
                    continue
                raise
            except RateLimited as exc:
                wait = exc.retry_after if exc.retry_after is not None else sp_backoff(throttled)
                throttled += 1
                if throttled > SP_THROTTLE_RETRIES:
                    exc.retry_after = wait  # when to try again, since Amazon does not say
                    raise
                await asyncio.sleep(wait)
                continue
            return response.json() if response.content else {}

    async def messaging_actions(self, order_id: str) -> list[str]:
        """The proactive message types Amazon offers for this order now (HAL `_links.actions`)."""
        data = await self._sp("GET", f"/messaging/v1/orders/{order_id}")
        return [str(a["name"]) for a in (data.get("_links") or {}).get("actions") or []]

    async def send_proactive(self, order_id: str, message_type: str, text: str) -> None:
        """One SP-API message (e.g. confirmDeliveryDetails): order-scoped, not a reply to the buyer."""
        await self._sp("POST", f"/messaging/v1/orders/{order_id}/messages/{message_type}", json={"text": text})

    async def check_credentials(self) -> dict[str, Any]:
        info = await super().check_credentials()
        if self.credentials.get("lwa_client_id"):
            try:
                await self._lwa_token()
                info["sp_api"] = "ok"
            except ConnectorError as exc:
                if isinstance(exc, AuthError | Permanent):
                    raise
                info["sp_api"] = exc.describe()
        return info


def read_sp_error(body: Any) -> tuple[str | None, str]:
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        detail = f"{first.get('message', '')} {first.get('details', '')}".strip()
        return str(first.get("code") or "") or None, detail
    return read_error_default(body)

"""Amazon SP-API Messaging: proactive, order-scoped messages (confirm delivery details, report an
unexpected problem...). Amazon says these are not replies: they answer no buyer and stop no clock,
so they are sent at once, not through the reply queue, and recorded in the audit log.

The text goes through the compliance linter first, as every outbound message does: what Amazon's
model forbids (HTML, email addresses, outside links) is refused here with the offsets, before
Amazon is asked."""

from __future__ import annotations

from typing import Any

from api import audit
from api.auth.principal import Principal
from api.channel.connectors.amazon import AmazonConnector
from api.channel.connectors.base import ConnectorError, Permanent, in_our_words
from api.channel.connectors.registry import build
from api.compliance import service as compliance
from api.compliance.rules import check_message
from api.db import Session
from api.kit.crypto import CredentialCipher
from api.kit.errors import Conflict, HourglassError, InvalidInput, NotFound, field_error
from api.kit.outbound import OutboundPolicy
from api.models import Channel


class MarketplaceUnavailable(HourglassError):
    status_code = 502
    problem_type = "marketplace-unavailable"
    title = "The marketplace did not answer"


def _connector(channel: Channel, cipher: CredentialCipher, outbound: OutboundPolicy | None) -> AmazonConnector:
    if channel.marketplace != "amazon":
        raise NotFound(f"No Amazon channel {channel.id}.")
    if not channel.credentials_encrypted or channel.status != "active":
        raise Conflict("The channel is disabled or has no credentials.")
    credentials = cipher.decrypt(channel.credentials_encrypted)
    connector = build("amazon", channel.settings or {}, credentials, outbound=outbound)
    assert isinstance(connector, AmazonConnector)
    return connector


async def message_types(
    channel: Channel, cipher: CredentialCipher, order_id: str, outbound: OutboundPolicy | None = None
) -> list[str]:
    connector = _connector(channel, cipher, outbound)
    try:
        return await connector.messaging_actions(order_id)
    except Permanent as exc:
        words = in_our_words(exc, "Amazon")
        raise InvalidInput(f"Amazon refused: {words}.", errors=field_error("path.order_id", words)) from None
    except ConnectorError as exc:
        raise MarketplaceUnavailable(in_our_words(exc, "Amazon")) from None
    finally:
        await connector.aclose()


async def send(
    session: Session,
    principal: Principal,
    channel: Channel,
    cipher: CredentialCipher,
    order_id: str,
    message_type: str,
    text: str,
    outbound: OutboundPolicy | None = None,
) -> dict[str, Any]:
    connector = _connector(channel, cipher, outbound)
    try:
        compliance.enforce(check_message(text, "amazon"), field="body.text")
        await connector.send_proactive(order_id, message_type, text)
    except Permanent as exc:
        words = in_our_words(exc, "Amazon")
        raise InvalidInput(f"Amazon refused: {words}.", errors=field_error("body.text", words)) from None
    except ConnectorError as exc:
        raise MarketplaceUnavailable(in_our_words(exc, "Amazon")) from None
    finally:
        await connector.aclose()
    audit.record(
        session,
        principal,
        channel.organization_id,
        "amazon.proactive_message",
        "channel",
        channel.id,
        {"order_id": order_id, "message_type": message_type},
    )
    return {"order_id": order_id, "message_type": message_type, "status": "sent"}

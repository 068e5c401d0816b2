"""Amazon SP-API Messaging: proactive, order-scoped messages (confirm delivery details, report an
unexpected problem...). Amazon says these are not replies: they answer no buyer and stop no clock,
so they are sent at once, not through the reply queue, and recorded in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.auth.principal import Principal
from api.channel.connectors.amazon import AmazonConnector
from api.channel.connectors.base import ConnectorError, Permanent
from api.channel.connectors.registry import build
from api.kit.crypto import CredentialCipher
from api.kit.errors import Conflict, HourglassError, InvalidInput, NotFound, field_error
from api.models import Channel


class MarketplaceUnavailable(HourglassError):
    status_code = 502
    problem_type = "marketplace-unavailable"
    title = "The marketplace did not answer"


def _connector(channel: Channel, cipher: CredentialCipher) -> AmazonConnector:
    if channel.marketplace != "amazon":
        raise NotFound(f"No Amazon channel {channel.id}.")
    if not channel.credentials_encrypted or channel.status != "active":
        raise Conflict("The channel is disabled or has no credentials.")
    connector = build("amazon", channel.settings or {}, cipher.decrypt(channel.credentials_encrypted))
    assert isinstance(connector, AmazonConnector)
    return connector


async def message_types(channel: Channel, cipher: CredentialCipher, order_id: str) -> list[str]:
    connector = _connector(channel, cipher)
    try:
        return await connector.messaging_actions(order_id)
    except Permanent as exc:
        raise InvalidInput(
            f"Amazon refused: {exc.describe()}", errors=field_error("path.order_id", exc.message)
        ) from exc
    except ConnectorError as exc:
        raise MarketplaceUnavailable(exc.describe()) from exc
    finally:
        await connector.aclose()


async def send(
    session: AsyncSession,
    principal: Principal,
    channel: Channel,
    cipher: CredentialCipher,
    order_id: str,
    message_type: str,
    text: str,
) -> dict[str, Any]:
    connector = _connector(channel, cipher)
    try:
        await connector.send_proactive(order_id, message_type, text)
    except Permanent as exc:
        raise InvalidInput(f"Amazon refused: {exc.describe()}", errors=field_error("body.text", exc.message)) from exc
    except ConnectorError as exc:
        raise MarketplaceUnavailable(exc.describe()) from exc
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

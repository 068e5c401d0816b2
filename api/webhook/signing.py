"""Standard Webhooks signing with the `standardwebhooks` package: `whsec_` secrets, one `v1,`
signature per active secret (two while a rotated-out secret is still honoured)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's prefix, not a secret
SECRET_BYTES = 32  # the spec allows 24 to 64


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@lru_cache(maxsize=4096)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)


def signature_header(active_secrets: Sequence[str], msg_id: str, timestamp: datetime, body: str) -> str:
    return " ".join(_signer(s).sign(msg_id, timestamp, body) for s in active_secrets)


def signed_headers(active_secrets: Sequence[str], msg_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(active_secrets, msg_id, timestamp, body),
    }

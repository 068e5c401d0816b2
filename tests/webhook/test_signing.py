"""Signatures verify with the `standardwebhooks` package; during a rotation both secrets verify."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from api.webhook.signing import new_secret, signed_headers


def test_secrets_are_whsec_with_32_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def test_headers_verify_with_the_reference_library():
    secret = new_secret()
    body = json.dumps({"type": "sla.overdue", "data": {"x": "é"}}, ensure_ascii=False)
    headers = signed_headers([secret], "msg_1", datetime.now(UTC), body)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert Webhook(secret).verify(body.encode(), headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body.encode(), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.encode() + b" ", headers)


def test_rotation_sends_two_signatures_each_verifiable():
    old, new = new_secret(), new_secret()
    body = "{}"
    headers = signed_headers([new, old], "msg_2", datetime.now(UTC), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)


def test_a_stale_timestamp_is_refused_by_receivers():
    secret = new_secret()
    headers = signed_headers([secret], "msg_3", datetime.now(UTC) - timedelta(minutes=6), "{}")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify("{}", headers)

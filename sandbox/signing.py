"""Every signature scheme the sandbox checks or produces, one function each, as each marketplace documents it.

If a marketplace's scheme turns out to differ from what is written here, this is the one place to
correct it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# -- eBay Notification API -------------------------------------------------------------------


class EbayNotificationKey:
    """The ECDSA P-256 key pair that signs NEW_MESSAGE pushes.

    eBay's X-EBAY-SIGNATURE header is base64 of a JSON object {alg, kid, signature, digest}. The
    `signature` is the base64 DER ECDSA signature over the notification's JSON payload exactly as
    sent in the request body (eBay's own SDKs re-serialise the parsed body compactly before
    verifying, which is why the sandbox sends compact JSON: both ways give the same bytes). The
    consumer fetches the public key for `kid` from GET /commerce/notification/v1/public_key/{kid}.
    """

    algorithm = "ECDSA"
    digest = "SHA256"

    def __init__(self, kid: str, private_key: ec.EllipticCurvePrivateKey | None = None) -> None:
        self.kid = kid
        self._private_key = private_key or ec.generate_private_key(ec.SECP256R1())

    @classmethod
    def from_pem(cls, kid: str, pem: str) -> EbayNotificationKey:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the eBay notification key must be an EC key")
        return cls(kid, key)

    def private_pem(self) -> str:
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def public_key_field(self) -> str:
        """The `key` field of getPublicKey: PEM on one line, markers glued to the base64, as eBay serves it."""
        pem = (
            self._private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        body = "".join(line for line in pem.splitlines() if "-----" not in line)
        return f"-----BEGIN PUBLIC KEY-----{body}-----END PUBLIC KEY-----"

    def signature_header(self, body: bytes) -> str:
        der = self._private_key.sign(body, ec.ECDSA(hashes.SHA256()))
        header = {
            "alg": "ecdsa",
            "kid": self.kid,
            "signature": base64.b64encode(der).decode(),
            "digest": self.digest,
        }
        return base64.b64encode(json.dumps(header, separators=(",", ":")).encode()).decode()


# -- Shopee Open Platform v2 -----------------------------------------------------------------


def shopee_api_sign(
    partner_key: str,
    partner_id: int | str,
    path: str,
    timestamp: int | str,
    access_token: str = "",
    shop_id: int | str = "",
) -> str:
    """Shop API: hex HMAC-SHA256(partner_key, f"{partner_id}{path}{timestamp}{access_token}{shop_id}").

    Public APIs (auth/token/get) sign only partner_id, path and timestamp: pass no token or shop.
    """
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def shopee_push_authorization(partner_key: str, url: str, body: bytes) -> str:
    """Push Authorization header: hex HMAC-SHA256(partner_key, url + "|" + raw body)."""
    base = url.encode() + b"|" + body
    return hmac.new(partner_key.encode(), base, hashlib.sha256).hexdigest()


# -- TikTok Shop -------------------------------------------------------------------------------


def tiktok_api_sign(
    app_secret: str, path: str, params: Mapping[str, str], body: bytes = b"", content_type: str = ""
) -> str:
    """TikTok Shop's request signature, following its published "Sign your API request" guide.

    1. take every query parameter except `sign` and `access_token`, sorted by name;
    2. concatenate them as {key}{value};
    3. prefix the request path;
    4. append the raw body unless the request is multipart/form-data;
    5. wrap the string with the app secret on both ends;
    6. hex HMAC-SHA256 of that string, keyed with the app secret.
    """
    pieces = "".join(f"{key}{params[key]}" for key in sorted(params) if key not in ("sign", "access_token"))
    text = path + pieces
    if not content_type.lower().startswith("multipart/form-data"):
        text += body.decode("utf-8", errors="replace")
    wrapped = f"{app_secret}{text}{app_secret}"
    return hmac.new(app_secret.encode(), wrapped.encode(), hashlib.sha256).hexdigest()


def tiktok_webhook_authorization(app_key: str, app_secret: str, body: bytes) -> str:
    """Webhook Authorization header: hex HMAC-SHA256(app_secret, app_key + raw body).

    TikTok's webhook guide points to its signing guide without spelling the webhook variant out;
    this is the form its SDK-based consumers verify.
    """
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()

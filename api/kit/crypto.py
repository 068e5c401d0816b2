"""Secrets: argon2 password hashes, hashed API keys and session tokens, encrypted credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A dummy hash so that logging in as an unknown user costs as much as a wrong password.
DUMMY_PASSWORD_HASH = _hasher.hash("not-a-real-password")


def token_digest(token: str) -> str:
    """API keys and session tokens are 256-bit random values: a plain SHA-256 suffices to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_token() -> str:
    return "hgs_" + secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str]:
    """Returns (full key, visible prefix). Only the prefix and the digest are stored."""
    prefix = "hg_" + secrets.token_hex(4)
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class CredentialCipher:
    """Encrypts marketplace credentials at rest with a key derived from the app's secret key."""

    def __init__(self, secret_key: str) -> None:
        derived = hashlib.pbkdf2_hmac("sha256", secret_key.encode(), b"hourglass-credentials-v1", 100_000)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, data: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(data, separators=(",", ":")).encode())

    def encrypt_bytes(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise RuntimeError("stored data cannot be decrypted with the configured secret key") from exc

    def decrypt(self, token: bytes | None) -> dict[str, Any]:
        if not token:
            return {}
        try:
            return dict(json.loads(self._fernet.decrypt(token)))
        except InvalidToken as exc:  # wrong secret key: refuse loudly rather than return garbage
            raise RuntimeError("channel credentials cannot be decrypted with the configured secret key") from exc

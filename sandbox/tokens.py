"""Access and refresh tokens the sandbox issued, with their lifetimes in world time.

Lifetimes follow each marketplace: eBay user tokens 2 h (refresh tokens 18 months), Shopee access
tokens 4 h, TikTok access tokens 7 days, Walmart 15 min, Amazon LWA 1 h. Advancing the world clock
expires them as real time would, so connectors exercise their refresh path.

Tokens carry the OAuth scopes they were granted where the marketplace has scopes (eBay): a call
whose operation needs a scope the token lacks is refused (403) the way the marketplace refuses it,
so a connector must surface "reconnect granting this permission" instead of retrying. `scopes=None`
means the marketplace has no scopes for that kind of token (Shopee, TikTok, Walmart, Amazon LWA).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

TokenState = Literal["ok", "expired", "unknown"]


class TokenRecord(BaseModel):
    token: str
    store_id: str
    kind: str  # user | app | refresh | access | code
    expires_at: datetime | None = None
    scopes: list[str] | None = None

    def grants(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


class TokenBook:
    def __init__(self) -> None:
        self._tokens: dict[str, TokenRecord] = {}

    def add(
        self,
        token: str,
        store_id: str,
        kind: str,
        now: datetime,
        ttl_seconds: float | None,
        scopes: list[str] | None = None,
    ) -> TokenRecord:
        expires = None if ttl_seconds is None else now + timedelta(seconds=ttl_seconds)
        record = TokenRecord(
            token=token,
            store_id=store_id,
            kind=kind,
            expires_at=expires,
            scopes=None if scopes is None else list(scopes),
        )
        self._tokens[token] = record
        return record

    def check(self, token: str | None, now: datetime, kinds: tuple[str, ...]) -> tuple[TokenState, TokenRecord | None]:
        record = self._tokens.get(token or "")
        if record is None or record.kind not in kinds:
            return "unknown", None
        if record.expires_at is not None and now >= record.expires_at:
            return "expired", record
        return "ok", record

    def revoke(self, token: str) -> None:
        self._tokens.pop(token, None)

    def all(self) -> list[TokenRecord]:
        return list(self._tokens.values())

    def restore(self, records: list[TokenRecord]) -> None:
        self._tokens = {r.token: r for r in records}

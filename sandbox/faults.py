"""Misbehaviour on demand, plus the marketplaces' documented rate limits.

Faults are set per marketplace, optionally narrowed to one store; a store-level spec overrides
the marketplace-level one field by field. Counters such as `error_next` are consumed from the most
specific spec that has them. Random faults draw from a generator seeded with the sandbox seed, so a
failing run can be replayed.

Documented limits are always enforced, as the real marketplace would:
- Amazon SP-API Messaging: 1 request/s, burst 5, per operation (usage plan in the model).
- TikTok Shop: 50 QPS per API per app and shop; customer-service APIs also have a quota of
  10,000 requests a day (error 45101004).
eBay's Message API and Shopee's sellerchat publish no limits (UNVERIFIED), so they throttle only
when a fault asks them to.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

TIKTOK_DAILY_QUOTA = 10_000


class FaultSpec(BaseModel):
    marketplace: str
    store_id: str | None = None
    # 5xx responses: with a probability, or for the next N calls.
    error_rate: float = Field(0.0, ge=0, le=1)
    error_next: int = Field(0, ge=0)
    error_status: int = Field(500, ge=500, le=599)
    # 429 with Retry-After: forced for the next N calls, or a tighter limit than the documented one.
    throttle_next: int = Field(0, ge=0)
    retry_after_seconds: float = Field(1.0, ge=0)
    rate_limit_per_second: float | None = Field(None, gt=0)
    rate_limit_burst: int | None = Field(None, ge=1)
    daily_quota: int | None = Field(None, ge=0)
    # Hang: `before` answers 504 without doing the work; `after` does the work and then hangs, so
    # a client that gave up and retries may do it twice.
    timeout_next: int = Field(0, ge=0)
    timeout_rate: float = Field(0.0, ge=0, le=1)
    timeout_seconds: float = Field(10.0, ge=0)
    timeout_mode: Literal["before", "after"] = "before"
    # Pushes: extra copies of every push, a chance of one extra copy, or pushes silently lost.
    duplicate_pushes: int = Field(0, ge=0)
    duplicate_push_rate: float = Field(0.0, ge=0, le=1)
    drop_pushes_next: int = Field(0, ge=0)
    drop_push_rate: float = Field(0.0, ge=0, le=1)
    # Marketplace timestamps (payloads, mail Date headers, signature windows) offset by N seconds.
    clock_skew_seconds: float = 0.0
    # Mail relays.
    smtp_tempfail_next: int = Field(0, ge=0)
    smtp_tempfail_rate: float = Field(0.0, ge=0, le=1)
    smtp_outage: bool = False
    imap_outage: bool = False


_COUNTERS = ("error_next", "throttle_next", "timeout_next", "drop_pushes_next", "smtp_tempfail_next")


@dataclass
class Decision:
    kind: Literal["ok", "throttle", "error", "timeout"] = "ok"
    status: int = 200
    retry_after: float = 0.0
    hang_seconds: float = 0.0
    timeout_mode: str = "before"
    injected: bool = False
    reason: str = ""
    quota_exhausted: bool = False


class TokenBucket:
    """Classic token bucket on the real monotonic clock (rate limits don't follow the world clock)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = time.monotonic()

    def take(self) -> float:
        """Take a token; return 0 on success or the seconds until one is available."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate


@dataclass(frozen=True)
class Limit:
    rate: float
    burst: int


DOCUMENTED_LIMITS: dict[str, Limit] = {
    "amazon": Limit(rate=1.0, burst=5),
    "tiktok": Limit(rate=50.0, burst=50),
}


class FaultBook:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"faults:{seed}")
        self._specs: dict[tuple[str, str | None], FaultSpec] = {}
        # Fields each spec set explicitly: only those override the marketplace-level spec.
        self._explicit: dict[tuple[str, str | None], set[str]] = {}
        self._buckets: dict[tuple[str, str | None, str, float, int], TokenBucket] = {}
        self._quota: dict[tuple[str | None, str], int] = {}

    # -- configuration ------------------------------------------------------------------------

    def set(self, marketplace: str, store_id: str | None = None, **fields: object) -> FaultSpec:
        key = (marketplace, store_id)
        current = self._specs.get(key) or FaultSpec(marketplace=marketplace, store_id=store_id)
        merged = current.model_dump() | fields | {"marketplace": marketplace, "store_id": store_id}
        spec = FaultSpec.model_validate(merged)
        self._specs[key] = spec
        self._explicit[key] = self._explicit.get(key, set()) | (set(fields) - {"marketplace", "store_id"})
        return spec

    def clear(self, marketplace: str | None = None, store_id: str | None = None) -> None:
        for key in list(self._specs):
            if (marketplace is None or key[0] == marketplace) and (store_id is None or key[1] == store_id):
                del self._specs[key]
                self._explicit.pop(key, None)

    def specs(self) -> list[FaultSpec]:
        return list(self._specs.values())

    def _chain(self, marketplace: str, store_id: str | None) -> list[FaultSpec]:
        """Most specific first."""
        chain = []
        if store_id is not None and (marketplace, store_id) in self._specs:
            chain.append(self._specs[(marketplace, store_id)])
        if (marketplace, None) in self._specs:
            chain.append(self._specs[(marketplace, None)])
        return chain

    def _value(self, marketplace: str, store_id: str | None, name: str):  # type: ignore[no-untyped-def]
        for spec in self._chain(marketplace, store_id):
            if name in self._explicit.get((spec.marketplace, spec.store_id), set()):
                return getattr(spec, name)
        return FaultSpec.model_fields[name].default

    def _consume(self, marketplace: str, store_id: str | None, counter: str) -> bool:
        for spec in self._chain(marketplace, store_id):
            remaining = getattr(spec, counter)
            if remaining > 0:
                setattr(spec, counter, remaining - 1)
                return True
        return False

    def _chance(self, probability: float) -> bool:
        return probability > 0 and self._rng.random() < probability

    # -- decisions ----------------------------------------------------------------------------

    def skew_seconds(self, marketplace: str, store_id: str | None = None) -> float:
        return float(self._value(marketplace, store_id, "clock_skew_seconds"))

    def decide_http(self, marketplace: str, store_id: str | None, operation: str) -> Decision:
        value = self._value
        if self._consume(marketplace, store_id, "timeout_next") or self._chance(
            value(marketplace, store_id, "timeout_rate")
        ):
            return Decision(
                kind="timeout",
                status=504,
                hang_seconds=value(marketplace, store_id, "timeout_seconds"),
                timeout_mode=value(marketplace, store_id, "timeout_mode"),
                injected=True,
                reason="injected timeout",
            )
        if self._consume(marketplace, store_id, "error_next") or self._chance(
            value(marketplace, store_id, "error_rate")
        ):
            return Decision(
                kind="error",
                status=value(marketplace, store_id, "error_status"),
                injected=True,
                reason="injected server error",
            )
        retry_after = float(value(marketplace, store_id, "retry_after_seconds"))
        if self._consume(marketplace, store_id, "throttle_next"):
            return Decision(
                kind="throttle", status=429, retry_after=retry_after, injected=True, reason="injected throttle"
            )
        rate = value(marketplace, store_id, "rate_limit_per_second")
        burst = value(marketplace, store_id, "rate_limit_burst")
        documented = DOCUMENTED_LIMITS.get(marketplace)
        injected = rate is not None or burst is not None
        if injected or documented is not None:
            rate = rate if rate is not None else (documented.rate if documented else 1.0)
            burst = burst if burst is not None else (documented.burst if documented else max(1, int(rate)))
            key = (marketplace, store_id, operation, rate, burst)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(rate, burst)
            wait = bucket.take()
            if wait > 0:
                return Decision(
                    kind="throttle",
                    status=429,
                    retry_after=max(wait, 1.0 / rate),
                    injected=injected,
                    reason="rate limit exceeded",
                )
        return Decision()

    def take_daily_quota(self, marketplace: str, store_id: str | None, default_quota: int) -> bool:
        """Count one call against a per-day quota; False once the day's quota is spent."""
        quota = self._value(marketplace, store_id, "daily_quota")
        limit = default_quota if quota is None else quota
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        key = (store_id, f"{marketplace}:{day}")
        used = self._quota.get(key, 0)
        if used >= limit:
            return False
        self._quota[key] = used + 1
        return True

    def push_copies(self, marketplace: str, store_id: str | None) -> int:
        """How many times to send the next push: 0 (lost), 1, or more (duplicated)."""
        if self._consume(marketplace, store_id, "drop_pushes_next") or self._chance(
            self._value(marketplace, store_id, "drop_push_rate")
        ):
            return 0
        copies = 1 + int(self._value(marketplace, store_id, "duplicate_pushes"))
        if self._chance(self._value(marketplace, store_id, "duplicate_push_rate")):
            copies += 1
        return copies

    def smtp_tempfail(self, marketplace: str, store_id: str | None) -> bool:
        return self._consume(marketplace, store_id, "smtp_tempfail_next") or self._chance(
            self._value(marketplace, store_id, "smtp_tempfail_rate")
        )

    def smtp_outage(self) -> bool:
        return any(spec.smtp_outage for spec in self._specs.values())

    def imap_outage(self) -> bool:
        return any(spec.imap_outage for spec in self._specs.values())

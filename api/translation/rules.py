"""Pure decisions of the translation domain: which language a buyer must be answered in, what an
agent reads, what the budget allows, and the notices shown when translation does not happen."""

from __future__ import annotations

from datetime import date, datetime

from api.translation.providers import RETRYABLE, FailureKind, base_language, canonical_language

# Marketplaces whose rules require replies in English whatever the buyer wrote in (the compliance
# linter enforces it: Walmart US and Amazon US answer in English).
ENGLISH_ONLY = frozenset({"walmart"})

NOTICES: dict[str, str] = {
    "not_configured": "Translation is not set up for this organization; showing the original.",
    "budget_exhausted": "This month's translation budget is used up; automatic translation is off until next month.",
    "timeout": "The translation service did not answer in time; showing the original. It will be retried.",
    "rate_limited": "The translation service is busy (rate limit); showing the original. It will be retried.",
    "quota": "The translation provider's quota is used up; showing the original.",
    "auth": "The translation provider refused the key; an admin needs to check the translation settings.",
    "garbage": "The translation service answered something unusable; showing the original. It will be retried.",
    "unavailable": "The translation service is unavailable; showing the original. It will be retried.",
    "refused": "The translation service's address is not allowed; an admin needs to check the settings.",
}
DEFAULT_RETRY_SECONDS = 30.0


def month_of(moment: datetime) -> date:
    return date(moment.year, moment.month, 1)


def same_language(a: str, b: str) -> bool:
    return base_language(a) == base_language(b)


def buyer_language(marketplace: str, order_locale: str | None, last_inbound_language: str | None) -> str:
    """The language a reply must be sent in: English where the marketplace requires it, else the
    order's locale, else the language the buyer last wrote in, else English."""
    if marketplace in ENGLISH_ONLY:
        return "en"
    if order_locale:
        return canonical_language(order_locale)
    if last_inbound_language:
        return canonical_language(last_inbound_language)
    return "en"


def within_budget(used: int, budget: int, size: int) -> bool:
    return used + size <= budget


def retry_seconds(kind: FailureKind, provider_hint: float | None) -> float | None:
    """When the SPA should ask again: the provider's Retry-After, else a default; None when waiting
    cannot help (quota, credentials, a refused address)."""
    if kind in ("quota", "auth", "refused"):
        return None
    return provider_hint if provider_hint and provider_hint > 0 else DEFAULT_RETRY_SECONDS


# The retry loop's back-off for a message translation that failed for a reason time can fix: 5, 10,
# 20, 40 s ... at most an hour apart, and at most this many attempts (about 85 minutes in all);
# after that the next time someone opens the message asks again.
RETRY_BASE_SECONDS = 5.0
RETRY_CAP_SECONDS = 3600.0
MAX_RETRY_ATTEMPTS = 10


def retry_delay(attempts: int, provider_hint: float | None) -> float:
    """Seconds until the next attempt after `attempts` failed ones: exponential, capped, and never
    sooner than the provider's own Retry-After."""
    delay = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, min(attempts - 1, 20)))
    return max(delay, provider_hint or 0.0)


def should_retry(kind: str | None, attempts: int) -> bool:
    """Whether to schedule another attempt: only failures waiting can fix, and not forever."""
    return kind in RETRYABLE and attempts < MAX_RETRY_ATTEMPTS

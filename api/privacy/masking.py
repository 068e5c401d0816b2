"""Buyer data masking (脱敏): pure rules for what a masked role sees instead of a buyer's contact data.

Every function is idempotent (masking a masked value changes nothing), because a response can pass
through serialisation more than once, and keeps just enough to tell buyers apart in a list: the first
letter and the domain of an email, the last two digits of a phone number, the city and country of an
address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MASK = "***"
# The parts of an address that are kept: where the buyer is, not where they live.
ADDRESS_KEPT = ("city", "country", "country_code")


def looks_like_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(at and local and domain and not any(c.isspace() for c in value))


def mask_email(value: str | None) -> str | None:
    """`jane.doe@example.com` → `j***@example.com`. Text that is not an email is masked whole."""
    if value is None:
        return None
    if not looks_like_email(value):
        return MASK if value else value
    local, _, domain = value.rpartition("@")
    return f"{local[0]}{MASK}@{domain}"


def mask_phone(value: str | None) -> str | None:
    """Every digit but the last two becomes `*`; separators stay: `+1 (555) 010-2000` → `+* (***) ***-**00`."""
    if value is None:
        return None
    digits = sum(c.isdigit() for c in value)
    keep_from = digits - 2
    out = []
    seen = 0
    for c in value:
        if c.isdigit():
            out.append(c if seen >= keep_from else "*")
            seen += 1
        else:
            out.append(c)
    return "".join(out)


def mask_identifier(value: str) -> str:
    """A buyer id or display name: masked only when it is an email address (email channels use the
    address as both), otherwise it is the marketplace's own pseudonymous id or the buyer's name."""
    if not looks_like_email(value):
        return value
    local, _, domain = value.rpartition("@")
    return f"{local[0]}{MASK}@{domain}"


def mask_address(address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A structured address reduced to its city and country; street, postal code, name and phone go."""
    if address is None:
        return None
    return {k: address[k] for k in ADDRESS_KEPT if address.get(k) is not None}

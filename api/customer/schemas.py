from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_serializer, field_validator

from api.kit.schema import PatchModel, RequestModel, ResponseModel
from api.privacy.masking import mask_email, mask_identifier, mask_phone
from api.privacy.policy import masking_active

# standard = regular, high_value = VIP; new and at_risk are only ever computed (api/customer/tiers.py).
Tier = Literal["standard", "high_value", "potential", "low_activity", "new", "at_risk"]


class BuyerIn(RequestModel):
    """The buyer as the marketplace identifies them."""

    external_id: str = Field(
        min_length=1,
        max_length=320,
        description="Marketplace buyer id, relay alias (e.g. Amazon's anonymised address) or email.",
    )
    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(
        default=None, max_length=40, description="Where known; identities with the same phone are merged"
    )

    @field_validator("email")
    @classmethod
    def _email_shape(cls, v: str | None) -> str | None:
        return _email(v)

    @field_validator("phone")
    @classmethod
    def _phone_shape(cls, v: str | None) -> str | None:
        return normalise_phone(v)


def _email(v: str | None) -> str | None:
    if v is not None and ("@" not in v or v.startswith("@") or v.endswith("@") or any(c.isspace() for c in v)):
        raise ValueError("not an email address")
    return v


def normalise_phone(v: str | None) -> str | None:
    """Digits with an optional leading +, so that "+1 (555) 010-2000" and "+15550102000" match."""
    if v is None:
        return None
    digits = "".join(c for c in v if c.isdigit())
    if not 6 <= len(digits) <= 20 or any(not (c.isdigit() or c in " +-().") for c in v):
        raise ValueError("not a phone number")
    return ("+" if v.strip().startswith("+") else "") + digits


class BuyerContactMasked(ResponseModel):
    """The one place buyer contact data is masked for masked roles (api/privacy/policy.py): emails,
    phones, and buyer ids or names that are email addresses. JSON responses only."""

    @field_serializer("email", check_fields=False, when_used="json")
    def _mask_email(self, v: str | None) -> str | None:
        return mask_email(v) if masking_active() else v

    @field_serializer("phone", check_fields=False, when_used="json")
    def _mask_phone(self, v: str | None) -> str | None:
        return mask_phone(v) if masking_active() else v

    @field_serializer("display_name", "external_buyer_id", check_fields=False, when_used="json")
    def _mask_identifier(self, v: str) -> str:
        return mask_identifier(v) if masking_active() else v


class CustomerSummary(BuyerContactMasked):
    id: uuid.UUID
    display_name: str
    marketplace: str
    tier: Tier


class CustomerRead(BuyerContactMasked):
    id: uuid.UUID
    marketplace: str
    external_buyer_id: str
    display_name: str
    email: str | None
    phone: str | None
    merged_into_id: uuid.UUID | None = Field(description="The profile this identity is merged into, if any")
    tier: Tier
    tier_source: Literal["computed", "manual"]
    tier_reason: str | None
    tags: list[str]
    notes: str | None
    created_at: datetime
    updated_at: datetime


class CustomerUpdate(PatchModel):
    """Profile fields (name, tier, tags, notes) change the profile the identity belongs to; `email`
    and `phone` belong to the identity addressed, and a match merges it automatically."""

    clearable = frozenset({"notes", "email", "phone"})
    display_name: str | None = Field(default=None, max_length=300)
    tier: Tier | None = Field(default=None, description="Set by hand: kept until `tier_auto` is sent")
    tier_auto: Literal[True] | None = Field(default=None, description="Go back to the computed tier")
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    tags: list[str] | None = Field(default=None, max_length=50)
    notes: str | None = Field(default=None, max_length=10_000)

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            for tag in v:
                if not 1 <= len(tag) <= 64:
                    raise ValueError("each tag must be 1 to 64 characters")
            return list(dict.fromkeys(v))
        return v

    @field_validator("email")
    @classmethod
    def _email_shape(cls, v: str | None) -> str | None:
        return _email(v)

    @field_validator("phone")
    @classmethod
    def _phone_shape(cls, v: str | None) -> str | None:
        return normalise_phone(v)


class CustomerMerge(RequestModel):
    customer_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=50, description="Profiles (or identities of them) to merge into this one"
    )


class CustomerIdentity(BuyerContactMasked):
    id: uuid.UUID
    marketplace: str
    external_buyer_id: str
    display_name: str
    email: str | None
    phone: str | None
    merged_into_id: uuid.UUID | None
    auto_merge: bool
    created_at: datetime


class MoneyAmount(ResponseModel):
    currency: str
    amount: Decimal


class CustomerPage(ResponseModel):
    items: list[CustomerRead]
    next_cursor: str | None


class TierRulesRead(ResponseModel):
    """The thresholds tiers are computed with (see TierRules for their meaning)."""

    window_days: int
    currency: str
    vip_min_value: Decimal
    vip_min_orders: int
    repeat_min_orders: int
    new_days: int
    lapsed_days: int
    at_risk_days: int

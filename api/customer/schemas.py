from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from api.kit.schema import PatchModel, RequestModel, ResponseModel

Tier = Literal["standard", "high_value", "potential", "low_activity"]


class BuyerIn(RequestModel):
    """The buyer as the marketplace identifies them."""

    external_id: str = Field(
        min_length=1,
        max_length=320,
        description="Marketplace buyer id, relay alias (e.g. Amazon's anonymised address) or email.",
    )
    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320)

    @field_validator("email")
    @classmethod
    def _email_shape(cls, v: str | None) -> str | None:
        if v is not None and ("@" not in v or v.startswith("@") or v.endswith("@") or any(c.isspace() for c in v)):
            raise ValueError("not an email address")
        return v


class CustomerSummary(ResponseModel):
    id: uuid.UUID
    display_name: str
    marketplace: str
    tier: Tier


class CustomerRead(ResponseModel):
    id: uuid.UUID
    marketplace: str
    external_buyer_id: str
    display_name: str
    email: str | None
    tier: Tier
    tags: list[str]
    notes: str | None
    created_at: datetime
    updated_at: datetime


class CustomerUpdate(PatchModel):
    clearable = frozenset({"notes"})
    display_name: str | None = Field(default=None, max_length=300)
    tier: Tier | None = None
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


class CustomerPage(ResponseModel):
    items: list[CustomerRead]
    next_cursor: str | None

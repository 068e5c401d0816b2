from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from api.kit.schema import RequestModel, ResponseModel
from api.models.privacy import MIN_RETENTION_DAYS

MaskableRole = Literal["agent", "supervisor"]
# A bound on the arithmetic (now - retention), far beyond any sensible policy: 100 years.
MAX_RETENTION_DAYS = 36_500


class PrivacySettingsRead(ResponseModel):
    retention_days: int | None = Field(
        description="Conversations whose last activity is older than this many days are deleted by a daily "
        "job; null keeps everything (the default)"
    )
    minimum_retention_days: int = Field(
        description="The shortest period that can be set: service records are kept at least a year"
    )
    masked_roles: list[MaskableRole] = Field(
        description="Roles that see buyer emails, phone numbers and addresses masked; admins and API keys never are"
    )
    rollups_frozen_before: datetime | None = Field(
        description="Report figures before this instant are kept as they were when older conversations were "
        "deleted, and are no longer recomputed"
    )


class PrivacySettingsUpdate(RequestModel):
    retention_days: int | None = Field(
        description=f"Null keeps everything; otherwise at least {MIN_RETENTION_DAYS} days, at most {MAX_RETENTION_DAYS}"
    )
    masked_roles: list[str] = Field(default_factory=list, max_length=10, description="agent and/or supervisor")

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, v: int | None) -> int | None:
        if v is not None and v < MIN_RETENTION_DAYS:
            raise ValueError(
                f"must be at least {MIN_RETENTION_DAYS} days (service records are kept at least a year), "
                "or null to keep everything"
            )
        if v is not None and v > MAX_RETENTION_DAYS:
            raise ValueError(f"must be at most {MAX_RETENTION_DAYS} days; null keeps everything")
        return v

    @field_validator("masked_roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        for role in v:
            if role == "admin":
                raise ValueError("admins are never masked: they manage these settings")
            if role not in ("agent", "supervisor"):
                raise ValueError(f"unknown role {role!r} (agent or supervisor)")
        return sorted(set(v))


class CustomerErasureRequest(RequestModel):
    force: bool = Field(
        default=False,
        description="Erase even while a case is open or a marketplace reply clock is running on the buyer's "
        "conversations (the marketplace may then penalise the unanswered thread)",
    )


class CustomerErasureResult(ResponseModel):
    customer_id: uuid.UUID = Field(description="The profile erased")
    identity_ids: list[uuid.UUID] = Field(description="Every identity of the profile, all erased")
    conversations: int = Field(description="Conversations whose buyer text was erased (kept, with their counts)")
    messages: int = Field(description="Buyer messages whose text was replaced by the tombstone")
    forced: bool
    erased_at: datetime

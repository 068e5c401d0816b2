from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field, model_validator

from api.kit.schema import RequestModel, ResponseModel

Marketplace = Literal["walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api"]


class ComplianceCheck(RequestModel):
    text: str = Field(max_length=65_536)
    conversation_id: uuid.UUID | None = Field(default=None, description="Lint as a reply in this conversation")
    marketplace: Marketplace | None = Field(default=None, description="Or lint for a marketplace directly")
    order_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    order_locale: str | None = Field(default=None, max_length=16)

    @model_validator(mode="after")
    def _target(self) -> ComplianceCheck:
        if (self.conversation_id is None) == (self.marketplace is None):
            raise ValueError("give exactly one of conversation_id or marketplace")
        return self


class ViolationRead(ResponseModel):
    code: str
    message: str
    start: int = Field(description="Offset of the offending text (Unicode code points)")
    end: int
    severity: Literal["error", "warning"]
    marketplace: str


class ComplianceResult(ResponseModel):
    blocking: bool = Field(description="True when sending would be refused")
    violations: list[ViolationRead]


class RuleRead(ResponseModel):
    code: str
    description: str
    severity: Literal["error", "warning"]
    source: str

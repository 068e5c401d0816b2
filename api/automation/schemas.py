from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from api.kit.schema import PatchModel, RequestModel, ResponseModel
from api.rules.conditions import ASSIGNMENT_RULE, AUTO_REPLY_RULE, validate_pattern


class SendTemplate(RequestModel):
    type: Literal["send_template"]
    template_id: uuid.UUID


class AddLabel(RequestModel):
    type: Literal["add_label"]
    label: str = Field(min_length=1, max_length=64)


class SetPriority(RequestModel):
    type: Literal["set_priority"]
    priority: Literal["low", "normal", "high", "urgent"]


class Assign(RequestModel):
    type: Literal["assign"]
    user_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None


class Remind(RequestModel):
    type: Literal["remind"]
    after_minutes: int = Field(default=60, ge=1, le=60 * 24 * 14)
    user_id: uuid.UUID | None = Field(default=None, description="Default: the assignee, else the team")
    note: str = Field(default="", max_length=500)


class OpenCase(RequestModel):
    """Open an after-sales case on the conversation (none if one of this kind is already open)."""

    type: Literal["open_case"]
    kind: Literal["return", "refund", "replacement", "reship", "cancellation", "claim"]
    reason: str = Field(default="", max_length=500, description="Default: the rule's name")


Action = Annotated[SendTemplate | AddLabel | SetPriority | Assign | Remind | OpenCase, Field(discriminator="type")]
Marketplace = Literal["walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api"]


class RuleConditions(RequestModel):
    outside_business_hours: bool = Field(default=False, description="By the conversation's business calendar")
    on_holiday: bool = False
    keywords: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default=[], max_length=50, description="English words/phrases (whole words) or Chinese text; any matches"
    )
    patterns: list[str] = Field(default=[], max_length=10, description="Regular expressions (case-insensitive)")
    marketplaces: list[Marketplace] = []
    channel_ids: list[uuid.UUID] = []
    categories: list[str] = Field(default=[], max_length=20)
    customer_tiers: list[Literal["standard", "high_value", "potential", "low_activity", "new", "at_risk"]] = []
    first_message_only: bool = False

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, v: list[str]) -> list[str]:
        for i, p in enumerate(v):
            problem = validate_pattern(p)
            if problem:
                raise ValueError(f"pattern {i}: {problem}")
        return v


class AutoReplyRuleCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    position: int = Field(ge=0, le=100_000)
    is_active: bool = True
    conditions: RuleConditions = RuleConditions()
    actions: list[Action] = Field(min_length=1, max_length=10)
    cooldown_minutes: int = Field(default=1440, ge=1, le=60 * 24 * 30)
    quiet_after_agent_minutes: int = Field(default=5, ge=0, le=24 * 60)
    stop_after_match: bool = False


class AutoReplyRuleUpdate(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    position: int | None = Field(default=None, ge=0, le=100_000)
    is_active: bool | None = None
    conditions: RuleConditions | None = None
    actions: list[Action] | None = Field(default=None, min_length=1, max_length=10)
    cooldown_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)
    quiet_after_agent_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    stop_after_match: bool | None = None


class AutoReplyRuleRead(ResponseModel):
    id: uuid.UUID
    name: str
    position: int
    is_active: bool
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    cooldown_minutes: int
    quiet_after_agent_minutes: int
    stop_after_match: bool
    created_at: datetime
    updated_at: datetime


class ReasonPart(ResponseModel):
    code: str = Field(description="See api/automation/explain.py for the codes and their English wording")
    params: dict[str, Any]


class RunReasonDetail(ResponseModel):
    matched: list[ReasonPart] = Field(description="The rule's conditions that held")
    blocked: ReasonPart | None = Field(description="Why nothing was done (suppressed runs)")
    actions: list[ReasonPart] = Field(description="What the rule did (fired runs)")


class AutomationRunRead(ResponseModel):
    id: int
    rule_id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    outcome: Literal["fired", "suppressed"]
    reason: str = Field(description="Why, in English")
    reason_detail: RunReasonDetail | None = Field(
        description="The reason and actions as codes with parameters, for wording them in any language; "
        "null on runs logged before it existed"
    )
    actions_done: list[str] = Field(description="What the rule did, in English")
    created_at: datetime


class AssignmentConditions(RequestModel):
    categories: list[str] = Field(default=[], max_length=20)
    keywords: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default=[], max_length=50)
    marketplaces: list[Marketplace] = []
    languages: list[Literal["en", "zh", "es", "ja", "ko"]] = []
    customer_tiers: list[Literal["standard", "high_value", "potential", "low_activity", "new", "at_risk"]] = []


class AssignmentRuleCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    position: int = Field(ge=0, le=100_000)
    is_active: bool = True
    conditions: AssignmentConditions = AssignmentConditions()
    team_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


class AssignmentRuleUpdate(PatchModel):
    clearable = frozenset({"team_id", "user_id"})
    name: str | None = Field(default=None, min_length=1, max_length=200)
    position: int | None = Field(default=None, ge=0, le=100_000)
    is_active: bool | None = None
    conditions: AssignmentConditions | None = None
    team_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


class AssignmentRuleRead(ResponseModel):
    id: uuid.UUID
    name: str
    position: int
    is_active: bool
    conditions: dict[str, Any]
    team_id: uuid.UUID | None
    user_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


assert set(RuleConditions.model_fields) == AUTO_REPLY_RULE.names
assert set(AssignmentConditions.model_fields) == ASSIGNMENT_RULE.names

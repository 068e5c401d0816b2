from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from api.kit.schema import PatchModel, ResponseModel

FormSetting = Literal["in_thread", "link", "off"]
GroupBy = Literal["agent", "marketplace", "category"]


class CsatSettingsRead(ResponseModel):
    enabled: bool
    delay_minutes: int = Field(description="Minutes between resolution and the question")
    forms: dict[str, str] = Field(
        description="The form per marketplace (in_thread | link | off), defaults filled in; `none` where the "
        "marketplace allows no survey"
    )
    ask_after_complaint: bool = Field(description="Ask even when the buyer complained in the conversation")
    questions: dict[str, str] = Field(description="The question per language (en, zh, es), defaults filled in")


class CsatSettingsUpdate(PatchModel):
    enabled: bool | None = None
    delay_minutes: int | None = Field(default=None, ge=0, le=7 * 24 * 60)
    forms: dict[str, FormSetting] | None = Field(
        default=None, description="Per marketplace; a form the marketplace does not allow is refused (422)"
    )
    ask_after_complaint: bool | None = None
    questions: dict[str, str] | None = Field(
        default=None,
        description="Per language (en, zh, es); an empty text restores the default. Every question is "
        "linted as a proactive message: no link, no marketing, no review request",
    )


class CsatRuleRead(ResponseModel):
    marketplace: str
    forms: list[str] = Field(description="The forms this marketplace allows (empty: no survey at all)")
    reason: str
    source: str


class CsatSurveyRead(ResponseModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    marketplace: str
    order_id: str | None
    agent_id: uuid.UUID | None
    category: str
    state: str = Field(description="scheduled | refused | sent | answered | cancelled")
    allowed: bool = Field(description="Whether the compliance rules allowed the question")
    form: str | None = Field(description="in_thread | link")
    reason: str = Field(description="Why the question was (not) sent, in the rule's words")
    source: str = Field(description="The rule's source (reference document, marketplace policy, or settings)")
    language: str
    resolved_at: datetime
    due_at: datetime | None
    sent_at: datetime | None
    message_id: uuid.UUID | None
    score: int | None
    answered_at: datetime | None
    answered_via: str | None = Field(description="reply | link")
    answer_message_id: uuid.UUID | None


class CsatGroupRead(ResponseModel):
    key: str | None = Field(description="The agent id, marketplace or category; null for no agent")
    label: str = Field(description="The agent's name, the marketplace or the category")
    sent: int = Field(description="Questions sent in the period")
    answered: int
    response_rate: float | None = Field(description="answered / sent, 0-1")
    average: float | None = Field(description="Average score 1-5")
    distribution: dict[str, int] = Field(description="Number of answers per score, '1' to '5'")


class CsatResults(ResponseModel):
    group_by: str
    start: datetime
    end: datetime
    total_sent: int
    total_answered: int
    average: float | None
    groups: list[CsatGroupRead]

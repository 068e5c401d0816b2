"""Macros: what a macro does (its actions), how it is shared, and what applying it would change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from api.compliance.schemas import ViolationRead
from api.conversation.schemas import Category, Priority, Status
from api.kit.errors import FieldError
from api.kit.schema import PatchModel, RequestModel, ResponseModel

Visibility = Literal["personal", "team", "org"]
AssignTo = Literal["me", "user", "nobody"]
ChangeField = Literal["status", "priority", "category", "labels", "assignee", "snooze", "note"]

# A snooze set by a macro lasts at most what a person may snooze for (api/conversation/snooze.py).
MAX_SNOOZE_HOURS = 90 * 24


def _labels(v: list[str]) -> list[str]:
    for label in v:
        if not 1 <= len(label) <= 64 or label.strip() != label:
            raise ValueError("each label must be 1 to 64 characters without surrounding spaces")
    return list(dict.fromkeys(v))


class MacroSnooze(RequestModel):
    hours: int | None = Field(
        default=None,
        ge=1,
        le=MAX_SNOOZE_HOURS,
        description="Snooze for this many hours from the moment the macro is applied; null: until the buyer writes",
    )


class MacroReply(RequestModel):
    """Exactly one of `template_id` (a template of the library, rendered for the conversation) or
    `text` (literal text, which may use the template variables, e.g. `{{ customer_name }}`)."""

    template_id: uuid.UUID | None = None
    text: str | None = Field(default=None, min_length=1, max_length=20_000)


class MacroActions(RequestModel):
    """What the macro does. Fields left out are left as they are; at least one action is required."""

    status: Status | None = None
    priority: Priority | None = None
    category: Category | None = None
    add_labels: list[str] = Field(default_factory=list, max_length=20)
    remove_labels: list[str] = Field(default_factory=list, max_length=20)
    assign_to: AssignTo | None = Field(
        default=None,
        description="`me`: whoever applies the macro; `user`: the user in `assignee_id`; `nobody`: unassign",
    )
    assignee_id: uuid.UUID | None = Field(default=None, description="With `assign_to: user` only")
    snooze: MacroSnooze | None = None
    note: str | None = Field(default=None, min_length=1, max_length=20_000, description="An internal note to add")
    reply: MacroReply | None = Field(default=None, description="A reply to send to the buyer")

    _clean_add = field_validator("add_labels")(_labels)
    _clean_remove = field_validator("remove_labels")(_labels)


class MacroCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)
    visibility: Visibility = Field(
        default="personal",
        description="`personal`: only you; `team`: the members of `team_id`; `org`: everyone (needs settings:write)",
    )
    team_id: uuid.UUID | None = Field(default=None, description="With `visibility: team` only")
    actions: MacroActions


class MacroUpdate(PatchModel):
    """Only the fields sent change; `actions` is replaced as a whole."""

    clearable = frozenset({"team_id"})
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    visibility: Visibility | None = None
    team_id: uuid.UUID | None = None
    actions: MacroActions | None = None


class MacroRead(ResponseModel):
    id: uuid.UUID
    name: str
    description: str
    visibility: Visibility
    team_id: uuid.UUID | None
    owner_user_id: uuid.UUID
    mine: bool = Field(description="The caller created the macro")
    can_edit: bool = Field(description="The caller may change or delete it")
    actions: MacroActions
    created_at: datetime
    updated_at: datetime


class FieldChange(ResponseModel):
    field: ChangeField
    before: str | None = Field(description="The value now (user id, label list joined by `, `, ISO time, ...)")
    after: str | None = Field(description="The value after applying")
    before_text: str | None = Field(description="The value now in words (a user's name rather than their id)")
    after_text: str | None = Field(description="The value after applying, in words")
    words: str = Field(description="The change as a sentence, e.g. `Priority: High -> Urgent`")


class ReplyPreview(ResponseModel):
    text: str = Field(description="The reply as it would be sent, variables filled in")
    template_id: uuid.UUID | None
    template_name: str | None
    violations: list[ViolationRead] = Field(description="The compliance linter's findings for this marketplace")
    blocked: bool = Field(description="A violation is an error: the reply (and so the macro) would be refused")


class MacroPreview(ResponseModel):
    macro_id: uuid.UUID
    macro_name: str
    conversation_id: uuid.UUID
    changes: list[FieldChange] = Field(description="Each field that would change, old -> new; unchanged ones left out")
    reply: ReplyPreview | None
    can_apply: bool = Field(description="False when applying would be refused; `problems` says why")
    problems: list[FieldError] = Field(description="Why the macro cannot be applied to this conversation now")


class MacroApplied(ResponseModel):
    macro_id: uuid.UUID
    conversation_id: uuid.UUID
    changes: list[FieldChange]
    reply_message_id: uuid.UUID | None = Field(description="The reply queued, if the macro sends one")
    note_id: uuid.UUID | None

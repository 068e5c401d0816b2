"""Bulk work on conversations: what to select, what to do to each, and the job's progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from api.case.schemas import CaseKind, CaseState
from api.conversation.schemas import Category, Priority, SpamReason, Status, View
from api.kit.schema import RequestModel, ResponseModel

# One job touches at most this many conversations: enough for a day's backlog of a large store, few
# enough that one job's items and progress stay cheap to write and to show.
BULK_LIMIT = 10_000

Marketplace = Literal["walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api"]


class BulkFilter(RequestModel):
    """The same filters as `GET /v1/conversations`, as an object."""

    view: View = "all"
    channel_id: uuid.UUID | None = None
    marketplace: Marketplace | None = None
    assignee: str | None = Field(default=None, max_length=40, description="A user id, `me`, or `none`")
    team_id: uuid.UUID | None = None
    status: Status | None = None
    category: Category | None = None
    priority: Priority | None = None
    label: str | None = Field(default=None, max_length=64)
    customer_id: uuid.UUID | None = None
    sla_state: Literal["none", "ok", "due_soon", "overdue"] | None = None
    q: str | None = Field(default=None, min_length=1, max_length=200)


def _labels(v: list[str]) -> list[str]:
    for label in v:
        if not 1 <= len(label) <= 64 or label.strip() != label:
            raise ValueError("each label must be 1 to 64 characters without surrounding spaces")
    return list(dict.fromkeys(v))


class AssignAction(RequestModel):
    kind: Literal["assign"]
    assignee_id: uuid.UUID | None = Field(default=None, description="null unassigns")
    team_id: uuid.UUID | None = Field(default=None, description="Also move to this team (optional)")


class SetStatusAction(RequestModel):
    kind: Literal["set_status"]
    status: Status


class SetPriorityAction(RequestModel):
    kind: Literal["set_priority"]
    priority: Priority


class AddLabelsAction(RequestModel):
    kind: Literal["add_labels"]
    labels: list[str] = Field(min_length=1, max_length=20)

    _clean = field_validator("labels")(_labels)


class RemoveLabelsAction(RequestModel):
    kind: Literal["remove_labels"]
    labels: list[str] = Field(min_length=1, max_length=20)

    _clean = field_validator("labels")(_labels)


class FlagSpamAction(RequestModel):
    kind: Literal["flag_spam"]
    reason: SpamReason


class SendTemplateAction(RequestModel):
    """Render the template for each conversation, lint it for that conversation's marketplace, and
    queue it as a reply of its own (refused conversations fail with the linter's reasons)."""

    kind: Literal["send_template"]
    template_id: uuid.UUID


class OpenCaseAction(RequestModel):
    """Open an after-sales case of `case_kind` on each conversation (its order and customer linked,
    as `POST /v1/cases`); a conversation that already has an open case of that kind fails with
    that case's id."""

    kind: Literal["open_case"]
    case_kind: CaseKind
    reason: str = Field(default="", max_length=4000)


class RetryFailedAction(RequestModel):
    """Queue every failed reply of each conversation for delivery again (as `POST
    /v1/messages/{id}/retry` does for one); a conversation with no failed reply fails its item."""

    kind: Literal["retry_failed"]


class ApplyMacroAction(RequestModel):
    """Apply a macro you can use to each conversation, as `POST
    /v1/conversations/{id}/macros/{macro_id}/apply` does: each conversation all or nothing (a
    refused reply leaves that conversation unchanged and fails its item with the reasons)."""

    kind: Literal["apply_macro"]
    macro_id: uuid.UUID


BulkAction = Annotated[
    AssignAction
    | SetStatusAction
    | SetPriorityAction
    | AddLabelsAction
    | RemoveLabelsAction
    | FlagSpamAction
    | SendTemplateAction
    | OpenCaseAction
    | RetryFailedAction
    | ApplyMacroAction,
    Field(discriminator="kind"),
]


class BulkCreate(RequestModel):
    """Either `conversation_ids` or `filter` (everything the filter matches when the job is created)."""

    conversation_ids: list[uuid.UUID] | None = Field(
        default=None, description=f"At most {BULK_LIMIT:,}; duplicates count once"
    )
    filter: BulkFilter | None = None
    action: BulkAction

    @field_validator("conversation_ids")
    @classmethod
    def _ids(cls, v: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        if v is None:
            return v
        unique = list(dict.fromkeys(v))
        if not unique:
            raise ValueError("select at least one conversation")
        if len(unique) > BULK_LIMIT:
            raise ValueError(f"at most {BULK_LIMIT:,} conversations per bulk job ({len(unique):,} given)")
        return unique

    @model_validator(mode="after")
    def _one_selection(self) -> BulkCreate:
        if (self.conversation_ids is None) == (self.filter is None):
            raise ValueError("give either conversation_ids or filter")
        return self


class BulkFailure(ResponseModel):
    conversation_id: uuid.UUID
    reason: str


class BulkJobRead(ResponseModel):
    id: uuid.UUID
    target: Literal["conversations"]
    action: dict[str, Any]
    status: Literal["queued", "running", "completed"]
    total: int
    done: int = Field(description="Items that succeeded")
    failed: int = Field(description="Items that failed, each with its reason in `failures`")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    failures: list[BulkFailure] = Field(description="The first failures, in selection order")
    failures_truncated: bool


# -- cases ------------------------------------------------------------------------------------------


class CaseBulkFilter(RequestModel):
    """The filters of `GET /v1/cases`, as an object."""

    state: list[CaseState] | None = Field(default=None, max_length=20)
    kind: CaseKind | None = None
    marketplace: Marketplace | None = None


class CaseTransitionAction(RequestModel):
    """Move each case to `to` (e.g. approve or reject many returns); a case whose machine does not
    allow it from its current state fails naming both states."""

    kind: Literal["transition"]
    to: CaseState
    reason: str = Field(default="", max_length=4000)


class CaseAssignAction(RequestModel):
    kind: Literal["assign"]
    assignee_id: uuid.UUID | None = Field(default=None, description="null unassigns")


CaseBulkAction = Annotated[CaseTransitionAction | CaseAssignAction, Field(discriminator="kind")]


class CaseBulkCreate(RequestModel):
    """Either `case_ids` or `filter` (everything the filter matches when the job is created)."""

    case_ids: list[uuid.UUID] | None = Field(default=None, description=f"At most {BULK_LIMIT:,}; duplicates count once")
    filter: CaseBulkFilter | None = None
    action: CaseBulkAction

    @field_validator("case_ids")
    @classmethod
    def _ids(cls, v: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        if v is None:
            return v
        unique = list(dict.fromkeys(v))
        if not unique:
            raise ValueError("select at least one case")
        if len(unique) > BULK_LIMIT:
            raise ValueError(f"at most {BULK_LIMIT:,} cases per bulk job ({len(unique):,} given)")
        return unique

    @model_validator(mode="after")
    def _one_selection(self) -> CaseBulkCreate:
        if (self.case_ids is None) == (self.filter is None):
            raise ValueError("give either case_ids or filter")
        return self


class CaseBulkFailure(ResponseModel):
    case_id: uuid.UUID
    reason: str


class CaseBulkJobRead(ResponseModel):
    id: uuid.UUID
    target: Literal["cases"]
    action: dict[str, Any]
    status: Literal["queued", "running", "completed"]
    total: int
    done: int = Field(description="Cases that succeeded")
    failed: int = Field(description="Cases that failed, each with its reason in `failures`")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    failures: list[CaseBulkFailure] = Field(description="The first failures, in selection order")
    failures_truncated: bool

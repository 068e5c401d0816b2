"""What uses a thing before it is deleted: `GET .../{id}/usage` lists it, and DELETE refuses with 409
problem+json carrying the same `used_by` list while anything does (with a hint, such as disabling
instead). Each module finds its own users; this is the shared shape."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.kit.errors import Conflict
from api.kit.schema import ResponseModel

UserKind = Literal[
    "conversations",
    "open_clocks",
    "automation_rule",
    "assignment_rule",
    "sla_policy",
    "case_settings",
    "builtin",
    "team",
    "default_calendar",
]


class UsedBy(ResponseModel):
    kind: UserKind = Field(
        description="`conversations` (a store's), `open_clocks` (running SLA clocks under a policy), "
        "`automation_rule`, `assignment_rule`, `sla_policy`, `case_settings` (the after-sales "
        "follow-up template), `builtin` (a built-in policy), `team` (a team's business hours), "
        "`default_calendar` (the organization's default business hours)"
    )
    id: str | None = Field(None, description="The user's id when it is one thing (a rule, a policy)")
    name: str = Field(description="What the user is called, or what is counted")
    count: int = Field(1, description="How many (conversations, clocks)")


class Usage(ResponseModel):
    used_by: list[UsedBy]
    deletable: bool = Field(description="Nothing uses it: DELETE will succeed")
    hint: str | None = Field(None, description="What to do instead while something uses it")


def usage(used_by: list[UsedBy], hint: str | None = None) -> Usage:
    return Usage(used_by=used_by, deletable=not used_by, hint=hint if used_by else None)


def refuse_if_used(what: str, found: Usage) -> None:
    """409 problem+json with `used_by` (and `hint`) when something uses the thing."""
    if found.deletable:
        return
    names = ", ".join(
        f"{u.count} {u.name}" if u.kind in ("conversations", "open_clocks") else u.name for u in found.used_by
    )
    detail = f"{what} is in use ({names})." + (f" {found.hint}" if found.hint else "")
    raise Conflict(
        detail,
        extra={"used_by": [u.model_dump(mode="json") for u in found.used_by], "hint": found.hint},
    )

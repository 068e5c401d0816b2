"""RFC 9457 problem+json errors.

Every error the API returns is a `Problem`: a stable `type` URI, a title, the HTTP status, a detail
sentence, and for input errors an `errors` list naming each field and the reason.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_BASE = "https://hourglass.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `body.subject`.")
    reason: str = Field(description="Why the value was refused.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class HourglassError(Exception):
    """Base class: carries its own status and problem type so handlers stay generic."""

    status_code = 400
    problem_type = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        problem: dict[str, Any] = {
            "type": PROBLEM_BASE + self.problem_type,
            "title": self.title,
            "status": self.status_code,
            "detail": self.detail or self.title,
        }
        if instance:
            problem["instance"] = instance
        if self.errors:
            problem["errors"] = [e.model_dump() for e in self.errors]
        problem.update(self.extra)
        return problem


class NotFound(HourglassError):
    status_code = 404
    problem_type = "not-found"
    title = "Not found"


class Unauthorized(HourglassError):
    status_code = 401
    problem_type = "unauthorized"
    title = "Authentication required"


class Forbidden(HourglassError):
    status_code = 403
    problem_type = "forbidden"
    title = "Forbidden"


class Conflict(HourglassError):
    status_code = 409
    problem_type = "conflict"
    title = "Conflict"


class InvalidInput(HourglassError):
    status_code = 422
    problem_type = "invalid-input"
    title = "Invalid input"


class TooManyRequests(HourglassError):
    status_code = 429
    problem_type = "rate-limited"
    title = "Too many requests"


class PayloadTooLarge(HourglassError):
    status_code = 413
    problem_type = "payload-too-large"
    title = "Payload too large"


def field_error(field: str, reason: str) -> list[FieldError]:
    return [FieldError(field=field, reason=reason)]


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries so the OpenAPI spec (and the generated client) knows the error shapes."""
    descriptions = {
        400: "Bad request",
        401: "Authentication required",
        403: "Forbidden (missing scope or role)",
        404: "Not found (or belongs to another organization)",
        409: "Conflict",
        413: "Payload too large",
        422: "Invalid input",
        429: "Rate limited",
    }
    return {
        s: {"model": Problem, "description": descriptions.get(s, "Error"), "content": {PROBLEM_MEDIA_TYPE: {}}}
        for s in statuses
    }

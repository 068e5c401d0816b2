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


class Gone(HourglassError):
    """It existed and no longer does (an export file past its expiry)."""

    status_code = 410
    problem_type = "gone"
    title = "Gone"


class Locked(HourglassError):
    """Someone else holds the resource for now (a colleague's draft lock); it frees itself in time."""

    status_code = 423
    problem_type = "locked"
    title = "Locked"


class ServiceUnavailable(HourglassError):
    status_code = 503
    problem_type = "unavailable"
    title = "Service unavailable"


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


class UnsupportedMediaType(HourglassError):
    status_code = 415
    problem_type = "unsupported-media-type"
    title = "Unsupported media type"


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
        410: "Gone (expired)",
        413: "Payload too large",
        415: "Unsupported media type",
        422: "Invalid input",
        423: "Locked (a colleague holds the draft lock)",
        429: "Rate limited",
        503: "Temporarily unavailable",
    }
    return {
        s: {"model": Problem, "description": descriptions.get(s, "Error"), "content": {PROBLEM_MEDIA_TYPE: {}}}
        for s in statuses
    }


# PostgreSQL SQLSTATEs that mean "the request asked for something the data model refuses": a client
# error, whichever code path forgot to check first. Anything else stays a 500.
_UNIQUE, _NOT_NULL, _FOREIGN_KEY, _CHECK = "23505", "23502", "23503", "23514"


def _sqlstate(exc: BaseException) -> tuple[str | None, Any]:
    """(SQLSTATE, driver exception) of a SQLAlchemy DBAPIError raised by asyncpg (or psycopg)."""
    orig = getattr(exc, "orig", None)
    # SQLAlchemy's asyncpg adapter wraps the driver's exception, which carries the column and detail.
    for candidate in (getattr(orig, "__cause__", None), orig):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state:
            return str(state), candidate
    return None, orig


def _key_columns(detail: str | None) -> list[str]:
    # asyncpg's detail reads `Key (organization_id, name)=(..., ...) already exists.`; the values are
    # never echoed back, only the column names.
    if not detail or not detail.startswith("Key ("):
        return []
    inner = detail[len("Key (") : detail.find(")=")]
    return [c.strip() for c in inner.split(",") if c.strip() and c.strip() != "organization_id"]


def database_refusal(exc: BaseException) -> HourglassError | None:
    """The problem for an integrity or data error PostgreSQL raised on a request's write, or None.

    The services check what they know to check (a name in use, a calendar that exists); this is the
    backstop that turns a missed check or a race between two requests into a 409/422 naming the
    field, never a 500. The request's transaction is rolled back by the session dependency."""
    state, driver = _sqlstate(exc)
    if state is None:
        return None
    detail = getattr(driver, "detail", None)
    if state == _UNIQUE:
        columns = _key_columns(detail) or ["id"]
        return Conflict(
            f"A record with this {', '.join(columns)} exists.",
            errors=[FieldError(field=f"body.{c}", reason="already used") for c in columns],
        )
    if state == _NOT_NULL:
        column = getattr(driver, "column_name", None) or "unknown"
        return InvalidInput(f"{column} must not be null.", errors=field_error(f"body.{column}", "must not be null"))
    if state == _FOREIGN_KEY:
        columns = _key_columns(detail) or ["id"]
        return InvalidInput(
            "A referenced record does not exist.",
            errors=[FieldError(field=f"body.{c}", reason="refers to a record that does not exist") for c in columns],
        )
    if state == _CHECK:
        constraint = getattr(driver, "constraint_name", None) or "a check"
        return InvalidInput(f"The value breaks the rule {constraint}.", errors=field_error("body", str(constraint)))
    if state.startswith("22"):  # data exception: out of range, invalid text representation, bad encoding
        return InvalidInput("A value is out of range or not representable.", errors=field_error("body", "out of range"))
    return None


def document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the API answers, once for every operation:

    - every 4xx/5xx body is `application/problem+json` (FastAPI's default 422 says `HTTPValidationError`
      as `application/json`, which no operation returns);
    - an operation that takes a body answers 400 when the body is not valid UTF-8 (FastAPI's parser),
      422 when it does not validate, and 409 when the write collides with existing data."""
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    # The `webhooks` section is built by the same machinery (and would otherwise keep a dangling
    # reference to the validation-error schema removed below).
    for methods in [*spec.get("paths", {}).values(), *spec.get("webhooks", {}).values()]:
        for operation in methods.values():
            responses = operation.get("responses", {})
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "Bad request (the body is not valid UTF-8 or JSON)"})
                responses.setdefault("422", {"description": "Invalid input"})
                # `database_refusal`: a write that collides with existing data (a name in use, a
                # concurrent request) is a 409 on every operation that writes.
                responses.setdefault("409", {"description": "Conflict"})
            for status, response in responses.items():
                if status[0] in "45" and (response.get("content") or status in ("400", "422")):
                    response["content"] = dict(problem)
                    if response.get("description") == "Validation Error":
                        response["description"] = "Invalid input"
    # `Problem` is in the components: the routers' `problem_responses` put it there.
    schemas = spec["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return spec

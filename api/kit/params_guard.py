"""The request-model rule "no text PostgreSQL cannot store" for what is not a body: the path and the
query string, checked once for every route before anything (the idempotency store included) uses them.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from api.kit.errors import PROBLEM_MEDIA_TYPE, FieldError, InvalidInput
from api.kit.schema import unstorable_reason


def _path_field(scope: Scope) -> str:
    """`path.<parameter>` for the documented route the path fits (looked up only when something is
    wrong); the OpenAPI paths are the stable list of routes and their parameter names."""
    app = scope.get("app")
    segments = scope.get("path", "").split("/")
    try:
        templates = list(app.openapi().get("paths", {})) if app is not None else []
    except Exception:  # a spec that cannot be built must not turn a 422 into a 500
        templates = []
    for template in templates:
        parts = template.split("/")
        if len(parts) != len(segments):
            continue
        names = [t[1:-1] if t.startswith("{") and t.endswith("}") else None for t in parts]
        if all(n is not None or t == s for n, t, s in zip(names, parts, segments, strict=True)):
            for name, segment in zip(names, segments, strict=True):
                if name and unstorable_reason(segment):
                    return f"path.{name}"
    return "path"


def unstorable_params(scope: Scope) -> list[FieldError]:
    errors: list[FieldError] = []
    reason = unstorable_reason(scope.get("path", ""))
    if reason:
        errors.append(FieldError(field=_path_field(scope), reason=reason))
    # Decoded as Starlette decodes it for the endpoints (percent-escapes as UTF-8).
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        reason = unstorable_reason(value) or unstorable_reason(name)
        if reason:
            errors.append(FieldError(field=f"query.{name.replace(chr(0), '')}", reason=reason))
    return errors


class UnstorableParamsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            errors = unstorable_params(scope)
            if errors:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                path = scope.get("path", "").replace("\x00", "")
                error = InvalidInput("; ".join(f"{e.field}: {e.reason}" for e in errors), errors=errors)
                body = json.dumps(error.to_problem(path)).encode()
                headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

"""Stand-ins for the translation providers' HTTP APIs (wave2-apis.md §4), mounted in the sandbox
server: DeepL `/v2/translate` and `/v2/usage`, Google Cloud Translation v3
`/v3/projects/{p}/locations/{l}:translateText`, LibreTranslate `/translate`, `/detect`, `/languages`,
and an OpenAI-compatible `/v1/chat/completions` (vLLM, Ollama). Request and response shapes, auth
headers and error bodies are the real ones; the "translation" is the phrase table's
(sandbox/translate/phrases.py).

Keys start with `sbx-`; anything else is refused the way each provider refuses a bad key. A few keys
pick a failure, so each error mode of the adapters can be exercised on demand:
- `sbx-ratelimit`: the provider's rate-limit answer (DeepL 429, Google 403 "User Rate Limit
  Exceeded", LibreTranslate 429 "Slowdown", OpenAI 429 `rate_limit_exceeded`), with Retry-After;
- `sbx-overloaded`: DeepL 529 (others 503);
- `sbx-quota`: the quota answer (DeepL 456, Google 403 "Daily Limit Exceeded", OpenAI 429
  `insufficient_quota`; LibreTranslate has no quota and answers 403);
- `sbx-garbage`: a 200 whose body is not the documented shape;
- `sbx-slow`: answers after 3 s (clients time out first).
Besides, every key really is rate limited (60 requests per rolling minute) and DeepL keys really have
a character limit (`/v2/usage`; 456 once it is used up).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from sandbox.translate.phrases import base_language, translate

RATE_LIMIT = 60
RATE_WINDOW = 60.0
DEEPL_CHARACTER_LIMIT = 500_000
SLOW_SECONDS = 3.0


@dataclass
class TranslatorBook:
    """Per key: request times in the rolling window and characters translated (DeepL's usage)."""

    requests: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    characters: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    calls: int = 0
    rate_limit: int = RATE_LIMIT

    def over_rate(self, key: str) -> bool:
        now = time.monotonic()
        window = self.requests[key]
        while window and window[0] <= now - RATE_WINDOW:
            window.popleft()
        if len(window) >= self.rate_limit:
            return True
        window.append(now)
        return False


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _mode(key: str | None) -> str:
    """'denied' for a bad key, a failure mode for the special keys, else 'ok'."""
    if not key or not key.startswith("sbx-"):
        return "denied"
    return key.removeprefix("sbx-") if key in _SPECIAL else "ok"


_SPECIAL = frozenset({"sbx-ratelimit", "sbx-overloaded", "sbx-quota", "sbx-garbage", "sbx-slow"})


def _deepl_code(code: str) -> str:
    return base_language(code).upper()


def _deepl_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status, headers=headers)


def _google_error(status: int, grpc_status: str, message: str, reason: str | None = None) -> JSONResponse:
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}] if reason else []
    return JSONResponse(
        {"error": {"code": status, "message": message, "status": grpc_status, "details": details}}, status_code=status
    )


def _openai_error(status: int, message: str, kind: str, code: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": code}}, status_code=status)


def router(book: TranslatorBook | None = None) -> APIRouter:
    book = book or TranslatorBook()
    api = APIRouter(tags=["sandbox translation providers"])

    async def slow() -> None:
        await asyncio.sleep(SLOW_SECONDS)

    # -- DeepL --------------------------------------------------------------------------------------

    def deepl_key(request: Request) -> str | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return value.strip() if scheme == "DeepL-Auth-Key" and value.strip() else None

    @api.post("/v2/translate")
    async def deepl_translate(request: Request) -> Any:
        book.calls += 1
        key = deepl_key(request)
        mode = _mode(key)
        if mode == "denied":
            return _deepl_error(403, "Authorization failure, check auth_key")
        assert key is not None
        if mode == "slow":
            await slow()
        if mode == "ratelimit" or book.over_rate(key):
            return _deepl_error(429, "Too many requests, please wait and resend your request.", {"Retry-After": "2"})
        if mode == "overloaded":
            return _deepl_error(529, "Too many requests, high load.")
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                return _deepl_error(400, "Bad request. Reason: body is not valid JSON")
        else:
            form = await request.form()
            body = {"text": form.getlist("text"), **{k: v for k, v in form.items() if k != "text"}}
        texts, target = body.get("text"), body.get("target_lang")
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return _deepl_error(400, "Value for 'text' not supported.")
        if not isinstance(target, str) or not target:
            return _deepl_error(400, "Value for 'target_lang' not supported.")
        if target.upper() == "EN":
            return _deepl_error(400, "targetLang='en' is deprecated, please use 'en-GB' or 'en-US' instead.")
        size = sum(len(t) for t in texts)
        if mode == "quota" or book.characters[key] + size > DEEPL_CHARACTER_LIMIT:
            return _deepl_error(456, "Quota exceeded. The character limit has been reached.")
        if mode == "garbage":
            return JSONResponse({"translations": "<html>Service Unavailable</html>"})
        book.characters[key] += size
        source = body.get("source_lang")
        out = []
        for text in texts:
            translated, detected = translate(text, source if isinstance(source, str) else None, target)
            out.append({"detected_source_language": _deepl_code(detected), "text": translated})
        return {"translations": out}

    @api.get("/v2/usage")
    async def deepl_usage(request: Request) -> Any:
        key = deepl_key(request)
        if _mode(key) == "denied":
            return _deepl_error(403, "Authorization failure, check auth_key")
        assert key is not None
        return {"character_count": book.characters[key], "character_limit": DEEPL_CHARACTER_LIMIT}

    # -- Google Cloud Translation v3 ---------------------------------------------------------------

    @api.post("/v3/projects/{project}/locations/{location}:translateText")
    async def google_translate(project: str, location: str, request: Request) -> Any:
        book.calls += 1
        key = _bearer(request)
        mode = _mode(key)
        if mode == "denied":
            return _google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token.",
                "ACCESS_TOKEN_TYPE_UNSUPPORTED",
            )
        assert key is not None
        if mode == "slow":
            await slow()
        if mode == "ratelimit" or book.over_rate(key):
            return _google_error(403, "PERMISSION_DENIED", "User Rate Limit Exceeded", "rateLimitExceeded")
        if mode == "quota":
            return _google_error(403, "PERMISSION_DENIED", "Daily Limit Exceeded", "dailyLimitExceeded")
        if mode == "overloaded":
            return _google_error(503, "UNAVAILABLE", "The service is currently unavailable.")
        try:
            body = await request.json()
        except ValueError:
            return _google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        contents, target = body.get("contents"), body.get("targetLanguageCode")
        if not isinstance(contents, list) or not contents or not all(isinstance(c, str) for c in contents):
            return _google_error(400, "INVALID_ARGUMENT", "Empty contents.")
        if not isinstance(target, str) or not target:
            return _google_error(400, "INVALID_ARGUMENT", "Target language is empty.")
        if sum(len(c) for c in contents) > 30_000:
            return _google_error(400, "INVALID_ARGUMENT", "Text too long.")
        if mode == "garbage":
            return JSONResponse({"translations": [{"model": "nmt"}]})
        source = body.get("sourceLanguageCode")
        out = []
        for text in contents:
            translated, detected = translate(text, source if isinstance(source, str) else None, target)
            item: dict[str, Any] = {
                "translatedText": translated,
                "model": f"projects/{project}/locations/{location}/models/general/nmt",
            }
            if not source:
                item["detectedLanguageCode"] = detected
            out.append(item)
        return {"translations": out}

    # -- LibreTranslate ----------------------------------------------------------------------------

    @api.post("/translate")
    async def libre_translate(request: Request) -> Any:
        book.calls += 1
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "Invalid request: body is not JSON"}, status_code=400)
        key = body.get("api_key") if isinstance(body, dict) else None
        mode = _mode(key if isinstance(key, str) else None)
        if mode in ("denied", "quota"):
            return JSONResponse({"error": "Invalid API key"}, status_code=403)
        assert isinstance(key, str)
        if mode == "slow":
            await slow()
        if mode == "ratelimit" or book.over_rate(key):
            return JSONResponse({"error": "Slowdown: 60 per 1 minute"}, status_code=429)
        if mode == "overloaded":
            return JSONResponse({"error": "Cannot translate text: server overloaded"}, status_code=500)
        q, source, target = body.get("q"), body.get("source"), body.get("target")
        if not q:
            return JSONResponse({"error": "Invalid request: missing q parameter"}, status_code=400)
        if not isinstance(target, str) or not target:
            return JSONResponse({"error": "Invalid request: missing target parameter"}, status_code=400)
        if mode == "garbage":
            return JSONResponse({"translated": None})
        auto = not source or source == "auto"
        texts = q if isinstance(q, list) else [q]
        results = [translate(str(t), None if auto else str(source), target) for t in texts]
        translated: Any = [r[0] for r in results] if isinstance(q, list) else results[0][0]
        answer: dict[str, Any] = {"translatedText": translated}
        if auto:
            detected = [{"confidence": 90.0, "language": r[1]} for r in results]
            answer["detectedLanguage"] = detected if isinstance(q, list) else detected[0]
        return answer

    @api.post("/detect")
    async def libre_detect(request: Request) -> Any:
        body = await request.json()
        q = body.get("q") if isinstance(body, dict) else None
        if not isinstance(q, str) or not q:
            return JSONResponse({"error": "Invalid request: missing q parameter"}, status_code=400)
        return [{"confidence": 90.0, "language": translate(q, None, "en")[1]}]

    @api.get("/languages")
    async def libre_languages() -> Any:
        names = {"en": "English", "es": "Spanish", "zh": "Chinese"}
        return [{"code": c, "name": n, "targets": [t for t in names if t != c]} for c, n in names.items()]

    # -- OpenAI-compatible chat (vLLM, Ollama) ------------------------------------------------------

    @api.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        book.calls += 1
        key = _bearer(request)
        mode = _mode(key)
        if mode == "denied":
            return _openai_error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        assert key is not None
        if mode == "slow":
            await slow()
        if mode == "ratelimit" or book.over_rate(key):
            return JSONResponse(
                {
                    "error": {
                        "message": "Rate limit reached",
                        "type": "requests",
                        "param": None,
                        "code": "rate_limit_exceeded",
                    }
                },
                status_code=429,
                headers={"Retry-After": "2"},
            )
        if mode == "quota":
            return _openai_error(429, "You exceeded your current quota.", "insufficient_quota", "insufficient_quota")
        if mode == "overloaded":
            return _openai_error(503, "The server is overloaded.", "api_error")
        try:
            body = await request.json()
        except ValueError:
            return _openai_error(400, "invalid JSON body", "invalid_request_error")
        messages = body.get("messages") if isinstance(body, dict) else None
        model = body.get("model") if isinstance(body, dict) else None
        if not isinstance(model, str) or not model:
            return _openai_error(400, "model is required", "invalid_request_error")
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            return _openai_error(400, "messages is required", "invalid_request_error")
        system = next((m.get("content") for m in messages if m.get("role") == "system"), "")
        user = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), None)
        if not isinstance(user, str):
            return _openai_error(400, "a user message is required", "invalid_request_error")
        target = _target_from_prompt(str(system))
        content = "¯\\_(ツ)_/¯" if mode == "garbage" else translate(user, None, target)[0]
        return {
            "id": f"chatcmpl-sbx{book.calls}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_ollama",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": len(user) // 4 + 1,
                "completion_tokens": len(content) // 4 + 1,
                "total_tokens": 0,
            },
        }

    return api


def _target_from_prompt(system: str) -> str:
    """The language the system prompt asks for: the adapter's prompt names it as `(code xx)`."""
    marker = "(code "
    if marker in system:
        return system.split(marker, 1)[1].split(")", 1)[0].strip() or "en"
    return "en"


def create_app(book: TranslatorBook | None = None) -> FastAPI:
    """The providers alone (tests mount this through an ASGI transport)."""
    app = FastAPI(title="Sandbox translation providers")
    app.include_router(router(book))
    return app

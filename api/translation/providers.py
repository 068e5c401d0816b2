"""One interface, four real adapters: DeepL, Google Cloud Translation v3, LibreTranslate and any
OpenAI-compatible `/v1/chat/completions` endpoint (vLLM, Ollama). Request and response shapes follow
wave2-apis.md §4. Every failure becomes a `ProviderFailure` of one kind, so the service can fall back
to the original text with a notice and decide whether to retry; nothing here blocks a reply.

The caller passes the httpx client: in the app it is `outbound_client` (every provider host is set by
a user, so every request goes through the SSRF policy); tests pass one bound to the sandbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

from api.kit.outbound import OutboundRefused

FailureKind = Literal["timeout", "rate_limited", "quota", "auth", "garbage", "unavailable", "refused"]
# What retrying later can fix; quota and auth need a person.
RETRYABLE: frozenset[str] = frozenset({"timeout", "rate_limited", "garbage", "unavailable"})

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "zh": "Simplified Chinese",
    "zh-CN": "Simplified Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "de": "German",
    "fr": "French",
    "it": "Italian",
    "pt": "Portuguese",
}


class ProviderFailure(Exception):
    def __init__(self, kind: FailureKind, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


@dataclass(frozen=True)
class Result:
    text: str
    detected_language: str | None


@dataclass(frozen=True)
class ProviderConfig:
    provider: str
    base_url: str
    key: str | None
    model: str | None = None


class Provider(Protocol):
    async def translate(self, client: httpx.AsyncClient, text: str, source: str | None, target: str) -> Result: ...


# -- pure helpers ----------------------------------------------------------------------------------


def base_language(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()


def canonical_language(code: str) -> str:
    """Our spelling of a language code: `zh` and `zh-Hans` are `zh-CN`; others are the base code."""
    base = base_language(code)
    if base == "zh":
        return "zh-CN"
    return base


def deepl_target(code: str) -> str:
    """DeepL target codes: English and Portuguese need a variant, Chinese is ZH-HANS."""
    base = base_language(code)
    region = code.replace("_", "-").split("-")[1].upper() if "-" in code.replace("_", "-") else ""
    if base == "en":
        return "EN-GB" if region == "GB" else "EN-US"
    if base == "pt":
        return "PT-PT" if region == "PT" else "PT-BR"
    if base == "zh":
        return "ZH-HANS"
    return base.upper()


def google_code(code: str) -> str:
    return "zh-CN" if base_language(code) == "zh" else base_language(code)


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else None


def _error_text(response: httpx.Response) -> str:
    """The provider's own error message, whichever of the documented shapes it came in."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error)[:300]
        if isinstance(error, str):
            return error[:300]
        if "message" in body:
            return str(body["message"])[:300]
    return str(body)[:300]


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ProviderFailure("garbage", "the provider answered something that is not JSON") from exc


def _check_status(response: httpx.Response, name: str) -> None:
    status = response.status_code
    if status < 400:
        return
    message = f"{name} {status}: {_error_text(response)}"
    if status in (429, 529):
        raise ProviderFailure("rate_limited", message, retry_after(response))
    if status in (401, 403):
        raise ProviderFailure("auth", message)
    if status in (500, 502, 503, 504):
        raise ProviderFailure("unavailable", message, retry_after(response))
    raise ProviderFailure("unavailable", message)


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProviderFailure("garbage", f"{name} answered without a translation")
    return value


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


def chat_content(content: str) -> str:
    """A chat model's answer without a reasoning block (qwen3 and friends emit `<think>…</think>`)."""
    return _THINK.sub("", content).strip()


# -- adapters --------------------------------------------------------------------------------------


class DeepL:
    def __init__(self, config: ProviderConfig) -> None:
        self.base = config.base_url.rstrip("/")
        self.key = config.key or ""

    async def translate(self, client: httpx.AsyncClient, text: str, source: str | None, target: str) -> Result:
        body: dict[str, Any] = {"text": [text], "target_lang": deepl_target(target)}
        if source:
            body["source_lang"] = base_language(source).upper()
        response = await client.post(
            f"{self.base}/v2/translate", json=body, headers={"Authorization": f"DeepL-Auth-Key {self.key}"}
        )
        if response.status_code == 456:
            raise ProviderFailure("quota", f"DeepL 456: {_error_text(response)}")
        _check_status(response, "DeepL")
        data = _json(response)
        try:
            first = data["translations"][0]
            return Result(_text(first["text"], "DeepL"), first.get("detected_source_language"))
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ProviderFailure("garbage", "DeepL answered without translations") from exc


class Google:
    def __init__(self, config: ProviderConfig) -> None:
        self.base = config.base_url.rstrip("/")
        self.key = config.key or ""
        self.project = config.model or ""

    async def translate(self, client: httpx.AsyncClient, text: str, source: str | None, target: str) -> Result:
        body: dict[str, Any] = {"contents": [text], "targetLanguageCode": google_code(target), "mimeType": "text/plain"}
        if source:
            body["sourceLanguageCode"] = google_code(source)
        response = await client.post(
            f"{self.base}/v3/projects/{self.project}/locations/global:translateText",
            json=body,
            headers={"Authorization": f"Bearer {self.key}"},
        )
        if response.status_code == 403:
            # Google reports its per-minute quota as 403 "User Rate Limit Exceeded" (retry) and the
            # daily one as "Daily Limit Exceeded" (do not); any other 403 is a credentials problem.
            message = _error_text(response)
            if "rate limit" in message.lower():
                raise ProviderFailure("rate_limited", f"Google 403: {message}", retry_after(response) or 60.0)
            if "daily limit" in message.lower():
                raise ProviderFailure("quota", f"Google 403: {message}")
        _check_status(response, "Google")
        data = _json(response)
        try:
            first = data["translations"][0]
            return Result(_text(first.get("translatedText"), "Google"), first.get("detectedLanguageCode"))
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ProviderFailure("garbage", "Google answered without translations") from exc


class LibreTranslate:
    def __init__(self, config: ProviderConfig) -> None:
        self.base = config.base_url.rstrip("/")
        self.key = config.key

    async def translate(self, client: httpx.AsyncClient, text: str, source: str | None, target: str) -> Result:
        body: dict[str, Any] = {
            "q": text,
            "source": base_language(source) if source else "auto",
            "target": base_language(target),
            "format": "text",
            "alternatives": 0,
        }
        if self.key:
            body["api_key"] = self.key
        response = await client.post(f"{self.base}/translate", json=body)
        _check_status(response, "LibreTranslate")
        data = _json(response)
        if not isinstance(data, dict):
            raise ProviderFailure("garbage", "LibreTranslate answered without a translation")
        detected = data.get("detectedLanguage")
        language = detected.get("language") if isinstance(detected, dict) else None
        return Result(_text(data.get("translatedText"), "LibreTranslate"), language)


class OpenAICompatible:
    def __init__(self, config: ProviderConfig) -> None:
        base = config.base_url.rstrip("/")
        self.url = f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"
        # Ollama ignores the key but its OpenAI layer wants one sent.
        self.key = config.key or "ollama"
        self.model = config.model or ""

    @staticmethod
    def prompt(target: str) -> str:
        code = canonical_language(target)
        name = LANGUAGE_NAMES.get(code, LANGUAGE_NAMES.get(base_language(code), code))
        return (
            f"Translate the user's message to {name} (code {code}). Output only the translation. "
            "Keep every ⟦n⟧ marker exactly as it is."
        )

    async def translate(self, client: httpx.AsyncClient, text: str, source: str | None, target: str) -> Result:
        body = {
            "model": self.model,
            "temperature": 0,
            "max_tokens": max(512, len(text) * 2),
            "stream": False,
            "messages": [{"role": "system", "content": self.prompt(target)}, {"role": "user", "content": text}],
        }
        response = await client.post(self.url, json=body, headers={"Authorization": f"Bearer {self.key}"})
        if response.status_code == 429 and "insufficient_quota" in response.text:
            raise ProviderFailure("quota", f"chat endpoint 429: {_error_text(response)}")
        _check_status(response, "chat endpoint")
        data = _json(response)
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderFailure("garbage", "the chat endpoint answered without a message") from exc
        return Result(_text(chat_content(_text(content, "the chat endpoint")), "the chat endpoint"), None)


ADAPTERS: dict[str, type[DeepL] | type[Google] | type[LibreTranslate] | type[OpenAICompatible]] = {
    "deepl": DeepL,
    "google": Google,
    "libretranslate": LibreTranslate,
    "openai": OpenAICompatible,
}


def adapter(config: ProviderConfig) -> Provider:
    return ADAPTERS[config.provider](config)


async def call(provider: Provider, client: httpx.AsyncClient, text: str, source: str | None, target: str) -> Result:
    """The adapter's answer, with transport errors turned into failures too."""
    try:
        return await provider.translate(client, text, source, target)
    except httpx.TimeoutException as exc:
        raise ProviderFailure("timeout", "the provider did not answer in time") from exc
    except OutboundRefused as exc:
        raise ProviderFailure("refused", str(exc)) from exc
    except httpx.HTTPError as exc:
        raise ProviderFailure("unavailable", f"the provider could not be reached ({type(exc).__name__})") from exc

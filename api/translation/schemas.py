from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field, field_validator

from api.compliance.schemas import ViolationRead
from api.kit.outbound import url_problem
from api.kit.schema import RequestModel, ResponseModel, cap_bytes
from api.knowledge.schemas import Language as KnowledgeLanguage
from api.template.schemas import Language as TemplateLanguage

Provider = Literal["deepl", "google", "libretranslate", "openai"]
Status = Literal["translated", "cached", "same_language", "not_configured", "budget_exhausted", "failed"]
LANGUAGE_PATTERN = r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,4})?$"
TEXT_LIMIT = 30_000


class SettingsRead(ResponseModel):
    configured: bool
    provider: Provider | None
    base_url: str | None
    model: str | None = Field(description="The model (OpenAI-compatible) or the Cloud project id (Google)")
    has_key: bool
    monthly_character_budget: int
    month: date
    characters_used: int
    requests: int
    cache_hits: int
    budget_exhausted: bool


class SettingsUpdate(RequestModel):
    provider: Provider
    base_url: str = Field(min_length=1, max_length=500)
    model: str | None = Field(default=None, min_length=1, max_length=200)
    key: str | None = Field(
        default=None, min_length=1, max_length=2000, description="Write-only; omit to keep the stored key"
    )
    monthly_character_budget: int = Field(default=500_000, ge=0, le=10_000_000_000)

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        problem = url_problem(v)
        if problem:
            raise ValueError(problem)
        return v


class GlossaryTermRead(ResponseModel):
    id: uuid.UUID
    term: str
    translation: str | None = Field(description="Always rendered as this; null = never translated")
    created_at: datetime


class GlossaryTermCreate(RequestModel):
    term: str = Field(min_length=1, max_length=200)
    translation: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("term")
    @classmethod
    def _term(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("term must not be blank")
        return v.strip()


class PreferenceRead(ResponseModel):
    language: str
    auto_translate: bool


class PreferenceUpdate(RequestModel):
    language: str = Field(pattern=LANGUAGE_PATTERN, max_length=10)
    auto_translate: bool


class TranslationRead(ResponseModel):
    status: Status
    text: str = Field(description="The translation, or the original when there is none (see `notice`)")
    original: str
    source_language: str = Field(description="Detected (or given) language of the original")
    target_language: str
    provider: Provider | None
    notice: str | None = Field(description="Why the original is shown; null when translated")
    retry_after_seconds: float | None = Field(description="When asking again may succeed; null = it will not")


class DraftTranslationRequest(RequestModel):
    text: str = Field(min_length=1, description="What the agent wrote, at most 30 KB")
    target: str | None = Field(
        default=None, pattern=LANGUAGE_PATTERN, max_length=10, description="Default: the buyer's language"
    )

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text must not be blank")
        return cap_bytes(v, TEXT_LIMIT, "text")


class DraftTranslationRead(TranslationRead):
    violations: list[ViolationRead] = Field(description="The compliance linter on the text that would be sent")


class TemplateTranslationRequest(RequestModel):
    target: TemplateLanguage


class ArticleTranslationRequest(RequestModel):
    target: KnowledgeLanguage = Field(description="The language of the draft variant to add")

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, computed_field

from api.compliance.schemas import ViolationRead
from api.kit.schema import PatchModel, RequestModel, ResponseModel
from api.template.starter import is_starter_name

Language = Literal["en", "zh", "es", "de", "fr", "ja", "ko"]


class TemplateCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=40)
    language: Language = "en"
    body: str = Field(min_length=1, max_length=20_000, description="Jinja text; variables as {{ order_id }}")
    is_active: bool = True


class TemplateUpdate(PatchModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    category: str | None = Field(default=None, min_length=1, max_length=40)
    language: Language | None = None
    body: str | None = Field(default=None, min_length=1, max_length=20_000)
    is_active: bool | None = None


class TemplateRead(ResponseModel):
    id: uuid.UUID
    name: str
    category: str
    language: str
    body: str
    is_active: bool
    starter_key: str | None
    usage_count: int
    last_used_at: datetime | None
    created_at: datetime
    updated_at: datetime

    # While a starter template keeps its own name, the SPA shows that name in the reader's language.
    @computed_field  # type: ignore[prop-decorator]
    @property
    def name_is_builtin(self) -> bool:
        return is_starter_name(self.starter_key, self.name)


class PreviewRequest(RequestModel):
    conversation_id: uuid.UUID


class Preview(ResponseModel):
    text: str
    warnings: list[str] = Field(description="Variables without a value for this conversation")
    blocking: bool = Field(description="True when the marketplace's rules would refuse this text")
    violations: list[ViolationRead]


class VariableInfo(ResponseModel):
    name: str
    description: str

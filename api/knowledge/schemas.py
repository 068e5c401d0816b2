from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from api.compliance.schemas import Marketplace, ViolationRead
from api.kit.schema import PatchModel, RequestModel, ResponseModel
from api.models.conversation import CATEGORIES

Language = Literal["en", "zh", "es", "de", "fr", "ja", "ko"]
Status = Literal["draft", "published", "archived"]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Key = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$", description="Stable name, matched by Markdown import")
Tag = Field(min_length=1, max_length=64)
MAX_BODY = 50_000


class VariantWrite(RequestModel):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(
        min_length=1,
        max_length=MAX_BODY,
        description="Markdown; may use template variables ({{ tracking_number }}), filled when an agent inserts it",
    )


class VariantCreate(VariantWrite):
    language: Language


class ArticleScope(RequestModel):
    marketplaces: list[Marketplace] = Field(default_factory=list, max_length=10, description="Empty: every marketplace")
    channel_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100, description="Empty: every store")
    skus: list[str] = Field(default_factory=list, max_length=200)
    categories: list[Category] = Field(default_factory=list, max_length=12)
    tags: list[str] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _sizes(self) -> ArticleScope:
        for name, limit in (("skus", 100), ("tags", 64)):
            for index, value in enumerate(getattr(self, name)):
                if not value.strip() or len(value) > limit:
                    raise ValueError(f"{name}.{index}: must be 1 to {limit} characters")
        return self


class ArticleCreate(ArticleScope):
    key: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    status: Status = "draft"
    default_language: Language = "en"
    variants: list[VariantCreate] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _default_variant(self) -> ArticleCreate:
        languages = [v.language for v in self.variants]
        if len(set(languages)) != len(languages):
            raise ValueError("variants: one variant per language")
        if self.default_language not in languages:
            raise ValueError("default_language: there must be a variant in the default language")
        return self


class ArticleUpdate(PatchModel):
    key: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    status: Status | None = None
    default_language: Language | None = None
    marketplaces: list[Marketplace] | None = Field(default=None, max_length=10)
    channel_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    skus: list[str] | None = Field(default=None, max_length=200)
    categories: list[Category] | None = Field(default=None, max_length=12)
    tags: list[str] | None = Field(default=None, max_length=30)


class VariantRead(ResponseModel):
    language: str
    title: str
    body: str
    version: int
    draft: bool = Field(
        description="A machine translation awaiting review: hidden from buyers, suggestions and search until published"
    )
    updated_at: datetime


class ArticleCounts(ResponseModel):
    view_count: int
    answered_count: int
    question_count: int
    inserted_count: int
    sent_count: int


class ArticleSummary(ArticleCounts):
    id: uuid.UUID
    key: str
    status: str
    default_language: str
    title: str = Field(description="In the requested language, else the default language")
    languages: list[str]
    tags: list[str]
    categories: list[str]
    marketplaces: list[str]
    updated_at: datetime
    score: float | None = Field(default=None, description="Search rank when `q` was given")


class ArticleRead(ArticleCounts):
    id: uuid.UUID
    key: str
    status: str
    default_language: str
    marketplaces: list[str]
    channel_ids: list[uuid.UUID]
    skus: list[str]
    categories: list[str]
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    variants: list[VariantRead]


class VersionRead(ResponseModel):
    language: str
    version: int
    title: str
    body: str
    author_id: uuid.UUID | None
    author_name: str
    created_at: datetime


class RenderRequest(RequestModel):
    body: str = Field(max_length=MAX_BODY)


class RenderedHtml(ResponseModel):
    html: str = Field(description="Sanitised HTML: no script, event handlers, styles or external images")


class MarkdownFile(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=MAX_BODY + 5_000)


class ImportRequest(RequestModel):
    files: list[MarkdownFile] = Field(min_length=1, max_length=500)


class ImportResult(ResponseModel):
    created: int
    updated: int
    unchanged: int


class MarkdownFileRead(ResponseModel):
    name: str
    content: str


class ExportRead(ResponseModel):
    files: list[MarkdownFileRead]


class HelpSiteCreate(RequestModel):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,59}$", description="The page is /help/{slug}")
    title: str = Field(min_length=1, max_length=200)
    channel_id: uuid.UUID = Field(description="The store whose articles (by scope) the page shows")
    intake_channel_id: uuid.UUID | None = Field(
        default=None, description="An `api` channel for the questions; a new one is made when omitted"
    )
    default_language: Language = "en"
    enabled: bool = True


class HelpSiteUpdate(PatchModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    default_language: Language | None = None
    enabled: bool | None = None


class HelpSiteRead(ResponseModel):
    id: uuid.UUID
    slug: str
    title: str
    channel_id: uuid.UUID
    intake_channel_id: uuid.UUID
    default_language: str
    enabled: bool
    created_at: datetime
    path: str


class DeflectionArticle(ResponseModel):
    article_id: uuid.UUID
    title: str
    views: int
    answered: int
    questions: int


class DeflectionRead(ResponseModel):
    days: int
    views: int = Field(description="Article views on the help pages")
    answered: int = Field(description='"This answered my question" on the help pages: deflected questions')
    questions_sent: int = Field(description="Questions sent through the help pages (became conversations)")
    deflection_rate: float | None = Field(description="answered / (answered + questions_sent); null without either")
    inserted: int = Field(description="Articles inserted into replies by agents")
    sent: int = Field(description="Replies sent with an inserted article")
    top: list[DeflectionArticle]


# -- suggestions ---------------------------------------------------------------------------------------


class ReasonRead(ResponseModel):
    code: Literal["words", "category", "related_category", "product", "marketplace", "store", "used", "language"]
    detail: str


class SuggestionRead(ResponseModel):
    kind: Literal["article", "template"]
    id: uuid.UUID
    title: str
    language: str
    text: str = Field(description="Ready to insert: variables filled for this conversation, plain text")
    score: float
    reasons: list[ReasonRead] = Field(description="Why it was suggested")
    warnings: list[str] = Field(description="Variables without a value for this conversation")
    blocking: bool = Field(description="True when the marketplace's rules would refuse this text")
    violations: list[ViolationRead]


class SuggestionUse(RequestModel):
    kind: Literal["article", "template"]
    id: uuid.UUID
    action: Literal["inserted", "sent"] = Field(
        description="`inserted` into the composer, or `sent`: the reply that carried it was sent (acceptance)"
    )


# -- top questions -------------------------------------------------------------------------------------


class TopQuestionExample(ResponseModel):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    text: str
    marketplace: str
    sku: str | None
    sent_at: datetime


class TopQuestionCount(ResponseModel):
    value: str
    count: int


class CoveredBy(ResponseModel):
    kind: Literal["article", "template"]
    id: uuid.UUID
    title: str
    status: str = Field(description="The article's status (published) or the template's (active)")
    score: float


class TopQuestionCluster(ResponseModel):
    key: str = Field(description="Stable for the same questions: the id to draft an article or template from")
    label: str = Field(description="The wording most buyers of the group used")
    count: int = Field(description="Buyer messages in the group")
    conversations: int
    terms: list[str] = Field(description="What the group is about: its leading normalised terms (@ = a concept)")
    marketplaces: list[TopQuestionCount]
    skus: list[TopQuestionCount]
    categories: list[TopQuestionCount]
    languages: list[TopQuestionCount]
    examples: list[TopQuestionExample]
    covered_by: list[CoveredBy] = Field(
        description="Published articles and active templates that answer it, best first"
    )


class TopQuestionsRead(ResponseModel):
    period_start: datetime
    period_end: datetime
    marketplace: str | None
    sku: str | None
    questions: int = Field(description="Buyer questions considered (automatic and no-response messages left out)")
    truncated: bool = Field(description="The period held more questions than are clustered; the newest were used")
    clusters_total: int
    clusters: list[TopQuestionCluster]

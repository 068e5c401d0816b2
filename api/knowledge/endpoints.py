from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import Response

from api import audit
from api.auth.dependencies import require
from api.auth.principal import Principal
from api.compliance.schemas import Marketplace
from api.db import SessionDep
from api.kit.errors import InvalidInput, field_error, problem_responses
from api.kit.time import utc_now
from api.knowledge import markdown, repository, service, suggest, top_questions
from api.knowledge.schemas import (
    ArticleCreate,
    ArticleRead,
    ArticleSummary,
    ArticleUpdate,
    Category,
    DeflectionArticle,
    DeflectionRead,
    ExportRead,
    HelpSiteCreate,
    HelpSiteRead,
    HelpSiteUpdate,
    ImportRequest,
    ImportResult,
    Language,
    RenderedHtml,
    RenderRequest,
    Status,
    SuggestionRead,
    SuggestionUse,
    TopQuestionsRead,
    VariantWrite,
    VersionRead,
)
from api.models import Channel, HelpSite
from api.template.schemas import TemplateRead

router = APIRouter(prefix="/v1/knowledge", tags=["knowledge"], responses=problem_responses(401, 403, 422, 429))
suggestion_router = APIRouter(
    prefix="/v1/conversations", tags=["knowledge"], responses=problem_responses(401, 403, 404, 422, 429)
)
Reader = Annotated[Principal, Depends(require("settings:read"))]
Writer = Annotated[Principal, Depends(require("settings:write"))]
ConversationReader = Annotated[Principal, Depends(require("conversations:read"))]
ConversationWriter = Annotated[Principal, Depends(require("conversations:write"))]


@router.get("/articles", response_model=list[ArticleSummary])
async def list_articles(
    session: SessionDep,
    principal: Reader,
    q: str | None = Query(default=None, min_length=1, max_length=200, description="Words in any language"),
    language: Language | None = Query(default=None, description="Title in this language when there is one"),
    status_: Status | None = Query(default=None, alias="status"),
    tag: str | None = Query(default=None, max_length=64),
    category: Category | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0, le=10_000),
) -> list[ArticleSummary]:
    """The knowledge base, newest change first; with `q`, ranked search over every language variant
    (Chinese by character bigrams, like conversation search; every query word must match)."""
    return await service.summaries(
        session,
        principal.organization_id,
        q=q,
        language=language,
        status=status_,
        tag=tag,
        category=category,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/articles", status_code=status.HTTP_201_CREATED, response_model=ArticleRead, responses=problem_responses(409)
)
async def create_article(body: ArticleCreate, session: SessionDep, principal: Writer) -> ArticleRead:
    """Add an article with one or more language variants. Bodies are Markdown and may use template
    variables (checked now, like templates); the HTML shown anywhere is sanitised."""
    article = await service.create_article(session, principal, body)
    return await service.read(session, principal.organization_id, article)


@router.get("/articles/{article_id}", response_model=ArticleRead, responses=problem_responses(404))
async def get_article(article_id: uuid.UUID, session: SessionDep, principal: Reader) -> ArticleRead:
    """One article with every language variant."""
    article = await repository.get_article(session, principal.organization_id, article_id)
    return await service.read(session, principal.organization_id, article)


@router.patch("/articles/{article_id}", response_model=ArticleRead, responses=problem_responses(404, 409))
async def update_article(
    article_id: uuid.UUID, body: ArticleUpdate, session: SessionDep, principal: Writer
) -> ArticleRead:
    """Change the status (publish, archive), default language, scope or tags."""
    article = await repository.get_article(session, principal.organization_id, article_id)
    await service.update_article(session, principal, article, body)
    return await service.read(session, principal.organization_id, article)


@router.put("/articles/{article_id}/variants/{language}", response_model=ArticleRead, responses=problem_responses(404))
async def put_variant(
    article_id: uuid.UUID, language: Language, body: VariantWrite, session: SessionDep, principal: Writer
) -> ArticleRead:
    """Add or edit the article in one language; a changed text becomes a new version."""
    article = await repository.get_article(session, principal.organization_id, article_id)
    await service.put_variant(session, principal, article, language, body)
    return await service.read(session, principal.organization_id, article)


@router.post(
    "/articles/{article_id}/variants/{language}/publish",
    response_model=ArticleRead,
    responses=problem_responses(404),
)
async def publish_variant(
    article_id: uuid.UUID, language: Language, session: SessionDep, principal: Writer
) -> ArticleRead:
    """Publish a reviewed draft variant (a machine translation): from now on buyers, suggestions and
    search see it whenever the article is published. Publishing a variant that is no draft changes
    nothing."""
    article = await repository.get_article(session, principal.organization_id, article_id)
    await service.publish_variant(session, principal, article, language)
    return await service.read(session, principal.organization_id, article)


@router.delete(
    "/articles/{article_id}/variants/{language}", response_model=ArticleRead, responses=problem_responses(404)
)
async def delete_variant(
    article_id: uuid.UUID, language: Language, session: SessionDep, principal: Writer
) -> ArticleRead:
    """Remove a language variant (not the default language's)."""
    article = await repository.get_article(session, principal.organization_id, article_id)
    await service.delete_variant(session, principal, article, language)
    return await service.read(session, principal.organization_id, article)


@router.get("/articles/{article_id}/versions", response_model=list[VersionRead], responses=problem_responses(404))
async def list_versions(
    article_id: uuid.UUID, session: SessionDep, principal: Reader, language: Language | None = None
) -> list[VersionRead]:
    """Every saved text of the article, newest first, with its author and date."""
    await repository.get_article(session, principal.organization_id, article_id)
    rows = await repository.versions(session, principal.organization_id, article_id, language)
    return [VersionRead.model_validate(v) for v in rows]


@router.get(
    "/articles/{article_id}/markdown",
    responses={200: {"content": {"text/markdown": {}}}, **problem_responses(404)},
    response_class=Response,
)
async def article_markdown(
    article_id: uuid.UUID, session: SessionDep, principal: Reader, language: Language | None = None
) -> Response:
    """One variant (default: the default language) as a Markdown file with front matter."""
    article = await repository.get_article(session, principal.organization_id, article_id)
    files = await service.export_files(session, principal.organization_id, [article])
    wanted = f"{article.key}.{language or article.default_language}.md"
    chosen = next((f for f in files if f.name == wanted), None)
    if chosen is None:
        raise InvalidInput(
            "The article has no variant in that language.", errors=field_error("query.language", "no variant")
        )
    return Response(
        chosen.content,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{chosen.name}"'},
    )


@router.get("/export", response_model=ExportRead)
async def export_articles(
    session: SessionDep, principal: Reader, status_: Status | None = Query(default=None, alias="status")
) -> ExportRead:
    """Every article (up to 2,000) as Markdown files, one per language variant, named after its key and
    language (`returns.en` plus the Markdown file extension)."""
    articles = await repository.list_articles(session, principal.organization_id, status=status_, limit=2000)
    return ExportRead(files=await service.export_files(session, principal.organization_id, articles))


@router.post("/import", response_model=ImportResult)
async def import_articles(body: ImportRequest, session: SessionDep, principal: Writer) -> ImportResult:
    """Create or update articles from Markdown files with front matter (`key`, `language`, `title`
    required; `status`, `default_language`, `tags`, `categories`, `marketplaces`, `skus` optional),
    matched by key. All files are checked first: a bad file imports nothing and is named in `errors`."""
    return await service.import_files(session, principal, body.files)


@router.post("/render", response_model=RenderedHtml)
async def render_preview(body: RenderRequest, request: Request, principal: Reader) -> RenderedHtml:
    """The editor's preview: Markdown as the help page shows it (sanitised; variables left as written)."""
    hosts = frozenset(request.app.state.settings.knowledge_image_hosts)
    return RenderedHtml(html=markdown.render_html(body.body, hosts))


@router.get("/deflection", response_model=DeflectionRead)
async def deflection(
    session: SessionDep, principal: Reader, days: int = Query(default=30, ge=1, le=365)
) -> DeflectionRead:
    """What the help pages and suggestions did over the last `days`: article views, questions
    answered by an article (deflected), questions sent anyway, and articles used in replies."""
    org = principal.organization_id
    totals, top = await repository.deflection(session, org, utc_now() - timedelta(days=days))
    answered, sent = totals.get("answered", 0), totals.get("question_sent", 0)
    titles: dict[uuid.UUID, str] = {}
    if top:
        articles = await repository.articles_by_ids(session, org, [t["article_id"] for t in top])
        variants = await repository.variants_of(session, org, [a.id for a in articles])
        for a in articles:
            chosen = service.pick_variant([v for v in variants if v.article_id == a.id], None, a.default_language)
            titles[a.id] = chosen.title if chosen else a.key
    return DeflectionRead(
        days=days,
        views=totals.get("view", 0),
        answered=answered,
        questions_sent=sent,
        deflection_rate=round(answered / (answered + sent), 4) if answered + sent else None,
        inserted=totals.get("inserted", 0),
        sent=totals.get("sent", 0),
        top=[
            DeflectionArticle(
                article_id=t["article_id"],
                title=titles.get(t["article_id"], ""),
                views=t["views"],
                answered=t["answered"],
                questions=t["questions"],
            )
            for t in top
        ],
    )


# -- help sites ----------------------------------------------------------------------------------------


def _site_read(site: HelpSite) -> HelpSiteRead:
    return HelpSiteRead.model_validate(
        {**{k: getattr(site, k) for k in HelpSiteRead.model_fields if k != "path"}, "path": f"/help/{site.slug}"}
    )


@router.get("/help-sites", response_model=list[HelpSiteRead])
async def list_help_sites(session: SessionDep, principal: Reader) -> list[HelpSiteRead]:
    """The public help pages of the organization's stores."""
    return [_site_read(s) for s in await repository.help_sites(session, principal.organization_id)]


@router.post(
    "/help-sites", status_code=status.HTTP_201_CREATED, response_model=HelpSiteRead, responses=problem_responses(409)
)
async def create_help_site(body: HelpSiteCreate, session: SessionDep, principal: Writer) -> HelpSiteRead:
    """Open a public help page, /help/{slug}, for a store: it shows the published articles in the
    store's scope, and questions sent through it arrive on an `api` channel (a new one unless given)."""
    org = principal.organization_id
    store = await repository.channel(session, org, body.channel_id)
    if store is None:
        raise InvalidInput("No such channel.", errors=field_error("body.channel_id", "no such channel"))
    if body.intake_channel_id is not None:
        intake = await repository.channel(session, org, body.intake_channel_id)
        if intake is None or intake.marketplace != "api":
            raise InvalidInput(
                "The intake channel must be one of your `api` channels.",
                errors=field_error("body.intake_channel_id", "not an api channel of yours"),
            )
    elif store.marketplace == "api":
        intake = store
    else:
        intake = Channel(
            organization_id=org,
            marketplace="api",
            name=f"{store.name} help page"[:200],
            default_team_id=store.default_team_id,
        )
        session.add(intake)
        await session.flush()
    site = HelpSite(
        organization_id=org,
        slug=body.slug,
        title=body.title,
        channel_id=store.id,
        intake_channel_id=intake.id,
        default_language=body.default_language,
        enabled=body.enabled,
    )
    session.add(site)
    await service.flush_unique(session, "This help page address is taken.", "body.slug")
    await session.refresh(site)
    audit.record(session, principal, org, "knowledge.help_site_created", "help_site", site.id, {"slug": site.slug})
    return _site_read(site)


@router.patch("/help-sites/{site_id}", response_model=HelpSiteRead, responses=problem_responses(404))
async def update_help_site(
    site_id: uuid.UUID, body: HelpSiteUpdate, session: SessionDep, principal: Writer
) -> HelpSiteRead:
    """Rename, change the default language, or take the page offline."""
    site = await repository.help_site(session, principal.organization_id, site_id)
    for name, value in body.model_dump(exclude_unset=True).items():
        setattr(site, name, value)
    await session.flush()
    audit.record(session, principal, principal.organization_id, "knowledge.help_site_updated", "help_site", site.id)
    return _site_read(site)


# -- suggestions in the composer ---------------------------------------------------------------------


@suggestion_router.get("/{conversation_id}/suggestions", response_model=list[SuggestionRead])
async def conversation_suggestions(
    conversation_id: uuid.UUID,
    session: SessionDep,
    principal: ConversationReader,
    limit: int = Query(default=5, ge=1, le=10),
) -> list[SuggestionRead]:
    """The best published articles and active templates for this conversation, ranked from the
    buyer's latest messages, its category, the order's products and the marketplace, with the
    reasons. Each text is ready to insert (variables filled for this conversation, the article as
    plain text) and carries the marketplace's compliance verdict."""
    return await suggest.suggestions(session, principal, conversation_id, limit)


@suggestion_router.post(
    "/{conversation_id}/suggestions/use", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
async def use_suggestion(
    conversation_id: uuid.UUID, body: SuggestionUse, session: SessionDep, principal: ConversationWriter
) -> Response:
    """Record that a suggestion was inserted into the composer, or that the reply carrying it was
    sent; ranking learns from both (acceptance counts most)."""
    await suggest.record_use(session, principal, conversation_id, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- top questions -----------------------------------------------------------------------------------

QuestionReader = Annotated[Principal, Depends(require("conversations:read", "settings:read"))]


def _period(
    from_: datetime | None = Query(
        default=None, alias="from", description="Start (inclusive); default: `to` - 30 days"
    ),
    to: datetime | None = Query(default=None, description="End (exclusive); default: now"),
    marketplace: Marketplace | None = Query(default=None, description="Only this marketplace's questions"),
    sku: str | None = Query(default=None, min_length=1, max_length=100, description="Only questions on this product"),
) -> top_questions.Period:
    start, end = top_questions.check_period(from_, to, utc_now())
    return top_questions.Period(start=start, end=end, marketplace=marketplace, sku=sku)


PeriodDep = Annotated[top_questions.Period, Depends(_period)]


@router.get("/top-questions", response_model=TopQuestionsRead)
async def list_top_questions(
    period: PeriodDep, session: SessionDep, principal: QuestionReader, limit: int = Query(default=20, ge=1, le=50)
) -> TopQuestionsRead:
    """The buyers' questions of a period (at most 92 days) grouped by meaning, biggest first: the
    wording most used, counts per marketplace, product, category and language, the latest examples
    (each links to its conversation), and the published articles or active templates that already
    answer the group. Automatic messages, "no response needed" messages and spam are left out. The
    groups are cached for a few minutes per organization and filters."""
    return await top_questions.top_questions(session, principal, period, limit)


@router.post(
    "/top-questions/{cluster_key}/draft-article",
    status_code=status.HTTP_201_CREATED,
    response_model=ArticleRead,
    responses=problem_responses(404, 409),
)
async def draft_article_from_question(
    cluster_key: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")],
    period: PeriodDep,
    session: SessionDep,
    principal: Writer,
) -> ArticleRead:
    """Draft an article (status `draft`, tagged `top-question`) from a group of the report with the
    same period and filters: titled with the group's wording, in its buyers' language, quoting their
    questions. 409 if one was already drafted from the group."""
    article = await top_questions.draft_article(session, principal, period, cluster_key)
    return await service.read(session, principal.organization_id, article)


@router.post(
    "/top-questions/{cluster_key}/draft-template",
    status_code=status.HTTP_201_CREATED,
    response_model=TemplateRead,
    responses=problem_responses(404, 409),
)
async def draft_template_from_question(
    cluster_key: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")],
    period: PeriodDep,
    session: SessionDep,
    principal: Writer,
) -> TemplateRead:
    """Draft a template (inactive until an editor activates it) from a group of the report with the
    same period and filters; the buyers' questions are in a template comment, never sent."""
    template = await top_questions.draft_template(session, principal, period, cluster_key)
    return TemplateRead.model_validate(template)

"""Knowledge base operations: articles, variants with versions, search, Markdown import and export.
Never commits; the request edge does."""

from __future__ import annotations

import re
import uuid
from typing import Any

from api import audit
from api.auth.principal import Principal
from api.db import ConstraintViolation, Session
from api.kit.errors import Conflict, FieldError, InvalidInput, field_error
from api.kit.search import query_terms
from api.kit.tenancy import require_own
from api.kit.time import utc_now
from api.knowledge import markdown, repository
from api.knowledge.schemas import (
    ArticleCreate,
    ArticleRead,
    ArticleScope,
    ArticleSummary,
    ArticleUpdate,
    ImportResult,
    MarkdownFile,
    MarkdownFileRead,
    VariantRead,
    VariantWrite,
)
from api.knowledge.starter import STARTER_ARTICLES
from api.models import Channel, HelpSite, KnowledgeArticle, KnowledgeVariant
from api.template import service as template_service

LANGUAGES = ("en", "zh", "es", "de", "fr", "ja", "ko")
STATUSES = ("draft", "published", "archived")


async def ensure_usable(body: str, field: str) -> None:
    """An article body may use template variables; refuse on save what could never render."""
    if markdown.uses_template_syntax(body):
        await template_service.ensure_usable(body, field)


def _key_from(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
    return f"{slug or 'article'}-{uuid.uuid4().hex[:8]}"


def _set_status(article: KnowledgeArticle, status: str) -> None:
    if status == "published" and article.status != "published":
        article.published_at = utc_now()
    article.status = status


async def _check_scope(session: Session, organization_id: uuid.UUID, channel_ids: list[uuid.UUID]) -> None:
    await require_own(session, Channel, organization_id, channel_ids, "body.channel_ids", "channel")


async def flush_unique(session: Session, message: str, field: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except ConstraintViolation as exc:
        raise Conflict(message, errors=field_error(field, "already used")) from exc


async def create_article(session: Session, principal: Principal, body: ArticleCreate) -> KnowledgeArticle:
    org = principal.organization_id
    for index, v in enumerate(body.variants):
        await ensure_usable(v.body, f"body.variants.{index}.body")
    await _check_scope(session, org, body.channel_ids)
    default = next(v for v in body.variants if v.language == body.default_language)
    article = KnowledgeArticle(
        id=uuid.uuid4(),
        organization_id=org,
        key=body.key or _key_from(default.title),
        status="draft",
        default_language=body.default_language,
        marketplaces=list(body.marketplaces),
        channel_ids=list(body.channel_ids),
        skus=list(dict.fromkeys(s.strip() for s in body.skus)),
        categories=list(body.categories),
        tags=list(dict.fromkeys(t.strip() for t in body.tags)),
        created_by=principal.user_id,
    )
    _set_status(article, body.status)
    session.add(article)
    await flush_unique(session, "An article with this key exists.", "body.key")
    for v in body.variants:
        await _write_variant(session, principal, article, v.language, v)
    await repository.refresh_search(session, org, article)
    audit.record(session, principal, org, "knowledge.article_created", "knowledge_article", article.id)
    return article


async def _write_variant(
    session: Session, principal: Principal, article: KnowledgeArticle, language: str, body: VariantWrite
) -> tuple[KnowledgeVariant, bool]:
    """Create or change a variant; a changed text is a new version with its author. Returns
    (variant, changed)."""
    org = principal.organization_id
    variant = await repository.variant(session, org, article.id, language)
    if variant is None:
        variant = KnowledgeVariant(
            organization_id=org,
            article_id=article.id,
            language=language,
            title=body.title,
            body=body.body,
            version=1,
            updated_by=principal.user_id,
        )
        session.add(variant)
    elif variant.title == body.title and variant.body == body.body:
        return variant, False
    else:
        variant.title, variant.body = body.title, body.body
        variant.version += 1
        variant.updated_by = principal.user_id
        variant.updated_at = utc_now()
    await session.flush()
    repository.add_version(session, org, variant, principal.user_id, principal.name)
    article.updated_at = utc_now()
    return variant, True


async def put_variant(
    session: Session, principal: Principal, article: KnowledgeArticle, language: str, body: VariantWrite
) -> None:
    await ensure_usable(body.body, "body.body")
    _, changed = await _write_variant(session, principal, article, language, body)
    if changed:
        await repository.refresh_search(session, principal.organization_id, article)
        audit.record(
            session,
            principal,
            principal.organization_id,
            "knowledge.variant_saved",
            "knowledge_article",
            article.id,
            {"language": language},
        )


async def delete_variant(session: Session, principal: Principal, article: KnowledgeArticle, language: str) -> None:
    if language == article.default_language:
        raise InvalidInput(
            "The default language's variant cannot be removed; change the default language first.",
            errors=field_error("path.language", "is the article's default language"),
        )
    variant = await repository.variant(session, principal.organization_id, article.id, language)
    if variant is None:
        raise InvalidInput(f"The article has no {language} variant.", errors=field_error("path.language", "no variant"))
    await session.delete(variant)
    article.updated_at = utc_now()
    audit.record(
        session,
        principal,
        principal.organization_id,
        "knowledge.variant_deleted",
        "knowledge_article",
        article.id,
        {"language": language},
    )


async def update_article(
    session: Session, principal: Principal, article: KnowledgeArticle, body: ArticleUpdate
) -> None:
    org = principal.organization_id
    changes = body.model_dump(exclude_unset=True)
    if "channel_ids" in changes:
        await _check_scope(session, org, changes["channel_ids"])
    if "default_language" in changes and (
        (default := await repository.variant(session, org, article.id, changes["default_language"])) is None
        or default.draft  # an unreviewed machine translation is not what buyers fall back to
    ):
        raise InvalidInput(
            "Add a variant in that language before making it the default.",
            errors=field_error("body.default_language", "the article has no variant in this language"),
        )
    for name in ("skus", "tags"):
        if name in changes:
            values = [v.strip() for v in changes[name]]
            for index, value in enumerate(values):
                if not value or len(value) > (100 if name == "skus" else 64):
                    raise InvalidInput(f"Invalid {name}.", errors=field_error(f"body.{name}.{index}", "invalid"))
            changes[name] = list(dict.fromkeys(values))
    if "status" in changes:
        _set_status(article, changes.pop("status"))
    for name, value in changes.items():
        setattr(article, name, value)
    article.updated_at = utc_now()
    await flush_unique(session, "An article with this key exists.", "body.key")
    if "tags" in changes:
        await repository.refresh_search(session, org, article)
    audit.record(
        session,
        principal,
        org,
        "knowledge.article_updated",
        "knowledge_article",
        article.id,
        {"fields": sorted(body.model_dump(exclude_unset=True))},
    )


async def add_draft_variant(
    session: Session, principal: Principal, article: KnowledgeArticle, language: str, title: str, body: str
) -> KnowledgeVariant:
    """A machine-translated variant for review (api/translation/service.py): saved as version 1 with
    its author, but a draft until a person publishes it."""
    org = principal.organization_id
    if await repository.variant(session, org, article.id, language) is not None:
        raise Conflict(
            f"The article has a {language} variant already; edit it instead.",
            errors=field_error("body.target", "variant exists"),
        )
    variant, _ = await _write_variant(session, principal, article, language, VariantWrite(title=title, body=body))
    variant.draft = True
    await session.flush()
    await repository.refresh_search(session, org, article)
    return variant


async def publish_variant(session: Session, principal: Principal, article: KnowledgeArticle, language: str) -> None:
    """A person reviewed the (machine-translated) variant: from now on it is shown like any other."""
    variant = await repository.variant(session, principal.organization_id, article.id, language)
    if variant is None:
        raise InvalidInput(f"The article has no {language} variant.", errors=field_error("path.language", "no variant"))
    if not variant.draft:
        return
    variant.draft = False
    article.updated_at = utc_now()
    await session.flush()
    audit.record(
        session,
        principal,
        principal.organization_id,
        "knowledge.variant_published",
        "knowledge_article",
        article.id,
        {"language": language},
    )


async def read(session: Session, organization_id: uuid.UUID, article: KnowledgeArticle) -> ArticleRead:
    variants = await repository.variants_of(session, organization_id, [article.id], drafts=True)
    return ArticleRead.model_validate(
        {
            **{c: getattr(article, c) for c in ArticleRead.model_fields if c != "variants"},
            "variants": [VariantRead.model_validate(v) for v in variants],
        }
    )


def pick_variant(variants: list[KnowledgeVariant], wanted: str | None, default: str) -> KnowledgeVariant | None:
    """The variant in the wanted language, else the default language's, else any."""
    by_language = {v.language: v for v in variants}
    return by_language.get(wanted or "") or by_language.get(default) or (variants[0] if variants else None)


async def summaries(
    session: Session,
    organization_id: uuid.UUID,
    *,
    q: str | None,
    language: str | None,
    status: str | None,
    tag: str | None,
    category: str | None,
    limit: int,
    offset: int,
) -> list[ArticleSummary]:
    """The article list, or with `q` the search results ranked (every query token must match a
    variant, in any language: a Chinese query finds the Chinese variant)."""
    scores: dict[uuid.UUID, float] = {}
    if q is not None:
        found = await repository.search(
            session,
            organization_id,
            query_terms(q),
            any_term=False,
            status=status,
            tag=tag,
            category=category,
            limit=limit + offset,
        )
        found = found[offset:]
        scores = dict(found)
        by_id = {a.id: a for a in await repository.articles_by_ids(session, organization_id, list(scores))}
        articles = [by_id[i] for i, _ in found if i in by_id]
    else:
        articles = await repository.list_articles(
            session, organization_id, status=status, tag=tag, category=category, limit=limit, offset=offset
        )
    variants: dict[uuid.UUID, list[KnowledgeVariant]] = {}
    for v in await repository.variants_of(session, organization_id, [a.id for a in articles]):
        variants.setdefault(v.article_id, []).append(v)
    out = []
    for a in articles:
        chosen = pick_variant(variants.get(a.id, []), language, a.default_language)
        out.append(
            ArticleSummary.model_validate(
                {
                    **{c: getattr(a, c) for c in ArticleSummary.model_fields if hasattr(a, c)},
                    "title": chosen.title if chosen else a.key,
                    "languages": [v.language for v in variants.get(a.id, [])],
                    "score": round(scores[a.id], 6) if a.id in scores else None,
                }
            )
        )
    return out


# -- Markdown files ----------------------------------------------------------------------------------


def _file_name(key: str, language: str) -> str:
    return f"{key}.{language}.md"


async def export_files(
    session: Session, organization_id: uuid.UUID, articles: list[KnowledgeArticle]
) -> list[MarkdownFileRead]:
    files = []
    by_article: dict[uuid.UUID, list[KnowledgeVariant]] = {}
    for v in await repository.variants_of(session, organization_id, [a.id for a in articles]):
        by_article.setdefault(v.article_id, []).append(v)
    for a in articles:
        for v in by_article.get(a.id, []):
            meta: dict[str, Any] = {"status": a.status, "default_language": a.default_language}
            for name in ("tags", "categories", "marketplaces", "skus"):
                if getattr(a, name):
                    meta[name] = list(getattr(a, name))
            content = markdown.write_file(markdown.ArticleFile(a.key, v.language, v.title, v.body, meta))
            files.append(MarkdownFileRead(name=_file_name(a.key, v.language), content=content))
    return files


def _parse_all(files: list[MarkdownFile]) -> list[markdown.ArticleFile]:
    """Every file read and checked before anything is written: an import applies whole or not at all."""
    parsed, errors = [], []
    seen: set[tuple[str, str]] = set()
    for index, f in enumerate(files):
        field = f"body.files.{index}.content"
        try:
            article = markdown.parse_file(f.content)
        except markdown.FrontMatterError as exc:
            errors.append(FieldError(field=field, reason=str(exc)))
            continue
        problems = []
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,99}", article.key):
            problems.append("key must be lower-case letters, digits, - or _ (at most 100)")
        if article.language not in LANGUAGES:
            problems.append(f"language must be one of {', '.join(LANGUAGES)}")
        if not 1 <= len(article.title) <= 300:
            problems.append("title must be 1 to 300 characters")
        if not article.body.strip() or len(article.body) > 50_000:
            problems.append("the body must be 1 to 50,000 characters")
        if article.meta.get("status", "draft") not in STATUSES:
            problems.append(f"status must be one of {', '.join(STATUSES)}")
        if article.meta.get("default_language", article.language) not in LANGUAGES:
            problems.append("default_language is not a supported language")
        if (article.key, article.language) in seen:
            problems.append("another file has the same key and language")
        seen.add((article.key, article.language))
        errors.extend(FieldError(field=field, reason=p) for p in problems)
        parsed.append(article)
    if errors:
        raise InvalidInput("Some files cannot be imported; nothing was imported.", errors=errors)
    return parsed


async def import_files(session: Session, principal: Principal, files: list[MarkdownFile]) -> ImportResult:
    """Create or update articles from Markdown files, matched by `key`; one file per language. Front
    matter fields given replace the article's; a changed text is a new version."""
    org = principal.organization_id
    parsed = _parse_all(files)
    for index, f in enumerate(parsed):
        await ensure_usable(f.body, f"body.files.{index}.content")
        try:
            ArticleScope.model_validate(
                {k: f.meta[k] for k in ("tags", "categories", "marketplaces", "skus") if f.meta.get(k)}
            )
        except ValueError as exc:
            raise InvalidInput(
                "Some files cannot be imported; nothing was imported.",
                errors=field_error(f"body.files.{index}.content", f"invalid scope: {exc}"[:300]),
            ) from exc
    created = updated = unchanged = 0
    touched: dict[str, KnowledgeArticle] = {}
    for f in parsed:
        article = touched.get(f.key) or await repository.article_by_key(session, org, f.key)
        is_new = article is None
        if article is None:
            article = KnowledgeArticle(
                id=uuid.uuid4(),
                organization_id=org,
                key=f.key,
                status="draft",
                default_language=str(f.meta.get("default_language", f.language)),
                created_by=principal.user_id,
            )
            session.add(article)
            await session.flush()
        touched[f.key] = article
        for name in ("tags", "categories", "marketplaces", "skus"):
            if name in f.meta and (is_new or f.meta[name]):
                setattr(article, name, list(dict.fromkeys(f.meta[name])))
        if "default_language" in f.meta:
            article.default_language = str(f.meta["default_language"])
        if "status" in f.meta:
            _set_status(article, str(f.meta["status"]))
        _, changed = await _write_variant(
            session, principal, article, f.language, VariantWrite(title=f.title, body=f.body)
        )
        if is_new:
            created += 1
        elif changed:
            updated += 1
        else:
            unchanged += 1
    for article in touched.values():
        await repository.refresh_search(session, org, article)
        if await repository.variant(session, org, article.id, article.default_language) is None:
            raise InvalidInput(
                f"Article {article.key!r} has no variant in its default language {article.default_language}.",
                errors=field_error("body.files", f"{article.key}: no {article.default_language} file"),
            )
    audit.record(
        session,
        principal,
        org,
        "knowledge.imported",
        "knowledge_article",
        None,
        {"created": created, "updated": updated, "files": len(files)},
    )
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


async def ensure_starter_articles(session: Session, principal: Principal) -> int:
    """The starter articles (api/knowledge/starter.py), published; those whose key exists are left
    as they are. Returns how many were added."""
    added = 0
    for key, categories, tags, variants in STARTER_ARTICLES:
        if await repository.article_by_key(session, principal.organization_id, key) is not None:
            continue
        await create_article(
            session,
            principal,
            ArticleCreate.model_validate(
                {
                    "key": key,
                    "status": "published",
                    "default_language": "en",
                    "categories": list(categories),
                    "tags": list(tags),
                    "variants": [{"language": lang, "title": t, "body": b} for lang, (t, b) in variants.items()],
                }
            ),
        )
        added += 1
    return added


async def seed_demo_knowledge(
    session: Session, organization_id: uuid.UUID, author: Any, store: Channel, slug: str
) -> None:
    """The demo's starter articles (published, English and Chinese) and a public help page for
    `store` at /help/{slug}, its questions arriving on the store itself (an `api` channel)."""
    principal = Principal(
        organization_id=organization_id, scopes=frozenset(), user_id=author.id, role=author.role, name=author.name
    )
    await ensure_starter_articles(session, principal)
    sites = await repository.help_sites(session, organization_id)
    if not any(s.slug == slug for s in sites):
        session.add(
            HelpSite(
                organization_id=organization_id,
                slug=slug,
                title="Demo Store",
                channel_id=store.id,
                intake_channel_id=store.id,
                default_language="en",
            )
        )
        await session.flush()

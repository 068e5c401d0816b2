"""The public help page of a store, /help/{slug}: server-rendered HTML that works without
JavaScript and without a login.

Every value placed in the page is escaped (markupsafe), article bodies are the sanitised HTML of
api/knowledge/markdown.py, and the page carries its own strict Content-Security-Policy: no script
at all, its one stylesheet allowed by hash, images from the page's host only (and the configured
image hosts), forms posting only to itself, no framing.

Flow: search -> read an article ("this answered my question") -> or ask: the question is checked,
the best matches are shown with "did one of these answer it?", and only a second, explicit "send"
turns it into a conversation (api/knowledge/help.py).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from api.db import SessionDep
from api.knowledge import help as service
from api.knowledge import repository
from api.knowledge.help import LanguageChoice, Shown
from api.models import Channel, HelpSite

router = APIRouter(prefix="/help", include_in_schema=False)

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1f2933;background:#f7f7f8}
header,main,footer{max-width:46rem;margin:0 auto;padding:1rem}
header{border-bottom:1px solid #d9dde3}
a{color:#0b57d0}
.notice{background:#fff6d6;border:1px solid #e8d48a;padding:.5rem .75rem;border-radius:4px}
.error{background:#fde8e8;border:1px solid #e0a3a3;padding:.5rem .75rem;border-radius:4px}
.card{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:1rem;margin:1rem 0}
label{display:block;font-weight:600;margin-top:.75rem}
input[type=text],input[type=email],input[type=search],textarea{width:100%;box-sizing:border-box;padding:.5rem;
font:inherit;border:1px solid #8a94a3;border-radius:4px}
button{font:inherit;padding:.5rem 1rem;margin-top:.75rem;border-radius:4px;border:1px solid #0b57d0;
background:#0b57d0;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b57d0}
:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
.skip{position:absolute;left:-10000px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.25rem}
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "help": "Help",
        "skip": "Skip to content",
        "search_label": "Search for an answer",
        "search": "Search",
        "results": "Answers",
        "no_results": "No article matches your search. You can ask us below.",
        "ask_title": "Ask a question",
        "question": "Your question",
        "name": "Your name (optional)",
        "email": "Your e-mail address (for our answer)",
        "check": "Continue",
        "before_send": "Before you send: do these answer your question?",
        "answered": "Yes, this answered my question",
        "send_anyway": "No, send my question",
        "thanks_answered": "Thank you! We are glad this helped.",
        "thanks_sent": "Thank you. Your question was sent; we will answer by e-mail.",
        "back": "Back to help",
        "fallback_page": "This page is not available in your language ({requested}); it is shown in {language}.",
        "fallback_article": "This article is not available in your language; it is shown in {language}.",
        "question_empty": "Please write your question.",
        "question_long": "Your question is too long (at most {max} characters).",
        "name_long": "Your name is too long.",
        "email_invalid": "Please give a valid e-mail address so we can answer.",
        "query_long": "Your search is too long (at most {max} characters).",
        "too_fast": "Too many requests from your connection. Please wait a moment and try again.",
        "unavailable": "Questions cannot be sent right now. Please try again later.",
        "not_found": "This help page does not exist.",
        "article_missing": "This article is not available.",
        "language": "Language",
    },
    "zh": {
        "help": "帮助中心",
        "skip": "跳到正文",
        "search_label": "搜索答案",
        "search": "搜索",
        "results": "相关解答",
        "no_results": "没有找到匹配的文章。您可以在下方向我们提问。",
        "ask_title": "提交问题",
        "question": "您的问题",
        "name": "您的称呼（可选）",
        "email": "您的邮箱（用于接收回复）",
        "check": "继续",
        "before_send": "发送之前：以下文章能解答您的问题吗？",
        "answered": "是的，这解答了我的问题",
        "send_anyway": "没有，发送我的问题",
        "thanks_answered": "谢谢！很高兴能帮到您。",
        "thanks_sent": "谢谢，您的问题已发送，我们会通过邮件回复您。",
        "back": "返回帮助中心",
        "fallback_page": "本页面暂无您的语言版本（{requested}），现以{language}显示。",
        "fallback_article": "本文暂无您的语言版本，现以{language}显示。",
        "question_empty": "请填写您的问题。",
        "question_long": "问题过长（最多 {max} 个字符）。",
        "name_long": "称呼过长。",
        "email_invalid": "请填写有效的邮箱地址，以便我们回复。",
        "query_long": "搜索内容过长（最多 {max} 个字符）。",
        "too_fast": "请求过于频繁，请稍后再试。",
        "unavailable": "暂时无法发送问题，请稍后再试。",
        "not_found": "该帮助页面不存在。",
        "article_missing": "该文章不可用。",
        "language": "语言",
    },
    "es": {
        "help": "Ayuda",
        "skip": "Ir al contenido",
        "search_label": "Busca una respuesta",
        "search": "Buscar",
        "results": "Respuestas",
        "no_results": "Ningún artículo coincide con tu búsqueda. Puedes preguntarnos abajo.",
        "ask_title": "Haz una pregunta",
        "question": "Tu pregunta",
        "name": "Tu nombre (opcional)",
        "email": "Tu correo electrónico (para responderte)",
        "check": "Continuar",
        "before_send": "Antes de enviar: ¿responde alguno de estos artículos a tu pregunta?",
        "answered": "Sí, esto respondió mi pregunta",
        "send_anyway": "No, enviar mi pregunta",
        "thanks_answered": "¡Gracias! Nos alegra haberte ayudado.",
        "thanks_sent": "Gracias. Tu pregunta fue enviada; te responderemos por correo.",
        "back": "Volver a la ayuda",
        "fallback_page": "Esta página no está disponible en tu idioma ({requested}); se muestra en {language}.",
        "fallback_article": "Este artículo no está disponible en tu idioma; se muestra en {language}.",
        "question_empty": "Escribe tu pregunta.",
        "question_long": "Tu pregunta es demasiado larga (máximo {max} caracteres).",
        "name_long": "Tu nombre es demasiado largo.",
        "email_invalid": "Indica un correo válido para poder responderte.",
        "query_long": "Tu búsqueda es demasiado larga (máximo {max} caracteres).",
        "too_fast": "Demasiadas solicitudes. Espera un momento y vuelve a intentarlo.",
        "unavailable": "No se pueden enviar preguntas ahora. Inténtalo más tarde.",
        "not_found": "Esta página de ayuda no existe.",
        "article_missing": "Este artículo no está disponible.",
        "language": "Idioma",
    },
}
LANGUAGE_NAMES = {
    "en": {"en": "English", "zh": "Chinese", "es": "Spanish"},
    "zh": {"en": "英文", "zh": "中文", "es": "西班牙文"},
    "es": {"en": "inglés", "zh": "chino", "es": "español"},
}


def _trusted(html: str) -> Markup:
    """Only for our own stylesheet and for article HTML that api/knowledge/markdown.render_html
    produced (escaped Markdown, then nh3 with a short allow-list)."""
    return Markup(html)  # noqa: S704


def _t(page_language: str, key: str, **values: object) -> str:
    return TEXTS.get(page_language, TEXTS["en"])[key].format(**values)


def _headers(image_hosts: frozenset[str]) -> dict[str, str]:
    images = " ".join(["'self'", *(f"https://{h}" for h in sorted(image_hosts))])
    policy = "; ".join(
        (
            "default-src 'none'",
            f"style-src 'sha256-{_STYLE_HASH}'",
            f"img-src {images}",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def _page(
    site: HelpSite | None,
    choice: LanguageChoice,
    content: Markup,
    image_hosts: frozenset[str],
    status_code: int = 200,
) -> HTMLResponse:
    lang = choice.language
    title = escape(site.title) if site else escape(_t(lang, "help"))
    notice = Markup("")
    if choice.fell_back and choice.requested:
        names = LANGUAGE_NAMES.get(lang, LANGUAGE_NAMES["en"])
        notice = Markup('<p class="notice" role="status">{}</p>').format(
            _t(lang, "fallback_page", requested=choice.requested, language=names.get(lang, lang))
        )
    switcher = Markup("")
    if site:
        links = Markup(" · ").join(
            Markup('<a href="/help/{}?{}" hreflang="{}" lang="{}">{}</a>').format(
                site.slug, urlencode({"lang": code}), code, code, LANGUAGE_NAMES[code][code]
            )
            for code in service.SUPPORTED
        )
        switcher = Markup('<nav aria-label="{}">{}</nav>').format(_t(lang, "language"), links)
    html = Markup(
        '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{title} · {help}</title><style>{style}</style></head><body>"
        '<a class="skip" href="#main">{skip}</a>'
        "<header><h1>{title} · {help}</h1>{switcher}</header>"
        '<main id="main">{notice}{content}</main></body></html>'
    ).format(
        lang="zh-CN" if lang == "zh" else lang,
        title=title,
        help=_t(lang, "help"),
        style=_trusted(_STYLE),
        skip=_t(lang, "skip"),
        switcher=switcher,
        notice=notice,
        content=content,
    )
    return HTMLResponse(str(html), status_code=status_code, headers=_headers(image_hosts))


def _search_form(site: HelpSite, lang: str, query: str) -> Markup:
    return Markup(
        '<form method="get" action="/help/{slug}" role="search">'
        '<label for="q">{label}</label><input type="search" id="q" name="q" value="{q}" maxlength="{max}">'
        '<input type="hidden" name="lang" value="{lang}"><button type="submit">{search}</button></form>'
    ).format(
        slug=site.slug,
        label=_t(lang, "search_label"),
        q=query,
        max=service.MAX_QUERY_CHARS,
        lang=lang,
        search=_t(lang, "search"),
    )


def _ask_form(site: HelpSite, lang: str, question: str = "", name: str = "", email: str = "") -> Markup:
    return Markup(
        '<section class="card" aria-labelledby="ask"><h2 id="ask">{title}</h2>'
        '<form method="post" action="/help/{slug}/ask">'
        '<input type="hidden" name="lang" value="{lang}"><input type="hidden" name="step" value="check">'
        '<label for="question">{ql}</label>'
        '<textarea id="question" name="question" rows="5" maxlength="{max}" required>{question}</textarea>'
        '<label for="name">{nl}</label><input type="text" id="name" name="name" maxlength="100" value="{name}"'
        ' autocomplete="name">'
        '<label for="email">{el}</label><input type="email" id="email" name="email" required value="{email}"'
        ' autocomplete="email">'
        # The honeypot: hidden from people (and from assistive technology), filled by form-filling bots.
        '<div class="hp" aria-hidden="true"><label for="website">Website</label>'
        '<input type="text" id="website" name="website" tabindex="-1" autocomplete="off"></div>'
        '<button type="submit">{check}</button></form></section>'
    ).format(
        title=_t(lang, "ask_title"),
        slug=site.slug,
        lang=lang,
        ql=_t(lang, "question"),
        max=service.MAX_QUESTION_CHARS,
        question=question,
        nl=_t(lang, "name"),
        name=name,
        el=_t(lang, "email"),
        email=email,
        check=_t(lang, "check"),
    )


def _answered_button(site: HelpSite, lang: str, article_id: uuid.UUID) -> Markup:
    return Markup(
        '<form method="post" action="/help/{slug}/answered"><input type="hidden" name="lang" value="{lang}">'
        '<input type="hidden" name="article_id" value="{id}"><button type="submit">{label}</button></form>'
    ).format(slug=site.slug, lang=lang, id=article_id, label=_t(lang, "answered"))


def _fallback_note(lang: str, shown: Shown) -> Markup:
    if not shown.fell_back:
        return Markup("")
    names = LANGUAGE_NAMES.get(lang, LANGUAGE_NAMES["en"])
    return Markup('<p class="notice">{}</p>').format(
        _t(lang, "fallback_article", language=names.get(shown.language, shown.language))
    )


def _message(lang: str, key: str, kind: str = "error", **values: object) -> Markup:
    role = "alert" if kind == "error" else "status"
    return Markup('<p class="{}" role="{}">{}</p>').format(kind, role, _t(lang, key, **values))


async def _form(request: Request) -> dict[str, str]:
    """An urlencoded form, first value of each field; the body limit middleware bounds its size."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0].replace("\x00", "") for k, v in parse_qs(raw, keep_blank_values=True).items() if v}


def _image_hosts(request: Request) -> frozenset[str]:
    return frozenset(request.app.state.settings.knowledge_image_hosts)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _site(session: SessionDep, slug: str) -> tuple[HelpSite, Channel] | None:
    if len(slug) > 60:
        return None
    return await repository.public_site(session, slug)


def _limiter(request: Request) -> service.HelpLimiter:
    limiter: service.HelpLimiter | None = getattr(request.app.state, "help_limiter", None)
    if limiter is None:
        limiter = request.app.state.help_limiter = service.HelpLimiter(request.app.state.redis)
    return limiter


def _not_found(choice: LanguageChoice, hosts: frozenset[str]) -> HTMLResponse:
    return _page(None, choice, _message(choice.language, "not_found"), hosts, 404)


@router.get("/{slug}")
async def help_home(
    slug: str,
    request: Request,
    session: SessionDep,
    q: str = "",
    lang: str | None = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    hosts = _image_hosts(request)
    found = await _site(session, slug)
    if found is None:
        return _not_found(service.negotiate(lang, accept_language, "en"), hosts)
    site, store = found
    choice = service.negotiate(lang, accept_language, site.default_language)
    lang_code = choice.language
    parts = [_search_form(site, lang_code, q[: service.MAX_QUERY_CHARS])]
    status_code = 200
    if len(q) > service.MAX_QUERY_CHARS:
        parts.append(_message(lang_code, "query_long", max=service.MAX_QUERY_CHARS))
        status_code = 422
    elif q.strip():
        settings = request.app.state.settings
        if not await _limiter(request).allow_search(site.id, _address(request), settings.help_searches_per_minute):
            return _page(site, choice, _message(lang_code, "too_fast"), hosts, 429)
        results = await service.search(session, site, store, q, lang_code, hosts)
        items = Markup("").join(
            Markup('<li><a href="/help/{}/articles/{}?{}">{}</a></li>').format(
                site.slug, r.article_id, urlencode({"lang": lang_code}), r.title
            )
            for r in results
        )
        parts.append(
            Markup('<section aria-labelledby="results"><h2 id="results">{}</h2><ul>{}</ul></section>').format(
                _t(lang_code, "results"), items
            )
            if results
            else _message(lang_code, "no_results", kind="notice")
        )
    parts.append(_ask_form(site, lang_code))
    return _page(site, choice, Markup("").join(parts), hosts, status_code)


@router.get("/{slug}/articles/{article_id}")
async def help_article(
    slug: str,
    article_id: str,
    request: Request,
    session: SessionDep,
    lang: str | None = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    hosts = _image_hosts(request)
    found = await _site(session, slug)
    if found is None:
        return _not_found(service.negotiate(lang, accept_language, "en"), hosts)
    site, store = found
    choice = service.negotiate(lang, accept_language, site.default_language)
    # Each view is a row: views share the search allowance, so a script cannot inflate them freely.
    settings = request.app.state.settings
    if not await _limiter(request).allow_search(site.id, _address(request), settings.help_searches_per_minute):
        return _page(site, choice, _message(choice.language, "too_fast"), hosts, 429)
    try:
        wanted = uuid.UUID(article_id)
    except ValueError:
        wanted = None
    shown = await service.article(session, site, store, wanted, choice.language, hosts) if wanted else None
    if shown is None:
        return _page(site, choice, _message(choice.language, "article_missing"), hosts, 404)
    await service.record(session, site, "view", [shown.article_id])
    content = Markup(
        '<article class="card" lang="{alang}"><h2>{title}</h2>{note}{body}</article>{button}'
        '<p><a href="/help/{slug}?{q}">{back}</a></p>'
    ).format(
        alang="zh-CN" if shown.language == "zh" else shown.language,
        title=shown.title,
        note=_fallback_note(choice.language, shown),
        body=_trusted(shown.html),
        button=_answered_button(site, choice.language, shown.article_id),
        slug=site.slug,
        q=urlencode({"lang": choice.language}),
        back=_t(choice.language, "back"),
    )
    return _page(site, choice, content, hosts)


@router.post("/{slug}/answered")
async def help_answered(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    """ "This answered my question": a deflection, counted for the article."""
    hosts = _image_hosts(request)
    form = await _form(request)
    found = await _site(session, slug)
    if found is None:
        return _not_found(service.negotiate(form.get("lang"), None, "en"), hosts)
    site, store = found
    choice = service.negotiate(form.get("lang"), request.headers.get("accept-language"), site.default_language)
    settings = request.app.state.settings
    if not await _limiter(request).allow_search(site.id, _address(request), settings.help_searches_per_minute):
        return _page(site, choice, _message(choice.language, "too_fast"), hosts, 429)
    try:
        wanted = uuid.UUID(form.get("article_id", ""))
    except ValueError:
        return _page(site, choice, _message(choice.language, "article_missing"), hosts, 404)
    shown = await service.article(session, site, store, wanted, choice.language, hosts)
    if shown is None:
        return _page(site, choice, _message(choice.language, "article_missing"), hosts, 404)
    await service.record(session, site, "answered", [shown.article_id])
    content = Markup('{}<p><a href="/help/{}?{}">{}</a></p>').format(
        _message(choice.language, "thanks_answered", kind="notice"),
        site.slug,
        urlencode({"lang": choice.language}),
        _t(choice.language, "back"),
    )
    return _page(site, choice, content, hosts)


@router.post("/{slug}/ask")
async def help_ask(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Step `check`: show the best matches first. Step `send`: the question becomes a conversation."""
    hosts = _image_hosts(request)
    form = await _form(request)
    found = await _site(session, slug)
    if found is None:
        return _not_found(service.negotiate(form.get("lang"), None, "en"), hosts)
    site, store = found
    choice = service.negotiate(form.get("lang"), request.headers.get("accept-language"), site.default_language)
    lang = choice.language
    question, email, name = form.get("question", ""), form.get("email", ""), form.get("name", "")
    thanks = Markup('{}<p><a href="/help/{}?{}">{}</a></p>').format(
        _message(lang, "thanks_sent", kind="notice"), site.slug, urlencode({"lang": lang}), _t(lang, "back")
    )
    if form.get("website"):
        # A bot filled the honeypot: answer as if sent, so it learns nothing; nothing is stored.
        return _page(site, choice, thanks, hosts)
    problem = service.question_problem(question, email, name)
    if problem:
        content = _message(lang, problem, max=service.MAX_QUESTION_CHARS) + _ask_form(
            site, lang, question[: service.MAX_QUESTION_CHARS], name[:100], email[:254]
        )
        return _page(site, choice, content, hosts, 422)
    settings = request.app.state.settings
    limiter = _limiter(request)
    if not await limiter.allow_search(site.id, _address(request), settings.help_searches_per_minute):
        return _page(site, choice, _message(lang, "too_fast"), hosts, 429)
    shown = await service.search(session, site, store, question, lang, hosts, limit=3)
    if form.get("step") != "send" and shown:
        cards = Markup("").join(
            Markup('<article class="card" lang="{}"><h3>{}</h3>{}{}{}</article>').format(
                "zh-CN" if s.language == "zh" else s.language,
                s.title,
                _fallback_note(lang, s),
                _trusted(s.html),
                _answered_button(site, lang, s.article_id),
            )
            for s in shown
        )
        await service.record(session, site, "view", [s.article_id for s in shown])
        send = Markup(
            '<form method="post" action="/help/{slug}/ask"><input type="hidden" name="step" value="send">'
            '<input type="hidden" name="lang" value="{lang}"><input type="hidden" name="question" value="{q}">'
            '<input type="hidden" name="name" value="{name}"><input type="hidden" name="email" value="{email}">'
            '<button type="submit" class="secondary">{label}</button></form>'
        ).format(slug=site.slug, lang=lang, q=question, name=name, email=email, label=_t(lang, "send_anyway"))
        content = Markup('<h2 id="check" tabindex="-1">{}</h2>{}{}').format(_t(lang, "before_send"), cards, send)
        return _page(site, choice, content, hosts)
    allowed = await limiter.allow_question(
        site.id, _address(request), settings.help_questions_per_10_minutes, settings.help_question_interval_seconds
    )
    if not allowed:
        return _page(site, choice, _message(lang, "too_fast"), hosts, 429)
    conversation_id = await service.send_question(session, site, question, email, name, lang, shown)
    if conversation_id is None:
        return _page(site, choice, _message(lang, "unavailable"), hosts, 503)
    return _page(site, choice, thanks, hosts)

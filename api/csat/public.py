"""The public CSAT survey page, /csat/{token}: for channels that allow links (the store's mail, ERP
channels). No login: the unguessable token in the link is the only key (its SHA-256 is stored, never
the token). Server-rendered, no script, a strict Content-Security-Policy, and rate-limited per
client address in Redis as the public help page is. One answer per survey: a second one is shown
the first."""

from __future__ import annotations

import base64
import hashlib
import logging
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from redis.exceptions import RedisError

from api.csat import service
from api.db import SessionDep
from api.kit.crypto import token_digest

router = APIRouter(prefix="/csat", include_in_schema=False)
log = logging.getLogger(__name__)

PER_10_MINUTES = 30
MAX_TOKEN_CHARS = 64

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1f2933;background:#f7f7f8}
main{max-width:36rem;margin:2rem auto;padding:1rem;background:#fff;border:1px solid #d9dde3;border-radius:6px}
button{font:inherit;padding:.5rem 1rem;margin:.25rem;border-radius:4px;border:1px solid #0b57d0;
background:#fff;color:#0b57d0;cursor:pointer;min-width:3rem}
:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
_HEADERS = {
    "Content-Security-Policy": "; ".join(
        (
            "default-src 'none'",
            f"style-src 'sha256-{_STYLE_HASH}'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "How did we do?",
        "scale": "1 = not satisfied, 5 = very satisfied",
        "thanks": "Thank you for your answer.",
        "already": "This survey was already answered. Thank you.",
        "gone": "This survey link is not valid.",
        "too_fast": "Too many requests from your connection. Please try again later.",
        "invalid": "Please choose a number from 1 to 5.",
    },
    "zh": {
        "title": "您对我们的服务满意吗？",
        "scale": "1 = 不满意，5 = 非常满意",
        "thanks": "感谢您的反馈。",
        "already": "此问卷已回答，谢谢。",
        "gone": "此问卷链接无效。",
        "too_fast": "请求过于频繁，请稍后再试。",
        "invalid": "请选择 1 到 5 之间的数字。",
    },
    "es": {
        "title": "¿Cómo lo hicimos?",
        "scale": "1 = nada satisfecho, 5 = muy satisfecho",
        "thanks": "Gracias por su respuesta.",
        "already": "Esta encuesta ya fue respondida. Gracias.",
        "gone": "Este enlace de encuesta no es válido.",
        "too_fast": "Demasiadas solicitudes. Inténtelo más tarde.",
        "invalid": "Elija un número del 1 al 5.",
    },
}


def _page(language: str, body: Markup, status_code: int = 200) -> HTMLResponse:
    t = TEXTS.get(language, TEXTS["en"])
    html = Markup(
        '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{title}</title><style>{style}</style></head><body><main>{body}</main></body></html>"
    ).format(lang=language, title=t["title"], style=Markup(_STYLE), body=body)  # noqa: S704 (a constant)
    return HTMLResponse(str(html), status_code=status_code, headers=_HEADERS)


def _message(language: str, key: str, status_code: int = 200) -> HTMLResponse:
    return _page(
        language, Markup('<p data-testid="csat-page-message">{}</p>').format(TEXTS[language][key]), status_code
    )


async def _allowed(request: Request) -> bool:
    """Fixed 10-minute windows per client address; refuses when Redis is unreachable (answers write)."""
    who = token_digest(request.client.host if request.client else "unknown")
    key = f"hg:csat:page:{who}"
    try:
        async with request.app.state.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=600, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
        return int(count) <= PER_10_MINUTES
    except RedisError:
        log.warning("csat page limiter unavailable; refusing")
        return False


@router.get("/{token}", response_class=HTMLResponse)
async def survey_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    if not await _allowed(request):
        return _message("en", "too_fast", 429)
    survey = await service.survey_for_token(session, token) if len(token) <= MAX_TOKEN_CHARS else None
    if survey is None:
        return _message("en", "gone", 404)
    language = survey.language if survey.language in TEXTS else "en"
    if survey.state == "answered":
        return _message(language, "already")
    t = TEXTS[language]
    buttons = Markup("").join(
        Markup('<button type="submit" name="score" value="{n}" data-testid="csat-score-{n}">{n}</button>').format(n=n)
        for n in range(1, 6)
    )
    body = Markup('<h1>{title}</h1><p>{scale}</p><form method="post">{buttons}</form>').format(
        title=t["title"], scale=t["scale"], buttons=buttons
    )
    return _page(language, body)


@router.post("/{token}", response_class=HTMLResponse)
async def answer_survey(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    if not await _allowed(request):
        return _message("en", "too_fast", 429)
    if len(token) > MAX_TOKEN_CHARS:
        return _message("en", "gone", 404)
    raw = (await request.body()).decode("utf-8", errors="replace")
    score_text = (parse_qs(raw).get("score") or [""])[0]
    existing = await service.survey_for_token(session, token)
    if existing is None:
        return _message("en", "gone", 404)
    language = existing.language if existing.language in TEXTS else "en"
    if not score_text.isdigit() or not 1 <= int(score_text) <= 5:
        return _message(language, "invalid", 422)
    if existing.state != "sent":
        return _message(language, "already", 409 if existing.state == "answered" else 404)
    await service.answer_by_link(session, token, int(score_text))
    return _message(language, "thanks")

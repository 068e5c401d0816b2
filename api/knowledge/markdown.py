"""Article Markdown: safe HTML for the help page and the editor preview, plain text for the
composer, and Markdown files with front matter for import and export (pure).

Article bodies are written by staff but shown on a public page, so they are treated as untrusted:
raw HTML in Markdown is not passed through (markdown-it with `html=False` escapes it), link schemes
are limited, images from other hosts are dropped unless their host is allowed, and the result goes
through the same sanitiser as buyer e-mail (nh3) with a short allow-list of tags and attributes, so
no script, event handler, style or iframe can reach the page even if the renderer had a bug.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import nh3
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
_SCHEMES = {"http", "https", "mailto"}
MAX_FRONT_MATTER_CHARS = 4_000


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


_MD = _parser()


def _image_allowed(src: str, image_hosts: frozenset[str]) -> bool:
    parts = urlsplit(src)
    return parts.scheme == "https" and (parts.hostname or "").lower() in image_hosts


def _drop_foreign_images(tokens: list[Token], image_hosts: frozenset[str]) -> None:
    """Replace each image whose host is not allowed by its alt text (a remote image tells its host
    who read the page, and when)."""
    for token in tokens:
        if not token.children:
            continue
        kept: list[Token] = []
        for child in token.children:
            if child.type == "image" and not _image_allowed(str(child.attrGet("src") or ""), image_hosts):
                alt = Token("text", "", 0)
                alt.content = child.content
                kept.append(alt)
            else:
                kept.append(child)
        token.children = kept


def render_html(markdown: str, image_hosts: frozenset[str] = frozenset()) -> str:
    tokens = _MD.parse(markdown)
    _drop_foreign_images(tokens, image_hosts)
    html = _MD.renderer.render(tokens, _MD.options, {})

    def keep(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src" and not _image_allowed(value, image_hosts):
            return None
        return value

    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        attribute_filter=keep,
        link_rel="noopener noreferrer nofollow",
        clean_content_tags={"script", "style"},
    )


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def searchable_text(body: str) -> str:
    """The body without its template tags: `{{ tracking_number }}` is not a word the article says."""
    return _JINJA.sub(" ", body)


def uses_template_syntax(body: str) -> bool:
    return "{{" in body or "{%" in body or "{#" in body


def to_plain_text(markdown: str) -> str:
    """The article as a marketplace message: no markup, links written out, list items dashed."""
    out: list[str] = []
    ordinal: list[int] = []
    for token in _MD.parse(markdown):
        if token.type == "bullet_list_open":
            ordinal.append(0)
        elif token.type == "ordered_list_open":
            ordinal.append(int(token.attrGet("start") or 1))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            ordinal.pop()
            out.append("\n")
        elif token.type == "list_item_open":
            if ordinal and ordinal[-1]:
                out.append(f"{ordinal[-1]}. ")
                ordinal[-1] += 1
            else:
                out.append("- ")
        elif token.type in ("paragraph_close", "heading_close"):
            out.append("\n" if token.hidden else "\n\n")
        elif token.type in ("fence", "code_block"):
            out.append(token.content + "\n")
        elif token.type == "inline":
            out.append(_inline_text(token.children or []))
    text = "".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    href: str | None = None
    label_start = 0
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
        elif child.type == "link_open":
            href, label_start = str(child.attrGet("href") or ""), len(parts)
        elif child.type == "link_close" and href is not None:
            label = "".join(parts[label_start:])
            if href and href != label and not href.startswith("mailto:"):
                parts.append(f" ({href})")
            href = None
    return "".join(parts)


# -- Markdown files ----------------------------------------------------------------------------------

FRONT_MATTER_FIELDS = (
    "key", "language", "title", "status", "default_language", "tags", "marketplaces", "categories", "skus",
)  # fmt: skip


class FrontMatterError(ValueError):
    """The file cannot be read as an article; the message says why."""


@dataclass
class ArticleFile:
    key: str
    language: str
    title: str
    body: str
    meta: dict[str, Any] = field(default_factory=dict)


def parse_file(text: str) -> ArticleFile:
    """`---` YAML front matter (key, language, title required) then the Markdown body."""
    text = text.lstrip("\ufeff")
    match = re.match(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", text, re.DOTALL)
    if match is None:
        raise FrontMatterError("the file must start with front matter between --- lines")
    if len(match.group(1)) > MAX_FRONT_MATTER_CHARS:
        raise FrontMatterError(f"the front matter is longer than {MAX_FRONT_MATTER_CHARS} characters")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"the front matter is not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(meta, dict):
        raise FrontMatterError("the front matter must be a mapping of fields")
    unknown = sorted(str(k) for k in meta if k not in FRONT_MATTER_FIELDS)
    if unknown:
        raise FrontMatterError(f"unknown front matter field(s): {', '.join(unknown)}")
    for name in ("key", "language", "title"):
        if not isinstance(meta.get(name), str) or not meta[name].strip():
            raise FrontMatterError(f"front matter field {name!r} is required and must be text")
    for name in ("tags", "marketplaces", "categories", "skus"):
        value = meta.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise FrontMatterError(f"front matter field {name!r} must be a list")
        meta[name] = [str(v) for v in value]
    for name in ("status", "default_language"):
        if name in meta and not isinstance(meta[name], str):
            raise FrontMatterError(f"front matter field {name!r} must be text")
    body = text[match.end() :].strip("\r\n")
    return ArticleFile(
        key=str(meta.pop("key")).strip(),
        language=str(meta.pop("language")).strip(),
        title=str(meta.pop("title")).strip(),
        body=body,
        meta=meta,
    )


def write_file(article: ArticleFile) -> str:
    meta = {"key": article.key, "language": article.language, "title": article.title, **article.meta}
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None).strip()
    return f"---\n{front}\n---\n\n{article.body.strip()}\n"

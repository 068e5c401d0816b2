"""Glossary protection (pure): terms are swapped for placeholders before a text goes to the
provider and put back afterwards, so product and store names survive every provider alike, whether
or not it has a glossary API of its own.

Placeholders are `⟦n⟧` (mathematical brackets): no provider translates them, they do not occur in
buyer text, and a tokenizer keeps them whole. A translation that lost or invented a placeholder is
treated as garbage by the caller (the term would be missing or wrong).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"⟦(\d+)⟧")


@dataclass(frozen=True)
class Term:
    term: str
    translation: str | None = None  # None: keep the term as written


@dataclass(frozen=True)
class Protected:
    text: str
    # Placeholder number → what goes back in its place.
    replacements: tuple[str, ...]


class PlaceholderLost(ValueError):
    """The provider dropped, duplicated or invented a placeholder."""


def _pattern(terms: Iterable[Term]) -> re.Pattern[str] | None:
    # Longest first, so "Walmart US" wins over "Walmart"; whole words only for word-like terms.
    words = sorted({t.term for t in terms if t.term.strip()}, key=len, reverse=True)
    if not words:
        return None
    parts = []
    for w in words:
        escaped = re.escape(w)
        start = r"(?<!\w)" if w[0].isalnum() and w[0].isascii() else ""
        end = r"(?!\w)" if w[-1].isalnum() and w[-1].isascii() else ""
        parts.append(f"{start}{escaped}{end}")
    return re.compile("|".join(parts), re.IGNORECASE)


def protect(text: str, terms: Iterable[Term]) -> Protected:
    terms = list(terms)
    pattern = _pattern(terms)
    if pattern is None:
        return Protected(text, ())
    by_lower = {t.term.lower(): t for t in terms}
    replacements: list[str] = []

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        term = by_lower.get(found.lower())
        replacements.append(term.translation if term and term.translation else found)
        return f"⟦{len(replacements) - 1}⟧"

    return Protected(pattern.sub(swap, text), tuple(replacements))


def restore(translated: str, protected: Protected) -> str:
    """The translation with every placeholder replaced; PlaceholderLost when they do not match up."""
    seen = [int(m) for m in _PLACEHOLDER.findall(translated)]
    if sorted(seen) != list(range(len(protected.replacements))):
        raise PlaceholderLost(f"expected {len(protected.replacements)} placeholders, got {seen}")
    return _PLACEHOLDER.sub(lambda m: protected.replacements[int(m.group(1))], translated)


def version(terms: Iterable[Term]) -> str:
    """A digest of the glossary: a cached translation made under another glossary is not reused."""
    digest = hashlib.sha256()
    for t in sorted(terms, key=lambda t: t.term.lower()):
        digest.update(f"{t.term}\x00{t.translation or ''}\x01".encode())
    return digest.hexdigest()[:16]


def text_hash(text: str, glossary_version: str) -> str:
    return hashlib.sha256(f"{glossary_version}\x00{text}".encode()).hexdigest()

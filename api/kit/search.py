"""Search tokenisation shared by indexing and querying.

PostgreSQL's `simple` configuration splits on spaces, so a Chinese sentence would become one token and
never match a word inside it. We tokenise in Python instead, the way search engines' CJK analysers
do: runs of CJK characters become overlapping character bigrams (a single character stays a
unigram), everything else becomes lower-cased alphanumeric words. Indexing and querying use the same
function, so a query for 退货 matches a body containing 我想退货.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+"  # CJK, kana, hangul runs
    r"|[^\W_]+(?:[-.'][^\W_]+)*",  # words, keeping order ids like 111-3958185-1645065 whole
    re.UNICODE,
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
MAX_TOKENS = 4000


def tokenize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text or "").lower()
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        run = match.group(0)
        if _CJK.match(run):
            if len(run) == 1:
                tokens.append(run)
            else:
                tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
            # Also index the parts of a dashed/dotted token so "3958185" finds the order id.
            if any(sep in run for sep in "-.'"):
                tokens.extend(p for p in re.split(r"[-.']", run) if p)
        if len(tokens) >= MAX_TOKENS:
            break
    return tokens[:MAX_TOKENS]


def index_document(*parts: str | None) -> str:
    """Space-joined distinct tokens, fed to `to_tsvector('simple', ...)`."""
    seen: dict[str, None] = {}
    for part in parts:
        for token in tokenize(part or ""):
            if len(token) <= 200:
                seen.setdefault(token, None)
    return " ".join(seen)


def query_terms(query: str) -> list[str]:
    """Distinct tokens of a search query; each must match (AND)."""
    return list(dict.fromkeys(t for t in tokenize(query) if len(t) <= 200))


def to_tsquery_text(terms: list[str]) -> str:
    """A safe `to_tsquery('simple', ...)` argument: each term quoted, joined with &."""
    quoted = ["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms]
    return " & ".join(quoted)

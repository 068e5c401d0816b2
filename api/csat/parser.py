"""A buyer's answer to the CSAT question, as a score from 1 to 5 (pure, no I/O).

The question asks for a number from 1 to 5, so the answer is short: "5", "4/5", "5 stars",
"★★★★☆", "五星", "非常满意", "cinco", "I'd give it a 4". Anything longer or ambiguous is not a score
(None) and stays an ordinary message an agent reads: a wrong score is worse than a missed one, since
a scored message leaves the inbox as needing no response. So:

* at most ``MAX_CHARS`` characters, and no question (a "5?" is the buyer asking something);
* exactly one score found (two different numbers, "4 or 5", are ambiguous);
* no other number in the text ("3 items arrived broken, 1 star" holds an order of facts, not a rating);
* ten-point and out-of-range answers ("10/10", "6") are refused rather than scaled.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAX_CHARS: Final = 60

_WORDS: Final[dict[str, int]] = {
    # English
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    # Spanish
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
}
_CN_DIGITS: Final[dict[str, int]] = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
# Chinese satisfaction phrases, longest first so 非常不满意 is not read as 满意.
_CN_PHRASES: Final[tuple[tuple[str, int], ...]] = (
    ("非常不满意", 1),
    ("很不满意", 1),
    ("不太满意", 2),
    ("不满意", 2),
    ("非常满意", 5),
    ("很满意", 5),
    ("满意", 4),
    ("一般", 3),
)
_ES_PHRASES: Final[tuple[tuple[str, int], ...]] = (
    ("muy insatisfecho", 1),
    ("muy insatisfecha", 1),
    ("insatisfecho", 2),
    ("insatisfecha", 2),
    ("muy satisfecho", 5),
    ("muy satisfecha", 5),
    ("satisfecho", 4),
    ("satisfecha", 4),
)
_EN_PHRASES: Final[tuple[tuple[str, int], ...]] = (
    ("very dissatisfied", 1),
    ("very unsatisfied", 1),
    ("dissatisfied", 2),
    ("unsatisfied", 2),
    ("very satisfied", 5),
    ("satisfied", 4),
)

_STARS_FILLED = "★⭐🌟"
_STARS_EMPTY = "☆"
_OUT_OF = re.compile(r"(?<![\d.])(\d+)\s*(?:/|out of|de|分之)\s*(\d+)(?![\d.])")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:[.,]\d+)?(?![\d.])")
_CN_STARS = re.compile(r"([一二两三四五])\s*(?:颗星|星|分)")
_WORD = re.compile(r"[a-záéíóúñü]+")
_QUESTION = re.compile(r"[?？¿]|吗|呢")


def _normalise(text: str) -> str:
    # NFKC folds full-width digits (５) and slashes (／) into ASCII.
    return unicodedata.normalize("NFKC", text).strip().lower()


def parse_score(text: str) -> int | None:
    """The score (1-5) the buyer's reply gives, or None when it is not clearly a rating."""
    raw = text.strip()
    if not raw or len(raw) > MAX_CHARS or _QUESTION.search(raw):
        return None
    s = _normalise(raw)
    found: set[int] = set()
    rest = s

    filled = sum(s.count(c) for c in _STARS_FILLED)
    if filled:
        empty = s.count(_STARS_EMPTY)
        if filled > 5 or filled + empty not in (filled, 5):
            return None
        found.add(filled)
        for c in _STARS_FILLED + _STARS_EMPTY:
            rest = rest.replace(c, " ")

    for match in _OUT_OF.finditer(rest):
        value, scale = int(match.group(1)), int(match.group(2))
        if scale != 5 or not 1 <= value <= 5:
            return None
        found.add(value)
    rest = _OUT_OF.sub(" ", rest)

    for match in _CN_STARS.finditer(rest):
        found.add(_CN_DIGITS[match.group(1)])
    rest = _CN_STARS.sub(" ", rest)

    for phrases in (_CN_PHRASES, _ES_PHRASES, _EN_PHRASES):
        for phrase, value in phrases:
            if phrase in rest:
                found.add(value)
                rest = rest.replace(phrase, " ")

    numbers = _NUMBER.findall(rest)
    for number in numbers:
        if not number.isdigit() or not 1 <= int(number) <= 5:
            return None
        found.add(int(number))

    for word in _WORD.findall(rest):
        if word in _WORDS:
            found.add(_WORDS[word])

    return found.pop() if len(found) == 1 else None

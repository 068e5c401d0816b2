"""Outbound-message compliance linter as pure rules: no I/O, standard library only.

Every outbound message (agent reply, template, auto-reply) is checked with
:func:`check_message` before it leaves. The result is a list of :class:`Violation`, sorted
by offset. ``severity == "error"`` blocks sending (:func:`has_blocking`), ``"warning"`` is
shown but does not block. ``text[v.start:v.end]`` is always exactly the offending
substring (Python ``str`` indices, i.e. Unicode code points).

Which rule applies to which marketplace, at which severity and on whose authority, is the
data table :data:`RULES`; :func:`rules_for` describes it for the API documentation.

The decisions behind the table (sources, what counts as a link, a phone number, HTML, marketing,
the length and English rules) are written up in ``docs/compliance-rules.md``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal, NamedTuple

__all__ = [
    "MARKETPLACES",
    "MARKETPLACE_NAMES",
    "RULES",
    "Rule",
    "RuleInfo",
    "Severity",
    "UnknownMarketplaceError",
    "Violation",
    "check_message",
    "has_blocking",
    "rules_for",
]

Severity = Literal["error", "warning"]
Applies = Literal["always", "us_order", "english_locale"]

MARKETPLACES: Final[tuple[str, ...]] = ("walmart", "amazon", "ebay", "shopee", "tiktok", "email", "api")
MARKETPLACE_NAMES: Final[dict[str, str]] = {
    "walmart": "Walmart",
    "amazon": "Amazon",
    "ebay": "eBay",
    "shopee": "Shopee",
    "tiktok": "TikTok Shop",
    "email": "Email",
    "api": "API",
}


class UnknownMarketplaceError(ValueError):
    """Raised for a marketplace that is not one of :data:`MARKETPLACES`."""


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    message: str
    start: int
    end: int
    severity: Severity
    marketplace: str

    @property
    def blocking(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    code: str
    description: str
    severity: Severity
    source: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of :data:`RULES`.

    ``message`` is a ``str.format`` template with ``{marketplace}``, ``{found}`` (the
    offending text, shortened), ``{limit}``, ``{length}`` and ``{over}``.
    """

    code: str
    severity: Severity
    description: str
    message: str
    source: str
    applies: Applies = "always"
    limit: int | None = None  # too_long
    hosts: tuple[str, ...] = ()  # external_link: allowed hosts; carrier_link: flagged hosts
    threshold: float = 0.0  # not_english / mixed_language: non-Latin letter share

    def info(self) -> RuleInfo:
        return RuleInfo(self.code, self.description, self.severity, self.source)


# --------------------------------------------------------------------------------------
# Domains
# --------------------------------------------------------------------------------------


def _domains(brand: str, suffixes: str) -> tuple[str, ...]:
    return tuple(f"{brand}.{s}" for s in suffixes.split())


CARRIER_HOSTS: Final = ("ups.com", "fedex.com", "usps.com", "dhl.com")
AMAZON_HOSTS: Final = (
    *_domains(
        "amazon",
        "com ca com.mx com.br co.uk de fr it es nl se pl com.be com.tr ae sa eg in co.jp com.au sg cn ie",
    ),
    "amzn.to",
    "amzn.com",
    "amzn.eu",
    "a.co",
)
WALMART_HOSTS: Final = ("walmart.com", "walmart.ca", "walmart.com.mx")
EBAY_HOSTS: Final = _domains("ebay", "com co.uk de fr it es ca com.au at ch be ie nl pl com.hk com.sg com.my ph in us")
SHOPEE_HOSTS: Final = (
    *_domains("shopee", "sg co.id com.my ph vn co.th tw com.br com.mx cl com.co cn"),
    "shp.ee",
)
TIKTOK_HOSTS: Final = ("tiktok.com", "tiktokshop.com", "tiktokglobalshop.com")

# --------------------------------------------------------------------------------------
# Sources and shared wording
# --------------------------------------------------------------------------------------

SRC_AMAZON_SPEC = (
    "Amazon SP-API Messaging, text rules: 'Only links related to [purpose] are "
    "allowed. Do not include HTML or email addresses.'; text 1-2000 characters; 'written in the "
    "buyer's language of preference'"
)
SRC_WALMART_POLICY = (
    "Walmart Customer Care Policy: 'US support must be in English. Marketing and "
    "links to sites outside Walmart are prohibited. Do not initiate contact outside Walmart's "
    "channels.'"
)
SRC_EBAY = "eBay sendMessage: error 355013 (text over 2000 characters); body plain text, no HTML"
SRC_TIKTOK = "TikTok Shop send message: type TEXT, max 2000 characters"
SRC_HUB_POLICY = "Hourglass policy: buyer contact stays on the marketplace; not a published marketplace rule"
SRC_PLAIN_TEXT = "hub policy: the channel delivers plain text, so markup would reach the buyer as literal tags"
SRC_UNVERIFIED_OFFPLATFORM = (
    "hub policy: marketplaces discourage moving buyers off-platform; not stated in the reference, "
    "UNVERIFIED, so a warning only"
)
SRC_AMAZON_REVIEWS = (
    "Amazon Buyer-Seller Messaging and Community Guidelines forbid asking for positive reviews or "
    "review changes; not a published messaging rule, blocked because it risks the account"
)
SRC_EMPTY = "hub policy: an empty message is never a response"

_D_LINK = "Links to sites outside the marketplace (with or without https://, www., or a bare domain)."
_D_EMAIL = "Email addresses."
_D_PHONE = "Phone numbers (international +CC, North-American and dashed local numbers, numbers after 'call'/'tel')."
_D_HTML = "HTML tags such as <a href>, <b>, <br>, <script>; messages must be plain text."
_D_PROMO = "Marketing and promotional language (coupons, discount codes, buy now, visit our store, follow us…)."
_D_REVIEW = "Asking for positive / 5-star reviews, or for a review to be removed or changed (好评, 五星)."
_D_EMPTY = "The message must not be empty or whitespace only."

_M_LINK_ERR = "{marketplace} does not allow links to sites outside {marketplace} ({found})."
_M_LINK_WARN = "{marketplace} discourages links to sites outside {marketplace} ({found})."
_M_EMAIL_ERR = "{marketplace} does not allow email addresses in messages ({found})."
_M_EMAIL_WARN = "{marketplace} discourages sharing email addresses with buyers ({found})."
_M_PHONE_ERR = "{marketplace} does not allow phone numbers in messages ({found})."
_M_PHONE_WARN = "{marketplace} discourages sharing phone numbers with buyers ({found})."
_M_HTML = "{marketplace} messages must be plain text; HTML markup is not allowed ({found})."
_M_PROMO_ERR = "{marketplace} does not allow marketing or promotional content ({found})."
_M_PROMO_WARN = "{marketplace} discourages marketing or promotional content in buyer messages ({found})."
_M_REVIEW = "{marketplace} does not allow asking for positive reviews or for a review to be changed ({found})."
_M_LONG = "{marketplace} messages are limited to {limit} characters; this one has {length} ({over} over)."
_M_EMPTY = "{marketplace} messages must not be empty."
_M_MIXED = "{marketplace} replies in English should not contain non-English text ({found})."


def _too_long(limit: int, source: str) -> Rule:
    return Rule(
        "too_long",
        "error",
        f"Messages longer than {limit:,} characters (Unicode code points) are rejected.",
        _M_LONG,
        source,
        limit=limit,
    )


_EMPTY_RULE = Rule("empty_message", "error", _D_EMPTY, _M_EMPTY, SRC_EMPTY)

# --------------------------------------------------------------------------------------
# The table: marketplace -> rules it applies
# --------------------------------------------------------------------------------------

RULES: Final[dict[str, tuple[Rule, ...]]] = {
    "walmart": (
        _EMPTY_RULE,
        Rule(
            "external_link",
            "error",
            _D_LINK,
            _M_LINK_ERR,
            SRC_WALMART_POLICY,
            hosts=WALMART_HOSTS + CARRIER_HOSTS,
        ),
        Rule(
            "carrier_link",
            "warning",
            "Carrier tracking links (ups.com, fedex.com, usps.com, dhl.com): not explicitly allowed by "
            "Walmart; prefer the tracking number.",
            "Walmart forbids links to sites outside Walmart and does not explicitly allow carrier "
            "tracking links ({found}); prefer giving the tracking number.",
            f"{SRC_WALMART_POLICY}; carrier exception not stated, so a warning",
            hosts=CARRIER_HOSTS,
        ),
        Rule("email_address", "error", _D_EMAIL, _M_EMAIL_ERR, SRC_WALMART_POLICY),
        Rule("phone_number", "error", _D_PHONE, _M_PHONE_ERR, SRC_WALMART_POLICY),
        Rule("html_markup", "error", _D_HTML, _M_HTML, f"{SRC_HUB_POLICY}; {SRC_PLAIN_TEXT}"),
        Rule("promotional_language", "error", _D_PROMO, _M_PROMO_ERR, SRC_WALMART_POLICY),
        Rule(
            "review_manipulation",
            "error",
            _D_REVIEW,
            _M_REVIEW,
            f"{SRC_WALMART_POLICY} (marketing); review solicitation rules UNVERIFIED",
        ),
        Rule(
            "not_english",
            "error",
            "Replies to US orders (order country US or unknown) must be in English: at least 20% of the "
            "letters in a non-Latin script, or clearly Spanish, is not English.",
            "Walmart requires replies to US orders to be in English ({found}).",
            SRC_WALMART_POLICY,
            applies="us_order",
            threshold=0.2,
        ),
        Rule(
            "mixed_language",
            "warning",
            "An English reply to a US order that contains a run of non-English (non-Latin) text.",
            _M_MIXED,
            SRC_WALMART_POLICY,
            applies="us_order",
            threshold=0.2,
        ),
    ),
    "amazon": (
        _EMPTY_RULE,
        Rule(
            "external_link",
            "error",
            f"{_D_LINK} Amazon domains and carrier tracking (ups.com, fedex.com, usps.com, dhl.com) are allowed.",
            _M_LINK_ERR,
            SRC_AMAZON_SPEC,
            hosts=AMAZON_HOSTS + CARRIER_HOSTS,
        ),
        Rule("email_address", "error", _D_EMAIL, _M_EMAIL_ERR, SRC_AMAZON_SPEC),
        Rule("phone_number", "error", _D_PHONE, _M_PHONE_ERR, SRC_HUB_POLICY),
        Rule("html_markup", "error", _D_HTML, _M_HTML, SRC_AMAZON_SPEC),
        Rule("promotional_language", "warning", _D_PROMO, _M_PROMO_WARN, SRC_HUB_POLICY),
        Rule("review_manipulation", "error", _D_REVIEW, _M_REVIEW, SRC_AMAZON_REVIEWS),
        _too_long(2000, SRC_AMAZON_SPEC),
        Rule(
            "not_english",
            "warning",
            "When the buyer's locale is English (en-*), a message whose letters are mostly (50%+) "
            "non-Latin, or clearly Spanish, is not in the buyer's language.",
            "Amazon requires messages in the buyer's language (English here) ({found}).",
            SRC_AMAZON_SPEC,
            applies="english_locale",
            threshold=0.5,
        ),
        Rule(
            "mixed_language",
            "warning",
            "When the buyer's locale is English, a run of non-English (non-Latin) text.",
            _M_MIXED,
            SRC_AMAZON_SPEC,
            applies="english_locale",
            threshold=0.5,
        ),
    ),
    "ebay": (
        _EMPTY_RULE,
        Rule(
            "external_link",
            "warning",
            f"{_D_LINK} eBay domains and carrier tracking are allowed.",
            _M_LINK_WARN,
            SRC_UNVERIFIED_OFFPLATFORM,
            hosts=EBAY_HOSTS + CARRIER_HOSTS,
        ),
        Rule("email_address", "error", _D_EMAIL, _M_EMAIL_ERR, SRC_HUB_POLICY),
        Rule("phone_number", "error", _D_PHONE, _M_PHONE_ERR, SRC_HUB_POLICY),
        Rule("html_markup", "error", _D_HTML, _M_HTML, SRC_EBAY),
        _too_long(2000, SRC_EBAY),
    ),
    "shopee": (
        _EMPTY_RULE,
        Rule(
            "external_link",
            "warning",
            f"{_D_LINK} Shopee domains are allowed.",
            _M_LINK_WARN,
            SRC_UNVERIFIED_OFFPLATFORM,
            hosts=SHOPEE_HOSTS,
        ),
        Rule("email_address", "warning", _D_EMAIL, _M_EMAIL_WARN, SRC_UNVERIFIED_OFFPLATFORM),
        Rule("phone_number", "warning", _D_PHONE, _M_PHONE_WARN, SRC_UNVERIFIED_OFFPLATFORM),
        Rule(
            "html_markup",
            "error",
            _D_HTML,
            _M_HTML,
            f"Shopee send_message: content {{text}}; {SRC_PLAIN_TEXT}",
        ),
    ),
    "tiktok": (
        _EMPTY_RULE,
        Rule(
            "external_link",
            "warning",
            f"{_D_LINK} TikTok domains and carrier tracking are allowed.",
            _M_LINK_WARN,
            SRC_UNVERIFIED_OFFPLATFORM,
            hosts=TIKTOK_HOSTS + CARRIER_HOSTS,
        ),
        Rule(
            "email_address",
            "error",
            _D_EMAIL,
            _M_EMAIL_ERR,
            f"{SRC_HUB_POLICY}; the API rejects 'sensitive content' (45101006)",
        ),
        Rule("phone_number", "warning", _D_PHONE, _M_PHONE_WARN, SRC_UNVERIFIED_OFFPLATFORM),
        Rule("html_markup", "error", _D_HTML, _M_HTML, f"{SRC_TIKTOK}; {SRC_PLAIN_TEXT}"),
        _too_long(2000, SRC_TIKTOK),
    ),
    "email": (_EMPTY_RULE,),
    "api": (_EMPTY_RULE,),
}


# --------------------------------------------------------------------------------------
# Detectors: each yields (start, end) spans into the text
# --------------------------------------------------------------------------------------


class _Span(NamedTuple):
    start: int
    end: int


_DROP_ZERO_WIDTH: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# URLs
_URL_CHARS = r"A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%"
_TRAILING_PUNCT = ".,;:!?'\"*]}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SCHEME_URL = re.compile(rf"(?<![A-Za-z0-9])(?:h[tx]{{2}}ps?|ftp)://[{_URL_CHARS}]+", re.IGNORECASE)
_BARE_HOST = re.compile(
    rf"(?<![A-Za-z0-9@._%+\-])(?P<host>(?:{_LABEL}\.)+[A-Za-z]{{2,24}})"
    rf"(?![A-Za-z0-9\-]|['’][A-Za-z])(?P<rest>(?::\d{{1,5}})?[/?#][{_URL_CHARS}]*)?"
)
# Top-level domains accepted for bare hosts. Deliberately excludes TLDs that are also common
# file extensions (zip, mov, md, py, sh, rs…) or everyday words.
_TLDS: Final = _word_set(
    """
    com net org info biz io co me us uk de fr it es nl ca au jp cn in br mx ru sg my ph th vn id tw kr
    hk nz ie ch at be se pl ae tr ly gl gd to cc tv ai gg ws la eu asia shop store online site xyz
    app top vip club link
    """
)

# Email addresses
_EMAIL = re.compile(rf"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@(?:{_LABEL}\.)+[A-Za-z]{{2,24}}(?![A-Za-z0-9\-])")

# Phone numbers
_NB = r"(?<![A-Za-z0-9_+#$€£¥./\-])"  # not glued to a token, an id, a price or a decimal
_NA = r"(?![A-Za-z0-9_]|[.\-/,]\d)"  # not continued by more of a token
_PHONE_SHAPES = (
    # international +CC: 8-15 digits checked afterwards
    re.compile(rf"{_NB}\+\d{{1,3}}(?:[ .\-\u00a0]?\(?\d{{1,4}}\)?){{2,6}}{_NA}"),
    # North America: (555) 123-4567, 555-123-4567, 555.123.4567, 1-800-555-0199
    re.compile(rf"{_NB}(?:1[ .\-])?(?:\(\d{{3}}\)[ .\-\u00a0]?|\d{{3}}[ .\-\u00a0])\d{{3}}[ .\-\u00a0]\d{{4}}{_NA}"),
    # dashed local number 555-1234 (dots would be decimals)
    re.compile(rf"{_NB}\d{{3}}-\d{{4}}{_NA}"),
    # Chinese mobile with separators: 138 0013 8000, 138-0013-8000
    re.compile(rf"{_NB}1[3-9]\d[ \-]\d{{4}}[ \-]\d{{4}}{_NA}"),
)
_PHONE_WORDS = (
    r"(?<![A-Za-z])(?:tele?phone|phone|tel|call|text|whats\s?app|wechat|mobile|cell|sms)(?![A-Za-z])"
    r"|电话|手机|微信|致电"
)
_PHONE_AFTER_WORD = re.compile(
    rf"(?:{_PHONE_WORDS})[^\d\n]{{0,12}}?(?P<num>(?<![A-Za-z0-9_.\-])\+?\d[\d \-.\u00a0]{{5,18}}\d)(?![\d])",
    re.IGNORECASE,
)
_PHONE_WORD_ONLY = re.compile(_PHONE_WORDS, re.IGNORECASE)
_ID_WORDS = re.compile(
    r"(?<![A-Za-z])(?:order|tracking|track|sku|item|asin|invoice|ref|reference|model|part|po|id|no)"
    r"(?![A-Za-z])|#|订单|单号|编号|运单",
    re.IGNORECASE,
)
_AMAZON_ORDER_ID = re.compile(r"\d{3}-\d{7}-\d{7}")
_DATE_SHAPE = re.compile(r"\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4}")

# HTML
_HTML_TAG_NAMES: Final = _word_set(
    """
    a abbr address area article aside audio b base bdi bdo big blink blockquote body br button canvas
    caption center cite code col colgroup dd del details dfn dialog div dl dt em embed fieldset
    figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html i iframe
    img input ins kbd label legend li link main map mark marquee meta nav noscript object ol optgroup
    option p param pre q s samp script section select small source span strike strong style sub
    summary sup svg table tbody td template textarea tfoot th thead time title tr tt u ul var video wbr
    """
)
_HTML = re.compile(
    r"<!--.*?-->|<!doctype\s[^<>]{0,200}>"
    r"|<(?P<close>/)?(?P<name>[A-Za-z][A-Za-z0-9]{0,9})"
    r"(?P<attrs>(?:\s+[A-Za-z_:][-\w:.]{0,40}\s*=\s*(?:\"[^\"<>]{0,500}\"|'[^'<>]{0,500}'|[^\s\"'=<>`]{1,500}))*)"
    r"\s*/?>",
    re.IGNORECASE | re.DOTALL,
)

# Marketing
_EN_BOUND_L = r"(?<![A-Za-z0-9])"
_EN_BOUND_R = r"(?![A-Za-z0-9])"


def _phrases(english: Iterable[str], chinese: Iterable[str]) -> re.Pattern[str]:
    en = "|".join(english)
    zh = "|".join(chinese)
    return re.compile(rf"{_EN_BOUND_L}(?:{en}){_EN_BOUND_R}|{zh}", re.IGNORECASE)


_PROMO = _phrases(
    (
        r"discount\s+codes?",
        r"coupon\s+codes?",
        r"coupons?",
        r"promo(?:tional)?\s+codes?",
        r"promos?",
        r"voucher\s+codes?",
        r"use\s+code",
        r"buy\s+(?:it\s+)?now",
        r"shop\s+now",
        r"limited[\s-]+time(?:\s+(?:offers?|deals?|discounts?|only|sale))?",
        r"(?:special|exclusive)\s+(?:offers?|deals?|discounts?)",
        r"flash\s+sales?",
        r"(?:black\s+friday|cyber\s+monday|prime\s+day)\s+(?:sales?|deals?)",
        r"(?:visit|check\s+out|browse)\s+(?:our|my)\s+(?:other\s+)?(?:online\s+)?"
        r"(?:store|shop|website|web\s+site|site|page|storefront|products|collection|listings)",
        r"follow\s+us",
        r"like\s+us\s+on",
        r"(?:subscribe|sign\s+up)\s+(?:to|for)\s+our\s+(?:newsletter|mailing\s+list|channel)",
        r"newsletters?",
        r"free\s+gifts?",
        r"\d{1,3}\s?%\s+off",
    ),
    (
        "优惠券",
        "优惠码",
        "折扣码",
        "折扣券",
        "限时优惠",
        "限时折扣",
        "促销",
        "立即购买",
        "马上购买",
        "关注我们",
        "访问我们的(?:店铺|网站|官网)",
        "领券",
        "满减",
    ),
)
_REVIEW = _phrases(
    (
        r"(?<![.,])(?:5|five)[\s-]?stars?(?:\s+(?:reviews?|ratings?|feedback))?",  # not "4.5 stars"
        r"positive\s+(?:reviews?|feedback|ratings?)",
        r"(?:leave|give|write|post)\s+(?:us\s+|me\s+)?(?:a\s+|an\s+|some\s+)?"
        r"(?:good|great|nice|excellent|glowing)\s+(?:reviews?|feedback|ratings?)",
        r"(?:remove|delete|change|update|revise|modify|withdraw)\s+(?:your\s+|the\s+|this\s+)?"
        r"(?:negative\s+|bad\s+|(?:1|one)[\s-]star\s+)?(?:reviews?|feedback|ratings?)",
        r"in\s+(?:exchange|return)\s+for\s+(?:a\s+|an\s+|your\s+)?(?:[A-Za-z-]+\s+)?(?:reviews?|feedback|ratings?)",
    ),
    ("好评", "五星", "5星", "(?:删除|删掉|修改|移除|撤销|撤回)(?:一下)?(?:您的|你的)?差评"),
)

# Language
_SPANISH_WORDS: Final = _word_set(
    """
    el los las que por para una del muy pero gracias hola usted ustedes pedido envío envio producto
    nuestro nuestra nuestros su sus es está estamos esta este estos como cuando donde hemos fue
    señor señora disculpe lamentamos saludos mañana también tiene puede reembolso devolución
    """
)
_WORD = re.compile(r"[^\W\d_]+")
_CJKISH_PREFIXES = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO")


@lru_cache(maxsize=8192)
def _letter_script(ch: str) -> int:
    """0 = not a letter, 1 = Latin letter, 2 = other-script letter, 3 = CJK/kana/hangul."""
    if ch.isascii():
        return 1 if ch.isalpha() else 0
    if not ch.isalpha():
        return 0
    name = unicodedata.name(ch, "")
    if "LATIN" in name or ch in "ªº":
        return 1
    if name.startswith(_CJKISH_PREFIXES):
        return 3
    return 2


def _is_mark(ch: str) -> bool:
    return not ch.isascii() and unicodedata.category(ch).startswith("M")


class _Run(NamedTuple):
    start: int
    end: int
    letters: int
    cjk: bool


def _non_latin_runs(text: str) -> tuple[int, int, list[_Run]]:
    """Latin letter count, non-Latin letter count and the runs of non-Latin text.

    A run starts at a non-Latin letter and ends at the last non-Latin letter (or combining
    mark) before the next Latin letter; punctuation, digits and spaces inside it are kept.
    """
    latin = other = 0
    runs: list[_Run] = []
    run_start = -1
    run_end = 0
    run_letters = 0
    run_cjk = False
    for i, ch in enumerate(text):
        script = _letter_script(ch)
        if script == 1:
            latin += 1
            if run_start >= 0:
                runs.append(_Run(run_start, run_end, run_letters, run_cjk))
                run_start = -1
        elif script >= 2:
            other += 1
            if run_start < 0:
                run_start, run_letters, run_cjk = i, 0, False
            run_end = i + 1
            run_letters += 1
            run_cjk = run_cjk or script == 3
        elif run_start >= 0 and run_end == i and _is_mark(ch):
            run_end = i + 1  # combining marks (Thai, Devanagari vowel signs) belong to the run
    if run_start >= 0:
        runs.append(_Run(run_start, run_end, run_letters, run_cjk))
    return latin, other, runs


def _qualifying(run: _Run) -> bool:
    return run.cjk or run.letters >= 2


def _spanish_span(text: str) -> _Span | None:
    words = [m for m in _WORD.finditer(text) if all(_letter_script(c) == 1 for c in m.group())]
    if len(words) < 5:
        return None
    hits = [m for m in words if m.group().lower() in _SPANISH_WORDS]
    if len({m.group().lower() for m in hits}) < 3 or len(hits) < 0.25 * len(words):
        return None
    return _Span(hits[0].start(), hits[-1].end())


def _host_allowed(host: str, allowed: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in allowed)


def _trim_url(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _TRAILING_PUNCT + ")":
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


def _host_of_scheme_url(url: str) -> str:
    rest = url.split("://", 1)[1]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    authority = authority.rsplit("@", 1)[-1]
    if authority.startswith("["):  # IPv6 literal
        return authority
    return authority.split(":", 1)[0]


def _valid_tld(tld: str) -> bool:
    return tld.lower() in _TLDS and (tld.islower() or tld.isupper())


class _Link(NamedTuple):
    start: int
    end: int
    host: str


def _find_links(text: str) -> list[_Link]:
    links: list[_Link] = []
    taken: list[_Span] = []  # sorted, disjoint: scheme URLs, then emails, then bare hosts

    def free(s: int, e: int) -> bool:
        i = bisect.bisect_left(taken, (s, s))
        before_ok = i == 0 or taken[i - 1].end <= s
        after_ok = i == len(taken) or taken[i].start >= e
        return before_ok and after_ok

    for m in _SCHEME_URL.finditer(text):
        end = _trim_url(text, m.start(), m.end())
        url = text[m.start() : end]
        if "://" not in url:
            continue
        links.append(_Link(m.start(), end, _host_of_scheme_url(url)))
        taken.append(_Span(m.start(), end))
    for m in _EMAIL.finditer(text):  # a bare host inside an email address is not a link
        if free(m.start(), m.end()):
            bisect.insort(taken, _Span(m.start(), m.end()))
    for m in _BARE_HOST.finditer(text):
        host = m.group("host")
        labels = host.split(".")
        # find the rightmost label that is a real TLD ("example.com.Thanks" -> example.com)
        keep = next((k for k in range(len(labels), 1, -1) if _valid_tld(labels[k - 1])), 0)
        if keep == 0 and labels[0].lower() == "www":
            keep = len(labels)  # www.anything is a link whatever its TLD
        if keep == 0:
            continue
        start = m.start()
        if keep == len(labels):
            end = _trim_url(text, start, m.end())
        else:
            host = ".".join(labels[:keep])
            end = start + len(host)
        if not free(start, end):
            continue
        links.append(_Link(start, end, host))
        bisect.insort(taken, _Span(start, end))
    return links


def _external_links(text: str, rule: Rule) -> Iterator[_Span]:
    for link in _find_links(text):
        if not _host_allowed(link.host, rule.hosts):
            yield _Span(link.start, link.end)


def _carrier_links(text: str, rule: Rule) -> Iterator[_Span]:
    for link in _find_links(text):
        if _host_allowed(link.host, rule.hosts):
            yield _Span(link.start, link.end)


def _emails(text: str, rule: Rule) -> Iterator[_Span]:
    for m in _EMAIL.finditer(text):
        yield _Span(m.start(), m.end())


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def _looks_like_id(text: str, start: int) -> bool:
    """True when an id word (order, tracking, #, 订单…) is closer before ``start`` than a phone word."""
    window_start = max(0, start - 20)
    window = text[window_start:start]
    last_id = max((m.end() for m in _ID_WORDS.finditer(window)), default=-1)
    last_phone = max((m.end() for m in _PHONE_WORD_ONLY.finditer(window)), default=-1)
    return last_id > last_phone


def _is_phone_number(num: str) -> bool:
    n = _digits(num)
    if not 7 <= n <= 15:
        return False
    bare = num.strip()
    if _AMAZON_ORDER_ID.fullmatch(bare) or _DATE_SHAPE.fullmatch(bare):
        return False
    return not re.fullmatch(r"\d+[.,]\d{1,2}", bare)  # a price or decimal


def _phones(text: str, rule: Rule) -> Iterator[_Span]:
    found: set[_Span] = set()
    for i, shape in enumerate(_PHONE_SHAPES):
        for m in shape.finditer(text):
            num = m.group()
            if i == 0 and not 8 <= _digits(num) <= 15:
                continue
            if not _is_phone_number(num) or _looks_like_id(text, m.start()):
                continue
            found.add(_Span(m.start(), m.end()))
    for m in _PHONE_AFTER_WORD.finditer(text):
        num = m.group("num")
        if _is_phone_number(num) and not _looks_like_id(text, m.start("num")):
            found.add(_Span(m.start("num"), m.end("num")))
    # drop spans contained in another span (the same number found by two shapes)
    spans = sorted(found, key=lambda s: (s.start, -s.end))
    last_end = -1
    for s in spans:
        if s.end <= last_end:
            continue
        last_end = max(last_end, s.end)
        yield s


def _html(text: str, rule: Rule) -> Iterator[_Span]:
    for m in _HTML.finditer(text):
        name = m.group("name")
        if name is not None and name.lower() not in _HTML_TAG_NAMES:
            continue
        if m.group("close") and m.group("attrs"):
            continue
        yield _Span(m.start(), m.end())


def _pattern(regex: re.Pattern[str]) -> Callable[[str, Rule], Iterator[_Span]]:
    def check(text: str, rule: Rule) -> Iterator[_Span]:
        for m in regex.finditer(text):
            yield _Span(m.start(), m.end())

    return check


def _too_long_span(text: str, rule: Rule) -> Iterator[_Span]:
    if rule.limit is not None and len(text) > rule.limit:
        yield _Span(rule.limit, len(text))


def _not_english(text: str, rule: Rule) -> Iterator[_Span]:
    latin, other, runs = _non_latin_runs(text)
    if other and other >= rule.threshold * (latin + other):
        run = next((r for r in runs if _qualifying(r)), runs[0])
        yield _Span(run.start, run.end)
        return
    spanish = _spanish_span(text)
    if spanish is not None:
        yield spanish


def _mixed_language(text: str, rule: Rule) -> Iterator[_Span]:
    latin, other, runs = _non_latin_runs(text)
    if not other or other >= rule.threshold * (latin + other):
        return  # nothing, or the whole text is reported by not_english
    run = next((r for r in runs if _qualifying(r)), None)
    if run is not None:
        yield _Span(run.start, run.end)


def _empty(text: str, rule: Rule) -> Iterator[_Span]:
    if not text.translate(_DROP_ZERO_WIDTH).strip():
        yield _Span(0, len(text))


_CHECKS: Final[dict[str, Callable[[str, Rule], Iterator[_Span]]]] = {
    "empty_message": _empty,
    "external_link": _external_links,
    "carrier_link": _carrier_links,
    "email_address": _emails,
    "phone_number": _phones,
    "html_markup": _html,
    "promotional_language": _pattern(_PROMO),
    "review_manipulation": _pattern(_REVIEW),
    "too_long": _too_long_span,
    "not_english": _not_english,
    "mixed_language": _mixed_language,
}


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def _normalise(marketplace: str) -> str:
    key = marketplace.strip().lower()
    if key not in RULES:
        raise UnknownMarketplaceError(f"unknown marketplace {marketplace!r}; expected one of {', '.join(MARKETPLACES)}")
    return key


def rules_for(marketplace: str) -> list[RuleInfo]:
    """The rules a marketplace applies, in table order (for the API documentation)."""
    return [rule.info() for rule in RULES[_normalise(marketplace)]]


def _applies(rule: Rule, marketplace: str, order_locale: str | None, order_country: str | None) -> bool:
    if rule.applies == "us_order":
        country = (order_country or "").strip().upper()
        if not country:  # unknown: Walmart treats it as a US order
            return marketplace == "walmart"
        return country in ("US", "USA")
    if rule.applies == "english_locale":
        return order_locale is not None and order_locale.strip().lower().startswith("en")
    return True


def _shorten(s: str, limit: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def check_message(
    text: str,
    marketplace: str,
    *,
    order_locale: str | None = None,
    order_country: str | None = None,
) -> list[Violation]:
    """Check an outbound message against ``marketplace``'s rules.

    Returns the violations sorted by ``start`` (then ``end``, then ``code``). Raises
    :class:`UnknownMarketplaceError` for an unknown marketplace; never raises for any text.
    """
    key = _normalise(marketplace)
    name = MARKETPLACE_NAMES[key]
    violations: list[Violation] = []
    for rule in RULES[key]:
        if not _applies(rule, key, order_locale, order_country):
            continue
        for span in _CHECKS[rule.code](text, rule):
            found = text[span.start : span.end]
            message = rule.message.format(
                marketplace=name,
                found=_shorten(found),
                limit=f"{rule.limit:,}" if rule.limit is not None else "",
                length=f"{len(text):,}",
                over=f"{len(text) - (rule.limit or 0):,}",
            )
            violations.append(Violation(rule.code, message, span.start, span.end, rule.severity, key))
        if rule.code == "empty_message" and violations:
            return violations  # nothing else is meaningful on an empty message
    violations.sort(key=lambda v: (v.start, v.end, v.code))
    return violations


def has_blocking(violations: Iterable[Violation]) -> bool:
    """True when any violation is an error (sending must be blocked)."""
    return any(v.severity == "error" for v in violations)


# --------------------------------------------------------------------------------------
# Proactive contact (a follow-up after an after-sales case, 回访)
# --------------------------------------------------------------------------------------

_WAVE2 = "reference/wave2-apis.md §3"


@dataclass(frozen=True, slots=True)
class ContactRule:
    """Whether the seller may write to the buyer unprompted (a follow-up after a closed case)."""

    allowed: bool
    reason: str
    source: str


PROACTIVE_CONTACT: Final[dict[str, ContactRule]] = {
    "amazon": ContactRule(
        False,
        "Amazon allows proactive messages only for listed reasons (a review request through its own "
        "Solicitations API, one per order); a satisfaction follow-up is not one of them, and asking for "
        "positive feedback is forbidden",
        f"{_WAVE2}: Amazon Communication Guidelines [3p], Solicitations API [spec]",
    ),
    "walmart": ContactRule(
        False,
        "Walmart's Seller Code of Conduct forbids initiating unsolicited contact with a customer "
        "(no marketing, no unsolicited survey)",
        f"{_WAVE2}: Walmart Seller Code of Conduct [doc]",
    ),
    "ebay": ContactRule(
        True,
        "eBay allows a neutral question about the transaction in eBay messaging (no external link, no "
        "request for positive Feedback)",
        f"{_WAVE2}: eBay member-to-member contact policy [doc]",
    ),
    "shopee": ContactRule(
        True,
        "Shopee allows a neutral in-chat question in an existing conversation (no link, not a batch message)",
        f"{_WAVE2}: Shopee chat rules [3p]",
    ),
    "tiktok": ContactRule(
        True,
        "TikTok Shop allows a neutral question inside an open conversation (no marketing, no review incentive)",
        f"{_WAVE2}: TikTok Shop Customer Communication Guidelines [doc]",
    ),
    "email": ContactRule(True, "the store's own mail channel has no marketplace rule", "hub policy"),
    "api": ContactRule(True, "an ERP-pushed channel has no marketplace rule", "hub policy"),
}


def proactive_contact(marketplace: str) -> ContactRule:
    """May the seller send an unprompted follow-up on ``marketplace``? With the reason and source."""
    return PROACTIVE_CONTACT[_normalise(marketplace)]


# An unprompted follow-up is held to more than a reply: every marketplace that allows one at all
# allows only "a neutral question about the transaction, with no link" (wave2-apis.md §3: eBay "can't
# demand positive Feedback", TikTok "no review incentives", Shopee "no steering off-platform"). So a
# link, marketing or a review request blocks a follow-up everywhere, even where a reply only warns.
_PROACTIVE_EXTRA: Final[tuple[Rule, ...]] = (
    Rule("review_manipulation", "error", _D_REVIEW, _M_REVIEW, f"{_WAVE2}: no review solicitation in a follow-up"),
    Rule("promotional_language", "error", _D_PROMO, _M_PROMO_ERR, f"{_WAVE2}: no marketing in a follow-up"),
)
_PROACTIVE_STRICT: Final = frozenset({"external_link", "carrier_link", "review_manipulation", "promotional_language"})


def check_proactive(
    text: str, marketplace: str, *, order_locale: str | None = None, order_country: str | None = None
) -> list[Violation]:
    """:func:`check_message` for a message the seller starts (a follow-up): links, marketing and
    review requests are errors on every marketplace."""
    key = _normalise(marketplace)
    found = check_message(text, key, order_locale=order_locale, order_country=order_country)
    if any(v.code == "empty_message" for v in found):
        return found
    out = [
        Violation(v.code, v.message, v.start, v.end, "error", v.marketplace) if v.code in _PROACTIVE_STRICT else v
        for v in found
    ]
    present = {v.code for v in out}
    name = MARKETPLACE_NAMES[key]
    for rule in _PROACTIVE_EXTRA:
        if rule.code in present:
            continue
        for span in _CHECKS[rule.code](text, rule):
            message = rule.message.format(marketplace=name, found=_shorten(text[span.start : span.end]))
            out.append(Violation(rule.code, message, span.start, span.end, "error", key))
    out.sort(key=lambda v: (v.start, v.end, v.code))
    return out

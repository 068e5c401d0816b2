"""Category and priority of a new conversation, by rules that explain themselves (pure).

Behind the `Classifier` protocol so a model can replace the rules later; the rules read marketplace
metadata first (who sent it, labels the connector set), then English and Chinese keywords, then the
order's state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ClassificationInput:
    subject: str
    body: str
    marketplace: str
    author_kind: str = "buyer"
    labels: frozenset[str] = field(default_factory=frozenset)
    has_order: bool = False
    order_status: str | None = None
    preset_category: str | None = None  # set by the connector from marketplace metadata


@dataclass(frozen=True)
class Classification:
    category: str
    priority: str
    reason: str


class Classifier(Protocol):
    def classify(self, item: ClassificationInput) -> Classification: ...


def _kw(*words: str) -> re.Pattern[str]:
    """English words match on word boundaries (any inflection by prefix); Chinese as substrings."""
    english = [w for w in words if w.isascii()]
    chinese = [w for w in words if not w.isascii()]
    parts = [rf"\b{re.escape(w)}\w*" for w in english] + [re.escape(w) for w in chinese]
    return re.compile("|".join(parts), re.IGNORECASE)


# Order matters: the first matching rule decides (complaints before returns before shipping...).
KEYWORD_RULES: tuple[tuple[str, str, str, re.Pattern[str]], ...] = (
    (
        "spam_likely",
        "low",
        "spam keywords",
        _kw(
            "seo",
            "backlink",
            "crypto",
            "bitcoin",
            "casino",
            "loan offer",
            "whatsapp me",
            "increase your sales",
            "网站推广",
            "刷单",
            "代运营",
        ),
    ),
    (
        "complaint",
        "high",
        "complaint keywords",
        _kw(
            "complain",
            "terrible",
            "worst",
            "scam",
            "fraud",
            "lawyer",
            "attorney",
            "bbb",
            "report you",
            "unacceptable",
            "disgusting",
            "投诉",
            "差评",
            "骗子",
            "太差",
            "举报",
        ),
    ),
    (
        "return_refund",
        "high",
        "return/refund keywords",
        _kw(
            "return",
            "refund",
            "money back",
            "exchange",
            "broken",
            "damaged",
            "defective",
            "wrong item",
            "not as described",
            "退货",
            "退款",
            "换货",
            "破损",
            "坏了",
            "质量问题",
            "发错",
        ),
    ),
    (
        "order_status",
        "normal",
        "where-is-my-order keywords",
        _kw(
            "where is my order",
            "where's my order",
            "tracking",
            "track",
            "not received",
            "hasn't arrived",
            "has not arrived",
            "not arrived",
            "delivery",
            "delivered",
            "shipped",
            "when will",
            "ship",
            "物流",
            "快递",
            "到货",
            "发货",
            "还没收到",
            "没收到",
            "运单",
            "什么时候",
        ),
    ),
    (
        "product_question",
        "normal",
        "product question keywords",
        _kw(
            "size",
            "color",
            "colour",
            "compatible",
            "dimension",
            "material",
            "battery",
            "warranty",
            "how to use",
            "manual",
            "does it",
            "is it",
            "尺寸",
            "颜色",
            "材质",
            "兼容",
            "说明书",
            "保修",
        ),
    ),
)


# The order statuses whose answer differs from an unknown order's: ingest classifies once per status
# listed here before it reads the order, and the database keeps the answer for the order it finds.
ORDER_STATUSES_THAT_MATTER: tuple[str, ...] = ("delivered",)


class RuleClassifier:
    def classify(self, item: ClassificationInput) -> Classification:
        if item.preset_category:
            priority = "urgent" if item.labels & {"bbb_complaint", "attorney_general_complaint"} else "high"
            if item.preset_category == "platform_notice":
                priority = "low"
            return Classification(item.preset_category, priority, f"marketplace metadata: {item.preset_category}")
        if item.labels & {"bbb_complaint", "attorney_general_complaint"}:
            return Classification("complaint", "urgent", "marketplace metadata: BBB / Attorney General complaint")
        if item.author_kind == "system":
            return Classification("platform_notice", "low", "sent by the marketplace itself")
        text = f"{item.subject}\n{item.body}"
        for category, priority, name, pattern in KEYWORD_RULES:
            match = pattern.search(text)
            if match:
                if category == "order_status" and item.order_status in ("delivered",) and not item.has_order:
                    continue
                if category == "return_refund" and item.order_status == "delivered":
                    return Classification(category, "high", f"{name} ('{match.group(0)}') on a delivered order")
                return Classification(category, priority, f"{name} ('{match.group(0)}')")
        if not item.has_order:
            return Classification("pre_sale", "normal", "no order attached: a pre-sale question")
        return Classification("order_status", "normal", "about an order, no specific keywords")


DEFAULT_CLASSIFIER: Classifier = RuleClassifier()

"""Category, priority, risk labels and "no response needed" of a buyer message, explained (pure).

Behind the `Classifier` protocol so a model can replace the rules later. The rules, in order:
1. marketplace metadata decides the category when there is some: the sender (Walmart Customer
   Care, a marketplace notice) or a category the connector or the ERP's push set;
2. otherwise weighted keyword features in English, Chinese and Spanish score every category, plus
   what the message is attached to (an order or not, the order's state); the best score wins, and
   a message nothing scores falls back on whether it has an order (pre-sale or order status);
3. risks (api/automation/risk.py: safety, bad-review threats, disputes, legal threats, BBB and
   Attorney General) raise the priority and add labels whatever the category;
4. a short buyer message that only thanks or acknowledges, with no question or request left, needs
   no response (the agent can undo that).

Every decision carries a reason an agent can read ("order_status: 'where is my order' +4, order
attached +1; next shipping 2"). The weights were tuned on benchmarks/data/classification/tuning.jsonl
only; the held-out part measures them (`make bench`, benchmarks/classification.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from api.automation.risk import Risk, detect_risks
from api.automation.text import buyer_words, keywords, normalise

PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
# Each category's own priority before risks: what costs money or a metric if it waits is high.
BASE_PRIORITY = {
    "pre_sale": "normal",
    "shipping": "normal",
    "order_status": "normal",
    "return_refund": "high",
    "cancel": "high",
    "damaged": "high",
    "complaint": "high",
    "product_question": "normal",
    "walmart_customer_care": "high",
    "platform_notice": "low",
    "spam_likely": "low",
    "uncategorized": "normal",
}
# What a connector or an ERP may state from marketplace metadata (the conversation categories).
PRESET_CATEGORIES = tuple(c for c in BASE_PRIORITY if c != "uncategorized")
# The labels marketplace metadata may carry (Walmart's escalations address; an ERP's push).
MARKETPLACE_LABELS = ("bbb_complaint", "attorney_general_complaint")
# The labels risk detection adds (the SPA shows each in the inbox list).
RISK_LABELS = ("risk_safety", "risk_legal", "risk_dispute", "risk_negative_review")
NO_RESPONSE = "no_response_needed"


@dataclass(frozen=True)
class ClassificationInput:
    subject: str
    body: str
    marketplace: str
    author_kind: str = "buyer"
    labels: frozenset[str] = field(default_factory=frozenset)
    has_order: bool = False
    order_status: str | None = None
    preset_category: str | None = None  # set by the connector (or the ERP's push) from marketplace metadata


@dataclass(frozen=True)
class Classification:
    category: str
    priority: str
    reason: str
    # Labels the conversation gets from this message (risks, BBB / Attorney General).
    labels: tuple[str, ...] = ()
    # Set when the message needs no response: why, for the agent who may undo it.
    no_response_reason: str | None = None

    @property
    def intent(self) -> str:
        """What the message asks for: its category, or `no_response_needed` (the corpus's labels)."""
        return NO_RESPONSE if self.no_response_reason else self.category


class Classifier(Protocol):
    def classify(self, item: ClassificationInput) -> Classification: ...


# (category, weight, pattern). A feature counts once per message however often it matches.
Feature = tuple[str, int, re.Pattern[str]]

FEATURES: tuple[Feature, ...] = (
    (
        "spam_likely",
        5,
        keywords(
            "seo$",
            "backlink",
            "guest post",
            "crypto",
            "bitcoin",
            "criptomoneda",
            "casino",
            "loan",
            "prestamo",
            "whatsapp",
            "telegram",
            "wechat",
            "微信",
            "qq",
            "刷单",
            "代运营",
            "网站推广",
            "中奖",
            "日赚",
            "兼职",
            "gift card",
            "you've been selected",
            "congratulations",
            "increase your sales",
            "grow your sales",
            "aumente sus ventas",
            "reviews guaranteed",
            "estrellas garantizadas",
            "verified amazon reviews",
            "per review",
            "followers",
            "influencer",
            "free products",
            "productos gratis",
            "creadora de contenido",
            "dropshipping",
            "wholesale prices",
            "agency",
            "ads agency",
            "click here",
            "点击链接",
            "verify your identity",
            "cashier check",
            "own shipper",
            "from home",
            "desde casa",
            "买家数据",
            "精准客户",
            "ganancia",
            "boost your",
            "ranking service",
            "上首页",
            "推广",
        ),
    ),
    (
        # Buyers never write "this is an automated message": these markers all but decide it.
        "platform_notice",
        7,
        keywords(
            "do not reply",
            "please do not reply",
            "no reply is needed",
            "automated message",
            "automatically generated",
            "automated notification",
            "sent automatically",
            "system generated",
            "not monitored",
            "no se supervisa",
            "请勿回复",
            "无需回复",
            "系统自动",
            "系统通知",
            "系统消息",
            "平台通知",
            "mensaje automatico",
            "no responda a este correo",
            "aviso del sistema",
        ),
    ),
    (
        "platform_notice",
        2,
        keywords(
            "dear seller",
            "account health",
            "your listing",
            "your item sku",
            "your shop has",
            "penalty",
            "payout",
            "unpublished",
            "suppressed",
            "下架",
            "记1分",
            "failed review",
            "su publicacion",
            "su tienda",
            "su producto",
            "report you requested",
            "performance dashboard",
            "we are writing to inform",
            "le informamos",
            "your seller",
            "[shopee]",
            "[tiktok",
            "【",
            "notice from",
            "aviso de tiktok",
            "通知】",
            "通知:",
            "账户状况",
            "款项",
            "已完成",
            "walmart marketplace:",
            "walmart marketplace reminder",
            "seller performance",
            "respond within 72 hours",
            "from my ebay",
            "has been authorized automatically",
        ),
    ),
    (
        "walmart_customer_care",
        6,
        keywords(
            "walmart customer care",
            "walmart care",
            "walmart marketplace care",
            "沃尔玛客服",
            "atencion al cliente de walmart",
            "servicio al cliente de walmart",
            "walmart customer care representative",
        ),
    ),
    (
        "walmart_customer_care",
        3,
        keywords(
            "on behalf of the customer",
            "on behalf of our mutual customer",
            "on behalf of customer",
            "mutual customer",
            "en nombre del cliente",
            "de parte del cliente",
            "代表顾客",
            "代顾客",
            "转达顾客",
            "the customer contacted us",
            "reached out to walmart",
            "customer care",
        ),
    ),
    (
        "complaint",
        3,
        keywords(
            "complain",
            "queja",
            "reclam",
            "投诉",
            "worst",
            "terrible",
            "awful",
            "unacceptable",
            "ridiculous",
            "joke",
            "scam",
            "fraud",
            "estaf",
            "fraude",
            "骗子",
            "虚假宣传",
            "垃圾",
            "rude",
            "态度",
            "falta de respeto",
            "pesimo",
            "nobody answers",
            "nobody replies",
            "no one answers",
            "no one follows",
            "ignoring me",
            "nadie responde",
            "nadie contesta",
            "nadie me responde",
            "没人理",
            "一直不回复",
            "manager",
            "hung up",
            "disappointed",
            "report you",
            "reporting you",
            "report this",
            "denunciar",
            "举报",
            "消协",
            "loyal customer",
            "false advertising",
            "警告",
        ),
    ),
    (
        "cancel",
        5,
        keywords("cancel", "anular", "取消"),
    ),
    (
        "cancel",
        2,
        keywords(
            "ordered by mistake",
            "ordered twice",
            "by accident",
            "拍错",
            "下错单",
            "买重复",
            "don't ship",
            "dont ship",
            "no la necesito",
            "lo pedi 2 veces",
            "i was hacked",
            "wrong card",
            "tarjeta equivocada",
        ),
    ),
    (
        "return_refund",
        5,
        keywords(
            "return",
            "refund",
            "reembolso",
            "devolver",
            "devolucion",
            "devuelvan",
            "devolvi",
            "money back",
            "exchange",
            "cambiarlo",
            "退货",
            "退款",
            "换货",
            "寄回",
            "退吗",
            "not as described",
            "no es lo que esperaba",
            "跟描述不一样",
            "wrong item",
            "wrong size",
            "发错",
            "otro color",
            "charged twice",
            "cobraron de mas",
            "duplicate charge",
            "overcharged",
            "refund the",
            "申请退",
        ),
    ),
    (
        "return_refund",
        2,
        keywords(
            "too small",
            "too big",
            "too tight",
            "doesnt fit",
            "doesn't fit",
            "no me queda",
            "尺码不合适",
            "changed my mind",
            "cambie de opinion",
            "不想要",
            "不喜欢",
            "unopened",
            "没拆封",
            "no lo he abierto",
            "买错",
            "coupon didn't apply",
            "no es lo que",
            "la diferencia",
            "difference",
        ),
    ),
    (
        "damaged",
        5,
        keywords(
            "broken",
            "broke",
            "damaged",
            "danad",
            "roto",
            "rompi",
            "cracked",
            "crack",
            "shattered",
            "dent$",
            "crushed",
            "aplastad",
            "leaking",
            "leak",
            "漏",
            "defective",
            "defect",
            "坏",
            "碎",
            "破损",
            "裂",
            "断了",
            "压扁",
            "stopped working",
            "no prende",
            "不能用",
            "开不了机",
            "doesnt light",
            "doesn't light",
            "missing parts",
            "missing",
            "faltan",
            "少了",
            "scratched",
            "rayad",
            "golpe",
            "warped",
            "grinding",
            "rattling",
            "wobbles",
            "poor quality",
            "mala calidad",
            "质量太差",
            "质量问题",
            "有问题",
            "鼓包",
            "nothing happens",
        ),
    ),
    (
        # Also said of a return label or a coupon: weaker than the words only a defect has.
        "damaged",
        3,
        keywords("doesn't work", "doesnt work", "not working", "no funciona", "no venian", "不好用"),
    ),
    (
        "product_question",
        3,
        keywords(
            "how do i",
            "how to",
            "how long should",
            "how do you",
            "manual",
            "instructions",
            "instrucciones",
            "说明书",
            "怎么安装",
            "怎么设置",
            "怎么",
            "如何",
            "como se",
            "como programar",
            "install",
            "instala",
            "set up",
            "setup",
            "configur",
            "pair",
            "配对",
            "reset",
            "factory settings",
            "washable",
            "machine wash",
            "lavadora",
            "机洗",
            "battery",
            "bateria",
            "pilas",
            "warranty",
            "garantia",
            "保修",
            "compatible",
            "work with",
            "works with",
            "fits the",
            "part number",
            "replacement filter",
            "dimensions",
            "尺寸",
            "220v",
            "110v",
            "voltage",
            "induction",
            "agua caliente",
            "device code",
            "remote",
            "充满",
            "用几次",
            "一天用",
            "用在",
            "能用在",
            "which one goes",
            "can i use",
            "is it ok to use",
            "se puede usar",
        ),
    ),
    (
        "pre_sale",
        3,
        keywords(
            "in stock",
            "stock",
            "available",
            "disponible",
            "有货",
            "补货",
            "restock",
            "back in stock",
            "discount",
            "descuento",
            "优惠",
            "便宜",
            "bundle",
            "bulk",
            "volume",
            "quote",
            "批量",
            "采购",
            "price",
            "precio",
            "cuanto cuesta",
            "how much for",
            "多少钱",
            "before i buy",
            "before bidding",
            "antes de ofertar",
            "thinking of",
            "planning to order",
            "planning to buy",
            "want to buy",
            "would buy",
            "wanna buy",
            "quiero comprar",
            "quiero comprarlo",
            "la quiero comprar",
            "想买",
            "准备下单",
            "马上下单",
            "would you take",
            "original",
            "正品",
            "replica",
            "copia",
            "custom$",
            "customiz",
            "personaliz",
            "engrave",
            "定制",
            "promo",
            "coupon",
            "discount code",
            "优惠券",
            "sold separately",
            "come with",
            "viene con",
            "model",
            "新款",
            "sold as a pair",
            "还在卖",
            "buy two",
            "interested in purchasing",
            "paquete de",
            "compro",
            "for a party",
            "para regalo",
        ),
    ),
    (
        "shipping",
        3,
        keywords(
            "ship to",
            "ship internationally",
            "shipping to",
            "do you ship",
            "envio",
            "envios",
            "envian",
            "mandan",
            "ship with",
            "shipping cost",
            "shipping take",
            "how long does shipping",
            "expedited",
            "2 day",
            "express",
            "courier",
            "carrier",
            "usps",
            "fedex",
            "dhl",
            "j&t",
            "ninja van",
            "paqueteria",
            "estafeta",
            "快递",
            "顺丰",
            "包邮",
            "运费",
            "寄到",
            "发货到",
            "国际运费",
            "加急",
            "合并发货",
            "combine shipping",
            "un solo envio",
            "po box",
            "shipping address",
            "change my address",
            "wrong address",
            "收货地址",
            "地址写错",
            "direccion",
            "leave the package",
            "back door",
            "delivery instructions",
            "arrive before",
            "delivered by",
            "in time for",
            "if i order today",
            "internationally",
            "customs",
            "a domicilio",
            "ship to",
            "shipping free",
            "free shipping",
            "is shipping",
            "envio es gratis",
            "cuantos dias tarda",
            "几天到",
            "要几天",
            "ship with",
        ),
    ),
    (
        "order_status",
        4,
        keywords(
            "where is my",
            "where's my",
            "where is it",
            "donde esta mi pedido",
            "到哪",
            "not arrived",
            "hasn't arrived",
            "hasnt arrived",
            "still hasn't",
            "still hasnt",
            "not received",
            "never got",
            "never received",
            "didn't receive",
            "no ha llegado",
            "no llega",
            "no recibi",
            "没收到",
            "没有收到",
            "还没收到",
            "还没发货",
            "怎么还没",
            "待发货",
            "hasn't updated",
            "not updated",
            "no se actualiza",
            "没更新",
            "没动",
            "查不到",
            "stuck at",
            "stuck in",
            "been stuck",
            "still says",
            "not yet shipped",
            "not shipped",
            "still shows",
            "in transit",
            "label created",
            "is late",
            "estimated delivery",
            "supposed to arrive",
            "supposed to come",
            "any update",
            "order status",
            "status of",
            "estado de mi pedido",
            "going on with my order",
            "has my item shipped",
            "when will you ship",
            "when will my order",
            "cuando envian",
            "ya enviaron",
            "什么时候发货",
            "aun no llega",
            "tracking number",
            "numero de rastreo",
            "numero de guia",
            "运单号",
            "actually shipped",
            "aun no",
            "where is my stuff",
            "preparing to ship",
        ),
    ),
    (
        "order_status",
        2,
        keywords("tracking", "rastreo", "seguimiento", "物流", "delivery", "package", "paquete", "包裹", "parcel"),
    ),
)

# Possession: the buyer has the product, so a question about it is not a pre-sale one.
_HAS_IT = keywords(
    "i bought",
    "i got",
    "just got",
    "got it yesterday",
    "received the",
    "we received",
    "i received",
    "i ordered",
    "came",
    "arrived",
    "mine is",
    "my new",
    "ya me llego",
    "ya la compre",
    "ya lo tengo",
    "acabo de recibir",
    "收到了",
    "刚收到",
    "已经收到",
    "买的",
    "我买的",
    "i ve got",
)
# A question or request is left: "thanks, but where is it?" still needs an answer.
_QUESTION = re.compile(r"[?？¿]")
_REQUEST = keywords(
    "please",
    "pls",
    "plz",
    "can you",
    "could you",
    "can i",
    "would you",
    "need",
    "want",
    "when$",
    "where$",
    "how$",
    "why$",
    "what$",
    "which$",
    "still",
    "but$",
    "however",
    "send me",
    "refund",
    "return",
    "cancel",
    "help me",
    "can you help",
    "need help",
    "por favor",
    "puede",
    "pueden",
    "necesito",
    "quiero",
    "ayudame",
    "ayuden",
    "me ayudan",
    "one more",
    "another question",
    "also",
    "btw",
    "otra cosa",
    "otra pregunta",
    "还有",
    "另外",
    "顺便",
    "cuando",
    "donde",
    "como$",
    "pero$",
    "请",
    "麻烦",
    "帮我",
    "能不能",
    "可以",
    "吗",
    "呢",
    "怎么",
    "什么",
    "为什么",
    "要",
    "但是",
    "还没",
    "没收到",
    "没有收到",
)
_ACK = keywords(
    "thanks",
    "thank you",
    "thank u",
    "thx",
    "ty$",
    "ok$",
    "okay",
    "got it",
    "perfect",
    "great",
    "all good",
    "resolved",
    "never mind",
    "nevermind",
    "sorted",
    "works great",
    "appreciate",
    "received today",
    "love it",
    "have a great day",
    "gracias",
    "perfecto",
    "entendido",
    "listo",
    "resuelto",
    "ya llego",
    "ya me llego",
    "todo bien",
    "saludos",
    "谢谢",
    "感谢",
    "好的",
    "收到",
    "明白",
    "没问题",
    "解决了",
    "已解决",
    "不用回复",
    "好评",
)
_EMOJI_ONLY = re.compile(r"^[\s\W\d_]*$")
NO_RESPONSE_MAX_CHARS = 160
# A thank-you that also names a problem as strongly as this ("thanks, but it arrived broken") is a problem.
NO_RESPONSE_TOPIC_LIMIT = 4

# When two categories score the same, the one an agent must act on first.
_PRECEDENCE = (
    "spam_likely",
    "walmart_customer_care",
    "platform_notice",
    "complaint",
    "cancel",
    "damaged",
    "return_refund",
    "order_status",
    "shipping",
    "product_question",
    "pre_sale",
)
# Categories whose messages are never "just thanks": Care and the marketplace wait on the seller.
_NEVER_NO_RESPONSE = ("spam_likely", "walmart_customer_care", "platform_notice")
_THREATS = ("bbb", "attorney_general", "legal", "dispute", "negative_review")


@lru_cache(maxsize=512)
def _keyword_hits(text: str) -> tuple[tuple[str, str, int], ...]:
    """(category, keyword, weight) for each keyword the text shows, in the order of FEATURES.

    Cached: ingest classifies a message once per order status that matters, on the same words."""
    hits: list[tuple[str, str, int]] = []
    for category, weight, pattern in FEATURES:
        # Each distinct keyword counts, at most twice per feature group: two cues beat one, but a
        # long message cannot pile up a score from one group's synonyms.
        seen: list[str] = []
        for match in pattern.finditer(text):
            word = match.group(0).strip()
            if word not in seen:
                seen.append(word)
                hits.append((category, f"'{word}'", weight))
            if len(seen) == 2:
                break
    return tuple(hits)


@lru_cache(maxsize=512)
def _risks(text: str) -> tuple[Risk, ...]:
    return tuple(detect_risks(text))


def _score(text: str, item: ClassificationInput) -> dict[str, list[tuple[str, int]]]:
    """Per category, the evidence that counted and its weight."""
    evidence: dict[str, list[tuple[str, int]]] = {}
    for category, word, weight in _keyword_hits(text):
        evidence.setdefault(category, []).append((word, weight))
    if "walmart" not in text and "沃尔玛" not in text and item.marketplace not in ("walmart", "api", "email"):
        evidence.pop("walmart_customer_care", None)
    # A product question from someone without the product is asked before buying.
    has_it = item.has_order or _HAS_IT.search(text) is not None
    if "product_question" in evidence and not has_it:
        evidence.setdefault("pre_sale", []).extend(evidence.pop("product_question"))
    if has_it and "product_question" in evidence:
        evidence["product_question"].append(("the buyer has the product", 2))
    if item.has_order:
        evidence.setdefault("order_status", []).append(("order attached", 1))
        if "pre_sale" in evidence:
            evidence["pre_sale"].append(("but an order is attached", -3))
    elif "pre_sale" in evidence:
        evidence["pre_sale"].append(("no order attached", 2))
    if item.order_status == "delivered":
        # Returns and damage are what a delivered order is about; "where is it" is a lost parcel.
        for category in ("return_refund", "damaged", "order_status"):
            if category in evidence:
                evidence[category].append(("on a delivered order", 1))
    return evidence


def _no_response(words: str, risks: list[Risk], topic_score: int) -> str | None:
    """Why the buyer's message needs no answer, or None. Conservative: a wrong "no" hides a buyer
    from Response Needed, so any question, request, risk, strong topic or long text keeps it there."""
    plain = normalise(words).strip()
    if risks or len(plain) > NO_RESPONSE_MAX_CHARS or topic_score >= NO_RESPONSE_TOPIC_LIMIT:
        return None
    if plain and _EMOJI_ONLY.match(plain) and not _QUESTION.search(plain):
        return "no response needed: only emoji or punctuation, no question"
    if _QUESTION.search(plain):
        return None
    request = _REQUEST.search(plain)
    ack = _ACK.search(plain)
    if ack is None or request is not None:
        return None
    return f"no response needed: '{ack.group(0).strip()}' with no question or request"


class RuleClassifier:
    def classify(self, item: ClassificationInput) -> Classification:
        words = buyer_words(item.body)
        text = normalise(f"{item.subject}\n{words}")
        risks = list(_risks(f"{item.subject}\n{words}"))
        labels = set(item.labels & set(MARKETPLACE_LABELS))
        for risk in risks:
            labels.update(risk.labels)

        category, reason, topic_score = self._category(text, item, risks)
        priority = BASE_PRIORITY[category]
        raised_by = ""
        wanted = [(r.priority, f"{r.kind.replace('_', ' ')} ('{r.evidence}')") for r in risks]
        if item.labels & set(MARKETPLACE_LABELS):
            wanted.append(("urgent", "marketplace label " + ", ".join(sorted(item.labels & set(MARKETPLACE_LABELS)))))
        for level, why in wanted:
            if PRIORITY_RANK[level] > PRIORITY_RANK[priority]:
                priority, raised_by = level, why
        if risks:
            reason += "; risk: " + ", ".join(f"{r.kind.replace('_', ' ')} ('{r.evidence}')" for r in risks)
        if raised_by:
            reason += f"; priority {priority} for {raised_by}"

        no_response = None
        if item.author_kind == "buyer" and not item.preset_category and category not in _NEVER_NO_RESPONSE:
            no_response = _no_response(words, risks, topic_score)
        return Classification(category, priority, reason, tuple(sorted(labels)), no_response)

    def _category(self, text: str, item: ClassificationInput, risks: list[Risk]) -> tuple[str, str, int]:
        """The category, why, and the best keyword score (context such as an attached order aside)."""
        if item.preset_category:
            return item.preset_category, f"marketplace metadata: {item.preset_category}", 0
        if item.labels & set(MARKETPLACE_LABELS):
            return "complaint", "marketplace metadata: BBB / Attorney General complaint", 0
        if item.author_kind == "system":
            return "platform_notice", "sent by the marketplace itself", 0
        evidence = _score(text, item)
        threats = [r for r in risks if r.kind in _THREATS]
        if threats:
            evidence.setdefault("complaint", []).append((f"threat ({threats[0].kind.replace('_', ' ')})", 5))
        if any(r.kind == "safety" for r in risks):
            evidence.setdefault("damaged", []).append(("safety hazard", 3))
        totals = {c: sum(w for _, w in ev) for c, ev in evidence.items()}
        topic_score = max((w for ev in evidence.values() for e, w in ev if e.startswith("'")), default=0)
        ranked = sorted(totals, key=lambda c: (-totals[c], _PRECEDENCE.index(c)))
        if not ranked or totals[ranked[0]] < 3:
            fallback = "no words to classify" if not text.strip() else "no category's keywords"
            if item.has_order:
                return "order_status", f"order_status: {fallback}, about an order", topic_score
            return "pre_sale", f"pre_sale: {fallback}, no order attached", topic_score
        best = ranked[0]
        why = ", ".join(f"{e} {'+' if w >= 0 else ''}{w}" for e, w in evidence[best])
        reason = f"{best}: {why}"
        if len(ranked) > 1 and totals[ranked[1]] > 0:
            reason += f"; next {ranked[1]} {totals[ranked[1]]}"
        return best, reason, topic_score


# The order statuses whose answer differs from an unknown order's: ingest classifies once per status
# listed here before it reads the order, and the database keeps the answer for the order it finds.
ORDER_STATUSES_THAT_MATTER: tuple[str, ...] = ("delivered",)

DEFAULT_CLASSIFIER: Classifier = RuleClassifier()

"""Why a buyer writes about a product: the product-issue reason of a message (pure, no I/O).

Reasons: damaged, wrong_item, missing_part, late, not_as_described, sizing. A message can give
several ("arrived late and broken"); none is an ordinary question. Matching runs on the buyer's own
words (api/automation/text.py: without the marketplace's frame and quoted replies), normalised
(accents stripped, lower case), in English, Chinese and Spanish. Negated phrases that mean the
opposite ("not damaged", "没有损坏") are removed first, so a buyer who says all is fine is not counted.
"""

from __future__ import annotations

import re
from typing import Final

from api.automation.text import buyer_words, keywords, normalise

REASONS: Final[tuple[str, ...]] = ("damaged", "wrong_item", "missing_part", "late", "not_as_described", "sizing")

_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    "damaged": keywords(
        "broken",
        "broke$",
        "damaged",
        "damage$",
        "cracked",
        "crack$",
        "shattered",
        "smashed",
        "dented",
        "dent$",
        "torn$",
        "ripped",
        "leaking",
        "leaked",
        "defective",
        "stopped working",
        "doesn't work",
        "does not work",
        "roto",
        "rota$",
        "rotos",
        "rotas",
        "danado",
        "danada",
        "agrietado",
        "quebrado",
        "quebrada",
        "no funciona",
        "坏了",
        "损坏",
        "破损",
        "碎了",
        "裂",
        "摔坏",
        "漏水",
        "漏液",
        "压坏",
        "不能用",
        "无法使用",
    ),
    "wrong_item": keywords(
        "wrong item",
        "wrong product",
        "wrong color",
        "wrong colour",
        "wrong model",
        "not what i ordered",
        "different item",
        "sent me the wrong",
        "received the wrong",
        "producto equivocado",
        "articulo equivocado",
        "producto incorrecto",
        "articulo incorrecto",
        "no es lo que pedi",
        "color equivocado",
        "发错",
        "寄错",
        "错发",
        "不是我买的",
        "颜色不对",
        "型号不对",
    ),
    "missing_part": keywords(
        "missing",
        "not included",
        "wasn't included",
        "was not included",
        "only received one",
        "incomplete",
        "falta$",
        "faltan$",
        "faltaba",
        "incompleto",
        "no venia",
        "no incluye",
        "缺少",
        "少了",
        "漏发",
        "少发",
        "缺件",
        "配件没有",
        "不完整",
    ),
    "late": keywords(
        "late$",
        "delayed",
        "still not arrived",
        "hasn't arrived",
        "has not arrived",
        "not arrived yet",
        "not received yet",
        "still waiting",
        "taking so long",
        "never arrived",
        "retraso",
        "retrasado",
        "no ha llegado",
        "todavia no llega",
        "aun no llega",
        "tarda",
        "还没到",
        "还没收到",
        "迟迟",
        "延迟",
        "太慢",
        "怎么还没",
        "没有收到",
    ),
    "not_as_described": keywords(
        "not as described",
        "not as pictured",
        "doesn't match the description",
        "does not match the description",
        "different from the picture",
        "different from the photo",
        "looks nothing like",
        "misleading",
        "fake$",
        "counterfeit",
        "cheap quality",
        "poor quality",
        "no es como se describe",
        "no coincide con la descripcion",
        "diferente a la foto",
        "mala calidad",
        "falso",
        "与描述不符",
        "和描述不符",
        "跟图片不一样",
        "和图片不一样",
        "货不对板",
        "假货",
        "质量差",
        "描述不符",
    ),
    "sizing": keywords(
        "too small",
        "too big",
        "too large",
        "too tight",
        "too loose",
        "doesn't fit",
        "does not fit",
        "wrong size",
        "size chart",
        "runs small",
        "runs large",
        "runs big",
        "muy pequeno",
        "muy pequena",
        "muy grande",
        "no me queda",
        "talla",
        "talla equivocada",
        "太小",
        "太大",
        "尺码",
        "尺寸不对",
        "偏小",
        "偏大",
        "穿不上",
        "不合身",
    ),
}
# "not damaged", "arrived without damage", "没有损坏", "sin danos": the opposite of a complaint.
_NEGATED: Final = re.compile(
    r"(?:not|no|never|without|sin|nada)\s+(?:\w+\s+)?(?:damaged|broken|damage|danos?|roto)"
    r"|(?:没有|没|无|未)(?:损坏|破损|坏)"
    r"|nothing (?:is )?missing|no falta nada|(?:没有|没)少"
)


def classify_reasons(body: str, subject: str | None = None) -> tuple[str, ...]:
    """The product-issue reasons a buyer message gives, in REASONS order (empty when none)."""
    text = normalise(f"{subject or ''}\n{buyer_words(body)}")
    text = _NEGATED.sub(" ", text)
    return tuple(reason for reason in REASONS if _PATTERNS[reason].search(text))

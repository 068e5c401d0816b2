"""The sandbox translator's phrase table (pure): the demo corpus's Spanish sentences (sandbox/corpus.py)
with English and Chinese renderings, and the replies the demo agents write in Chinese.

Each row is (en, es, zh); `{name}` fields match any text and are carried over unchanged. A sentence
not in the table comes back as `[sandbox-mt <lang>] <sentence>`: clearly machine-made filler, never a
plausible translation a test could mistake for the real thing.
"""

from __future__ import annotations

import re
from functools import cache

LANGUAGES = ("en", "es", "zh")

ROWS: tuple[tuple[str, str, str], ...] = (
    # greetings and closings
    ("Hello,", "Hola,", "你好，"),
    ("Good afternoon,", "Buenas tardes,", "下午好，"),
    ("Hello, good day.", "Hola, buen día.", "你好，日安。"),
    ("Dear seller,", "Estimado vendedor:", "卖家你好，"),
    ("Good morning,", "Buenos días,", "早上好，"),
    ("Thank you.", "Gracias.", "谢谢。"),
    ("Thank you very much!", "¡Muchas gracias!", "非常感谢！"),
    ("I look forward to your reply.", "Quedo atento a su respuesta.", "期待您的回复。"),
    ("Regards.", "Saludos.", "此致。"),
    ("Thanks in advance.", "Gracias de antemano.", "提前谢谢。"),
    ("Any news?", "¿Alguna novedad?", "有什么消息吗？"),
    ("I am still waiting for an answer.", "Sigo esperando respuesta.", "我还在等回复。"),
    ("Is anyone there?", "¿Hay alguien ahí?", "有人吗？"),
    (
        "Please answer, it has been {n1} days already.",
        "Por favor respondan, ya pasaron {n1} días.",
        "请回复，已经过去{n1}天了。",
    ),
    # pre-sale
    ("Does the {item} come in other colors?", "¿{item} viene en otros colores?", "{item}有其他颜色吗？"),
    ("How long does shipping to {state} take?", "¿Cuánto tarda el envío a {state}?", "寄到{state}需要多久？"),
    ("Does it work with 110V power?", "¿Funciona con corriente de 110V?", "它支持110V电压吗？"),
    (
        "If I buy three, will you give me a discount?",
        "Si compro tres, ¿me hacen descuento?",
        "如果我买三个，能打折吗？",
    ),
    ("What are the exact dimensions?", "¿Cuáles son las medidas exactas?", "具体尺寸是多少？"),
    ("Is there a warranty?", "¿Tiene garantía?", "有保修吗？"),
    ("What happens if it stops working?", "¿Qué pasa si deja de funcionar?", "如果坏了怎么办？"),
    # where is my order
    (
        "I placed order {order} {days} days ago and it still hasn't arrived.",
        "Hice el pedido {order} hace {days} días y todavía no me llega.",
        "我{days}天前下了订单{order}，到现在还没收到。",
    ),
    ("Where is it?", "¿Dónde está?", "包裹在哪里？"),
    (
        "The {carrier} tracking hasn't updated in {stale} days.",
        "El rastreo de {carrier} no se actualiza desde hace {stale} días.",
        "{carrier}的物流信息已经{stale}天没有更新了。",
    ),
    (
        "It says it was delivered but I didn't receive anything.",
        "Dice que fue entregado pero no recibí nada.",
        "显示已签收，但我什么都没收到。",
    ),
    ("When will you ship my order?", "¿Cuándo van a enviar mi pedido?", "你们什么时候发货？"),
    ("It is still being prepared.", "Sigue en preparación.", "还在备货中。"),
    (
        "My order was supposed to arrive on {eta} and it still hasn't arrived.",
        "Mi pedido debía llegar el {eta} y todavía no llega.",
        "我的订单本应在{eta}送达，但现在还没到。",
    ),
    # returns
    (
        "I want to return the {item}, it is not the right size.",
        "Quiero devolver {item}, no es la talla correcta.",
        "我想退货{item}，尺码不对。",
    ),
    ("How do I make the return?", "¿Cómo hago la devolución?", "怎么办理退货？"),
    (
        "The product stopped working after {days} days.",
        "El producto dejó de funcionar a los {days} días.",
        "产品用了{days}天就坏了。",
    ),
    ("I want a refund.", "Quiero un reembolso.", "我要退款。"),
    (
        "I already sent the return on {ret_date}.",
        "Ya envié la devolución el {ret_date}.",
        "我已经在{ret_date}寄回了退货。",
    ),
    ("When will I get my refund?", "¿Cuándo me reembolsan?", "什么时候退款？"),
    # complaints and changes
    ("The {item} arrived broken.", "Me llegó {item} roto.", "收到的{item}是坏的。"),
    ("Very bad experience.", "Muy mala experiencia.", "非常糟糕的体验。"),
    ("You sent me the wrong product.", "Me enviaron un producto equivocado.", "你们发错货了。"),
    ("I ordered the {item}.", "Yo pedí {item}.", "我订的是{item}。"),
    (
        "I have been waiting {days} days and nobody answers me.",
        "Llevo {days} días esperando y nadie me responde.",
        "我已经等了{days}天，没有人回复我。",
    ),
    ("I am going to open a claim.", "Voy a abrir un reclamo.", "我要投诉。"),
    ("Can I still cancel order {order}?", "¿Todavía puedo cancelar el pedido {order}?", "订单{order}还能取消吗？"),
    ("I chose the wrong color.", "Elegí el color equivocado.", "我选错颜色了。"),
    (
        "I need to change the shipping address of order {order}.",
        "Necesito cambiar la dirección de envío del pedido {order}.",
        "我需要修改订单{order}的收货地址。",
    ),
    # what the demo agents write (in Chinese) and send in the buyer's language
    ("Hello, thank you for contacting us.", "Hola, gracias por contactarnos.", "您好，感谢您联系我们。"),
    ("We are sorry for the inconvenience.", "Lamentamos las molestias.", "很抱歉给您带来不便。"),
    ("We have checked your order.", "Hemos revisado su pedido.", "我们已经查看了您的订单。"),
    (
        "Your package is on its way and should arrive within 3 days.",
        "Su paquete está en camino y debería llegar en 3 días.",
        "您的包裹正在运输途中，预计3天内送达。",
    ),
    ("We have contacted the carrier.", "Hemos contactado con la empresa de transporte.", "我们已经联系了物流公司。"),
    ("We will send you a replacement.", "Le enviaremos un reemplazo.", "我们会给您补发一个新的。"),
    ("We have issued a full refund.", "Le hemos hecho un reembolso completo.", "我们已经为您全额退款。"),
    (
        "Please let us know if you need anything else.",
        "Por favor avísenos si necesita algo más.",
        "如有其他需要，请随时告诉我们。",
    ),
    ("Have a nice day.", "Que tenga un buen día.", "祝您生活愉快。"),
)

_FIELD = re.compile(r"\{(\w+)\}")
# Sentence ends in the three languages; a Spanish sentence may open with ¿ or ¡.
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*|\n")


def base_language(code: str) -> str:
    return code.split("-")[0].split("_")[0].lower()


@cache
def _compiled() -> list[tuple[dict[str, str], dict[str, re.Pattern[str]]]]:
    out = []
    for row in ROWS:
        texts = dict(zip(LANGUAGES, row, strict=True))
        patterns = {}
        for lang, template in texts.items():
            pieces, last = [], 0
            for m in _FIELD.finditer(template):
                pieces.append(re.escape(template[last : m.start()]))
                pieces.append(f"(?P<{m.group(1)}>.+?)")
                last = m.end()
            pieces.append(re.escape(template[last:]))
            patterns[lang] = re.compile("^" + "".join(pieces) + "$", re.IGNORECASE)
        out.append((texts, patterns))
    return out


def _fill(template: str, fields: dict[str, str]) -> str:
    return _FIELD.sub(lambda f: fields[f.group(1)], template)


def _lookup(sentence: str, source: str | None, target: str) -> tuple[str, str] | None:
    """(translation, source language) of one sentence, or None."""
    for texts, patterns in _compiled():
        for lang in [source] if source else LANGUAGES:
            if lang not in patterns:
                continue
            m = patterns[lang].match(sentence)
            if m:
                return _fill(texts[target], m.groupdict()), lang
    return None


def _split(text: str) -> list[str]:
    """Sentences, Spanish ones split at ¿/¡ too (a question inside a line starts a new sentence)."""
    out: list[str] = []
    for piece in _SENTENCE.findall(text):
        out.extend(p for p in re.split(r"(?=[¿¡])", piece) if p)
    return out


def translate(text: str, source: str | None, target: str) -> tuple[str, str]:
    """(translation, detected source language). Deterministic."""
    target_base = base_language(target)
    source_base = base_language(source) if source else None
    detected: str | None = source_base
    parts: list[str] = []
    for piece in _split(text):
        stripped = piece.strip()
        if not stripped:
            if piece == "\n":
                parts.append(piece)
            continue
        found = _lookup(stripped, source_base, target_base) if target_base in LANGUAGES else None
        if found is None:
            parts.append(f"[sandbox-mt {target}] {stripped}")
        else:
            parts.append(found[0])
            detected = detected or found[1]
    joiner = "" if target_base in ("zh", "ja") else " "
    result = ""
    for part in parts:
        if part == "\n" or not result or result.endswith("\n"):
            result += part
        else:
            result += joiner + part
    return result, detected or ("zh" if re.search(r"[\u4e00-\u9fff]", text) else "en")

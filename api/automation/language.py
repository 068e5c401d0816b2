"""A cheap language guess for routing and templates (pure): script share first, then stopwords."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_WORD = re.compile(r"[a-záéíóúñü]+", re.IGNORECASE)
_SPANISH = frozenset(
    [
        "hola",
        "gracias",
        "pedido",
        "dónde",
        "donde",
        "cuándo",
        "cuando",
        "envío",
        "envio",
        "llegó",
        "llego",
        "todavía",
        "todavia",
        "quiero",
        "devolver",
        "producto",
        "por",
        "favor",
        "mi",
        "el",
        "la",
        "los",
        "las",
        "una",
        "está",
        "esta",
        "para",
        "con",
        "pero",
        "me",
        "muy",
        "que",
        "del",
        "nada",
        "ya",
        "su",
    ]
)
# Letters and marks English does not use: evidence of Spanish besides the stopwords.
_SPANISH_MARKS = re.compile(r"[¿¡ñÑ]|[a-z]*[áéíóú][a-z]*", re.IGNORECASE)
_ENGLISH = frozenset(
    ["the", "and", "is", "my", "order", "where", "when", "please", "thanks", "you", "it", "this", "to", "of"]
)


def detect_language(text: str) -> str:
    """'zh', 'ja', 'ko', 'es' or 'en' (the default for Latin text we cannot tell apart)."""
    letters = sum(ch.isalpha() for ch in text) or 1
    if len(_KANA.findall(text)) / letters > 0.1:
        return "ja"
    if len(_HANGUL.findall(text)) / letters > 0.2:
        return "ko"
    if len(_CJK.findall(text)) / letters > 0.2:
        return "zh"
    words = [w.lower() for w in _WORD.findall(text)]
    spanish = sum(w in _SPANISH for w in words) + len(_SPANISH_MARKS.findall(text))
    english = sum(w in _ENGLISH for w in words)
    if spanish >= 2 and spanish > english:
        return "es"
    return "en"

"""Risk in a buyer's words, in English, Chinese and Spanish (pure): what an agent must see first.

Each risk names the label the conversation gets (shown in the inbox list), the priority it needs at
least, and the words that gave it away. BBB and Attorney-General threats also carry the labels
Walmart's escalations use (`bbb_complaint`, `attorney_general_complaint`), which the 1-hour SLA
policies match (api/sla/catalog.py): a threat read from the text is treated like one Walmart
forwarded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.automation.text import keywords, normalise


@dataclass(frozen=True)
class Risk:
    kind: str
    labels: tuple[str, ...]
    priority: str
    evidence: str


@dataclass(frozen=True)
class _RiskRule:
    kind: str
    labels: tuple[str, ...]
    priority: str
    pattern: re.Pattern[str]


# Order: the first rules are the most serious; every rule that matches is reported.
RISK_RULES: tuple[_RiskRule, ...] = (
    _RiskRule(
        "safety",
        ("risk_safety",),
        "urgent",
        keywords(
            "burnt plastic",
            "burning plastic",
            "burning smell",
            "smells like burn",
            "smell of burn",
            "smells burnt",
            "caught fire",
            "catch fire",
            "on fire",
            "fire hazard",
            "sparks",
            "sparked",
            "exploded",
            "explode",
            "dangerous",
            "hazard",
            "unsafe",
            "electric shock",
            "shocked me",
            "overheat",
            "melted",
            "melting",
            "extremely hot",
            "burned my",
            "burnt my",
            "injured",
            "injury",
            "smoke came",
            "smoke coming",
            "started smoking",
            "was smoking",
            "is smoking",
            "冒烟",
            "着火",
            "起火",
            "烧焦",
            "焦味",
            "糊味",
            "爆炸",
            "漏电",
            "触电",
            "危险",
            "烫伤",
            "受伤",
            "鼓包",
            "安全吗",
            "humo",
            "incendi",
            "fuego",
            "quemad",
            "huele a quemado",
            "peligros",
            "explot",
            "descarga electrica",
            "se derriti",
            "sobrecalient",
            "se calienta muchisimo",
        ),
    ),
    _RiskRule(
        "bbb",
        ("bbb_complaint", "risk_legal"),
        "urgent",
        keywords("bbb$", "better business bureau", "商业改善局", "商业促进局"),
    ),
    _RiskRule(
        "attorney_general",
        ("attorney_general_complaint", "risk_legal"),
        "urgent",
        keywords(
            "attorney general",
            "attorney generals",
            "attorney general's",
            "ag's office",
            "fiscal general",
            "procurador general",
            "总检察长",
            "司法部长",
        ),
    ),
    _RiskRule(
        "legal",
        ("risk_legal",),
        "urgent",
        keywords(
            "lawyer",
            "attorney$",
            "sue$",
            "suing",
            "lawsuit",
            "legal action",
            "small claims",
            "court$",
            "consumer protection",
            "ftc$",
            "律师",
            "起诉",
            "法院",
            "法律途径",
            "消协",
            "消费者协会",
            "abogad",
            "demanda",
            "demandar",
            "accion legal",
            "profeco",
            "proteccion al consumidor",
        ),
    ),
    _RiskRule(
        "dispute",
        ("risk_dispute",),
        "high",
        keywords(
            "a-to-z",
            "a to z claim",
            "atoz",
            "a-z claim",
            "chargeback",
            "charge back",
            "dispute",
            "disputing",
            "open a case",
            "opening a case",
            "open a claim",
            "file a claim",
            "paypal claim",
            "credit card company",
            "拒付",
            "开case",
            "开 case",
            "索赔",
            "纠纷",
            "disputa",
            "contracargo",
            "abrir un caso",
            "reclamo",
            "reclamar a amazon",
        ),
    ),
    _RiskRule(
        "negative_review",
        ("risk_negative_review",),
        "high",
        keywords(
            "negative feedback",
            "bad feedback",
            "neutral feedback",
            "negative review",
            "bad review",
            "1 star",
            "1-star",
            "one star",
            "leave feedback",
            "poor rating",
            "差评",
            "中评",
            "一星",
            "resena negativa",
            "mala resena",
            "calificacion negativa",
            "comentario negativo",
            "1 estrella",
            "una estrella",
        ),
    ),
)


def detect_risks(text: str) -> list[Risk]:
    """Every risk the text shows, most serious first (at most one per kind)."""
    plain = normalise(text)
    found: list[Risk] = []
    for rule in RISK_RULES:
        match = rule.pattern.search(plain)
        if match:
            found.append(Risk(rule.kind, rule.labels, rule.priority, match.group(0).strip()))
            # Words that made one risk do not make another ("attorney general" is not a lawyer).
            plain = plain[: match.start()] + " " * len(match.group(0)) + plain[match.end() :]
    return found

"""Top questions: group a period's buyer questions by meaning (pure, deterministic; no database).

Features come from the tokenisation conversation search uses (api/kit/search.py: CJK bigrams, words),
so Chinese, English and Spanish are treated alike. Each token is then normalised:
- stopwords and greetings are dropped, and so are order ids, amounts and other mostly-digit tokens
  (two "where is order 123 / 456" questions are the same question);
- English and Spanish words lose a plural or verb ending ("arrived" and "arrive", "pedidos" and
  "pedido");
- words and bigrams that say the same thing in any of the three languages map to one concept
  ("package", "parcel", "paquete", "包裹" are `@parcel`), so paraphrases and translations of a
  question land in the same group. The concept table is small on purpose: it covers the questions
  marketplaces' buyers ask most (where is it, returns, refunds, damage, cancellations, sizes...);
  other words still match themselves.

Grouping is TF-IDF weights with greedy similarity grouping on an inverted index:
1. identical feature sets are merged first (most buyer questions repeat word for word, or nearly);
2. the distinct sets are visited most frequent first (ties by their sorted features), and each
   joins the existing group whose leader it is most similar to (similarity >= THRESHOLD, below), else leads a
   new group. Candidate groups come from an inverted index of the leaders' features, so the work is
   proportional to the overlap, not to questions x groups.
The order of visiting depends only on the input's content, so the same questions always give the
same groups and keys, whatever order they arrive in.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from api.kit.search import tokenize

THRESHOLD = 0.5
CONCEPT_WEIGHT = 2.0
# A feature shared by this many group leaders stops being indexed: it no longer tells groups apart
# (the leaders' other features still find the candidates) and would make every lookup long.
MAX_POSTING = 400
MAX_FEATURES = 24
EXAMPLES = 5

_WORDS = (
    # English
    "a an and are as at be been but by can could did do does doing for from get got had has have hello hey hi "
    "how i i'm if in is it it's its just me my no not of on or our please so that the their them then there "
    "these they this to us was we were what which who will with would you your yours thanks thank ok okay "
    "dear sir madam regards best team seller hope any some all also am im yet still want need know let item "
    "items product should cm "
    # Spanish
    "el la los las un una unos unas y o de del en por para con mi mis su sus es que hola gracias buenas buenos "
    "dias días tardes favor al lo le se me te ya muy pero como cómo esta está este esto son fue hay ha han "
    "qué quiero necesito puedo producto articulo artículo "
    # Chinese (bigrams)
    "你好 您好 请问 谢谢 我的 你们 我们 一个 可以 什么 怎么 没有 这个 那个 是不 不是 一下 麻烦 亲爱 好的 商品 一直 直没"
)
_STOP = frozenset(_WORDS.split())

# Concepts: every form maps to one feature. CJK forms are bigrams, as the tokeniser makes them.
_CONCEPTS: dict[str, tuple[str, ...]] = {
    "@parcel": ("order", "package", "parcel", "shipment", "pedido", "paquete", "envio", "envío", "包裹", "订单",
                "快递"),
    "@where": ("where", "dónde", "donde", "哪里", "在哪", "到哪"),
    "@when": ("when", "cuándo", "cuando", "什么时候", "时候", "多久"),
    "@tracking": ("tracking", "track", "rastreo", "seguimiento", "物流", "单号", "追踪", "跟踪"),
    "@arrive": ("arrive", "arrival", "deliver", "delivery", "receive", "llegar", "llego", "llegó", "llega", "llegado",
                "entrega", "recibido", "recibi", "recibí", "到货", "收到", "送达", "到达", "还没"),
    "@ship": ("ship", "dispatch", "send", "enviar", "enviado", "despacho", "发货", "寄出", "发出"),
    "@return": ("return", "devolver", "devolucion", "devolución", "退货", "退回", "寄回"),
    "@refund": ("refund", "money", "reembolso", "dinero", "reembolsar", "退款", "退钱"),
    "@damaged": ("damage", "broken", "broke", "crack", "defective", "roto", "rota", "dañado", "dañada", "danado",
                 "defectuoso", "损坏", "坏了", "破损", "碎了", "摔坏"),
    "@cancel": ("cancel", "cancellation", "cancelar", "cancelación", "anular", "取消"),
    "@size": ("size", "sizing", "fit", "talla", "tamaño", "medida", "尺寸", "尺码", "大小"),
    "@color": ("color", "colour", "colores", "颜色"),
    "@warranty": ("warranty", "guarantee", "garantía", "garantia", "保修", "质保"),
    "@invoice": ("invoice", "receipt", "factura", "recibo", "发票", "收据"),
    "@wrong": ("wrong", "incorrect", "equivocado", "equivocada", "incorrecto", "错了", "发错"),
    "@missing": ("missing", "falta", "faltan", "faltante", "少了", "缺少"),
    "@address": ("address", "dirección", "direccion", "地址"),
    "@battery": ("battery", "charge", "charger", "batería", "bateria", "cargador", "电池", "充电"),
    "@stock": ("stock", "available", "availability", "disponible", "existencia", "库存", "有货", "现货"),
    "@exchange": ("exchange", "replacement", "replace", "cambio", "cambiar", "reemplazo", "换货", "更换"),
}  # fmt: skip
_CONCEPT_OF = {form: concept for concept, forms in _CONCEPTS.items() for form in forms}
_ENDINGS = ("ing", "ed", "es", "s")


def _stem(word: str) -> str:
    """A light suffix stripper for English and Spanish words (enough to join inflected forms)."""
    if not word.isascii() or len(word) <= 4:
        return word
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
# Particles and pronouns that separate the words of a Chinese question (dropped, as the
# stopwords of the other languages are, so they make no bigrams with their neighbours).
_CJK_SEPARATORS = frozenset("的了吗呢啊吧呀么有是在我你他她它们这那也都就还和与把被给要会能请问好")
_LONGEST_FORM = max(len(f) for f in _CONCEPT_OF)


def _cjk_features(run: str, out: set[str]) -> None:
    """Concept forms first (longest match); the characters they leave, split at particles, become
    bigrams as search makes them (a lone character is dropped)."""
    covered = [False] * len(run)
    i = 0
    while i < len(run):
        for length in range(min(_LONGEST_FORM, len(run) - i), 1, -1):
            concept = _CONCEPT_OF.get(run[i : i + length])
            if concept:
                out.add(concept)
                covered[i : i + length] = [True] * length
                i += length
                break
        else:
            i += 1
    segment = ""
    for ch, done in zip(run + " ", [*covered, True], strict=True):
        if done or ch in _CJK_SEPARATORS:
            out.update(b for b in (segment[j : j + 2] for j in range(len(segment) - 1)) if b not in _STOP)
            segment = ""
        else:
            segment += ch


@functools.lru_cache(maxsize=65536)
def features(text: str) -> frozenset[str]:
    """The question's normalised features (concepts, stemmed words, CJK bigrams)."""
    text = unicodedata.normalize("NFKC", text or "").lower()[:4000]
    out: set[str] = set()
    for run in _CJK_RUN.findall(text):
        _cjk_features(run, out)
    for token in tokenize(_CJK_RUN.sub(" ", text)):
        if token in _STOP or len(token) > 40 or "'" in token or (len(token) == 1 and token.isascii()):
            continue
        if not token.isalpha() and sum(ch.isdigit() for ch in token) * 2 >= len(token):
            continue  # order ids, amounts, dates
        stemmed = _stem(token)
        concept = _CONCEPT_OF.get(token) or _CONCEPT_OF.get(stemmed) or _CONCEPT_OF.get(stemmed + "e")
        out.add(concept or stemmed)  # "arrived" -> "arriv" + "e" -> @arrive
    if len(out) > MAX_FEATURES:
        out = set(sorted(out)[:MAX_FEATURES])
    return frozenset(out)


@dataclass(frozen=True)
class Question:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    text: str
    marketplace: str
    sent_at: datetime
    sku: str | None = None
    category: str | None = None
    language: str | None = None


@dataclass
class Cluster:
    key: str
    label: str
    features: tuple[str, ...]
    questions: list[Question] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def conversations(self) -> int:
        return len({q.conversation_id for q in self.questions})

    def examples(self, n: int = EXAMPLES) -> list[Question]:
        """Distinct texts, newest first (ties by message id, for determinism)."""
        seen: set[str] = set()
        out: list[Question] = []
        for q in sorted(self.questions, key=lambda q: (q.sent_at, str(q.message_id)), reverse=True):
            norm = " ".join(q.text.split()).lower()
            if norm in seen:
                continue
            seen.add(norm)
            out.append(q)
            if len(out) == n:
                break
        return out

    def by(self, attribute: str) -> list[tuple[str, int]]:
        counts = Counter(getattr(q, attribute) for q in self.questions if getattr(q, attribute))
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def dominant(self, attribute: str) -> str | None:
        ranked = self.by(attribute)
        return ranked[0][0] if ranked else None


def _key(feature_set: Iterable[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(feature_set)).encode()).hexdigest()[:16]


def cluster(questions: Sequence[Question], *, threshold: float = THRESHOLD) -> list[Cluster]:
    """Group the questions; biggest groups first (ties by key). Questions without a feature left
    (a bare "ok?", an order number alone) belong to no group."""
    by_set: dict[frozenset[str], list[Question]] = {}
    for q in questions:
        f = features(q.text)
        if f:
            by_set.setdefault(f, []).append(q)
    document_frequency: Counter[str] = Counter()
    for f, same in by_set.items():
        for term in f:
            document_frequency[term] += len(same)
    total = sum(len(m) for m in by_set.values())
    idf = {t: math.log((1 + total) / (1 + n)) + 1.0 for t, n in document_frequency.items()}

    def vector(f: frozenset[str]) -> dict[str, float]:
        # Concepts carry the meaning, plain words the detail: a concept weighs twice its rarity.
        weights = {t: idf[t] * (CONCEPT_WEIGHT if t[0] == "@" else 1.0) for t in f}
        total = sum(weights.values())
        return {t: w / total for t, w in weights.items()}

    # Similarity: the geometric mean of how much of the leader the question covers and how much of
    # the question the leader covers (weights summing to 1 each). Unlike cosine it does not let a
    # few rare detail words ("moved for 3 days") hide that two questions ask the same thing.
    order = sorted(by_set, key=lambda f: (-len(by_set[f]), sorted(f)))
    leaders: list[dict[str, float]] = []
    members: list[list[frozenset[str]]] = []
    postings: dict[str, list[int]] = {}
    for f in order:
        v = vector(f)
        covered: dict[int, tuple[float, float]] = {}
        for term, weight in v.items():
            for index in postings.get(term, ()):
                of_question, of_leader = covered.get(index, (0.0, 0.0))
                covered[index] = (of_question + weight, of_leader + leaders[index][term])
        best, best_similarity = -1, threshold
        for index, (of_question, of_leader) in covered.items():
            similarity = math.sqrt(of_question * of_leader)
            if similarity > best_similarity or (similarity == best_similarity and best >= 0 and index < best):
                best, best_similarity = index, similarity
        if best >= 0:
            members[best].append(f)
            continue
        index = len(leaders)
        leaders.append(v)
        members.append([f])
        for term in v:
            posting = postings.setdefault(term, [])
            if len(posting) < MAX_POSTING:
                posting.append(index)
    clusters: list[Cluster] = []
    for leader, sets in zip(leaders, members, strict=True):
        qs = [q for s in sets for q in by_set[s]]
        # The label: the leader's most frequent wording (the exact text most buyers used).
        wording = Counter(" ".join(q.text.split()) for q in by_set[sets[0]])
        label = min(wording.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]
        top = sorted(leader, key=lambda t: (-leader[t], t))
        clusters.append(Cluster(key=_key(sets[0]), label=label[:300], features=tuple(top[:8]), questions=qs))
    clusters.sort(key=lambda c: (-c.count, c.key))
    return clusters

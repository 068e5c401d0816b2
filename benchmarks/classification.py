"""`make bench`: how right the classifier is, on the labelled corpus (benchmarks/data/classification).

Accuracy overall and precision / recall / F1 per label, on the held-out part (never tuned on: the
figure that counts, against the issue's goal of 90 %) and on the tuning part separately, by language
too. The label compared is `Classification.intent`: the category, or `no_response_needed`. Not
timing-sensitive: the result is deterministic and committed (benchmarks/results/classification.json).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.automation.classify import DEFAULT_CLASSIFIER, ClassificationInput
from benchmarks.common import RESULTS, machine

CORPUS = Path(__file__).resolve().parent / "data" / "classification"
PARTS = ("heldout", "tuning")
GOAL = 0.90


@dataclass(frozen=True)
class Outcome:
    id: str
    language: str
    expected: str
    predicted: str
    reason: str


def load(part: str) -> list[dict[str, Any]]:
    """The labelled messages of one part (the `_comment` header line skipped)."""
    rows = []
    for line in (CORPUS / f"{part}.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if "_comment" not in row:
                rows.append(row)
    return rows


def run(rows: list[dict[str, Any]]) -> list[Outcome]:
    out = []
    for r in rows:
        c = DEFAULT_CLASSIFIER.classify(
            ClassificationInput(
                subject=r["subject"], body=r["body"], marketplace=r["marketplace"], has_order=bool(r["order_id"])
            )
        )
        out.append(Outcome(r["id"], r["language"], r["label"], c.intent, c.reason))
    return out


def report(outcomes: list[Outcome]) -> dict[str, Any]:
    """Accuracy, and per label precision, recall, F1 and support; per language accuracy."""
    total = len(outcomes)
    right = sum(o.expected == o.predicted for o in outcomes)
    labels = sorted({o.expected for o in outcomes} | {o.predicted for o in outcomes})
    per_label: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(o.expected == label and o.predicted == label for o in outcomes)
        predicted = sum(o.predicted == label for o in outcomes)
        support = sum(o.expected == label for o in outcomes)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": support,
        }
    languages = Counter(o.language for o in outcomes)
    by_language = {
        lang: round(sum(o.expected == o.predicted for o in outcomes if o.language == lang) / n, 3)
        for lang, n in sorted(languages.items())
    }
    return {
        "messages": total,
        "correct": right,
        "accuracy": round(right / total, 4) if total else 0.0,
        "accuracy_by_language": by_language,
        "per_label": per_label,
        "errors": [
            {"id": o.id, "expected": o.expected, "predicted": o.predicted, "reason": o.reason}
            for o in outcomes
            if o.expected != o.predicted
        ],
    }


async def main() -> None:
    parts = {part: report(run(load(part))) for part in PARTS}
    held = parts["heldout"]
    doc = {
        "benchmark": "classification",
        "date": datetime.now(UTC).isoformat(),
        "machine": machine(),
        "parameters": {"corpus": "benchmarks/data/classification", "goal_accuracy_heldout": GOAL},
        "figures": [
            {
                "name": "accuracy on the held-out part (never tuned on)",
                "value": held["accuracy"],
                "unit": "share",
                "limit": GOAL,
                "limit_name": "issue 12 goal",
                "ratio": round(held["accuracy"] / GOAL, 4),
            },
            {
                "name": "accuracy on the tuning part",
                "value": parts["tuning"]["accuracy"],
                "unit": "share",
                "limit": GOAL,
                "limit_name": "issue 12 goal",
                "ratio": round(parts["tuning"]["accuracy"] / GOAL, 4),
            },
        ],
        "parts": parts,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "classification.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    for part in PARTS:
        r = parts[part]
        print(
            f"classification [{part}]: {r['correct']}/{r['messages']} = {r['accuracy']:.1%}"
            f"  by language {r['accuracy_by_language']}"
        )
        print(f"  {'label':24} precision recall  f1    n")
        for label, m in r["per_label"].items():
            print(f"  {label:24} {m['precision']:9.2f} {m['recall']:6.2f} {m['f1']:5.2f} {m['support']:4d}")
    ratio = held["accuracy"] / GOAL
    print(f"classification: held-out accuracy {held['accuracy']:.1%} | goal {GOAL:.0%} | ratio {ratio:.3f}")


if __name__ == "__main__":
    import asyncio

    asyncio.run(main())

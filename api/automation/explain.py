"""Why a rule fired or was held back, and what it did, as data (pure).

Each part is a code with parameters. The English wording below is what the API's `reason` and
`actions_done` strings and the audit log say; the SPA words the same parts from its locale files
(`automation.reason.<code>`, `automation.action.<code>`), so an agent reading Chinese never sees the
English. A new code needs an English line here and a line in each locale: the tests check both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Why a rule's conditions held.
MATCHED = {
    "outside_business_hours": "outside business hours",
    "holiday": "holiday {day}",
    "keyword": "keyword '{keyword}'",
    "marketplace": "marketplace {marketplace}",
    "category": "category {category}",
    "customer_tier": "customer tier {tier}",
    "no_conditions": "no conditions",
}

# Why a rule whose conditions held did nothing.
BLOCKED = {
    "not_buyer": "not a buyer message ({author_kind}): marketplace system mail is never answered",
    "auto_submitted": "the message is auto-submitted (RFC 3834): answering it could start a loop",
    "spam_flagged": "the conversation is flagged as spam",
    "spam_likely": "the message looks like spam; automatic replies are never sent to it",
    "no_response_needed": "the buyer's message needs no response",
    "stale": "the message is older than 24 h (synced late); a person should answer it",
    "agent_recent": "an agent replied in the last {minutes} minutes",
    "cooldown": "already fired on this conversation within its {minutes}-minute cooldown",
    "template_failed": "template '{template}' failed: {error}",
    "lint_refused": "the compliance linter refused template '{template}': {messages}",
}

# What a rule did.
ACTIONS = {
    "sent_template": "sent template {template_id} ({language})",
    "label": "label {label}",
    "priority": "priority {priority}",
    "kept_priority": "kept priority {priority}: set by a person",
    "assigned": "assigned",
    "kept_assignee": "kept the assignee: set by a person",
    "reminder": "reminder in {minutes} min",
    "case_opened": "opened {kind} case {case_id}",
    "case_already_open": "{kind} case {case_id} already open",
}


@dataclass(frozen=True)
class Part:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


def _english(table: Mapping[str, str], part: Part) -> str:
    return table[part.code].format(**part.params)


def matched_english(parts: Sequence[Part]) -> str:
    return ", ".join(_english(MATCHED, p) for p in parts) or MATCHED["no_conditions"]


def blocked_english(part: Part) -> str:
    return _english(BLOCKED, part)


def action_english(part: Part) -> str:
    return _english(ACTIONS, part)


def run_reason(matched: Sequence[Part], blocked: Part | None) -> str:
    """The run's reason in English, as the log has always worded it."""
    why = matched_english(matched)
    return f"matched ({why}) but {blocked_english(blocked)}" if blocked else f"matched: {why}"


def run_detail(matched: Sequence[Part], blocked: Part | None, actions: Sequence[Part]) -> dict[str, Any]:
    return {
        "matched": [p.data() for p in matched],
        "blocked": blocked.data() if blocked else None,
        "actions": [p.data() for p in actions],
    }

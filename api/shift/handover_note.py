"""The handover note (pure): what was promised (the last reply), what is pending (open clocks) and
the latest internal notes, so whoever takes over reads one note instead of the whole thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from api.sla.effects import KIND_LABELS

EXCERPT = 400


@dataclass(frozen=True)
class OpenClock:
    kind: str
    due_at: datetime


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def compose(
    *,
    from_name: str,
    to_name: str,
    shift_ended_at: datetime,
    next_shift_at: datetime | None,
    last_reply: tuple[datetime, str] | None,
    clocks: Sequence[OpenClock],
    notes: Sequence[str],
) -> str:
    back = f"back {next_shift_at:%Y-%m-%d %H:%M} UTC" if next_shift_at else "no further shift rostered"
    lines = [
        f"Shift handover: {from_name} → {to_name} (shift ended {shift_ended_at:%Y-%m-%d %H:%M} UTC; {back}).",
        "",
        "Promised (last reply to the buyer):",
        f"  {last_reply[0]:%Y-%m-%d %H:%M} UTC: {_excerpt(last_reply[1])}" if last_reply else "  No reply sent yet.",
        "",
        "Pending:",
    ]
    for c in sorted(clocks, key=lambda c: c.due_at):
        lines.append(f"  {KIND_LABELS.get(c.kind, c.kind)} due {c.due_at:%Y-%m-%d %H:%M} UTC")
    if not clocks:
        lines.append("  No open deadline.")
    if notes:
        lines += ["", "Notes:"] + [f"  - {_excerpt(n)}" for n in notes]
    return "\n".join(lines)

"""The inbox views (modelled on Walmart's Message Center filters) and the list filters.

What a view or filter selects is written as SQL conditions in api/conversation/views_repository.py;
this module holds the names and limits the endpoints and services work with.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

# Counts stop at this many per view (the inbox shows "10,000+"): exact counts over a million rows
# cost a full scan per request, capped ones are index-only scans.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class ConversationFilters:
    channel_id: uuid.UUID | None = None
    marketplace: str | None = None
    assignee_id: uuid.UUID | None = None
    unassigned: bool = False
    team_id: uuid.UUID | None = None
    status: str | None = None
    category: str | None = None
    priority: str | None = None
    label: str | None = None
    customer_id: uuid.UUID | None = None
    sla_state: str | None = None
    q: str | None = None

"""How common each search term is among an organization's articles, cached in the process.

The suggestion and help-page rankers pick their candidates from the full-text index with the
buyer's terms; a term that most articles hold ("order", "shipping", 物流) would make PostgreSQL rank
thousands of rows for every call (`ranking.candidate_terms` leaves such terms out of the index
query). The counts change only when articles do, and a stale count only makes a query broader or
narrower for a few minutes, never wrong about which articles may be shown (scope and status are
filtered by the query itself), so each process keeps them for `TTL_SECONDS`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from api.db import Session
from api.knowledge import repository

TTL_SECONDS = 300.0
MAX_ENTRIES = 200_000  # (organization, term) pairs; past it the cache starts over


class TermStats:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[tuple[uuid.UUID, str], tuple[float, int]] = {}
        self._totals: dict[uuid.UUID, tuple[float, int]] = {}

    async def counts(
        self, session: Session, organization_id: uuid.UUID, terms: list[str]
    ) -> tuple[dict[str, int], int]:
        """Variants holding each term and the organization's variant count; one statement for the
        terms not known (or expired) here, none when all are."""
        now = self._clock()
        known: dict[str, int] = {}
        for term in terms:
            hit = self._counts.get((organization_id, term))
            if hit is not None and hit[0] > now:
                known[term] = hit[1]
        total_hit = self._totals.get(organization_id)
        missing = [t for t in terms if t not in known]
        if not missing and total_hit is not None and total_hit[0] > now:
            return known, total_hit[1]
        fetched, total = await repository.term_document_counts(session, organization_id, missing)
        if len(self._counts) + len(fetched) > MAX_ENTRIES:
            self._counts.clear()
        expires = now + TTL_SECONDS
        for term, count in fetched.items():
            self._counts[(organization_id, term)] = (expires, count)
        self._totals[organization_id] = (expires, total)
        return {**known, **fetched}, total


term_stats = TermStats()

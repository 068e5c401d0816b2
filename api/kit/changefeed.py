"""Change feeds that never skip a row: pages in the order writes became visible, not written.

Why transaction ids and not `updated_at` or a sequence: both are taken when a row is written, not
when it commits. A transaction that wrote at 10:00:00 and commits at 10:00:05 makes its row visible
after rows stamped 10:00:03 that a client may already have paged past, and the client never sees
it. A safety lag only makes that rarer. Instead each write stamps the row with its transaction's id
(`change_xid`, set by a trigger on every insert and update, ORM or raw SQL: migration 0006), and a
page returns only rows written by transactions older than the snapshot's xmin, the oldest
transaction still running. Every transaction below xmin has ended, and every transaction that
writes later gets a larger id than any that exists now, so once the feed has passed a position no
row can appear behind it: nothing is missed, however commits interleave. A row written again moves
ahead of the cursor and comes again (at least once; clients upsert by id).

The cost: xmin is server-wide, so one long transaction anywhere on the PostgreSQL server holds the
feed back (never makes it skip) until it ends.

xmin is read in a statement before the rows: whatever ended before that snapshot is visible to the
later one, so no row below the horizon is hidden from the page (READ COMMITTED takes a new snapshot
per statement; under REPEATABLE READ both share one).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

# The nil UUID sorts before every id: (horizon, NIL) is the position just before the horizon's rows.
_NIL = uuid.UUID(int=0)

Row = TypeVar("Row")
Position = tuple[int, uuid.UUID]


async def changed_since(
    session: AsyncSession,
    model: type[Row],
    conditions: list[ColumnElement[bool]],
    after: Position | None,
    limit: int,
    *,
    columns: Sequence[Any] | None = None,
) -> tuple[list[Any], Position]:
    """Rows of `model` (which has `change_xid` and `id`) matching `conditions` whose latest write
    comes after `after` in change order, at most `limit`; and the position a caller that has read
    every returned row resumes from.

    With `columns` (which must include `change_xid` and `id`), plain row mappings of those columns
    instead of entities: for feeds that go straight to JSON."""
    m: Any = model
    horizon = (await session.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))).scalar_one()
    where = [*conditions, m.change_xid < horizon]
    if after:
        where.append(tuple_(m.change_xid, m.id) > tuple_(after[0], after[1]))
    base = select(m).execution_options(populate_existing=True) if columns is None else select(*columns)
    result = await session.execute(base.where(and_(*where)).order_by(m.change_xid, m.id).limit(limit))
    rows: list[Any]
    if columns is None:
        rows = list(result.scalars())
        last = (rows[-1].change_xid, rows[-1].id) if rows else None
    else:
        rows = list(result.mappings())
        last = (rows[-1]["change_xid"], rows[-1]["id"]) if rows else None
    # Not full: every row below the horizon has been returned, so the next call starts there (not
    # at the last row: the same rows would be walked past again on every poll).
    resume: Position = last if last is not None and len(rows) >= limit else (horizon, _NIL)
    if after and resume < after:  # a horizon behind the cursor (e.g. a replica lagging): stay put
        resume = after
    return rows, resume

"""a changed SLA clock's stop and breach facts are diffed only for clocks that have them

0020 diffs each fact group of the changed clocks (`EXCEPT` both ways) and then drops the rows whose
hour is unset. A breach batch (a running clock becoming breached) thereby hashed every clock's nine
stop fields twice, old and new, for no hour at all: none of them had stopped. Rows without a stop
(or without a breach) are now left out of that group before the set difference. The marked hours are
the same: a version with the time unset contributes no hour either way, and a version with it set is
still compared with the other version's (absent when unset, so it differs and marks its hour).

Measured on the SLA timer benchmark's database (100k clocks), one UPDATE breaching 4,000 running
clocks: the trigger took 20-34 ms against 37-54 ms with 0020's function, three runs each (2026-12-07).

Revision ID: 0021_clock_marks_skip_unset
Revises: 0020_clock_hours_by_fact
Create Date: 2026-12-07 19:30:00.000000
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0021_clock_marks_skip_unset"
down_revision: str | None = "0020_clock_hours_by_fact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNFILTERED = """             stopped AS (SELECT id, organization_id, kind, started_at, stopped_at, state, stop_reason,
                                stop_message_id, pauses FROM n),
             stopped_before AS (SELECT id, organization_id, kind, started_at, stopped_at, state, stop_reason,
                                       stop_message_id, pauses FROM o),
             breached AS (SELECT id, organization_id, kind, breached_at FROM n),
             breached_before AS (SELECT id, organization_id, kind, breached_at FROM o)"""
FILTERED = """             stopped AS (SELECT id, organization_id, kind, started_at, stopped_at, state, stop_reason,
                                stop_message_id, pauses FROM n WHERE stopped_at IS NOT NULL),
             stopped_before AS (SELECT id, organization_id, kind, started_at, stopped_at, state, stop_reason,
                                       stop_message_id, pauses FROM o WHERE stopped_at IS NOT NULL),
             breached AS (SELECT id, organization_id, kind, breached_at FROM n WHERE breached_at IS NOT NULL),
             breached_before AS (SELECT id, organization_id, kind, breached_at FROM o
                                 WHERE breached_at IS NOT NULL)"""


def _previous() -> ModuleType:
    path = Path(__file__).with_name("20261207_0020_clock_hours_by_fact.py")
    spec = importlib.util.spec_from_file_location("hourglass_migration_0020", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def function() -> str:
    """0020's function with the stop and breach groups filtered (its text otherwise unchanged)."""
    previous = str(_previous().FUNCTION)
    if UNFILTERED not in previous:
        raise RuntimeError("0021: the fact groups of 0020's function were not found")
    return previous.replace(UNFILTERED, FILTERED)


def upgrade() -> None:
    op.execute(function())


def downgrade() -> None:
    op.execute(str(_previous().FUNCTION))

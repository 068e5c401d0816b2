"""Where export files live: `<export_dir>/<organization id>/<export id>.<csv|jsonl>`, written as
`….part` and renamed once complete and fsynced, so a finished name is always a whole file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from api.config import Settings

PART_SUFFIX = ".part"


def root(settings: Settings) -> Path:
    return settings.export_dir or settings.data_dir / "exports"


def final_path(settings: Settings, organization_id: uuid.UUID, export_id: uuid.UUID, fmt: str) -> Path:
    return root(settings) / str(organization_id) / f"{export_id}.{fmt}"


def part_path(final: Path) -> Path:
    return final.with_name(final.name + PART_SUFFIX)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def export_id_of(path: Path) -> uuid.UUID | None:
    """The export a file in the export directory belongs to, or None for a stranger."""
    name = path.name.removesuffix(PART_SUFFIX)
    stem = name.split(".", 1)[0]
    try:
        return uuid.UUID(stem)
    except ValueError:
        return None

"""The one way the app and the tests hand a database URL to Alembic.

Alembic's `Config` is a configparser: `set_main_option` treats `%` as the start of an interpolation.
Database URLs carry `%` whenever something in them is percent-encoded — the embedded server's socket
directory (`?host=%2F...`, as SQLAlchemy renders it), a password with `@` or `%` in it — so every
caller that passed a URL straight in crashed with "invalid interpolation syntax". Escaping here,
once, keeps the URL byte for byte what the caller gave.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def alembic_config(database_url: str | None = None) -> Config:
    """Alembic's configuration for this checkout, pointed at `database_url` when one is given."""
    cfg = Config(str(ALEMBIC_INI))
    if database_url:
        cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str) -> None:
    """`alembic upgrade head` against `database_url`."""
    # Imported when a migration runs: alembic.command takes 0.27 s to import, paid otherwise by every
    # process that only checks the schema's revision.
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")

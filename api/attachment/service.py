"""Attachments: registering a buyer message's files at ingest, fetching them in the worker through
the outbound policy, agents' uploads, and what a reply may carry."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from api.attachment import links, repository
from api.attachment.rules import POLICIES, Outgoing, refusal
from api.attachment.sniff import DANGEROUS_TYPES
from api.attachment.store import Empty, FileStore, TooLarge
from api.auth.principal import Principal
from api.channel.connectors.base import OutgoingFile
from api.config import Settings, get_settings
from api.db import Session, Sessionmaker
from api.kit.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType, field_error
from api.kit.outbound import OutboundRefused
from api.kit.time import utc_now
from api.models import Attachment

log = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 60.0
_RETRY_DELAYS = (0.5, 2.0)


_configured: Settings | None = None


def configure(settings: Settings) -> None:
    """The settings the ingest pipeline and the delivery use (the app's and the worker's own; else
    the environment's)."""
    global _configured
    _configured = settings


def current_settings() -> Settings:
    return _configured or get_settings()


def file_store(settings: Settings) -> FileStore:
    return FileStore(settings.attachments_path())


def clean_filename(name: str | None, fallback: str = "attachment") -> str:
    """A file name to show and to offer on download: no path, no control characters, at most 255."""
    text = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if c.isprintable() and c not in '"<>|:*?').strip().strip(".")
    return (text or fallback)[:255]


def _mark_stored(row: Attachment, sha256: str, size: int, content_type: str) -> None:
    row.status = "stored"
    row.sha256 = sha256
    row.size = size
    row.content_type = content_type
    row.failure_reason = None
    row.stored_at = utc_now()


def _mark_failed(row: Attachment, reason: str) -> None:
    row.status = "failed"
    row.failure_reason = reason[:300]


# -- inbound ---------------------------------------------------------------------------------------


async def register_inbound(
    session: Session,
    organization_id: uuid.UUID,
    message_id: uuid.UUID,
    raw: list[dict[str, Any]],
    store: FileStore,
    max_bytes: int,
) -> bool:
    """A new buyer message's files, as its connector described them: `{name, type, url}` (fetched
    later by the worker) or `{name, type, content}` (a MIME part: stored now). The message then lists
    them as attachments. Returns whether any waits to be fetched."""
    pending = False
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            continue
        content = item.get("content")
        url = item.get("url")
        row = Attachment(
            id=uuid.uuid4(),
            organization_id=organization_id,
            message_id=message_id,
            source="mail" if isinstance(content, bytes | bytearray) else "inbound",
            status="pending",
            # A marketplace that sends no name (Shopee, TikTok images): the last part of the URL's path.
            filename=clean_filename(
                str(item.get("name") or (urlsplit(url).path if isinstance(url, str) else "")), f"attachment-{n}"
            ),
            declared_type=str(item.get("type"))[:100] if item.get("type") else None,
            source_url=str(url) if isinstance(url, str) else None,
        )
        if isinstance(content, bytes | bytearray):
            try:
                stored = await store.put_bytes(bytes(content), max_bytes)
                _mark_stored(row, stored.sha256, stored.size, stored.content_type)
            except TooLarge as exc:
                _mark_failed(row, f"too large: over the {exc.limit}-byte cap")
                row.size = len(content)
            except Empty:
                _mark_failed(row, "empty file")
        elif not row.source_url:
            _mark_failed(row, "the marketplace gave no address for this file")
        else:
            pending = True
        session.add(row)
    await session.flush()
    await repository.refresh_message(session, organization_id, message_id)
    if pending:
        await repository.notify(session)
    return pending


async def _chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    async for chunk in response.aiter_bytes():
        yield chunk


async def fetch_one(row: Attachment, client: httpx.AsyncClient, store: FileStore, max_bytes: int) -> None:
    """Fetch a pending buyer file into the store, or mark why it failed. Every request goes through
    `client`, the outbound policy's (the URL came from a marketplace payload: it is not trusted)."""
    assert row.source_url is not None
    for attempt, delay in enumerate((*_RETRY_DELAYS, None), start=1):
        row.attempts = (row.attempts or 0) + 1
        try:
            async with asyncio.timeout(FETCH_TIMEOUT_SECONDS):
                async with client.stream("GET", row.source_url) as response:
                    if response.status_code >= 500 or response.status_code == 429:
                        raise _Retry(f"the marketplace answered HTTP {response.status_code}")
                    if response.status_code != 200:
                        _mark_failed(row, f"the marketplace answered HTTP {response.status_code}")
                        return
                    length = response.headers.get("content-length")
                    if length and length.isdigit() and int(length) > max_bytes:
                        row.size = int(length)
                        _mark_failed(row, f"too large: over the {max_bytes}-byte cap")
                        return
                    stored = await store.put_stream(_chunks(response), max_bytes)
            _mark_stored(row, stored.sha256, stored.size, stored.content_type)
            return
        except OutboundRefused as exc:
            _mark_failed(row, f"refused to fetch: {exc}")
            return
        except TooLarge as exc:
            _mark_failed(row, f"too large: over the {exc.limit}-byte cap")
            return
        except Empty:
            _mark_failed(row, "the marketplace sent an empty file")
            return
        except (_Retry, httpx.TransportError, TimeoutError) as exc:
            reason = str(exc) if isinstance(exc, _Retry) else f"could not download ({type(exc).__name__})"
            if delay is None:
                _mark_failed(row, f"{reason}; gave up after {attempt} attempts")
                return
            await asyncio.sleep(delay)
        except httpx.HTTPError as exc:
            _mark_failed(row, f"could not download ({type(exc).__name__})")
            return


class _Retry(Exception):
    pass


async def fetch_pending(
    sessionmaker: Sessionmaker, client: httpx.AsyncClient, store: FileStore, max_bytes: int
) -> bool:
    """Fetch one pending file (claimed with SKIP LOCKED: workers share the queue). Returns whether
    one was found."""
    async with sessionmaker.begin() as session:
        row = await repository.claim_pending(session)
        if row is None:
            return False
        try:
            await fetch_one(row, client, store, max_bytes)
        except Exception as exc:  # an unexpected failure must not wedge the queue on this row
            log.exception("attachment %s: fetch failed", row.id)
            _mark_failed(row, f"could not download ({type(exc).__name__})")
        await session.flush()
        if row.message_id is not None:
            await repository.refresh_message(session, row.organization_id, row.message_id)
    return True


# -- uploads ---------------------------------------------------------------------------------------


async def upload(
    session: Session,
    principal: Principal,
    filename: str,
    declared_type: str | None,
    body: AsyncIterable[bytes],
    store: FileStore,
    max_bytes: int,
) -> Attachment:
    try:
        stored = await store.put_stream(body, max_bytes)
    except TooLarge as exc:
        raise PayloadTooLarge(
            f"The file exceeds the {exc.limit}-byte limit for attachments.",
            errors=field_error("body", f"at most {exc.limit} bytes"),
        ) from None
    except Empty:
        raise InvalidInput("The file is empty.", errors=field_error("body", "must not be empty")) from None
    if stored.content_type in DANGEROUS_TYPES:
        # A buyer's file of this kind is kept for the agent to see (served only as a download); an
        # agent has no reason to send active content or a program to a buyer, and no marketplace takes it.
        # The bytes were already placed (the type is known once they are read): unless a buyer's file
        # has the same content, they go again.
        referenced = await repository.content_referenced(session, stored.sha256)
        if not referenced:
            store.path(stored.sha256).unlink(missing_ok=True)
        raise UnsupportedMediaType(
            f"Files of type {stored.content_type} cannot be sent to buyers.",
            errors=field_error("body", f"{stored.content_type} (by its content) is not allowed in replies"),
        )
    row = Attachment(
        id=uuid.uuid4(),
        organization_id=principal.organization_id,
        source="upload",
        status="pending",
        filename=clean_filename(filename),
        declared_type=declared_type[:100] if declared_type else None,
        created_by_user_id=principal.user_id,
    )
    _mark_stored(row, stored.sha256, stored.size, stored.content_type)
    session.add(row)
    await session.flush()
    return row


# -- replies ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyFiles:
    refs: list[dict[str, Any]]
    rows: list[Attachment]


async def for_reply(session: Session, organization_id: uuid.UUID, marketplace: str, ids: list[uuid.UUID]) -> ReplyFiles:
    """The attachments a reply names, checked against what the marketplace takes: 422 naming the
    field and why (another organization's id reads as unknown)."""
    if not ids:
        return ReplyFiles([], [])
    if len(set(ids)) != len(ids):
        raise InvalidInput(
            "attachment_ids names a file twice.", errors=field_error("body.attachment_ids", "duplicate ids")
        )
    found = await repository.many(session, organization_id, ids, lock=True)
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise InvalidInput(
            f"Unknown attachment(s): {', '.join(missing)}.",
            errors=field_error("body.attachment_ids", f"unknown attachment {missing[0]}"),
        )
    rows = [found[i] for i in ids]
    why = refusal(marketplace, [Outgoing(r.filename, r.content_type or "", r.size or 0, r.status) for r in rows])
    if why is None and marketplace == "ebay" and not current_settings().public_url.startswith("https://"):
        why = (
            "eBay fetches attachments from https links, and this deployment's public URL "
            "(HOURGLASS_PUBLIC_URL) is not https"
        )
    if why is not None:
        raise InvalidInput(
            f"These attachments cannot be sent here: {why}.", errors=field_error("body.attachment_ids", why)
        )
    return ReplyFiles([repository.ref(r) for r in rows], rows)


def policy_view() -> dict[str, Any]:
    return {
        m: {
            "accepts": p.accepts,
            "content_types": sorted(p.types),
            "max_files": p.max_files,
            "max_file_bytes": p.max_file_bytes,
            "max_total_bytes": p.max_total_bytes,
            "how": p.how,
        }
        for m, p in POLICIES.items()
    }


async def outgoing(session: Session, organization_id: uuid.UUID, refs: list[dict[str, Any]]) -> list[OutgoingFile]:
    """A queued reply's files, read from the store for its connector (their sizes are bounded by the
    marketplace's policy, checked when the reply was queued), each with a signed link for
    marketplaces that fetch files themselves."""
    ids = [uuid.UUID(str(r["id"])) for r in refs if isinstance(r, dict) and r.get("id")]
    if not ids:
        return []
    rows = await repository.many(session, organization_id, ids)
    settings = current_settings()
    store = file_store(settings)
    files: list[OutgoingFile] = []
    for attachment_id in ids:
        row = rows.get(attachment_id)
        if row is None or row.status != "stored" or row.sha256 is None or not store.exists(row.sha256):
            raise LookupError(f"attachment {attachment_id} is no longer available")
        files.append(
            OutgoingFile(
                filename=row.filename,
                content_type=row.content_type or "application/octet-stream",
                data=await store.read_all(row.sha256),
                link=links.signed_link(settings.public_url, settings.secret_key.get_secret_value(), row.id),
            )
        )
    return files

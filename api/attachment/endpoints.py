from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from api.attachment import links, repository, service
from api.attachment.schemas import AttachmentPolicy, AttachmentRead, MarketplaceAttachmentPolicy
from api.attachment.sniff import INLINE_TYPES, is_dangerous, served_type
from api.auth.dependencies import require
from api.auth.principal import Principal
from api.config import Settings
from api.db import SessionDep
from api.kit.errors import NotFound, problem_responses
from api.models import Attachment

router = APIRouter(prefix="/v1/attachments", tags=["attachments"], responses=problem_responses(401, 403, 422, 429))
Reader = Annotated[Principal, Depends(require("conversations:read"))]
Writer = Annotated[Principal, Depends(require("conversations:write"))]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _read(row: Attachment) -> AttachmentRead:
    return AttachmentRead.model_validate(row)


@router.get("/policy", response_model=AttachmentPolicy)
async def attachment_policy(request: Request, principal: Reader) -> AttachmentPolicy:
    """The size cap of one file, the types shown inline, and per marketplace what a reply may carry."""
    return AttachmentPolicy(
        max_bytes=_settings(request).attachment_max_bytes,
        inline_types=sorted(INLINE_TYPES),
        marketplaces={m: MarketplaceAttachmentPolicy(**p) for m, p in service.policy_view().items()},
    )


@router.post(
    "",
    response_model=AttachmentRead,
    status_code=201,
    responses=problem_responses(413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_attachment(
    request: Request,
    session: SessionDep,
    principal: Writer,
    filename: str = Query(min_length=1, max_length=255, description="The file's name as the agent chose it"),
) -> AttachmentRead:
    """Upload a file for a reply: the raw bytes as the request body (any Content-Type; the type is
    sniffed from the bytes). Over the size cap (GET /v1/attachments/policy): 413, counted while the
    body streams in; HTML, SVG, XML or a program: 415. Send its id in a reply's `attachment_ids`."""
    settings = _settings(request)

    async def body() -> AsyncIterator[bytes]:
        async for chunk in request.stream():
            yield chunk

    row = await service.upload(
        session,
        principal,
        filename,
        request.headers.get("content-type"),
        body(),
        service.file_store(settings),
        settings.attachment_max_bytes,
    )
    return _read(row)


@router.get("/{attachment_id}/meta", response_model=AttachmentRead, responses=problem_responses(404))
async def attachment_meta(attachment_id: uuid.UUID, session: SessionDep, principal: Reader) -> AttachmentRead:
    """What is known about a file: name, sniffed type, size, status (and why it failed)."""
    return _read(await repository.get(session, principal.organization_id, attachment_id))


def _download(row: Attachment, settings: Settings, *, inline: bool) -> StreamingResponse:
    if row.status != "stored" or row.sha256 is None:
        raise NotFound(f"Attachment {row.id} has no stored file ({row.status}).")
    store = service.file_store(settings)
    if not store.exists(row.sha256):
        raise NotFound(f"Attachment {row.id}'s file is missing from the store.")
    kind = row.content_type or "application/octet-stream"
    dangerous = is_dangerous(kind)
    disposition = "inline" if inline and not dangerous else "attachment"
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in row.filename)
    headers = {
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(row.filename)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=3600",
        "Content-Length": str(row.size),
    }
    return StreamingResponse(store.read(row.sha256), media_type=served_type(kind), headers=headers)


@router.get(
    "/{attachment_id}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(404),
    },
)
async def download_attachment(
    attachment_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: Reader,
    download: bool = Query(default=False, description="Always as a download (Content-Disposition: attachment)"),
) -> StreamingResponse:
    """The file, streamed. Images, PDF and plain text are served as their sniffed type; anything else
    (HTML, SVG, executables, unknown) only as `application/octet-stream` with `Content-Disposition:
    attachment`. Always `X-Content-Type-Options: nosniff`."""
    row = await repository.get(session, principal.organization_id, attachment_id)
    return _download(row, _settings(request), inline=not download)


@router.get(
    "/{attachment_id}/link/{expires}/{signature}",
    response_class=StreamingResponse,
    include_in_schema=False,
)
async def linked_attachment(
    attachment_id: uuid.UUID, expires: int, signature: str, request: Request, session: SessionDep
) -> StreamingResponse:
    """A signed, expiring link for a marketplace that fetches a reply's file itself (eBay)."""
    settings = _settings(request)
    if not links.valid(settings.secret_key.get_secret_value(), attachment_id, expires, signature):
        raise NotFound("This link is not valid (or has expired).")
    row = await repository.signed_for(session, attachment_id)
    if row is None:
        raise NotFound("This link is not valid (or has expired).")
    return _download(row, settings, inline=False)

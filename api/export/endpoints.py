from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import StreamingResponse

from api import audit
from api.auth.dependencies import require
from api.auth.principal import Principal
from api.db import SessionDep
from api.export import service
from api.export.schemas import ExportCreate, ExportJobPage, ExportJobRead, ExportKind, ExportStatus
from api.kit.errors import problem_responses
from api.kit.time import utc_now

router = APIRouter(prefix="/v1/exports", tags=["exports"], responses=problem_responses(401, 403, 422, 429))

Reader = Annotated[Principal, Depends(require("exports:read"))]
Writer = Annotated[Principal, Depends(require("exports:write"))]

CHUNK_BYTES = 256 * 1024
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=ExportJobRead)
async def create_export(body: ExportCreate, session: SessionDep, principal: Writer) -> ExportJobRead:
    """Export conversations (with the inbox list's filters), messages (of the conversations a
    `filter` matches, or all), cases, customers, the audit log (supervisors and admins) or the report
    rollups (agents: their own) as CSV (UTF-8 with BOM, formula cells escaped) or JSON Lines.

    A worker writes the file in the background, streaming the rows; follow `status` and `progress`
    at `GET /v1/exports/{id}` and download it from `/download` once done, for 7 days. Each kind also
    needs the read scope of what it exports; buyer contact data is masked as it is for your role."""
    job = await service.create(session, principal, body)
    return service.to_read(job)


@router.get("", response_model=ExportJobPage)
async def list_exports(
    session: SessionDep,
    principal: Reader,
    kind: ExportKind | None = None,
    status: ExportStatus | None = None,
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=50, ge=1, le=200),
) -> ExportJobPage:
    """Exports, newest first: an agent's own, everyone's for supervisors, admins and API keys."""
    return await service.page(session, principal, kind, status, cursor, limit)


@router.get("/{export_id}", response_model=ExportJobRead, responses=problem_responses(404))
async def get_export(export_id: uuid.UUID, session: SessionDep, principal: Reader) -> ExportJobRead:
    """An export's status (queued, running, done, failed, expired), rows written of the total and progress."""
    return service.to_read(await service.get(session, principal, export_id))


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as handle:
        while chunk := await handle.read(CHUNK_BYTES):
            yield chunk


@router.get(
    "/{export_id}/download",
    response_class=StreamingResponse,
    responses={
        **problem_responses(404, 409, 410),
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}}, "description": "The export file"},
    },
)
async def download_export(
    export_id: uuid.UUID, request: Request, session: SessionDep, principal: Reader
) -> StreamingResponse:
    """The export's file, streamed (409 while it is not done, 410 once it expired). Audited."""
    job = await service.get(session, principal, export_id)
    path = service.downloadable(request.app.state.settings, job, utc_now())
    audit.record(
        session, principal, principal.organization_id, "export.downloaded", "export", job.id, {"kind": job.kind}
    )
    await session.commit()
    name = service.file_name(job)
    return StreamingResponse(
        _chunks(path),
        media_type=MEDIA_TYPES[job.format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(path.stat().st_size),
            "Cache-Control": "no-store",
        },
    )

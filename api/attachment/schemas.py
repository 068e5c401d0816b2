from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, computed_field

from api.attachment.sniff import is_dangerous
from api.kit.schema import ResponseModel

Status = Literal["pending", "stored", "failed"]


class AttachmentRef(ResponseModel):
    """How a message lists one of its files."""

    id: uuid.UUID
    filename: str
    content_type: str | None = Field(description="Sniffed from the file's bytes; null until it is stored")
    size: int | None
    status: Status = Field(
        description="`pending`: a buyer's file still being fetched; `failed`: it could not be (see "
        "`failure_reason`), the message arrived without it"
    )
    failure_reason: str | None = None


class AttachmentRead(ResponseModel):
    id: uuid.UUID
    message_id: uuid.UUID | None
    source: Literal["inbound", "mail", "upload"]
    status: Status
    filename: str
    content_type: str | None = Field(description="Sniffed from the file's first bytes, never the sender's word")
    declared_type: str | None = Field(description="What the sender claimed (not used to serve the file)")
    size: int | None
    sha256: str | None
    failure_reason: str | None
    created_at: datetime
    stored_at: datetime | None

    @computed_field(  # type: ignore[prop-decorator]
        description="Shown in the browser (images, PDF, plain text); otherwise only downloaded, as "
        "application/octet-stream"
    )
    @property
    def inline(self) -> bool:
        return self.status == "stored" and not is_dangerous(self.content_type or "")


class MarketplaceAttachmentPolicy(ResponseModel):
    accepts: bool
    content_types: list[str]
    max_files: int
    max_file_bytes: int
    max_total_bytes: int
    how: str = Field(description="How the files travel on this marketplace, or why they cannot")


class AttachmentPolicy(ResponseModel):
    max_bytes: int = Field(description="The most one uploaded or fetched file may weigh")
    inline_types: list[str]
    marketplaces: dict[str, MarketplaceAttachmentPolicy]

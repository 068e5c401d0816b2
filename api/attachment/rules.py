"""Which attachments each marketplace takes on a reply (pure). Sources: reference/marketplaces.md.

- eBay sendMessage `messageMedia[]`: at most 5, types IMAGE, PDF, DOC and TXT as HTTPS URLs (we
  send a signed link to the file, so `HOURGLASS_PUBLIC_URL` must be https).
- Shopee sellerchat: images only, through `upload_image` (jpg, png or gif, at most 2 MB), one image
  per `send_message` of `message_type` image.
- TikTok Shop customer service: message type IMAGE after an image upload (the size limit is not in
  the material we have: 10 MB assumed, UNVERIFIED).
- Amazon and Walmart: buyers are relays answered by mail, attachments as MIME parts (Amazon: "up to
  10 MB per message"; Walmart's limit is not published: the same assumed).
- Email channels: MIME parts, 20 MB in total.
- API channels (ERP): the ERP delivers replies; the `message.queued` event lists the attachment ids,
  which it downloads with its key.
A marketplace missing here takes no attachments.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.attachment.sniff import IMAGE_TYPES

MB = 1024 * 1024
_DOCUMENTS = frozenset({"application/pdf", "text/plain"})


@dataclass(frozen=True)
class MarketplacePolicy:
    accepts: bool
    types: frozenset[str]
    max_files: int
    max_file_bytes: int
    max_total_bytes: int
    how: str  # how the files travel, or why they cannot


POLICIES: dict[str, MarketplacePolicy] = {
    "ebay": MarketplacePolicy(
        True, IMAGE_TYPES - {"image/webp"} | _DOCUMENTS, 5, 20 * MB, 100 * MB, "messageMedia links (HTTPS)"
    ),
    "shopee": MarketplacePolicy(
        True,
        frozenset({"image/png", "image/jpeg", "image/gif"}),
        5,
        2 * MB,
        10 * MB,
        "upload_image, one image message each",
    ),
    "tiktok": MarketplacePolicy(True, IMAGE_TYPES, 5, 10 * MB, 50 * MB, "image upload, one IMAGE message each"),
    "amazon": MarketplacePolicy(True, IMAGE_TYPES | _DOCUMENTS, 5, 10 * MB, 10 * MB, "MIME parts of the relay mail"),
    "walmart": MarketplacePolicy(True, IMAGE_TYPES | _DOCUMENTS, 5, 10 * MB, 10 * MB, "MIME parts of the relay mail"),
    "email": MarketplacePolicy(True, IMAGE_TYPES | _DOCUMENTS, 10, 20 * MB, 20 * MB, "MIME parts"),
    "api": MarketplacePolicy(
        True,
        IMAGE_TYPES | _DOCUMENTS,
        10,
        20 * MB,
        100 * MB,
        "the ERP sends them: the reply's message.queued event lists attachment_ids to download",
    ),
}


@dataclass(frozen=True)
class Outgoing:
    filename: str
    content_type: str
    size: int
    status: str


def refusal(marketplace: str, files: list[Outgoing]) -> str | None:
    """Why these files cannot go with a reply on this marketplace, or None (pure)."""
    policy = POLICIES.get(marketplace)
    if not files:
        return None
    if policy is None or not policy.accepts:
        why = policy.how if policy else "it takes no attachments"
        return f"{marketplace} does not accept attachments: {why}"
    if len(files) > policy.max_files:
        return f"{marketplace} takes at most {policy.max_files} attachments per reply"
    for f in files:
        if f.status != "stored":
            return f"{f.filename} is not available (status {f.status})"
        if f.content_type not in policy.types:
            allowed = ", ".join(sorted(policy.types))
            return f"{f.filename} is {f.content_type}; {marketplace} accepts only {allowed}"
        if f.size > policy.max_file_bytes:
            return f"{f.filename} is {f.size} bytes; {marketplace} takes at most {policy.max_file_bytes} bytes per file"
    if sum(f.size for f in files) > policy.max_total_bytes:
        return f"the attachments weigh more than {policy.max_total_bytes} bytes, {marketplace}'s limit per reply"
    return None

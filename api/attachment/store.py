"""The content-addressed file store: a file lives at `<root>/<sha[:2]>/<sha[2:4]>/<sha256>`.

A file streams in to `<root>/tmp/<random>.part`, hashed and counted on the way (the cap is enforced
while it arrives: nothing is read whole into memory), is fsynced, then renamed into place, so a
reader never sees half a file and a crash leaves only a `.part` behind. The same content twice is one
file. Its type is sniffed from its first bytes (api/attachment/sniff.py)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from api.attachment.sniff import SNIFF_BYTES, sniff

CHUNK = 64 * 1024
_SHA = re.compile(r"^[0-9a-f]{64}$")


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file exceeds {limit} bytes")
        self.limit = limit


class Empty(Exception):
    """Nothing arrived: an empty file is not an attachment."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    content_type: str


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    async def put_stream(self, chunks: AsyncIterable[bytes], max_bytes: int) -> Stored:
        """Store what `chunks` yields; TooLarge as soon as it passes `max_bytes` (the part is removed)."""
        tmp = self.root / "tmp"
        await asyncio.to_thread(tmp.mkdir, parents=True, exist_ok=True)
        part = tmp / f"{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        head = b""
        size = 0
        handle: BinaryIO = await asyncio.to_thread(open, part, "wb")
        try:
            try:
                async for chunk in chunks:
                    if not chunk:
                        continue
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(max_bytes)
                    if len(head) < SNIFF_BYTES:
                        head += chunk[: SNIFF_BYTES - len(head)]
                    digest.update(chunk)
                    await asyncio.to_thread(handle.write, chunk)
                if size == 0:
                    raise Empty()
                await asyncio.to_thread(_flush, handle)
            finally:
                await asyncio.to_thread(handle.close)
            sha = digest.hexdigest()
            await asyncio.to_thread(self._place, part, sha)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
            raise
        return Stored(sha256=sha, size=size, content_type=sniff(head))

    async def put_bytes(self, data: bytes, max_bytes: int) -> Stored:
        async def one() -> AsyncIterator[bytes]:
            for start in range(0, len(data), CHUNK):
                yield data[start : start + CHUNK]

        return await self.put_stream(one(), max_bytes)

    def _place(self, part: Path, sha: str) -> None:
        final = self.path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            try:
                # The same content is already stored. Touched, so a clean-up that is removing it
                # right now sees it as just stored and puts it back (see `remove_unless_recent`).
                os.utime(final)
            except FileNotFoundError:
                pass  # removed in between: placed again below
            else:
                part.unlink()
                return
        os.replace(part, final)
        _fsync_dir(final.parent)

    def remove_unless_recent(self, sha256: str, recent_seconds: float, now: float | None = None) -> bool:
        """Remove a file no row references any more, unless it was stored (or stored again) in the last
        `recent_seconds`: an upload of the same content may be in flight, its row not yet committed.

        The file is first renamed aside, then its time is read: a `_place` that touched it before the
        rename shows here as recent (and the file goes back, the same bytes either way); one that comes
        after the rename finds no file and places its own. Returns whether the file was removed."""
        final = self.path(sha256)
        aside = final.with_name(f"{final.name}.{uuid.uuid4().hex}.removing")
        try:
            os.rename(final, aside)
        except FileNotFoundError:
            return False
        if (now if now is not None else time.time()) - aside.stat().st_mtime < recent_seconds:
            os.replace(aside, final)
            return False
        aside.unlink()
        return True

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        """The file in chunks (never whole in memory)."""
        handle: BinaryIO = await asyncio.to_thread(open, self.path(sha256), "rb")
        try:
            while True:
                chunk = await asyncio.to_thread(handle.read, CHUNK)
                if not chunk:
                    return
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def read_all(self, sha256: str) -> bytes:
        """The whole file, for the connectors that send it in one request (bounded by the caps)."""
        return await asyncio.to_thread(self.path(sha256).read_bytes)


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

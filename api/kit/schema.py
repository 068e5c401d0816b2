"""Pydantic bases: requests refuse unknown fields; responses read from ORM attributes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def utf8_len(value: str) -> int:
    return len(value.encode("utf-8"))


def cap_bytes(value: str, limit: int, what: str) -> str:
    """Size caps are in UTF-8 bytes (what is stored and sent), not characters."""
    if utf8_len(value) > limit:
        raise ValueError(f"{what} is {utf8_len(value)} bytes in UTF-8; the limit is {limit} bytes")
    return value

"""A self-signed certificate for one name, for TLS tests on loopback (the sandbox's generator)."""

from __future__ import annotations

from sandbox.certs import self_signed

__all__ = ["self_signed"]

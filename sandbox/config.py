"""Configuration of one sandbox process: where it listens, what it generates, where it pushes."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

MARKETPLACES: tuple[str, ...] = ("ebay", "shopee", "tiktok", "walmart", "amazon")

# Amazon and Walmart have no messaging API for buyer mail: their buyers reach the seller through a
# mail relay, so those stores get a mailbox (IMAP) and a submission account (SMTP) instead of pushes.
MAIL_MARKETPLACES: frozenset[str] = frozenset({"amazon", "walmart"})


@dataclass
class StoreSpec:
    """A store to create at start-up (credentials are generated when not given)."""

    marketplace: str
    name: str | None = None
    store_id: str | None = None
    push_target: str | None = None
    credentials: dict[str, object] = field(default_factory=dict)


@dataclass
class SandboxConfig:
    """Everything `Sandbox` needs; ports of 0 pick a free port (tests), the CLI uses fixed ones."""

    host: str = "127.0.0.1"
    http_port: int = 8100
    imap_port: int = 1143
    smtp_port: int = 1025
    # Buyer messages per minute across all stores; 0 leaves the traffic generator stopped.
    traffic_per_min: float = 0.0
    seed: int = 1
    # Template for every store's push target; `{marketplace}` and `{store_id}` are substituted.
    # Hourglass exposes POST /v1/hooks/{marketplace}/{channel_id}; set per store over the admin API
    # once the channel exists, or give a template here.
    push_target: str | None = None
    # When set, the world (stores, threads, mailboxes, truth, keys) is loaded from and saved to
    # `data_dir/sandbox-state.json`, so credentials and IMAP UIDs survive a restart.
    data_dir: Path | None = None
    # Create one store per marketplace at start-up (in addition to `stores`).
    default_stores: bool = True
    stores: list[StoreSpec] = field(default_factory=list)
    # Orders generated per store in the shared catalogue.
    orders_per_store: int = 40
    # Marketplace push retry schedules are multiplied by this (TikTok's first retry is 2 minutes
    # later; tests shrink it).
    push_retry_scale: float = 1.0
    push_timeout_seconds: float = 5.0
    # How the mail relays refuse a reply (unknown alias, unregistered sender, prohibited link):
    # `dsn` accepts it and returns an RFC 3464 bounce to the seller's mailbox after
    # `mail_bounce_delay_seconds` (as production mostly does), `notice` the relay's own rejection
    # notice instead, `session` answers 550 during the SMTP session.
    mail_refusals: Literal["dsn", "notice", "session"] = "dsn"
    mail_bounce_delay_seconds: float = 3.0
    # TLS for the mail servers: STARTTLS on SMTP and IMAP, and implicit-TLS IMAP on `imaps_port`,
    # with a certificate for `mail_tls_hostname` signed by a CA generated at start (its PEM is
    # written to `mail_tls_ca_file` when set, and is `Sandbox.mail_ca_pem`). Off: plain only.
    mail_tls: bool = False
    imaps_port: int = 1993
    mail_tls_hostname: str = "localhost"
    mail_tls_ca_file: Path | None = None

    def validate(self) -> None:
        """Refuse anything but loopback: the sandbox stands in for the outside world on this machine."""
        if self.host == "localhost":
            return
        try:
            address = ipaddress.ip_address(self.host)
        except ValueError as exc:
            raise ValueError(f"sandbox host must be a loopback address, got {self.host!r}") from exc
        if not address.is_loopback:
            raise ValueError(f"sandbox host must be a loopback address, got {self.host!r}")
        for spec in self.stores:
            if spec.marketplace not in MARKETPLACES:
                raise ValueError(f"unknown marketplace {spec.marketplace!r}")
        if self.mail_refusals not in ("dsn", "notice", "session"):
            raise ValueError("mail_refusals must be dsn, notice or session")
        if self.mail_bounce_delay_seconds < 0:
            raise ValueError("mail_bounce_delay_seconds must be >= 0")
        if self.traffic_per_min < 0:
            raise ValueError("traffic_per_min must be >= 0")

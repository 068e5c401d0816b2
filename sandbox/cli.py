"""`hourglass sandbox` / `python -m sandbox`: run the marketplace sandbox as a process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from sandbox.config import SandboxConfig
from sandbox.server import run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hourglass sandbox",
        description="A local stand-in for Walmart, Amazon, eBay, Shopee and TikTok Shop: their APIs, pushes "
        "and mail relays, with ground truth, faults and generated traffic.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--http-port", type=int, default=8100, help="marketplace APIs and /_sandbox (0 = any)")
    parser.add_argument("--imap-port", type=int, default=1143, help="IMAP4rev1 mail relay (0 = any)")
    parser.add_argument("--smtp-port", type=int, default=1025, help="SMTP for sellers' replies (0 = any)")
    parser.add_argument(
        "--traffic",
        type=float,
        default=0.0,
        metavar="RATE_PER_MIN",
        help="buyer messages per minute across all stores (default 0: none)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for ids, credentials, catalogue and traffic")
    parser.add_argument(
        "--push-target",
        default=None,
        metavar="URL",
        help="push URL template for every store, with {marketplace} and {store_id}, e.g. "
        "http://127.0.0.1:8000/v1/hooks/{marketplace}/{store_id}",
    )
    parser.add_argument(
        "--mail-tls",
        action="store_true",
        help="TLS for the mail servers: STARTTLS on IMAP and SMTP, implicit TLS on --imaps-port, with a "
        "certificate signed by a CA generated at start (trust it with --mail-ca-file)",
    )
    parser.add_argument("--imaps-port", type=int, default=1993, help="implicit-TLS IMAP with --mail-tls (0 = any)")
    parser.add_argument(
        "--mail-ca-file", type=Path, default=None, help="with --mail-tls: write the CA certificate (PEM) here"
    )
    parser.add_argument(
        "--mail-refusals",
        choices=("dsn", "notice", "session"),
        default="dsn",
        help="how the relays refuse a reply: a bounce (RFC 3464) a few seconds after accepting it (default), "
        "the relay's own rejection notice, or 550 during the SMTP session",
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="save the world here on exit and load it on start")
    parser.add_argument(
        "--no-default-stores", action="store_true", help="do not create one store per marketplace at start"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = SandboxConfig(
        host=args.host,
        http_port=args.http_port,
        imap_port=args.imap_port,
        smtp_port=args.smtp_port,
        traffic_per_min=args.traffic,
        seed=args.seed,
        push_target=args.push_target,
        data_dir=args.data_dir,
        default_stores=not args.no_default_stores,
        mail_tls=args.mail_tls,
        imaps_port=args.imaps_port,
        mail_tls_ca_file=args.mail_ca_file,
        mail_refusals=args.mail_refusals,
    )
    try:
        config.validate()
    except ValueError as exc:
        build_parser().error(str(exc))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(config))
    return 0

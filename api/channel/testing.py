""" "Test connection": every part of a store's connection checked on its own, each named with what
failed in plain words: the form's fields, the marketplace API (credentials or token), the IMAP
login and the SMTP session (connect, EHLO, STARTTLS, AUTH; no mail is sent).

Every connection goes through the outbound policy first (a private or unlisted host is refused
before anything is contacted, and named). What the far side said never reaches the answer: only
which step failed, the reply code and a marketplace error code when it looks like one (a host
pointed at an internal service would otherwise read its text back to us).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from api.channel.connectors.amazon import AmazonConnector
from api.channel.connectors.base import (
    AuthError,
    Connector,
    ConnectorError,
    HostRefused,
    Permanent,
    in_our_words,
)
from api.channel.connectors.mail.connector import MailConnector
from api.channel.connectors.mail.transport import SmtpStepFailed, imap_check, smtp_check
from api.channel.connectors.registry import build, connector_class
from api.channel.connectors.walmart import WalmartConnector
from api.kit.outbound import OutboundPolicy, OutboundRefused
from api.sync.onboarding import NAMES

TEST_TIMEOUT = 10.0

# Why a check failed (the SPA words each one in the user's language).
REASONS = (
    "ok",
    "fields",
    "no_connector",
    "refused_host",
    "unreachable",
    "timeout",
    "tls",
    "no_starttls",
    "login_refused",
    "refused",
    "rejected",
    "failed",
)


@dataclass(frozen=True)
class Check:
    name: str  # fields | api | imap | smtp
    ok: bool
    reason: str
    message: str
    target: str | None = None


def _target(connector: Connector, kind: str) -> str:
    host, port = connector.endpoint(kind)
    return f"{host}:{port}"


def _api_failure(exc: ConnectorError, name: str) -> tuple[str, str]:
    words = in_our_words(exc, name)
    if isinstance(exc, HostRefused):
        return "refused_host", f"Hourglass will not connect there: {exc.message}."
    if exc.status == "timeout":
        return "timeout", f"{name} did not answer in time."
    if exc.status == "tls":
        return "tls", f"{words}."
    if exc.status == "network":
        return "unreachable", f"Could not connect to {name}: check the API base URL."
    if isinstance(exc, AuthError):
        return "rejected", f"{words}: check the client id, secret or token."
    if isinstance(exc, Permanent):
        return "refused", f"{words}."
    return "failed", f"{words}."


async def _check_urls(connector: Connector) -> None:
    """The URLs the settings name (not the mail hosts: those are the IMAP and SMTP checks')."""
    for key in connector.url_settings:
        value = connector.settings.get(key)
        if value:
            try:
                await connector.outbound.resolve(str(value))
            except OutboundRefused as exc:
                raise HostRefused(str(exc), setting=f"settings.{key}") from None


async def _api(connector: Connector, name: str) -> Check | None:
    """The marketplace API's credentials or token, where the channel has them."""
    try:
        if isinstance(connector, AmazonConnector):
            if not connector.credentials.get("lwa_client_id"):
                return None
            await _check_urls(connector)
            await connector._lwa_token()
            return Check("api", True, "ok", "Login with Amazon issued an access token for SP-API.")
        if isinstance(connector, WalmartConnector):
            if not connector.has_api:
                return None
            await _check_urls(connector)
            await connector._token()
            return Check("api", True, "ok", "Walmart issued an access token for the Marketplace API.")
        if isinstance(connector, MailConnector):
            return None
        await connector.check_destinations()
        await connector.check_credentials()
        return Check("api", True, "ok", f"{name} accepted the credentials.")
    except ConnectorError as exc:
        reason, message = _api_failure(exc, name)
        return Check("api", False, reason, message)


async def _imap(connector: MailConnector) -> Check:
    target = _target(connector, "imap")
    user = str(connector.credentials.get("imap_username") or "")
    try:
        address = await connector.destination("imap")
        info = await asyncio.to_thread(
            imap_check,
            connector.settings,
            connector.credentials,
            connector.timeout,
            address,
            connector.outbound.tls_context(),
        )
    except HostRefused as exc:
        return Check("imap", False, "refused_host", f"Hourglass will not connect to {target}: {exc.message}.", target)
    except AuthError:
        return Check(
            "imap",
            False,
            "login_refused",
            f"The IMAP server at {target} rejected the login for {user}: check the user name and password.",
            target,
        )
    except ConnectorError as exc:
        if exc.status == "tls":
            return Check(
                "imap",
                False,
                "tls",
                f"TLS failed with the IMAP server at {target}: check the security mode and port.",
                target,
            )
        if isinstance(exc, Permanent):
            return Check("imap", False, "refused", f"Signed in at {target}, but the mailbox cannot be opened.", target)
        return Check(
            "imap",
            False,
            "unreachable",
            f"Could not connect to the IMAP server at {target}: check the host and port.",
            target,
        )
    return Check(
        "imap", True, "ok", f"Signed in to {target} as {user}; {info.get('messages', 0)} messages in the inbox.", target
    )


_SMTP_WORDS = {
    "unreachable": "Could not connect to the SMTP server at {target}: check the host and port.",
    "tls": "TLS failed with the SMTP server at {target} (during {step}): check the security mode and port.",
    "no_starttls": "The SMTP server at {target} does not offer STARTTLS: choose SSL or another port.",
    "login_refused": "The SMTP server at {target} rejected the login (reply {code}): check the user name and password.",
    "refused": "The SMTP server at {target} refused {step} (reply {code}).",
}


async def _smtp(connector: MailConnector) -> Check:
    target = _target(connector, "smtp")
    try:
        address = await connector.destination("smtp")
        steps = await asyncio.to_thread(
            smtp_check,
            connector.settings,
            connector.credentials,
            connector.timeout,
            address,
            connector.outbound.tls_context(),
        )
    except HostRefused as exc:
        return Check("smtp", False, "refused_host", f"Hourglass will not connect to {target}: {exc.message}.", target)
    except SmtpStepFailed as exc:
        words = _SMTP_WORDS[exc.kind].format(target=target, step=exc.step.upper(), code=exc.code or "-")
        return Check("smtp", False, exc.kind, words, target)
    shown = ", ".join(s.upper() if s != "auth" else "login" for s in steps)
    return Check("smtp", True, "ok", f"Connected to {target}: {shown} accepted (no mail sent).", target)


async def run(
    marketplace: str, settings: dict[str, Any], credentials: dict[str, Any], outbound: OutboundPolicy
) -> list[Check]:
    """Each part of the connection, checked independently (one failing does not hide the others)."""
    cls = connector_class(marketplace)
    if cls is None:
        return [Check("fields", True, "no_connector", "Nothing to connect to: an ERP pushes this channel's messages.")]
    problems = cls.validate(settings, credentials)
    if problems:
        listed = ", ".join(f"{field} ({reason})" for field, reason in problems)
        return [Check("fields", False, "fields", f"Fix these fields first: {listed}.")]
    timeout = min(float(settings.get("timeout_seconds", TEST_TIMEOUT)), TEST_TIMEOUT)
    connector = build(marketplace, {**settings, "timeout_seconds": timeout}, credentials, outbound=outbound)
    name = NAMES.get(marketplace, marketplace)
    try:
        parts: list[Any] = [_api(connector, name)]
        if isinstance(connector, MailConnector):
            parts += [_imap(connector), _smtp(connector)]
        found = await asyncio.gather(*parts)
    finally:
        await connector.aclose()
    return [c for c in found if c is not None]

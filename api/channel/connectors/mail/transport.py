"""IMAP and SMTP, blocking (stdlib imaplib/smtplib) and run in a thread by the mail connector.

Errors map to the connector's types: SMTP 4xx and broken connections are Transient, 5xx Permanent,
a refused login AuthError, so delivery retries a greylisting relay and fails a rejected reply.

Every connection goes to `address`, the one the outbound policy checked (api.kit.outbound), never to
a fresh resolution of the host name; TLS still verifies the certificate against the host name, with
the policy's trust (the system's CAs plus the configured CA file; `tls`), never unverified.

IMAP security (`imap_security`): `ssl` (implicit TLS, port 993), `starttls` (port 143, upgraded
before LOGIN; a server that does not offer it is refused, never used in clear) or `none`. The older
`imap_tls` boolean still means ssl/none when `imap_security` is unset.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from api.channel.connectors.base import AuthError, Permanent, Transient

_UID = re.compile(rb"UID (\d+)")


@dataclass
class ImapBatch:
    uidvalidity: int
    mails: list[tuple[int, bytes]]  # (uid, raw) oldest first
    last_uid: int
    more: bool


def imap_security(settings: Mapping[str, Any]) -> str:
    value = settings.get("imap_security")
    if value:
        return str(value)
    return "ssl" if settings.get("imap_tls", True) else "none"


def imap_endpoint(settings: Mapping[str, Any]) -> tuple[str, int]:
    host = str(settings.get("imap_host") or "")
    return host, int(settings.get("imap_port") or (993 if imap_security(settings) == "ssl" else 143))


def smtp_endpoint(settings: Mapping[str, Any]) -> tuple[str, int]:
    security = str(settings.get("smtp_security") or "starttls")  # ssl | starttls | none
    host = str(settings.get("smtp_host") or "")
    return host, int(settings.get("smtp_port") or {"ssl": 465, "starttls": 587}.get(security, 25))


class _PinnedIMAP4(imaplib.IMAP4):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        self._address = address
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self._address, self.port), timeout)


class _PinnedIMAP4_SSL(imaplib.IMAP4_SSL):
    def __init__(
        self, host: str, address: str, port: int, timeout: float, context: ssl.SSLContext | None = None
    ) -> None:
        self._address = address
        super().__init__(host, port, ssl_context=context or ssl.create_default_context(), timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


class _PinnedSMTP(smtplib.SMTP):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        self._address = address
        super().__init__(host, port, timeout=timeout)  # STARTTLS verifies against `host`

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((self._address, port), timeout, self.source_address)


class _PinnedSMTP_SSL(smtplib.SMTP_SSL):
    def __init__(
        self, host: str, address: str, port: int, timeout: float, context: ssl.SSLContext | None = None
    ) -> None:
        self._address, self._server_name = address, host
        super().__init__(host, port, timeout=timeout, context=context or ssl.create_default_context())

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = socket.create_connection((self._address, port), timeout, self.source_address)
        return self.context.wrap_socket(sock, server_hostname=self._server_name)


def _imap(
    settings: Mapping[str, Any],
    credentials: Mapping[str, Any],
    timeout: float,
    address: str,
    tls: ssl.SSLContext | None = None,
) -> imaplib.IMAP4:
    host, port = imap_endpoint(settings)
    security = imap_security(settings)
    try:
        if security == "ssl":
            conn: imaplib.IMAP4 = _PinnedIMAP4_SSL(host, address, port, timeout, tls)
        else:
            conn = _PinnedIMAP4(host, address, port, timeout)
            if security == "starttls":
                try:
                    # imaplib refuses when STARTTLS is not offered: the login never goes in clear.
                    conn.starttls(tls or ssl.create_default_context())
                except BaseException:
                    _logout(conn)
                    raise
    except ssl.SSLError as exc:
        raise Transient(f"TLS failure with IMAP {host}:{port}: {exc}", status="tls") from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise Transient(f"cannot reach IMAP {host}:{port}: {exc}", status="imap") from exc
    try:
        conn.login(str(credentials.get("imap_username") or ""), str(credentials.get("imap_password") or ""))
    except imaplib.IMAP4.abort as exc:
        raise Transient(f"IMAP connection dropped: {exc}", status="imap") from exc
    except imaplib.IMAP4.error as exc:
        _logout(conn)
        raise AuthError(f"IMAP login refused: {_text(exc)}", status="imap") from exc
    return conn


def _text(exc: BaseException) -> str:
    value = exc.args[0] if exc.args else exc
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _logout(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()


def _select(conn: imaplib.IMAP4, mailbox: str, readonly: bool) -> int:
    typ, data = conn.select(mailbox, readonly=readonly)
    if typ != "OK":
        raise Permanent(f"mailbox {mailbox} cannot be opened: {data!r}", status="imap")
    _, values = conn.response("UIDVALIDITY")
    return int(values[0]) if values and values[0] else 0


def imap_check(
    settings: Mapping[str, Any],
    credentials: Mapping[str, Any],
    timeout: float,
    address: str,
    tls: ssl.SSLContext | None = None,
) -> dict[str, Any]:
    conn = _imap(settings, credentials, timeout, address, tls)
    try:
        uidvalidity = _select(conn, str(settings.get("mailbox") or "INBOX"), readonly=True)
        typ, data = conn.uid("SEARCH", None, "ALL")  # type: ignore[arg-type]
        count = len(data[0].split()) if typ == "OK" and data and data[0] else 0
        return {"uidvalidity": uidvalidity, "messages": count}
    finally:
        _logout(conn)


def imap_fetch(
    settings: Mapping[str, Any],
    credentials: Mapping[str, Any],
    timeout: float,
    address: str,
    uidvalidity: int | None,
    last_uid: int,
    since: datetime,
    batch: int,
    tls: ssl.SSLContext | None = None,
) -> ImapBatch:
    """Mail after `last_uid` (or, when the mailbox was recreated or never read, since `since`)."""
    conn = _imap(settings, credentials, timeout, address, tls)
    try:
        current = _select(conn, str(settings.get("mailbox") or "INBOX"), readonly=True)
        try:
            if uidvalidity != current:
                # UIDs of another mailbox generation mean nothing: start over by date (Message-IDs
                # make the re-read idempotent).
                last_uid = 0
                typ, data = conn.uid("SEARCH", None, "SINCE", since.strftime("%d-%b-%Y"))  # type: ignore[arg-type]
            else:
                typ, data = conn.uid("SEARCH", None, f"UID {last_uid + 1}:*")  # type: ignore[arg-type]
            if typ != "OK":
                raise Transient(f"IMAP SEARCH failed: {data!r}", status="imap")
            uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last_uid)
            chosen = uids[:batch]
            mails: list[tuple[int, bytes]] = []
            if chosen:
                typ, fetched = conn.uid("FETCH", ",".join(map(str, chosen)), "(UID BODY.PEEK[])")
                if typ != "OK":
                    raise Transient(f"IMAP FETCH failed: {fetched!r}", status="imap")
                for item in fetched:
                    if isinstance(item, tuple) and (found := _UID.search(item[0])):
                        mails.append((int(found.group(1)), item[1]))
            mails.sort()
            return ImapBatch(
                uidvalidity=current,
                mails=mails,
                last_uid=max([last_uid, *chosen]) if chosen else last_uid,
                more=len(uids) > batch,
            )
        except imaplib.IMAP4.abort as exc:
            raise Transient(f"IMAP connection dropped: {exc}", status="imap") from exc
        except (OSError, imaplib.IMAP4.error) as exc:
            raise Transient(f"IMAP failed: {_text(exc)}", status="imap") from exc
    finally:
        _logout(conn)


def imap_mark_seen(
    settings: Mapping[str, Any],
    credentials: Mapping[str, Any],
    timeout: float,
    address: str,
    message_id: str,
    tls: ssl.SSLContext | None = None,
) -> None:
    conn = _imap(settings, credentials, timeout, address, tls)
    try:
        _select(conn, str(settings.get("mailbox") or "INBOX"), readonly=False)
        typ, data = conn.uid("SEARCH", None, "HEADER", "Message-ID", f'"{message_id}"')  # type: ignore[arg-type]
        uids = (data[0] or b"").split() if typ == "OK" and data else []
        if uids:
            conn.uid("STORE", b",".join(uids).decode(), "+FLAGS", "(\\Seen)")
    except (OSError, imaplib.IMAP4.error) as exc:
        raise Transient(f"IMAP failed: {_text(exc)}", status="imap") from exc
    finally:
        _logout(conn)


def imap_append(
    settings: Mapping[str, Any],
    credentials: Mapping[str, Any],
    timeout: float,
    address: str,
    mailbox: str,
    message: EmailMessage,
    tls: ssl.SSLContext | None = None,
) -> None:
    """Save a copy of a sent mail in `mailbox` (APPEND, RFC 3501 §6.3.11), marked \\Seen."""
    conn = _imap(settings, credentials, timeout, address, tls)
    try:
        typ, data = conn.append(
            mailbox, "(\\Seen)", imaplib.Time2Internaldate(datetime.now().astimezone()), message.as_bytes()
        )
        if typ != "OK":
            raise Permanent(f"IMAP APPEND to {mailbox} refused: {data!r}", status="imap")
    except imaplib.IMAP4.abort as exc:
        raise Transient(f"IMAP connection dropped: {exc}", status="imap") from exc
    except (OSError, imaplib.IMAP4.error) as exc:
        raise Transient(f"IMAP failed: {_text(exc)}", status="imap") from exc
    finally:
        _logout(conn)


def smtp_send(
    settings: Mapping[str, Any],
    credentials: Mapping[str, Any],
    timeout: float,
    address: str,
    message: EmailMessage,
    tls: ssl.SSLContext | None = None,
) -> None:
    security = str(settings.get("smtp_security") or "starttls")  # ssl | starttls | none
    host, port = smtp_endpoint(settings)
    context = tls or ssl.create_default_context()
    try:
        if security == "ssl":
            smtp: smtplib.SMTP = _PinnedSMTP_SSL(host, address, port, timeout, context)
        else:
            smtp = _PinnedSMTP(host, address, port, timeout)
        with smtp:
            if security == "starttls":
                # smtplib refuses when STARTTLS is not offered: credentials never go in clear.
                smtp.starttls(context=context)
            if credentials.get("smtp_username"):
                smtp.login(str(credentials["smtp_username"]), str(credentials.get("smtp_password") or ""))
            refused = smtp.send_message(message)
        if refused:
            code, text = next(iter(refused.values()))
            raise _smtp_error(code, text)
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthError(
            f"SMTP login refused: {exc.smtp_code} {_decode(exc.smtp_error)}", status=exc.smtp_code, code="smtp"
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _smtp_error(code, text) from exc
    except smtplib.SMTPResponseException as exc:  # connect, MAIL, DATA answers
        raise _smtp_error(exc.smtp_code, exc.smtp_error) from exc
    except ssl.SSLError as exc:
        raise Transient(f"TLS failure with SMTP {host}:{port}: {exc}", status="tls", ambiguous=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        # The connection broke: if it broke after DATA the mail may have gone.
        raise Transient(f"SMTP failed: {type(exc).__name__}: {exc}", status="smtp", ambiguous=True) from exc


def _decode(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _smtp_error(code: int, text: bytes | str) -> Transient | Permanent:
    message = f"{code} {_decode(text)}"
    if 400 <= code < 500:
        return Transient(message, status=code, code="smtp")
    return Permanent(message, status=code, code="smtp")


class SmtpStepFailed(Exception):
    """One step of an SMTP check failed: `step` is connect | ehlo | starttls | auth, `kind` what went
    wrong (unreachable | tls | no_starttls | refused | login_refused), `code` the server's reply code."""

    def __init__(self, step: str, kind: str, code: int | None = None) -> None:
        super().__init__(f"{step}: {kind}")
        self.step, self.kind, self.code = step, kind, code


def smtp_check(
    settings: Mapping[str, Any],
    credentials: Mapping[str, Any],
    timeout: float,
    address: str,
    tls: ssl.SSLContext | None = None,
) -> list[str]:
    """Connect, EHLO, STARTTLS (when the security mode says so), EHLO again and AUTH (when a user
    name is set), without sending mail; the steps passed, or SmtpStepFailed naming the one that
    failed. The server's own text is never kept (only its reply code)."""
    security = str(settings.get("smtp_security") or "starttls")
    host, port = smtp_endpoint(settings)
    context = tls or ssl.create_default_context()
    done: list[str] = []
    step = "connect"
    try:
        if security == "ssl":
            smtp: smtplib.SMTP = _PinnedSMTP_SSL(host, address, port, timeout, context)
        else:
            smtp = _PinnedSMTP(host, address, port, timeout)
        done.append("connect")
        with smtp:
            step = "ehlo"
            code, _ = smtp.ehlo()
            if not 200 <= code < 300:
                raise SmtpStepFailed("ehlo", "refused", code)
            done.append("ehlo")
            if security == "starttls":
                step = "starttls"
                if not smtp.has_extn("starttls"):
                    raise SmtpStepFailed("starttls", "no_starttls")
                smtp.starttls(context=context)
                smtp.ehlo()
                done.append("starttls")
            if credentials.get("smtp_username"):
                step = "auth"
                smtp.login(str(credentials["smtp_username"]), str(credentials.get("smtp_password") or ""))
                done.append("auth")
    except SmtpStepFailed:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpStepFailed("auth", "login_refused", exc.smtp_code) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise SmtpStepFailed(step, "no_starttls" if step == "starttls" else "refused") from exc
    except smtplib.SMTPResponseException as exc:
        raise SmtpStepFailed(step, "refused", exc.smtp_code) from exc
    except ssl.SSLError as exc:
        raise SmtpStepFailed(step, "tls") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SmtpStepFailed(step, "unreachable") from exc
    return done

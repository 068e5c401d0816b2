"""The SMTP server that receives sellers' replies (aiosmtpd, in the sandbox's own event loop).

AUTH PLAIN or LOGIN is required with the store's mailbox login; the login is recorded with each
reply. Without TLS mode AUTH is allowed in clear (loopback only); in TLS mode (`mail_tls`) the
server offers STARTTLS and requires it before AUTH, as submission servers do. Recipients must be
relay addresses of that store's buyers (or, for Walmart, the care addresses): refused at RCPT in the
`session` refusal mode, bounced later otherwise (see sandbox.mail.relay). Faults: `smtp_outage`
answers 421 at connection, `smtp_tempfail_*` answers 451 at the end of DATA.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import warnings
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from sandbox.mail.relay import accepts_recipient, receive_reply

if TYPE_CHECKING:
    from sandbox.state import SandboxState


class _QuietLoopbackAuth(logging.Filter):
    """Drop aiosmtpd's per-connection warnings about AUTH without TLS: on loopback that is the intent."""

    NOISE = ("auth_required == True but auth_require_tls == False", "Session.login_data is deprecated")

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(record.getMessage().startswith(n) for n in self.NOISE)


_AIOSMTPD_LOG = logging.getLogger("mail.log")
if not any(isinstance(f, _QuietLoopbackAuth) for f in _AIOSMTPD_LOG.filters):
    _AIOSMTPD_LOG.addFilter(_QuietLoopbackAuth())


class _RelaySMTP(SMTP):
    """aiosmtpd's server, refusing connections while an outage fault is set."""

    def __init__(self, state: SandboxState, *args: Any, **kwargs: Any) -> None:
        self._sandbox_state = state
        super().__init__(*args, **kwargs)

    async def _handle_client(self) -> None:
        if self._sandbox_state.faults.smtp_outage():
            self._sandbox_state.reject("mail", None, "smtp", "connect", 421, "4.3.2", "SMTP outage", injected=True)
            await self.push("421 4.3.2 Service not available, closing transmission channel")
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()


class RelayHandler:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._later: set[asyncio.TimerHandle] = set()

    def cancel_pending(self) -> None:
        for handle in self._later:
            handle.cancel()
        self._later.clear()

    def _deliver_later(self, login: str, bounce: bytes) -> None:
        """The refusal comes back a few seconds after the 250, as a bounce in the seller's mailbox."""
        loop = asyncio.get_running_loop()

        def deliver() -> None:
            self._later.discard(handle)
            self.state.mail.append(login, bounce, internal_date=self.state.clock.now())

        handle = loop.call_later(self.state.config.mail_bounce_delay_seconds, deliver)
        self._later.add(handle)

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", errors="replace")
        account = self.state.mail.authenticate(login, auth_data.password.decode("utf-8", errors="replace"))
        if account is None:
            self.state.reject("mail", None, "smtp", "AUTH", 535, "5.7.8", f"bad credentials for {login}")
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=account.login)

    def _store(self, session: Session) -> Any:
        account = self.state.mail.account(str(session.auth_data or ""))
        return self.state.store(account.store_id) if account else None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        store = self._store(session)
        if store is None:
            return "530 5.7.0 Authentication required"
        if self.state.config.mail_refusals == "session" and not accepts_recipient(self.state, store, address):
            self.state.reject(
                store.marketplace, store.id, "smtp", "RCPT", 550, "5.1.1", f"unknown relay recipient {address}"
            )
            return "550 5.1.1 Recipient address rejected: not a buyer of this seller"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        store = self._store(session)
        if store is None:
            return "530 5.7.0 Authentication required"
        raw = envelope.original_content or (envelope.content if isinstance(envelope.content, bytes) else b"")
        outcome = receive_reply(
            self.state,
            store,
            login=str(session.auth_data),
            mail_from=envelope.mail_from or "",
            recipients=list(envelope.rcpt_tos),
            raw=raw,
        )
        if outcome.bounce is not None:
            account = self.state.mail.account_for_store(store.id)
            if account is not None:
                self._deliver_later(account.login, outcome.bounce)
        return f"{outcome.code} {outcome.text}"


class SMTPServer:
    def __init__(self, state: SandboxState, tls: ssl.SSLContext | None = None) -> None:
        self._state = state
        self._tls = tls
        self._server: asyncio.base_events.Server | None = None
        self._handler = RelayHandler(state)

    async def start(self, host: str, port: int) -> int:
        handler = self._handler
        tls = self._tls

        def factory() -> SMTP:
            # aiosmtpd warns that AUTH without TLS is insecure; on loopback that is the intent.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _RelaySMTP(
                    self._state,
                    handler,
                    hostname="relay.sandbox.localhost",
                    auth_required=True,
                    auth_require_tls=tls is not None,
                    tls_context=tls,
                    require_starttls=tls is not None,
                    authenticator=handler.authenticate,
                    data_size_limit=25 * 1024 * 1024,
                    loop=asyncio.get_running_loop(),
                )

        self._server = await asyncio.get_running_loop().create_server(factory, host, port)
        return self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._handler.cancel_pending()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

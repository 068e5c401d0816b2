"""Running the sandbox: HTTP (uvicorn), IMAP, SMTP, pushes and traffic in one asyncio process.

    async with Sandbox(SandboxConfig(http_port=0, imap_port=0, smtp_port=0)) as sb:
        sb.http_url, sb.imap_port, sb.smtp_port, sb.state

`run(config)` does the same until SIGINT/SIGTERM (the `hourglass sandbox` command).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from sandbox.app import create_app
from sandbox.config import MAIL_MARKETPLACES, MARKETPLACES, SandboxConfig
from sandbox.faults import FaultSpec
from sandbox.inject import InjectRequest, inject_message
from sandbox.mail.imap_server import IMAPServer
from sandbox.mail.smtp_server import SMTPServer
from sandbox.mail.tls import MailTLS
from sandbox.models import Message, Store, Thread
from sandbox.persistence import load, save
from sandbox.push import PushDispatcher
from sandbox.state import SandboxState
from sandbox.stores import create_store, mint_token
from sandbox.tokens import TokenRecord
from sandbox.traffic import TrafficRunner

log = logging.getLogger("sandbox")


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers (the process hosting the sandbox owns the signals), and
    stopping as soon as asked rather than at its next 0.1 s tick (tests start and stop it often)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit_requested = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_requested.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    def request_exit(self) -> None:
        self.should_exit = True
        self._exit_requested.set()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP, and a proto of 0 is inherited by them (Nagle then adds ~40 ms per response).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class Sandbox:
    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.config.validate()
        if self.config.host == "localhost":
            self.config.host = "127.0.0.1"
        self.state = SandboxState(self.config)
        self._http: _EmbeddedServer | None = None
        self._http_task: asyncio.Task[None] | None = None
        self.mail_tls = (
            MailTLS(self.config.mail_tls_hostname, self.config.host, self.config.mail_tls_ca_file)
            if self.config.mail_tls
            else None
        )
        tls = self.mail_tls.server_context if self.mail_tls else None
        self._imap = IMAPServer(self.state, tls)
        self._smtp = SMTPServer(self.state, tls)
        self._pushes = PushDispatcher(self.state, self.config.push_timeout_seconds, self.config.push_retry_scale)
        self._started = False

    # -- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start every part; if one fails (a port in use), stop the others and re-raise."""
        try:
            await self._start()
        except BaseException:
            await self._shutdown()
            raise
        self._started = True

    async def _start(self) -> None:
        config, state = self.config, self.state
        restored = bool(config.data_dir) and load(state, config.data_dir)  # type: ignore[arg-type]
        if not restored:
            for spec in config.stores:
                create_store(
                    state,
                    spec.marketplace,
                    name=spec.name,
                    store_id=spec.store_id,
                    push_target=spec.push_target,
                    credentials=dict(spec.credentials),
                )
            if config.default_stores:
                for marketplace in MARKETPLACES:
                    if not state.stores_of(marketplace):
                        create_store(state, marketplace)
        await self._pushes.start()
        state.pushes = self._pushes
        state.imap_port = await self._imap.start(config.host, config.imap_port)
        if self.mail_tls is not None:
            state.imaps_port = await self._imap.start_implicit_tls(config.host, config.imaps_port)
        state.smtp_port = await self._smtp.start(config.host, config.smtp_port)
        sock = _bind(config.host, config.http_port)
        port = sock.getsockname()[1]
        host = f"[{config.host}]" if ":" in config.host else config.host
        state.http_url = f"http://{host}:{port}"
        uvicorn_config = uvicorn.Config(create_app(state), log_level="warning", access_log=False, lifespan="off")
        self._http = _EmbeddedServer(uvicorn_config)
        self._http_task = asyncio.get_running_loop().create_task(self._http.serve(sockets=[sock]))
        while not self._http.started:
            if self._http_task.done():
                self._http_task.result()
            await asyncio.sleep(0.005)
        state.traffic = TrafficRunner(state, config.seed)
        if config.traffic_per_min > 0:
            state.traffic.start(config.traffic_per_min)

    async def stop(self) -> None:
        await self._shutdown()
        # Only a world that started completely is saved: a failed start must not overwrite a snapshot.
        if self.config.data_dir and self._started:
            save(self.state, self.config.data_dir)
        self._started = False

    async def _shutdown(self) -> None:
        state = self.state
        if state.traffic is not None:
            await state.traffic.stop()
        if self._http is not None and self._http_task is not None:
            self._http.request_exit()
            try:
                await asyncio.wait_for(asyncio.shield(self._http_task), timeout=5)
            except TimeoutError:
                self._http.force_exit = True
                with contextlib.suppress(Exception):
                    await self._http_task
            except Exception:
                log.exception("sandbox HTTP server failed")
            self._http = self._http_task = None
        await self._smtp.close()
        await self._imap.close()
        await self._pushes.close()
        state.pushes = None
        if self.mail_tls is not None and self.config.mail_tls_ca_file is None:
            self.mail_tls.close()

    # -- where things are -------------------------------------------------------------------------

    @property
    def http_url(self) -> str:
        return self.state.http_url

    @property
    def imap_port(self) -> int:
        return self.state.imap_port

    @property
    def smtp_port(self) -> int:
        return self.state.smtp_port

    @property
    def imaps_port(self) -> int:
        """The implicit-TLS IMAP port (TLS mode only; 0 otherwise)."""
        return self.state.imaps_port

    @property
    def mail_ca_pem(self) -> str | None:
        """The CA that signs the mail servers' certificate (TLS mode), for clients to trust."""
        return self.mail_tls.ca_pem if self.mail_tls else None

    # -- conveniences for tests (the admin API offers the same over HTTP) ---------------------------

    def store(self, marketplace_or_id: str) -> Store:
        """A store by id, or the first store of a marketplace."""
        found = self.state.store(marketplace_or_id) or next(iter(self.state.stores_of(marketplace_or_id)), None)
        if found is None:
            raise KeyError(marketplace_or_id)
        return found

    def create_store(self, marketplace: str, **kwargs: Any) -> Store:
        return create_store(self.state, marketplace, **kwargs)

    def inject(self, store: str | Store, body: str, **fields: Any) -> tuple[Thread, Message]:
        """Deliver one buyer message (see sandbox.inject.InjectRequest for the fields)."""
        target = store if isinstance(store, Store) else self.store(store)
        return inject_message(self.state, target, InjectRequest(body=body, **fields))

    def mint_token(self, store: str | Store, kind: str, **fields: Any) -> TokenRecord:
        """A new token for a store (see sandbox.stores.mint_token): e.g. eBay scopes withheld."""
        target = store if isinstance(store, Store) else self.store(store)
        return mint_token(self.state, target, kind, **fields)

    def set_fault(self, marketplace: str, store_id: str | None = None, **fields: Any) -> FaultSpec:
        return self.state.faults.set(marketplace, store_id, **fields)

    def clear_faults(self, marketplace: str | None = None, store_id: str | None = None) -> None:
        self.state.faults.clear(marketplace, store_id)

    async def drain_pushes(self, wait_seconds: float = 10.0) -> None:
        await self._pushes.drain(wait_seconds)

    def describe(self) -> dict[str, Any]:
        """What `run` prints at start: where to connect and with which credentials."""
        return {
            "http_url": self.http_url,
            "imap": f"{self.config.host}:{self.imap_port}",
            "smtp": f"{self.config.host}:{self.smtp_port}",
            **(
                {"imaps": f"{self.config.host}:{self.imaps_port}", "mail_ca_file": str(self.mail_tls.ca_file)}
                if self.mail_tls
                else {}
            ),
            "stores": [
                {
                    "id": s.id,
                    "marketplace": s.marketplace,
                    "name": s.name,
                    "push_target": s.push_target,
                    **({"mailbox": s.credentials["imap_username"]} if s.marketplace in MAIL_MARKETPLACES else {}),
                }
                for s in self.state.stores.values()
            ],
        }


async def run(config: SandboxConfig, ready: asyncio.Event | None = None) -> None:
    """Run until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with Sandbox(config) as sandbox:
        info = sandbox.describe()
        print(f"sandbox http={info['http_url']} imap={info['imap']} smtp={info['smtp']}", flush=True)
        if "imaps" in info:
            print(
                f"  mail TLS: imaps={info['imaps']}, STARTTLS on imap and smtp; CA {info['mail_ca_file']}", flush=True
            )
        for store in info["stores"]:
            print(
                f"  store {store['id']:<10} {store['marketplace']:<8} {store['name']}"
                + (f"  mailbox={store['mailbox']}" if "mailbox" in store else "")
                + (f"  push={store['push_target']}" if store["push_target"] else ""),
                flush=True,
            )
        print(f"credentials: GET {info['http_url']}/_sandbox/stores", flush=True)
        if ready is not None:
            ready.set()
        await stop.wait()

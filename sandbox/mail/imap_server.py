"""A compact asyncio IMAP4rev1 server over the sandbox's mailboxes.

Subset implemented (RFC 3501 syntax, literals in both directions, LITERAL+): CAPABILITY, NOOP,
LOGOUT, LOGIN, SELECT, EXAMINE, LIST, LSUB, STATUS, IDLE (RFC 2177), CHECK, CLOSE, UNSELECT,
EXPUNGE, SEARCH, FETCH, STORE, COPY and their UID forms, CREATE and APPEND (with UIDPLUS's
APPENDUID/COPYUID codes; each account has an INBOX and a \\Sent mailbox, "Sent"). FETCH knows UID, FLAGS, INTERNALDATE,
RFC822(.SIZE/.HEADER/.TEXT), ENVELOPE, BODY[] / BODY.PEEK[] with HEADER, TEXT, HEADER.FIELDS(.NOT)
and partials, BODYSTRUCTURE / BODY, and MIME part sections (BODY[1.2], BODY[2.MIME], BODY[3.HEADER]
of an attached message), cut byte-exact from the raw message.

Why not pymap: its in-memory backend is configured through argparse, expects its own demo data
and would have to be fed through internal APIs to append relay mail; this server is small, has
no dependency and records reads in the sandbox's truth.

LOGIN is allowed without TLS when the sandbox runs without TLS (it binds loopback only). In TLS mode
(`mail_tls`) the plain port offers STARTTLS and advertises LOGINDISABLED until the session is
secured (RFC 3501 §6.2.1, §6.2.3), and a second port speaks implicit TLS (993-style).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from email import policy
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING

from sandbox.mail.imap_protocol import (
    FetchItem,
    ProtocolError,
    Token,
    bodystructure,
    compile_search,
    envelope,
    imap_datetime,
    is_sequence_set,
    parse_append_date,
    parse_fetch_items,
    section_bytes,
    sequence_matcher,
    tokenize,
)
from sandbox.mail.mailstore import SYSTEM_FLAGS, MailAccount, Mailbox, MailItem

if TYPE_CHECKING:
    from sandbox.state import SandboxState

CAPABILITIES = "IMAP4rev1 LITERAL+ IDLE UNSELECT UIDPLUS"
_LITERAL_AT_END = re.compile(rb"\{(\d+)(\+?)\}\r\n$")
MAX_LITERAL = 20 * 1024 * 1024


class IMAPServer:
    def __init__(self, state: SandboxState, tls: ssl.SSLContext | None = None) -> None:
        self._state = state
        self._tls = tls
        self._servers: list[asyncio.base_events.Server] = []
        self._sessions: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> int:
        """The plain port (with STARTTLS in TLS mode)."""
        server = await asyncio.start_server(self._accept, host, port)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def start_implicit_tls(self, host: str, port: int) -> int:
        """The implicit-TLS port (IMAPS): TLS from the first byte."""
        assert self._tls is not None
        server = await asyncio.start_server(self._accept_secure, host, port, ssl=self._tls)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._sessions):
            task.cancel()
        for task in list(self._sessions):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._serve(reader, writer, secure=False)

    async def _accept_secure(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._serve(reader, writer, secure=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, secure: bool) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._sessions.add(task)
        try:
            await Session(self._state, reader, writer, tls=self._tls, secure=secure).run()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            self._sessions.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


class Session:
    def __init__(
        self,
        state: SandboxState,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        tls: ssl.SSLContext | None = None,
        secure: bool = False,
    ) -> None:
        self.state = state
        self.reader = reader
        self.writer = writer
        self.tls = tls
        self.secure = secure
        self.account: MailAccount | None = None
        self.mailbox: Mailbox | None = None
        self.read_only = False
        self.known_exists = 0

    # -- wire ---------------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def flush(self) -> None:
        await self.writer.drain()

    async def read_command(self) -> bytes | None:
        """One command with its literals inlined, sending continuation requests for synchronising ones."""
        line = await self.reader.readline()
        if not line:
            return None
        buffer = bytearray(line)
        while True:
            match = _LITERAL_AT_END.search(buffer)
            if not match:
                break
            size = int(match.group(1))
            if size > MAX_LITERAL:
                raise ProtocolError("literal too large")
            if not match.group(2):
                self.send(b"+ Ready for literal data\r\n")
                await self.flush()
            buffer += await self.reader.readexactly(size)
            buffer += await self.reader.readline()
        return bytes(buffer)

    async def run(self) -> None:
        if self.state.faults.imap_outage():
            self.send(b"* BYE Service temporarily unavailable\r\n")
            await self.flush()
            self.state.reject("mail", None, "imap", "connect", "BYE", "outage", "IMAP outage", injected=True)
            return
        self.send(f"* OK [CAPABILITY {self.capabilities}] Sandbox mail relay IMAP4rev1 ready\r\n".encode())
        await self.flush()
        while True:
            raw = await self.read_command()
            if raw is None:
                return
            tag = "*"
            try:
                head, _, rest = raw.partition(b" ")
                tag = head.decode("ascii", errors="replace").strip()
                if not tag or not rest:
                    raise ProtocolError("missing command")
                name, _, arguments = rest.partition(b" ")
                command = name.decode("ascii", errors="replace").strip().upper()
                if command == "LOGOUT":
                    self.send(b"* BYE Logging out\r\n" + f"{tag} OK LOGOUT completed\r\n".encode())
                    await self.flush()
                    return
                if command == "IDLE":
                    await self.idle(tag)
                    continue
                if command == "STARTTLS":
                    await self.starttls(tag)
                    continue
                await self.dispatch(tag, command, tokenize(arguments))
            except ProtocolError as exc:
                self.send(f"{tag} BAD {exc}\r\n".encode())
            await self.flush()

    async def dispatch(self, tag: str, command: str, args: list[Token]) -> None:
        if command == "CAPABILITY":
            self.send(f"* CAPABILITY {self.capabilities}\r\n{tag} OK CAPABILITY completed\r\n".encode())
            return
        if command in ("NOOP", "CHECK"):
            if command == "CHECK" and self.mailbox is None:
                raise ProtocolError("no mailbox selected")
            self.report_exists()
            self.send(f"{tag} OK {command} completed\r\n".encode())
            return
        if command == "LOGIN":
            self.login(tag, args)
            return
        if command == "AUTHENTICATE":
            self.send(f"{tag} NO {command} not supported: use LOGIN\r\n".encode())
            return
        if self.account is None:
            self.send(f"{tag} NO Please LOGIN first\r\n".encode())
            return
        handlers = {
            "SELECT": self.select,
            "EXAMINE": self.select,
            "LIST": self.list_mailboxes,
            "LSUB": self.list_mailboxes,
            "STATUS": self.status,
            "CLOSE": self.close_mailbox,
            "UNSELECT": self.close_mailbox,
            "EXPUNGE": self.expunge,
            "SEARCH": self.search,
            "FETCH": self.fetch,
            "STORE": self.store,
            "COPY": self.copy,
            "APPEND": self.append,
            "CREATE": self.create,
        }
        uid = False
        if command == "UID":
            if not args or not isinstance(args[0], str):
                raise ProtocolError("UID needs a command")
            command, args, uid = args[0].upper(), args[1:], True
            if command not in ("SEARCH", "FETCH", "STORE", "COPY"):
                self.send(f"{tag} NO UID {command} not supported\r\n".encode())
                return
        handler = handlers.get(command)
        if handler is None:
            self.send(f"{tag} NO {command} not supported\r\n".encode())
            return
        if command in ("CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY") and self.mailbox is None:
            self.send(f"{tag} NO No mailbox selected\r\n".encode())
            return
        await handler(tag, command, args, uid)  # type: ignore[operator]
        if self.mailbox is not None and command not in ("CLOSE", "UNSELECT"):
            self.report_exists()

    # -- commands -----------------------------------------------------------------------------

    @property
    def capabilities(self) -> str:
        if self.tls is not None and not self.secure:
            return f"{CAPABILITIES} STARTTLS LOGINDISABLED"
        return CAPABILITIES

    async def starttls(self, tag: str) -> None:
        if self.tls is None or self.secure:
            self.send(f"{tag} BAD STARTTLS not available\r\n".encode())
            await self.flush()
            return
        self.send(f"{tag} OK Begin TLS negotiation now\r\n".encode())
        await self.flush()
        await self.writer.start_tls(self.tls)
        self.secure = True

    def login(self, tag: str, args: list[Token]) -> None:
        if self.tls is not None and not self.secure:
            self.send(f"{tag} NO [PRIVACYREQUIRED] LOGIN is disabled until STARTTLS\r\n".encode())
            return
        if len(args) != 2 or not all(isinstance(a, str) for a in args):
            raise ProtocolError("LOGIN needs a user name and a password")
        user, password = str(args[0]), str(args[1])
        account = self.state.mail.authenticate(user, password)
        if account is None:
            self.state.reject("mail", None, "imap", "LOGIN", "NO", "AUTHENTICATIONFAILED", f"bad login for {user}")
            self.send(f"{tag} NO [AUTHENTICATIONFAILED] Authentication failed\r\n".encode())
            return
        self.account = account
        self.send(f"{tag} OK [CAPABILITY {CAPABILITIES}] LOGIN completed\r\n".encode())

    def _mailbox(self, name: Token) -> Mailbox | None:
        assert self.account is not None
        if not isinstance(name, str):
            return None
        return self.account.mailboxes.get("INBOX" if name.upper() == "INBOX" else name)

    async def select(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        mailbox = self._mailbox(args[0]) if args else None
        if mailbox is None:
            self.mailbox = None
            self.send(f"{tag} NO [NONEXISTENT] No such mailbox\r\n".encode())
            return
        self.mailbox = mailbox
        self.read_only = command == "EXAMINE"
        self.known_exists = len(mailbox.items)
        unseen = next((i + 1 for i, item in enumerate(mailbox.items) if "\\Seen" not in item.flags), None)
        lines = [
            f"* FLAGS ({' '.join(SYSTEM_FLAGS)})",
            f"* OK [PERMANENTFLAGS ({' '.join(SYSTEM_FLAGS)} \\*)] Flags permitted",
            f"* {len(mailbox.items)} EXISTS",
            "* 0 RECENT",
        ]
        if unseen:
            lines.append(f"* OK [UNSEEN {unseen}] First unseen")
        lines += [
            f"* OK [UIDVALIDITY {mailbox.uidvalidity}] UIDs valid",
            f"* OK [UIDNEXT {mailbox.uidnext}] Predicted next UID",
            f"{tag} OK [{'READ-ONLY' if self.read_only else 'READ-WRITE'}] {command} completed",
        ]
        self.send(("\r\n".join(lines) + "\r\n").encode())

    async def list_mailboxes(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        if len(args) != 2:
            raise ProtocolError(f"{command} needs a reference and a pattern")
        pattern = str(args[1])
        assert self.account is not None
        if pattern == "":
            self.send(f'* {command} (\\Noselect) "/" ""\r\n'.encode())
        matcher = re.escape(pattern).replace(r"\*", ".*").replace("%", "[^/]*")
        for name in self.account.mailboxes if pattern else ():
            if re.fullmatch(matcher, name, re.IGNORECASE if name == "INBOX" else 0):
                special = " \\Sent" if name == "Sent" else ""
                self.send(f'* {command} (\\HasNoChildren{special}) "/" {name}\r\n'.encode())
        self.send(f"{tag} OK {command} completed\r\n".encode())

    async def status(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        if len(args) != 2 or not isinstance(args[1], list):
            raise ProtocolError("STATUS needs a mailbox and a list of items")
        mailbox = self._mailbox(args[0])
        if mailbox is None:
            self.send(f"{tag} NO [NONEXISTENT] No such mailbox\r\n".encode())
            return
        values = {
            "MESSAGES": len(mailbox.items),
            "RECENT": 0,
            "UIDNEXT": mailbox.uidnext,
            "UIDVALIDITY": mailbox.uidvalidity,
            "UNSEEN": sum(1 for i in mailbox.items if "\\Seen" not in i.flags),
        }
        parts = []
        for item in args[1]:
            name = str(item).upper()
            if name not in values:
                raise ProtocolError(f"unknown status item {item}")
            parts.append(f"{name} {values[name]}")
        self.send(f"* STATUS {mailbox.name} ({' '.join(parts)})\r\n{tag} OK STATUS completed\r\n".encode())

    async def close_mailbox(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        if command == "CLOSE" and not self.read_only:
            assert self.mailbox is not None
            self.mailbox.items = [i for i in self.mailbox.items if "\\Deleted" not in i.flags]
        self.mailbox = None
        self.send(f"{tag} OK {command} completed\r\n".encode())

    async def expunge(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        assert self.mailbox is not None
        if self.read_only:
            self.send(f"{tag} NO Mailbox is read-only\r\n".encode())
            return
        seq = 1
        kept: list[MailItem] = []
        for item in self.mailbox.items:
            if "\\Deleted" in item.flags:
                self.send(f"* {seq} EXPUNGE\r\n".encode())
            else:
                kept.append(item)
                seq += 1
        self.mailbox.items = kept
        self.known_exists = len(kept)
        self.send(f"{tag} OK EXPUNGE completed\r\n".encode())

    def _selected(self, text: Token, uid: bool) -> list[tuple[int, MailItem]]:
        assert self.mailbox is not None
        if not isinstance(text, str) or not is_sequence_set(text):
            raise ProtocolError("bad sequence set")
        items = self.mailbox.items
        if uid:
            largest = items[-1].uid if items else 0
            matcher = sequence_matcher(text, largest)
            return [(seq, item) for seq, item in enumerate(items, 1) if matcher(item.uid)]
        matcher = sequence_matcher(text, len(items))
        return [(seq, item) for seq, item in enumerate(items, 1) if matcher(seq)]

    async def search(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        assert self.mailbox is not None
        if len(args) >= 2 and isinstance(args[0], str) and args[0].upper() == "CHARSET":
            if str(args[1]).upper() not in ("UTF-8", "US-ASCII"):
                self.send(f"{tag} NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset\r\n".encode())
                return
            args = args[2:]
        items = self.mailbox.items
        predicate = compile_search(args, len(items), items[-1].uid if items else 0)
        found = [str(item.uid if uid else seq) for seq, item in enumerate(items, 1) if predicate(seq, item)]
        self.send(f"* SEARCH{' ' if found else ''}{' '.join(found)}\r\n{tag} OK SEARCH completed\r\n".encode())

    async def fetch(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        if len(args) != 2:
            raise ProtocolError("FETCH needs a sequence set and attributes")
        items = parse_fetch_items(args[1])
        if uid and not any(i.kind == "UID" for i in items):
            items.insert(0, FetchItem(name="UID", kind="UID"))
        for seq, message in self._selected(args[0], uid):
            parts: list[bytes] = []
            flags_changed = False
            for item in items:
                if item.sets_seen and not self.read_only and "\\Seen" not in message.flags:
                    message.flags.append("\\Seen")
                    flags_changed = True
                    self._record_seen(message)
                parts.append(self._fetch_item(message, item))
            if flags_changed and not any(i.kind == "FLAGS" for i in items):
                parts.append(self._fetch_item(message, FetchItem(name="FLAGS", kind="FLAGS")))
            self.send(f"* {seq} FETCH (".encode() + b" ".join(parts) + b")\r\n")
        self.send(f"{tag} OK {'UID ' if uid else ''}FETCH completed\r\n".encode())

    def _fetch_item(self, message: MailItem, item: FetchItem) -> bytes:
        if item.kind == "UID":
            return b"UID %d" % message.uid
        if item.kind == "FLAGS":
            return f"FLAGS ({' '.join(message.flags)})".encode()
        if item.kind == "INTERNALDATE":
            return f"INTERNALDATE {imap_datetime(message.internal_date)}".encode()
        if item.kind == "RFC822.SIZE":
            return b"RFC822.SIZE %d" % len(message.raw)
        if item.kind in ("BODYSTRUCTURE", "BODY"):
            return item.name.encode() + b" " + bodystructure(message.raw, extensible=item.kind == "BODYSTRUCTURE")
        if item.kind == "ENVELOPE":
            return b"ENVELOPE " + envelope(message.raw)
        data = section_bytes(message.raw, item)
        return item.name.encode() + b" {%d}\r\n" % len(data) + data

    async def store(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        if self.read_only:
            self.send(f"{tag} NO Mailbox is read-only\r\n".encode())
            return
        if len(args) != 3 or not isinstance(args[1], str):
            raise ProtocolError("STORE needs a sequence set, an action and flags")
        action = args[1].upper()
        silent = action.endswith(".SILENT")
        action = action.removesuffix(".SILENT")
        if action not in ("FLAGS", "+FLAGS", "-FLAGS"):
            raise ProtocolError(f"bad STORE action {args[1]}")
        flags_arg = args[2] if isinstance(args[2], list) else [args[2]]
        flags = [_canonical_flag(str(f)) for f in flags_arg]
        for seq, message in self._selected(args[0], uid):
            had_seen = "\\Seen" in message.flags
            if action == "FLAGS":
                message.flags = list(dict.fromkeys(flags))
            elif action == "+FLAGS":
                message.flags += [f for f in flags if f not in message.flags]
            else:
                message.flags = [f for f in message.flags if f not in flags]
            if not had_seen and "\\Seen" in message.flags:
                self._record_seen(message)
            if not silent:
                uid_part = f"UID {message.uid} " if uid else ""
                self.send(f"* {seq} FETCH ({uid_part}FLAGS ({' '.join(message.flags)}))\r\n".encode())
        self.send(f"{tag} OK {'UID ' if uid else ''}STORE completed\r\n".encode())

    async def create(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        assert self.account is not None
        if len(args) != 1 or not isinstance(args[0], str) or not args[0]:
            raise ProtocolError("CREATE needs a mailbox name")
        if self._mailbox(args[0]) is not None:
            self.send(f"{tag} NO [ALREADYEXISTS] Mailbox exists\r\n".encode())
            return
        self.state.mail.create_mailbox(self.account.login, args[0])
        self.send(f"{tag} OK CREATE completed\r\n".encode())

    async def append(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        """APPEND mailbox [(flags)] [date-time] literal (RFC 3501 §6.3.11); UIDPLUS's APPENDUID."""
        assert self.account is not None
        if len(args) < 2 or not isinstance(args[-1], str):
            raise ProtocolError("APPEND needs a mailbox and a message literal")
        target = self._mailbox(args[0])
        if target is None:
            self.send(f"{tag} NO [TRYCREATE] No such mailbox\r\n".encode())
            return
        flags: list[str] = []
        internal = self.state.clock.now()
        for extra in args[1:-1]:
            if isinstance(extra, list):
                flags = [_canonical_flag(str(f)) for f in extra]
            else:
                internal = parse_append_date(extra)
        raw = args[-1].encode("utf-8")
        new_uid = self.state.mail.append(
            self.account.login, raw, internal_date=internal, flags=flags, mailbox_name=target.name
        )
        self.send(f"{tag} OK [APPENDUID {target.uidvalidity} {new_uid}] APPEND completed\r\n".encode())

    async def copy(self, tag: str, command: str, args: list[Token], uid: bool) -> None:
        """COPY (and UID COPY) to another mailbox, flags and internal date kept; UIDPLUS's COPYUID."""
        assert self.account is not None
        if len(args) != 2:
            raise ProtocolError("COPY needs a sequence set and a mailbox")
        target = self._mailbox(args[1])
        if target is None:
            self.send(f"{tag} NO [TRYCREATE] No such mailbox\r\n".encode())
            return
        sources, copies = [], []
        for _, item in self._selected(args[0], uid):
            new_uid = self.state.mail.append(
                self.account.login,
                item.raw,
                internal_date=item.internal_date,
                flags=list(item.flags),
                mailbox_name=target.name,
            )
            sources.append(str(item.uid))
            copies.append(str(new_uid))
        code = f"[COPYUID {target.uidvalidity} {','.join(sources)} {','.join(copies)}] " if sources else ""
        self.send(f"{tag} OK {code}{'UID ' if uid else ''}COPY completed\r\n".encode())

    async def idle(self, tag: str) -> None:
        if self.account is None:
            self.send(f"{tag} NO Please LOGIN first\r\n".encode())
            await self.flush()
            return
        self.send(b"+ idling\r\n")
        self.report_exists()
        await self.flush()
        done_line = asyncio.ensure_future(self.reader.readline())
        try:
            while True:
                changed = asyncio.ensure_future(self.state.mail.change_event(self.account.login).wait())
                finished, _ = await asyncio.wait({done_line, changed}, return_when=asyncio.FIRST_COMPLETED)
                if done_line in finished:
                    changed.cancel()
                    break
                self.report_exists()
                await self.flush()
        finally:
            if not done_line.done():
                done_line.cancel()
        line = done_line.result() if not done_line.cancelled() else b""
        self.report_exists()
        if line.strip().upper() == b"DONE":
            self.send(f"{tag} OK IDLE terminated\r\n".encode())
        else:
            self.send(f"{tag} BAD Expected DONE\r\n".encode())
        await self.flush()

    # -- helpers --------------------------------------------------------------------------------

    def report_exists(self) -> None:
        if self.mailbox is not None and len(self.mailbox.items) != self.known_exists:
            self.known_exists = len(self.mailbox.items)
            self.send(f"* {self.known_exists} EXISTS\r\n".encode())

    def _record_seen(self, message: MailItem) -> None:
        assert self.account is not None
        store = self.state.store(self.account.store_id)
        if store is None:
            return
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(message.raw)
        message_id = str(headers.get("Message-ID", "")).strip()
        thread = self.state.thread_by_mail_id(message_id) if message_id else None
        if thread is not None:
            for m in thread.messages:
                if m.mail_message_id == message_id:
                    m.read = True
        self.state.record_read(store, thread.id if thread else None, "imap.seen", f"uid={message.uid}")


def _canonical_flag(flag: str) -> str:
    for system in SYSTEM_FLAGS:
        if flag.lower() == system.lower():
            return system
    if flag.startswith("\\"):
        raise ProtocolError(f"unknown system flag {flag}")
    return flag

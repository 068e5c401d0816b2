"""IMAP4rev1 (RFC 3501) syntax for the sandbox's server: tokens, sequence sets, strings, dates,
message sections, ENVELOPE and SEARCH.

Kept free of I/O so it can be read and tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses

from sandbox.mail.mailstore import MailItem

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n")


class ProtocolError(Exception):
    """Malformed command: answered with BAD."""


Token = str | list["Token"]


def tokenize(data: bytes) -> list[Token]:
    """Split command arguments into atoms, strings (quoted or literal) and parenthesised lists.

    An atom may carry a bracketed section with spaces and parentheses inside, as fetch attributes
    do: `BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]<0.100>` is one token.
    """
    root: list[Token] = []
    stack: list[list[Token]] = [root]
    pos = 0
    while pos < len(data):
        c = data[pos : pos + 1]
        if c in (b" ", b"\r", b"\n"):
            pos += 1
        elif c == b"(":
            child: list[Token] = []
            stack[-1].append(child)
            stack.append(child)
            pos += 1
        elif c == b")":
            if len(stack) == 1:
                raise ProtocolError("unbalanced parenthesis")
            stack.pop()
            pos += 1
        elif c == b'"':
            pos += 1
            out = bytearray()
            while pos < len(data) and data[pos : pos + 1] != b'"':
                if data[pos : pos + 1] == b"\\":
                    pos += 1
                out += data[pos : pos + 1]
                pos += 1
            if pos >= len(data):
                raise ProtocolError("unterminated quoted string")
            pos += 1
            stack[-1].append(out.decode("utf-8", errors="replace"))
        elif c == b"{":
            match = _LITERAL.match(data, pos)
            if not match:
                raise ProtocolError("bad literal")
            size = int(match.group(1))
            start = match.end()
            if start + size > len(data):
                raise ProtocolError("short literal")
            stack[-1].append(data[start : start + size].decode("utf-8", errors="replace"))
            pos = start + size
        else:
            start = pos
            depth = 0
            while pos < len(data):
                ch = data[pos : pos + 1]
                if ch == b"[":
                    depth += 1
                elif ch == b"]":
                    depth -= 1
                elif depth == 0 and ch in (b" ", b"(", b")", b"\r", b"\n"):
                    break
                pos += 1
            stack[-1].append(data[start:pos].decode("utf-8", errors="replace"))
    if len(stack) != 1:
        raise ProtocolError("unbalanced parenthesis")
    return root


def sequence_matcher(text: str, largest: int) -> Callable[[int], bool]:
    """A predicate for a sequence set such as `1:3,7,9:*`.

    `*` is the largest number in use; `n:*` with n above it still matches the largest, as RFC 3501
    says (so `UID FETCH 100:*` returns the last message even when its UID is below 100).
    """
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        if not part:
            raise ProtocolError("empty sequence set element")
        bounds = part.split(":")
        if len(bounds) > 2:
            raise ProtocolError(f"bad sequence set {text!r}")
        values = []
        for bound in bounds:
            if bound == "*":
                values.append(largest)
            elif bound.isdigit() and int(bound) > 0:
                values.append(int(bound))
            else:
                raise ProtocolError(f"bad sequence set {text!r}")
        low, high = min(values), max(values)
        ranges.append((low, high))
    return lambda n: any(low <= n <= high for low, high in ranges)


def is_sequence_set(text: str) -> bool:
    return bool(re.fullmatch(r"(\d+|\*)(:(\d+|\*))?(,(\d+|\*)(:(\d+|\*))?)*", text))


def imap_string(value: str | bytes | None) -> bytes:
    """NIL, a quoted string, or a literal when the value is not plain 7-bit text."""
    if value is None:
        return b"NIL"
    raw = value.encode() if isinstance(value, str) else value
    if all(32 <= b < 127 and b not in (34, 92) for b in raw):
        return b'"' + raw + b'"'
    return b"{%d}\r\n" % len(raw) + raw


def imap_datetime(value: datetime) -> str:
    value = value.astimezone(UTC)
    return f'"{value.day:2d}-{MONTHS[value.month - 1]}-{value.year} {value:%H:%M:%S} +0000"'


def parse_append_date(text: str) -> datetime:
    """An APPEND date-time: `"04-Dec-2026 19:00:00 +0000"` (RFC 3501 §9, date-time)."""
    match = re.fullmatch(r"\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})", text)
    if not match or match.group(2).title() not in MONTHS:
        raise ProtocolError(f"bad date-time {text!r}")
    day, month, year = int(match.group(1)), MONTHS.index(match.group(2).title()) + 1, int(match.group(3))
    offset = (int(match.group(8)) * 60 + int(match.group(9))) * (1 if match.group(7) == "+" else -1)
    local = datetime(year, month, day, int(match.group(4)), int(match.group(5)), int(match.group(6)))
    return (local - timedelta(minutes=offset)).replace(tzinfo=UTC)


def parse_search_date(text: str) -> date:
    match = re.fullmatch(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})", text)
    if not match or match.group(2).title() not in MONTHS:
        raise ProtocolError(f"bad date {text!r}")
    return date(int(match.group(3)), MONTHS.index(match.group(2).title()) + 1, int(match.group(1)))


# -- message sections -----------------------------------------------------------------------------


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """(header including the blank line, body)."""
    index = raw.find(b"\r\n\r\n")
    if index < 0:
        return raw, b""
    return raw[: index + 4], raw[index + 4 :]


def header_fields(header: bytes, names: list[str], exclude: bool) -> bytes:
    wanted = {n.lower() for n in names}
    out = bytearray()
    keep = False
    for line in header.split(b"\r\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t"):
            if keep:
                out += line + b"\r\n"
            continue
        name = line.split(b":", 1)[0].decode("ascii", errors="replace").strip().lower()
        keep = (name in wanted) != exclude
        if keep:
            out += line + b"\r\n"
    return bytes(out) + b"\r\n"


@dataclass
class FetchItem:
    name: str  # as it appears in the response
    kind: str  # UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE SECTION RFC822 RFC822.HEADER RFC822.TEXT
    section: str = ""
    fields: tuple[str, ...] = ()
    exclude: bool = False
    partial: tuple[int, int | None] | None = None
    sets_seen: bool = False
    part: tuple[int, ...] = ()  # MIME part number (BODY[1.2]); () for the whole message


_SECTION = re.compile(r"^(BODY|BODY\.PEEK)\[([^\]]*)\](?:<(\d+)(?:\.(\d+))?>)?$", re.IGNORECASE)
_FIELDS = re.compile(r"^(HEADER\.FIELDS(?:\.NOT)?)\s*\(([^)]*)\)$", re.IGNORECASE)
MACROS = {
    "ALL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
    "FAST": ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
    "FULL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
}


def parse_fetch_items(spec: Token) -> list[FetchItem]:
    if isinstance(spec, str) and spec.upper() in MACROS:
        names: list[Token] = list(MACROS[spec.upper()])
    elif isinstance(spec, list):
        names = spec
    else:
        names = [spec]
    items = []
    for name in names:
        if not isinstance(name, str):
            raise ProtocolError("bad fetch attribute")
        upper = name.upper()
        if upper in ("UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "RFC822.HEADER", "BODYSTRUCTURE"):
            items.append(FetchItem(name=upper, kind=upper))
        elif upper == "BODY":  # the non-extensible BODYSTRUCTURE
            items.append(FetchItem(name=upper, kind=upper))
            items.append(FetchItem(name=upper, kind=upper))
        elif upper in ("RFC822", "RFC822.TEXT"):
            items.append(FetchItem(name=upper, kind=upper, sets_seen=True))
        else:
            match = _SECTION.match(name)
            if not match:
                raise ProtocolError(f"unsupported fetch attribute {name}")
            section = match.group(2).strip()
            numbered = _PART.match(section)
            part: tuple[int, ...] = ()
            if numbered:
                part = tuple(int(n) for n in numbered.group(1).split("."))
                section = numbered.group(2) or ""
            upper_section = section.upper()
            item = FetchItem(
                name="", kind="SECTION", section=upper_section, sets_seen=match.group(1).upper() == "BODY", part=part
            )
            fields = _FIELDS.match(section)
            if fields:
                item.section = fields.group(1).upper()
                item.fields = tuple(fields.group(2).split())
                item.exclude = item.section.endswith(".NOT")
                section_text = f"{item.section} ({' '.join(f.upper() for f in item.fields)})"
            elif upper_section in ("", "HEADER", "TEXT") or (upper_section == "MIME" and part):
                section_text = upper_section
            else:
                raise ProtocolError(f"unsupported body section {section}")
            if part:
                number = ".".join(map(str, part))
                section_text = f"{number}.{section_text}" if section_text else number
            if match.group(3) is not None:
                item.partial = (int(match.group(3)), int(match.group(4)) if match.group(4) else None)
            item.name = f"BODY[{section_text}]" + (f"<{item.partial[0]}>" if item.partial else "")
            items.append(item)
    return items


def section_bytes(raw: bytes, item: FetchItem) -> bytes:
    if item.part:
        entity = mime_part(raw, item.part)
        if entity is None:
            return b""  # RFC 3501 §6.4.5: a part that does not exist reads as empty
        part_header, part_body = split_message(entity)
        if item.section == "MIME":
            return _cut(part_header, item)
        if item.section == "":
            return _cut(part_body, item)
        raw = part_body  # HEADER / TEXT / HEADER.FIELDS of the encapsulated message
    header, body = split_message(raw)
    if item.kind == "RFC822":
        data = raw
    elif item.kind == "RFC822.HEADER":
        data = header
    elif item.kind == "RFC822.TEXT":
        data = body
    elif item.section == "":
        data = raw
    elif item.section == "HEADER":
        data = header
    elif item.section == "TEXT":
        data = body
    else:
        data = header_fields(header, list(item.fields), item.exclude)
    return _cut(data, item)


def _cut(data: bytes, item: FetchItem) -> bytes:
    if item.partial:
        start, count = item.partial
        data = data[start:] if count is None else data[start : start + count]
    return data


# -- MIME structure (byte-exact: parts are cut from the raw message, never re-serialised) ----------

_PART = re.compile(r"^((?:\d+\.)*\d+)(?:\.(.*))?$")


def _content(header: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    parsed = BytesHeaderParser(policy=policy.compat32).parsebytes(header)
    maintype, subtype = parsed.get_content_maintype(), parsed.get_content_subtype()
    params = [(str(k), str(v)) for k, v in (parsed.get_params() or [])[1:]]
    return maintype, subtype, params


def children(entity: bytes) -> list[bytes]:
    """The raw body parts of a multipart entity (headers and body each), in order."""
    header, body = split_message(entity)
    maintype, _, params = _content(header)
    boundary = dict((k.lower(), v) for k, v in params).get("boundary")
    if maintype != "multipart" or not boundary:
        return []
    delimiter = b"\r\n--" + boundary.encode()
    pieces = (b"\r\n" + body).split(delimiter)
    parts = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        line_end = piece.find(b"\r\n")
        parts.append(piece[line_end + 2 :] if line_end >= 0 else b"")
    return parts


def mime_part(raw: bytes, numbers: tuple[int, ...]) -> bytes | None:
    """The entity a part number names (RFC 3501 §6.4.5): n-th part of a multipart; part 1 of a
    non-multipart entity is the entity itself; inside a message/rfc822 part, numbering continues in
    the encapsulated message."""
    entity = raw
    for depth, n in enumerate(numbers):
        header, body = split_message(entity)
        maintype, subtype, _ = _content(header)
        if depth > 0 and (maintype, subtype) == ("message", "rfc822"):
            entity = body
            header, body = split_message(entity)
            maintype, subtype, _ = _content(header)
        if maintype == "multipart":
            kids = children(entity)
            if not 1 <= n <= len(kids):
                return None
            entity = kids[n - 1]
        elif n != 1:
            return None
    return entity


def _plist(params: list[tuple[str, str]]) -> bytes:
    if not params:
        return b"NIL"
    return b"(" + b" ".join(imap_string(k.upper()) + b" " + imap_string(v) for k, v in params) + b")"


def _lines(body: bytes) -> bytes:
    """The size in text lines (a last line without its line end still counts)."""
    return str(body.count(b"\n") + (1 if body and not body.endswith(b"\n") else 0)).encode()


def bodystructure(entity: bytes, extensible: bool = True) -> bytes:
    """BODYSTRUCTURE (or, not extensible, BODY) of an entity, RFC 3501 §7.4.2."""
    header, body = split_message(entity)
    maintype, subtype, params = _content(header)
    if maintype == "multipart":
        inner = b"".join(bodystructure(kid, extensible) for kid in children(entity))
        tail = b" " + _plist(params) if extensible else b""
        return (
            b"("
            + (inner or b'("text" "plain" NIL NIL NIL "7bit" 0 0)')
            + b" "
            + imap_string(subtype.upper())
            + tail
            + b")"
        )
    parsed = BytesHeaderParser(policy=policy.compat32).parsebytes(header)

    def field(name: str) -> bytes:
        value = parsed.get(name)
        return imap_string(" ".join(str(value).split())) if value is not None else b"NIL"

    encoding = str(parsed.get("Content-Transfer-Encoding", "7bit")).strip().upper() or "7BIT"
    if not params and maintype == "text":
        params = [("charset", "us-ascii")]
    fields = [
        imap_string(maintype.upper()),
        imap_string(subtype.upper()),
        _plist(params),
        field("Content-ID"),
        field("Content-Description"),
        imap_string(encoding),
        str(len(body)).encode(),
    ]
    if (maintype, subtype) == ("message", "rfc822"):
        fields += [envelope(body), bodystructure(body, extensible), _lines(body)]
    elif maintype == "text":
        fields.append(_lines(body))
    if extensible:
        fields.append(b"NIL")  # body MD5
    return b"(" + b" ".join(fields) + b")"


def envelope(raw: bytes) -> bytes:
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)

    def text(name: str) -> bytes:
        value = headers.get(name)
        return imap_string(" ".join(str(value).split()) if value is not None else None)

    def addresses(*names: str) -> bytes:
        for name in names:
            values = headers.get_all(name)
            if values:
                parsed = getaddresses([str(v) for v in values])
                out = [
                    b"("
                    + imap_string(display or None)
                    + b" NIL "
                    + imap_string(addr.partition("@")[0])
                    + b" "
                    + imap_string(addr.partition("@")[2] or None)
                    + b")"
                    for display, addr in parsed
                    if addr
                ]
                return b"(" + b"".join(out) + b")" if out else b"NIL"
        return b"NIL"

    parts = [
        text("Date"),
        text("Subject"),
        addresses("From"),
        addresses("Sender", "From"),
        addresses("Reply-To", "From"),
        addresses("To"),
        addresses("Cc"),
        addresses("Bcc"),
        text("In-Reply-To"),
        text("Message-ID"),
    ]
    return b"(" + b" ".join(parts) + b")"


# -- search ---------------------------------------------------------------------------------------

Predicate = Callable[[int, MailItem], bool]


def _decoded(value: object) -> str:
    try:
        return str(make_header(decode_header(str(value))))
    except (ValueError, LookupError):
        return str(value)


def compile_search(tokens: list[Token], largest_seq: int, largest_uid: int) -> Predicate:
    """SEARCH keys, implicitly ANDed; the predicate takes (sequence number, message)."""
    position = 0

    def take() -> Token:
        nonlocal position
        if position >= len(tokens):
            raise ProtocolError("missing search argument")
        token = tokens[position]
        position += 1
        return token

    def take_str() -> str:
        token = take()
        if not isinstance(token, str):
            raise ProtocolError("expected a string")
        return token

    def header_contains(name: str, needle: str) -> Predicate:
        def check(_: int, item: MailItem) -> bool:
            headers = BytesHeaderParser(policy=policy.compat32).parsebytes(item.raw)
            return any(needle.lower() in _decoded(v).lower() for v in headers.get_all(name) or [])

        return check

    def body_contains(needle: str, whole: bool) -> Predicate:
        def check(_: int, item: MailItem) -> bool:
            message = BytesParser(policy=policy.default).parsebytes(item.raw)
            texts = [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
            haystack = "\n".join(t for t in texts if isinstance(t, str))
            if whole:
                haystack += "\n" + "\n".join(f"{k}: {_decoded(v)}" for k, v in message.items())
            return needle.lower() in haystack.lower()

        return check

    def flag(name: str, present: bool) -> Predicate:
        return lambda _, item: (name in item.flags) == present

    def key() -> Predicate:
        token = take()
        if isinstance(token, list):
            return compile_search(token, largest_seq, largest_uid)
        word = token.upper()
        simple = {
            "ALL": lambda _, __: True,
            "NEW": flag("\\Seen", False),
            "OLD": lambda _, __: True,
            "RECENT": lambda _, __: False,
            "ANSWERED": flag("\\Answered", True),
            "UNANSWERED": flag("\\Answered", False),
            "DELETED": flag("\\Deleted", True),
            "UNDELETED": flag("\\Deleted", False),
            "FLAGGED": flag("\\Flagged", True),
            "UNFLAGGED": flag("\\Flagged", False),
            "SEEN": flag("\\Seen", True),
            "UNSEEN": flag("\\Seen", False),
            "DRAFT": flag("\\Draft", True),
            "UNDRAFT": flag("\\Draft", False),
        }
        if word in simple:
            return simple[word]
        if word in ("BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"):
            day = parse_search_date(take_str())
            compare = {"BEFORE": lambda d: d < day, "ON": lambda d: d == day, "SINCE": lambda d: d >= day}[
                word.removeprefix("SENT")
            ]
            return lambda _, item: compare(item.internal_date.astimezone(UTC).date())
        if word in ("FROM", "TO", "CC", "BCC", "SUBJECT"):
            return header_contains(word.title(), take_str())
        if word == "HEADER":
            name = take_str()
            return header_contains(name, take_str())
        if word in ("BODY", "TEXT"):
            return body_contains(take_str(), whole=word == "TEXT")
        if word in ("KEYWORD", "UNKEYWORD"):
            keyword = take_str()
            return flag(keyword, word == "KEYWORD")
        if word in ("LARGER", "SMALLER"):
            size = int(take_str())
            if word == "LARGER":
                return lambda _, item: len(item.raw) > size
            return lambda _, item: len(item.raw) < size
        if word == "UID":
            match_uid = sequence_matcher(take_str(), largest_uid)
            return lambda _, item: match_uid(item.uid)
        if word == "NOT":
            inner = key()
            return lambda seq, item: not inner(seq, item)
        if word == "OR":
            left, right = key(), key()
            return lambda seq, item: left(seq, item) or right(seq, item)
        if is_sequence_set(token):
            match_seq = sequence_matcher(token, largest_seq)
            return lambda seq, _: match_seq(seq)
        raise ProtocolError(f"unsupported search key {token}")

    predicates: list[Predicate] = []
    while position < len(tokens):
        predicates.append(key())
    if not predicates:
        raise ProtocolError("empty search")
    return lambda seq, item: all(p(seq, item) for p in predicates)

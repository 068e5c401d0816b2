"""The outbound-address policy: every connection Hourglass makes to a host a user can set (webhook
URLs, channel API hosts and their token endpoints, IMAP and SMTP hosts) goes through `OutboundPolicy`.

Resolve once, refuse what is not a public address, and connect to exactly the address that was
checked: checking a name and then letting a client resolve it again is broken by DNS rebinding. So
`check_host` returns the validated address, `OutboundTransport` (httpx) rewrites each request to it
(the Host header and the TLS server name, hence certificate verification, stay those of the name),
and the mail transports connect to it with `server_hostname` set to the name. Redirects, when a
client follows them, are new requests through the same transport, so each hop is checked again.

Every address a name resolves to must be acceptable: a name that also resolves to a private address
is refused outright. Numeric spellings (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`) are parsed
here the way `inet_aton` does, not left to whatever resolver is configured. IPv4-mapped, 6to4, Teredo
and NAT64 IPv6 addresses are judged as the IPv4 address they carry.

Refusals are in our words and say neither what a name resolves to (a name that does not resolve and
one that resolves to a private address read alike) nor anything about the port: nothing is
contacted before the decision, so an open and a closed port are refused identically.

The allow-list (`HOURGLASS_OUTBOUND_ALLOWED`) admits networks (`10.0.0.0/8`) or exact `host:port`
pairs (`127.0.0.1:8100`): tests and the demo allow their fake upstreams and nothing wider. Only
allow-listed destinations may be called over plain http.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import socket
import ssl
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_RESOLVE_CACHE_SECONDS = 30.0
_RESOLVE_TIMEOUT_SECONDS = 10.0
# What a DNS name may contain (after IDNA): letters, digits, hyphens, underscores, dots.
_NUMERIC_LABEL = re.compile(r"^(0x.*|[0-9]+)$")
_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")


class OutboundRefused(ValueError):
    """The destination may not be contacted. The message is ours and safe to show to the user."""


# -- pure: addresses, spellings, the allow-list ---------------------------------------------------------


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, when it is one of the transition forms."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def canonical(ip: IPAddress) -> IPAddress:
    """The address a connection really reaches: the IPv4 inside a transition form, else itself."""
    return embedded_ipv4(ip) or ip


def forbidden_reason(ip: IPAddress, allowed: Iterable[IPNetwork] = ()) -> str | None:
    """Why this address may not be contacted, or None. Pure."""
    inner = embedded_ipv4(ip)
    if inner is not None:
        reason = forbidden_reason(inner, allowed)
        return f"{reason} (inside {ip})" if reason else None
    if any(ip.version == net.version and ip in net for net in allowed):
        return None
    if ip.is_unspecified:
        return f"{ip} is the unspecified address"
    if ip.is_loopback:
        return f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is link-local (cloud metadata lives here)"
    if ip.is_multicast:
        return f"{ip} is a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return f"{ip} is carrier-grade NAT (shared) address space"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return f"{ip} is not a public address"
    return None


def _ipv4_number(part: str) -> int | None:
    """One part of a numeric IPv4 spelling as `inet_aton` reads it: 0x hex, leading-0 octal, decimal."""
    try:
        if part[:2] in ("0x", "0X"):
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def parse_address(host: str) -> IPAddress | None:
    """The address a host spelling denotes when it is a literal (any IPv4 spelling `inet_aton`
    accepts: `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`; or IPv6, bracketed or not); None for
    a name. Pure."""
    text = host.strip().lower().rstrip(".")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        return None
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [int(n) for n in numbers if n is not None]
    # a.b.c.d, a.b.c16, a.b24, a32: the last part fills the remaining bytes.
    last_bits = 8 * (5 - len(values))
    if any(v > 255 for v in values[:-1]) or values[-1] >= 1 << last_bits:
        return None
    value = 0
    for v in values[:-1]:
        value = value << 8 | v
    return ipaddress.IPv4Address(value << last_bits | values[-1])


def normalise_host(host: str) -> str:
    """A host as written, reduced to one spelling per name: lower case, IDNA, no trailing dots, no
    brackets. Raises OutboundRefused for what is no host at all."""
    text = host.strip()
    if not text or any(c.isspace() or ord(c) < 32 or c in "/\\@?#%" for c in text):
        raise OutboundRefused("not a valid host name")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    literal = parse_address(text)
    if literal is not None:
        return str(literal)
    if ":" in text:
        raise OutboundRefused("not a valid host name")
    try:
        name = text.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise OutboundRefused("not a valid host name") from exc
    if not name or len(name) > 253 or not _NAME.match(name):
        raise OutboundRefused("not a valid host name")
    if _NUMERIC_LABEL.match(name.rpartition(".")[2]):
        # Looks like an address but is none (`256.1.1.1`, `08.1.1.1`): resolvers disagree about such
        # spellings, so nobody gets to decide what they mean.
        raise OutboundRefused("not a valid host name or address")
    return name


@dataclass(frozen=True)
class AllowList:
    networks: tuple[IPNetwork, ...] = ()
    # (normalised host, port): a literal address in its canonical spelling, or a name as written.
    pairs: frozenset[tuple[str, int]] = frozenset()

    def admits(self, name: str, ip: IPAddress, port: int) -> bool:
        inner = canonical(ip)
        if (name, port) in self.pairs or (str(inner), port) in self.pairs:
            return True
        return any(inner.version == net.version and inner in net for net in self.networks)


def parse_allow_entry(entry: str) -> IPNetwork | tuple[str, int]:
    """`10.0.0.0/8`, `127.0.0.1` (one address), `127.0.0.1:8100`, `[::1]:8100`, `sandbox.lan:993`."""
    text = entry.strip()
    if not text:
        raise ValueError("empty entry")
    try:
        return ipaddress.ip_network(text, strict=False)  # a network, or one bare address
    except ValueError:
        pass
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{entry!r} is neither a network (10.0.0.0/8) nor host:port (127.0.0.1:8100)")
    try:
        return normalise_host(host), int(port_text)
    except OutboundRefused as exc:
        raise ValueError(f"{entry!r}: {exc}") from exc


def parse_allow_list(entries: Iterable[str]) -> AllowList:
    networks: list[IPNetwork] = []
    pairs: set[tuple[str, int]] = set()
    for entry in entries:
        parsed = parse_allow_entry(entry)
        if isinstance(parsed, tuple):
            pairs.add(parsed)
        else:
            networks.append(parsed)
    return AllowList(tuple(networks), frozenset(pairs))


def split_allow_setting(value: object) -> object:
    """`HOURGLASS_OUTBOUND_ALLOWED` as JSON (`["10.0.0.0/8"]`) or comma-separated (`10.0.0.0/8,
    127.0.0.1:8100`); entries are validated so a typo stops the process at start with its name."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = json.loads(text)
        else:
            value = [part for part in (p.strip() for p in text.split(",")) if part]
    if isinstance(value, list | tuple):
        for entry in value:
            parse_allow_entry(str(entry))
        return [str(e).strip() for e in value]
    return value


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str  # normalised, for Host and SNI
    port: int
    address: str  # the validated IP to connect to
    path: str  # path and query

    @property
    def pinned_url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an http(s) URL, refusing what an outbound URL must not contain."""
    if any(c.isspace() or ord(c) < 32 for c in url.strip()):
        raise OutboundRefused("the URL contains whitespace or control characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused("not a valid URL (bad host or a port outside 1-65535)") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise OutboundRefused("the URL must start with https:// (or http:// for allow-listed hosts)")
    if parts.username is not None or parts.password is not None:
        raise OutboundRefused("credentials in the URL are not allowed")
    raw_host = parts.hostname or ""
    if not raw_host:
        raise OutboundRefused("the URL has no host")
    if port == 0:
        raise OutboundRefused("not a valid URL (bad host or a port outside 1-65535)")
    host = normalise_host(raw_host)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def url_problem(value: object) -> str | None:
    """Why a setting cannot be an outbound http(s) URL, or None (pure: no resolving)."""
    if not isinstance(value, str):
        return "must be an http(s) URL"
    try:
        split_url(value)
        httpx.URL(value)
    except OutboundRefused as exc:
        return str(exc)
    except (httpx.InvalidURL, ValueError):
        return "not a valid URL"
    return None


def host_problem(value: object) -> str | None:
    """Why a setting cannot be a host name or address (IMAP, SMTP), or None (pure)."""
    if not isinstance(value, str):
        return "must be a host name"
    try:
        normalise_host(value)
    except OutboundRefused as exc:
        return str(exc)
    return None


def port_problem(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        return "must be a port number"
    return None if 0 < int(value) < 65536 else "must be between 1 and 65535"


# -- the policy -------------------------------------------------------------------------------------


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class OutboundPolicy:
    """Resolves and judges destinations; `allowed` entries may be contacted despite being non-global
    (the demo's sandbox, test doubles), and only those over plain http."""

    def __init__(
        self, allowed: Iterable[str] = (), resolver: Resolver | None = None, *, ca_file: str | Path | None = None
    ) -> None:
        self.allowed = parse_allow_list(allowed)
        self._resolver = resolver or system_resolver
        self._cache: dict[tuple[str, int], tuple[float, list[str]]] = {}
        # Extra CA certificates trusted for TLS to channel hosts (IMAP, SMTP), on top of the system's.
        self.ca_file = str(ca_file) if ca_file else None

    def tls_context(self) -> ssl.SSLContext:
        """A verifying client context: the system's trust plus `ca_file`. Verification and host-name
        checks stay on (a private mail server is trusted by naming its CA, never by skipping checks)."""
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context

    async def check_host(self, host: str, port: int, *, plain: bool = False) -> str:
        """The address to connect to for `host:port`; OutboundRefused when it may not be contacted.
        `plain`: the connection is unencrypted http (allowed only for allow-listed destinations)."""
        name = normalise_host(host)
        return await self._check(name, port, plain=plain)

    async def resolve(self, url: str) -> Target:
        """Check a URL: the Target carries the address to connect to."""
        scheme, host, port, path = split_url(url)
        address = await self._check(host, port, plain=scheme == "http")
        return Target(url=url, scheme=scheme, host=host, port=port, address=address, path=path)

    async def _check(self, name: str, port: int, *, plain: bool) -> str:
        if not 0 < port < 65536:
            raise OutboundRefused("the port must be between 1 and 65535")
        literal = parse_address(name)
        ips = [literal] if literal is not None else await self._addresses(name, port)
        for ip in ips:
            if self.allowed.admits(name, ip, port):
                continue
            reason = forbidden_reason(ip)
            if reason is None:
                continue
            if literal is not None:
                raise OutboundRefused(f"{reason}; refusing to connect")
            raise OutboundRefused(f"{name} does not resolve to a public address; refusing to connect")
        if plain and not all(self.allowed.admits(name, ip, port) for ip in ips):
            raise OutboundRefused("the URL must use https://")
        return str(canonical(ips[0]))

    async def _addresses(self, host: str, port: int) -> list[IPAddress]:
        # A name that does not resolve reads exactly like one that resolves to a private address:
        # either answer would tell a prober which internal names exist.
        unresolved = OutboundRefused(f"{host} does not resolve to a public address; refusing to connect")
        now = time.monotonic()
        cached = self._cache.get((host, port))
        if cached and cached[0] > now:
            raw = cached[1]
        else:
            try:
                # Resolving happens before any client timeout applies: bound it here.
                async with asyncio.timeout(_RESOLVE_TIMEOUT_SECONDS):
                    raw = await self._resolver(host, port)
            except (OSError, UnicodeError, TimeoutError) as exc:
                raise unresolved from exc
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[(host, port)] = (now + _RESOLVE_CACHE_SECONDS, raw)
        ips: list[IPAddress] = []
        for item in raw:
            try:
                ips.append(ipaddress.ip_address(item.split("%", 1)[0]))
            except ValueError as exc:
                raise unresolved from exc
        if not ips:
            raise unresolved
        return ips

    def forget(self) -> None:
        self._cache.clear()


_POLICIES: dict[tuple[tuple[str, ...], str | None], OutboundPolicy] = {}


def policy_for(allowed: Iterable[str], *, ca_file: str | Path | None = None) -> OutboundPolicy:
    """One policy (and resolver cache) per allow-list and CA file in this process."""
    entries = tuple(allowed)
    key = (entries, str(ca_file) if ca_file else None)
    policy = _POLICIES.get(key)
    if policy is None:
        policy = _POLICIES[key] = OutboundPolicy(entries, ca_file=ca_file)
    return policy


# -- httpx: every request pinned to the checked address --------------------------------------------


@dataclass
class OutboundTransport(httpx.AsyncBaseTransport):
    """Checks each request's destination with the policy and sends it to the checked address, with
    the original Host header and TLS server name. One inner connection pool per (scheme, name, port,
    address), so a kept-alive TLS connection made for one name is never reused for another name that
    happens to share the address."""

    policy: OutboundPolicy
    verify: ssl.SSLContext | bool = True
    max_pools: int = 256
    _pools: OrderedDict[tuple[str, str, int, str], httpx.AsyncHTTPTransport] = field(default_factory=OrderedDict)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = await self.policy.resolve(str(request.url))
        pinned = request.url.copy_with(host=target.address)
        extensions = dict(request.extensions)
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
        headers = request.headers.copy()
        headers["host"] = target.host_header
        forwarded = httpx.Request(request.method, pinned, headers=headers, stream=request.stream, extensions=extensions)
        return await self._pool(target).handle_async_request(forwarded)

    def _pool(self, target: Target) -> httpx.AsyncHTTPTransport:
        key = (target.scheme, target.host, target.port, target.address)
        pool = self._pools.get(key)
        if pool is not None:
            self._pools.move_to_end(key)
            return pool
        pool = self._pools[key] = httpx.AsyncHTTPTransport(verify=self.verify, retries=0)
        while len(self._pools) > self.max_pools:
            _, old = self._pools.popitem(last=False)
            task = asyncio.get_running_loop().create_task(old.aclose())
            task.add_done_callback(lambda t: t.exception())
        return pool

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()


def outbound_client(policy: OutboundPolicy, timeout: float = 20.0) -> httpx.AsyncClient:
    """An httpx client whose every request (redirects included, were they followed) is checked and
    pinned. No environment proxy: a proxy would resolve the name itself and defeat the pinning."""
    return httpx.AsyncClient(
        transport=OutboundTransport(policy), timeout=timeout, trust_env=False, follow_redirects=False
    )


def is_tls_failure(exc: BaseException) -> bool:
    """Whether a connection error is, at its root, a TLS handshake or certificate failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError | ssl.CertificateError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False

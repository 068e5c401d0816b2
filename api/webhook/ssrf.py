"""SSRF guard for webhook URLs: resolve once, refuse non-global addresses, connect to what was checked.

Checking a name and then letting the HTTP client resolve it again is broken by DNS rebinding, so the
guard returns the address it validated and the sender connects to exactly that address (with the
original Host header and TLS server name). Every address a name resolves to must be acceptable: a
name that also resolves to a private address is refused outright. Numeric spellings of addresses
(`2130706433`, `0x7f000001`, `0177.0.0.1`) are whatever the system resolver makes of them, and what it
makes of them is what gets checked. IPv4-mapped, 6to4, Teredo and NAT64 IPv6 addresses are checked
as the IPv4 address they carry.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_RESOLVE_CACHE_SECONDS = 30.0


class TargetRefused(ValueError):
    """The URL may not be called: the reason is safe to show to the subscriber's owner."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str  # as written in the URL (lower-cased), for Host and SNI
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


def forbidden_reason(ip: IPAddress, allowed: Iterable[IPNetwork] = ()) -> str | None:
    """Why this address may not be called, or None. Pure."""
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
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.IPv4Network("100.64.0.0/10"):
        return f"{ip} is carrier-grade NAT (shared) address space"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return f"{ip} is not a public address"
    return None


def parse_networks(values: Iterable[str]) -> list[IPNetwork]:
    return [ipaddress.ip_network(v, strict=False) for v in values]


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an http(s) URL, refusing what a webhook URL must not contain."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefused("the URL must start with https:// (or http:// for allow-listed networks)")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("credentials in the URL are not allowed; verify the signature instead")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("the URL has no host")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise TargetRefused("the URL contains whitespace or control characters")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class SsrfGuard:
    """Resolves and validates webhook targets; `allowed_networks` may be called despite being
    non-global (loopback in tests and the demo), and only those may use plain http."""

    def __init__(self, allowed_networks: Iterable[str] = (), resolver: Resolver | None = None) -> None:
        self.allowed = parse_networks(allowed_networks)
        self._resolver = resolver or system_resolver
        self._cache: dict[tuple[str, int], tuple[float, list[str]]] = {}

    async def resolve(self, url: str) -> Target:
        scheme, host, port, path = split_url(url)
        addresses = await self._addresses(host, port)
        ips: list[IPAddress] = []
        for raw in addresses:
            try:
                ips.append(ipaddress.ip_address(raw.split("%", 1)[0]))
            except ValueError as exc:
                raise TargetRefused(f"{host} resolved to something that is not an address") from exc
        for ip in ips:
            reason = forbidden_reason(ip, self.allowed)
            if reason:
                where = "" if host == str(ip) else f"{host} resolves to {ip}: "
                raise TargetRefused(f"{where}{reason}; refusing to call it")
        if scheme == "http" and not all(self._allow_listed(ip) for ip in ips):
            raise TargetRefused("the URL must use https://")
        pinned = ips[0]
        if isinstance(pinned, ipaddress.IPv6Address) and pinned.ipv4_mapped is not None:
            pinned = pinned.ipv4_mapped  # the same host; connect over IPv4
        return Target(url=url, scheme=scheme, host=host, port=port, address=str(pinned), path=path)

    def _allow_listed(self, ip: IPAddress) -> bool:
        ip = embedded_ipv4(ip) or ip
        return any(ip.version == net.version and ip in net for net in self.allowed)

    async def _addresses(self, host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]  # a literal address: nothing to resolve
        except ValueError:
            pass
        now = time.monotonic()
        cached = self._cache.get((host, port))
        if cached and cached[0] > now:
            return cached[1]
        try:
            addresses = await self._resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise TargetRefused(f"{host} does not resolve ({exc})") from exc
        if not addresses:
            raise TargetRefused(f"{host} does not resolve")
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[(host, port)] = (now + _RESOLVE_CACHE_SECONDS, addresses)
        return addresses

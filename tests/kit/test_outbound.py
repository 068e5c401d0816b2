"""The outbound-address policy, pure: every spelling of a non-public address is recognised, the
allow-list admits exactly what it names, refusals never say what a name resolves to, and the setting
parses as JSON or comma-separated. Names are resolved by fake resolvers: nothing leaves the process."""

from __future__ import annotations

import ipaddress

import pytest

from api.config import Settings
from api.kit.outbound import (
    OutboundPolicy,
    OutboundRefused,
    forbidden_reason,
    host_problem,
    normalise_host,
    parse_address,
    parse_allow_entry,
    parse_allow_list,
    port_problem,
    split_allow_setting,
    url_problem,
)

# (spelling, the address it denotes): how `inet_aton` and IPv6 read them.
SPELLINGS = [
    ("127.0.0.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),  # decimal
    ("0x7f000001", "127.0.0.1"),  # hex
    ("0X7F000001", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),  # octal
    ("0177.0000.0000.0001", "127.0.0.1"),
    ("0x7f.0.0.1", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"),  # short forms
    ("127.1", "127.0.0.1"),
    ("127.0.1", "127.0.0.1"),
    ("127.0.0.1.", "127.0.0.1"),  # trailing dot
    ("127.000.000.001", "127.0.0.1"),  # leading zeros: octal zero
    ("0", "0.0.0.0"),
    ("0x", "0.0.0.0"),
    ("0.0.0.0", "0.0.0.0"),
    ("[::1]", "::1"),
    ("::1", "::1"),
    ("[0:0:0:0:0:0:0:1]", "::1"),
    ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),  # IPv4-mapped
    ("[::ffff:7f00:1]", "::ffff:7f00:1"),
    ("[64:ff9b::7f00:1]", "64:ff9b::7f00:1"),  # NAT64
    ("[2002:7f00:1::]", "2002:7f00:1::"),  # 6to4
    ("169.254.169.254", "169.254.169.254"),
    ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
    ("2852039166", "169.254.169.254"),
    ("10.1", "10.0.0.1"),
    ("0300.0250.0.1", "192.168.0.1"),
]

NON_PUBLIC = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "2002:a9fe:a9fe::",
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo carrying 127.0.0.1
    "169.254.169.254",
    "fe80::1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "100.127.255.254",
    "fc00::1",
    "fd12:3456::1",
    "224.0.0.1",
    "ff02::1",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
]


@pytest.mark.parametrize(("spelling", "address"), SPELLINGS)
def test_every_numeric_spelling_is_read_as_the_address_it_denotes(spelling, address):
    assert str(parse_address(spelling)) == address
    assert normalise_host(spelling) == address


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public_addresses_have_a_reason(address):
    assert forbidden_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert forbidden_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "host",
    [
        "256.1.1.1",
        "08.1.1.1",
        "1.2.3.4.5",
        "1.2.3.0x1g",
        "exa mple.com",
        "a/b",
        "user@host",
        "[::1%eth0]",
        "",
        "a..b",
    ],
)
def test_what_is_neither_an_address_nor_a_name_is_refused_before_any_resolving(host):
    with pytest.raises(OutboundRefused):
        normalise_host(host)
    assert host_problem(host) is not None


def test_names_are_normalised_once():
    assert normalise_host("LocalHost.") == "localhost"
    assert normalise_host("Api.Example.COM..") == "api.example.com"
    assert normalise_host("bücher.example") == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    "url",
    ["http://[zz]", "http://[zz]/x", "http://example.com:99999/", "https://example.com:0/", "http://exa mple.com/",
     "ftp://example.com/", "https://u:p@example.com/", "https:///nohost", "http://256.1.1.1/", 42],
)  # fmt: skip
def test_unusable_urls_have_a_reason_without_any_resolving(url):
    assert url_problem(url) is not None


def test_ports_are_checked():
    assert port_problem(None) is None and port_problem(993) is None and port_problem("587") is None
    assert port_problem(0) and port_problem(99999) and port_problem(True) and port_problem("x") and port_problem(1.5)


# -- the allow-list --------------------------------------------------------------------------------


def test_allow_entries_are_networks_or_exact_host_port_pairs():
    assert parse_allow_entry("10.0.0.0/8") == ipaddress.ip_network("10.0.0.0/8")
    assert parse_allow_entry("127.0.0.1") == ipaddress.ip_network("127.0.0.1/32")
    assert parse_allow_entry("::1/128") == ipaddress.ip_network("::1/128")
    assert parse_allow_entry("127.0.0.1:8100") == ("127.0.0.1", 8100)
    assert parse_allow_entry("[::1]:8100") == ("::1", 8100)
    assert parse_allow_entry("Sandbox.Lan.:993") == ("sandbox.lan", 993)
    assert parse_allow_entry("2130706433:8100") == ("127.0.0.1", 8100)  # one spelling per address
    for bad in ("bogus", "127.0.0.1:99999", "127.0.0.1:", "10.0.0.0/33", "exa mple:80", ""):
        with pytest.raises(ValueError):
            parse_allow_entry(bad)


def test_the_setting_reads_json_and_comma_separated_values(monkeypatch):
    assert split_allow_setting("127.0.0.0/8, 127.0.0.1:8100,") == ["127.0.0.0/8", "127.0.0.1:8100"]
    assert split_allow_setting('["10.0.0.0/8", "[::1]:9"]') == ["10.0.0.0/8", "[::1]:9"]
    assert split_allow_setting("") == []
    # The environment, as the process reads it at start: a bare network used to crash the parse.
    monkeypatch.setenv("HOURGLASS_OUTBOUND_ALLOWED", "127.0.0.0/8")
    assert Settings(_env_file=None).outbound_allowed == ["127.0.0.0/8"]  # type: ignore[call-arg]
    monkeypatch.setenv("HOURGLASS_OUTBOUND_ALLOWED", '["127.0.0.1:8100", "10.0.0.0/8"]')
    assert Settings(_env_file=None).outbound_allowed == ["127.0.0.1:8100", "10.0.0.0/8"]  # type: ignore[call-arg]
    monkeypatch.delenv("HOURGLASS_OUTBOUND_ALLOWED")
    monkeypatch.setenv("HOURGLASS_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")  # the deprecated name
    assert Settings(_env_file=None).outbound_allowed == ["127.0.0.0/8", "::1/128"]  # type: ignore[call-arg]
    monkeypatch.setenv("HOURGLASS_WEBHOOK_ALLOWED_NETWORKS", "not-an-entry")
    with pytest.raises(ValueError, match="not-an-entry"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_an_exact_pair_admits_that_address_and_port_only():
    allowed = parse_allow_list(["127.0.0.1:8100"])
    assert allowed.admits("127.0.0.1", ipaddress.ip_address("127.0.0.1"), 8100)
    assert allowed.admits("::ffff:7f00:1", ipaddress.ip_address("::ffff:127.0.0.1"), 8100)  # same destination
    assert not allowed.admits("127.0.0.1", ipaddress.ip_address("127.0.0.1"), 8101)
    assert not allowed.admits("127.0.0.2", ipaddress.ip_address("127.0.0.2"), 8100)
    assert not allowed.admits("::1", ipaddress.ip_address("::1"), 8100)


# -- the policy, with fake resolvers ---------------------------------------------------------------


def resolver_of(table: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such name")
        return table[host]

    return resolve


async def test_every_spelling_of_loopback_is_refused_without_an_allow_list():
    policy = OutboundPolicy(resolver=resolver_of({"localhost": ["127.0.0.1", "::1"]}))
    for spelling, _ in SPELLINGS:
        with pytest.raises(OutboundRefused):
            await policy.check_host(spelling, 443)
    with pytest.raises(OutboundRefused):
        await policy.check_host("localhost.", 443)


async def test_refusals_never_say_what_a_name_resolves_to():
    policy = OutboundPolicy(
        resolver=resolver_of({"internal.corp": ["10.20.30.40"], "mixed.example": ["93.184.215.14", "10.0.0.7"]})
    )
    messages = []
    for name in ("internal.corp", "mixed.example", "nxdomain.example"):
        with pytest.raises(OutboundRefused) as refused:
            await policy.check_host(name, 443)
        messages.append(str(refused.value).replace(name, "NAME"))
    assert "10.20.30.40" not in "".join(messages) and "10.0.0.7" not in "".join(messages)
    # A private answer, a mixed one and no answer at all read alike: no probing of internal names.
    assert len(set(messages)) == 1


async def test_refusals_do_not_depend_on_the_port():
    policy = OutboundPolicy(["127.0.0.1:8100"])
    messages = set()
    for port in (22, 5432, 6379, 8101, 65535):
        with pytest.raises(OutboundRefused) as refused:
            await policy.check_host("127.0.0.1", port)
        messages.add(str(refused.value))
    assert len(messages) == 1 and "5432" not in messages.pop()


async def test_a_public_name_is_pinned_to_the_address_that_was_checked():
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    policy = OutboundPolicy(resolver=rebinding)
    target = await policy.resolve("https://API.Example.:8443/v2/x?y=1")
    assert (target.host, target.address, target.port) == ("api.example", "93.184.215.14", 8443)
    assert target.pinned_url == "https://93.184.215.14:8443/v2/x?y=1"
    assert target.host_header == "api.example:8443"
    policy.forget()
    with pytest.raises(OutboundRefused):  # the second answer (rebinding to loopback) is judged anew
        await policy.resolve("https://api.example:8443/")


async def test_plain_http_only_to_allow_listed_destinations():
    policy = OutboundPolicy(["127.0.0.1:8100"], resolver=resolver_of({"api.example": ["93.184.215.14"]}))
    with pytest.raises(OutboundRefused, match="https"):
        await policy.resolve("http://api.example/")
    assert (await policy.resolve("https://api.example/")).address == "93.184.215.14"
    assert (await policy.resolve("http://127.0.0.1:8100/")).address == "127.0.0.1"
    assert (await policy.resolve("http://[::ffff:127.0.0.1]:8100/")).address == "127.0.0.1"
    with pytest.raises(OutboundRefused):
        await policy.resolve("http://127.0.0.1:8101/")


async def test_an_allow_listed_name_admits_what_it_resolves_to_on_that_port_only():
    policy = OutboundPolicy(["sandbox.lan:993"], resolver=resolver_of({"sandbox.lan": ["10.9.8.7"]}))
    assert await policy.check_host("Sandbox.Lan.", 993) == "10.9.8.7"
    with pytest.raises(OutboundRefused):
        await policy.check_host("sandbox.lan", 25)


async def test_a_resolver_that_never_answers_is_a_refusal(monkeypatch):
    import asyncio

    from api.kit import outbound

    monkeypatch.setattr(outbound, "_RESOLVE_TIMEOUT_SECONDS", 0.01)

    async def hangs(host: str, port: int) -> list[str]:
        await asyncio.Event().wait()
        return []

    with pytest.raises(OutboundRefused, match="does not resolve to a public address"):
        await OutboundPolicy(resolver=hangs).check_host("slow.example", 443)

"""The SSRF corpus: every spelling of a non-public address is refused, before and at delivery time,
and the sender connects to the address that was checked."""

import ipaddress

import pytest

from api.kit.outbound import OutboundPolicy as SsrfGuard
from api.kit.outbound import OutboundRefused as TargetRefused
from api.kit.outbound import forbidden_reason
from api.webhook.sender import WebhookSender
from tests.webhook.receiver import receiver

REFUSED_URLS = [
    "https://127.0.0.1/",
    "https://localhost/",  # a name resolving to 127.0.0.1 (and ::1)
    "https://[::1]/",
    "https://0.0.0.0/",
    "https://2130706433/",  # decimal 127.0.0.1
    "https://0x7f000001/",  # hex
    "https://0177.0.0.1/",  # octal
    "https://0x7f.1/",
    "https://127.1/",
    "https://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "https://[::ffff:7f00:1]/",
    "https://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "https://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://[fe80::1]/",
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",  # carrier-grade NAT
    "https://[fc00::1]/",
    "https://224.0.0.1/",
    "https://255.255.255.255/",
    "https://[::]/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
async def test_non_public_targets_are_refused(url):
    with pytest.raises(TargetRefused):
        await SsrfGuard().resolve(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "https://user:pass@example.com/",
        "https:///nohost",
        "http://93.184.215.14/",  # public, but plain http is only for allow-listed networks
        "https://example.com:99999/",
        "https://exa mple.com/",
    ],
)
async def test_malformed_or_unsafe_urls_are_refused(url):
    with pytest.raises(TargetRefused):
        await SsrfGuard().resolve(url)


async def test_a_name_with_one_private_address_among_public_ones_is_refused():
    async def resolver(host, port):
        return ["93.184.215.14", "10.0.0.7"]

    with pytest.raises(TargetRefused) as refused:
        await SsrfGuard(resolver=resolver).resolve("https://mixed.example/")
    assert "10.0.0.7" not in str(refused.value)  # never say what a name resolves to


async def test_public_https_target_is_pinned_to_the_checked_address():
    async def resolver(host, port):
        return ["93.184.215.14"]

    target = await SsrfGuard(resolver=resolver).resolve("https://hooks.example:8443/in?x=1")
    assert target.address == "93.184.215.14"
    assert target.pinned_url == "https://93.184.215.14:8443/in?x=1"
    assert target.host_header == "hooks.example:8443"


async def test_allow_list_admits_loopback_and_plain_http_there_only():
    guard = SsrfGuard(["127.0.0.0/8"])
    assert (await guard.resolve("http://127.0.0.1:9/x")).address == "127.0.0.1"
    # the mapped spelling is the same address, so the same decision
    assert (await guard.resolve("http://[::ffff:127.0.0.1]:9/x")).address == "127.0.0.1"
    with pytest.raises(TargetRefused):
        await guard.resolve("http://169.254.169.254/")
    with pytest.raises(TargetRefused):
        await guard.resolve("http://[::1]/")  # ::1 is not in 127.0.0.0/8


def test_forbidden_reason_is_pure_and_explains():
    allowed = [ipaddress.ip_network("127.0.0.0/8")]
    assert forbidden_reason(ipaddress.ip_address("8.8.8.8")) is None
    assert "link-local" in forbidden_reason(ipaddress.ip_address("169.254.169.254"))
    assert "carrier-grade" in forbidden_reason(ipaddress.ip_address("100.100.1.1"))
    assert forbidden_reason(ipaddress.ip_address("127.0.0.1"), allowed) is None
    assert "inside" in forbidden_reason(ipaddress.ip_address("::ffff:10.0.0.1"), allowed)


async def test_dns_rebinding_at_delivery_time_is_refused_and_nothing_is_sent():
    """The name was public when the endpoint was created; at delivery it resolves to loopback."""
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])

    async def rebinding(host, port):
        return next(answers)

    async with receiver() as r:
        guard = SsrfGuard(resolver=rebinding)
        await guard.resolve(f"https://rebind.example:{r.port}/hook")  # creation-time check passes
        guard._cache.clear()
        result = await WebhookSender(guard).post(f"https://rebind.example:{r.port}/hook", b"{}", {})
    assert result.status_code is None and result.error.startswith("refused")
    assert r.requests == []


async def test_redirects_are_never_followed(settings):
    """A receiver answering 302 to the metadata address (or to another loopback server) is a failed
    attempt; the redirect target gets nothing."""
    async with receiver() as inner:
        async with receiver(status=302, headers={"location": inner.url}) as outer:
            sender = WebhookSender(SsrfGuard(settings.outbound_allowed))
            result = await sender.post(outer.url, b"{}", {})
            outer.headers["location"] = "http://169.254.169.254/latest/meta-data/"
            second = await sender.post(outer.url, b"{}", {})
            await sender.aclose()
    assert result.status_code == 302 and "not followed" in result.error
    assert second.status_code == 302
    assert len(outer.requests) == 2 and inner.requests == []


async def test_sender_connects_to_the_pinned_address_with_the_original_host_header(settings):
    """A name the system resolver would send elsewhere: the request still goes to the checked IP."""

    async def resolver(host, port):
        return ["127.0.0.1"]

    async with receiver() as r:
        sender = WebhookSender(SsrfGuard(["127.0.0.0/8"], resolver=resolver))
        result = await sender.post(f"http://hooks.invalid:{r.port}/hook", b"{}", {})
        await sender.aclose()
    assert result.status_code == 200, result.error
    assert r.requests[0].headers["host"] == f"hooks.invalid:{r.port}"

"""Address checks: the crawler must never be turned against the network it runs in.

A feed URL (or a redirect) pointing at 10.0.0.1, 169.254.169.254 or localhost would let any
outlet make us probe internal services (SSRF). So every host is resolved and *every* resolved
address must be public; `allow_hosts` (host names, IPs or CIDR networks, each optionally with
a port) opens exceptions. Open a port, not a host: `127.0.0.1` would let any outlet's
redirect reach the review UI or PostgreSQL on the same machine, `127.0.0.1:8808` does not.

Two checks, like Miniflux: `check_url` runs before each hop so a refusal is reported with a
clear reason before any connection; `GuardedBackend` repeats the check inside the connection
pool and then connects to the very address it checked, which closes DNS rebinding (a name
that resolves to a public address for the check and a private one for the connect).
The TLS server name stays the original host, so certificates are still verified by name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore
import httpx

from core.netaddr import split_entry

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
ALLOWED_SCHEMES = frozenset({"http", "https"})


class GuardError(Exception):
    """A URL refused by the guard; `code` is the FetchResult error code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class AllowList:
    """The parsed `allow_hosts` setting: names match the URL host, networks its addresses;
    each entry opens every port or only the one it names (`127.0.0.1:8808`)."""

    names: frozenset[tuple[str, int | None]] = frozenset()
    networks: tuple[tuple[IPNetwork, int | None], ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        names: set[tuple[str, int | None]] = set()
        nets: list[tuple[IPNetwork, int | None]] = []
        for raw in entries:
            if not raw.strip():
                continue
            host, port = split_entry(raw)
            try:
                nets.append((ipaddress.ip_network(host, strict=False), port))
            except ValueError:
                names.add((host, port))
        return cls(frozenset(names), tuple(nets))

    def allows_name(self, host: str, port: int | None = None) -> bool:
        h = host.lower().rstrip(".")
        return (h, None) in self.names or (port is not None and (h, port) in self.names)

    def allows_ip(self, ip: IPAddress, port: int | None = None) -> bool:
        return any(
            ip.version == net.version and ip in net and (p is None or p == port)
            for net, p in self.networks
        )


def non_public_reason(ip: IPAddress) -> str | None:
    """Why an address must not be crawled, or None when it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return non_public_reason(ip.ipv4_mapped)
    for attr, label in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, attr):
            return label
    if not ip.is_global:
        return "non-global"
    return None


def check_ip(ip: IPAddress, host: str, allow: AllowList, port: int | None = None) -> None:
    """Raise GuardError("private_address") unless `ip` is public or allowed on `port`."""
    reason = non_public_reason(ip)
    if reason and not (allow.allows_name(host, port) or allow.allows_ip(ip, port)):
        where = f"{host} is" if host == str(ip) else f"{host} resolves to {ip},"
        on = f"port {port}; " if port is not None else ""
        raise GuardError(
            "private_address",
            f"{where} a {reason} address: refused ({on}allow_hosts can open it)",
        )


async def resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses of `host` (an IP literal resolves to itself), via the loop's resolver."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise GuardError("dns", f"cannot resolve host {host}: {exc}") from exc
    # getaddrinfo may add a scope id ("fe80::1%eth0"); ip_address does not accept it
    addrs = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addrs:
        raise GuardError("dns", f"host {host} has no address")
    return list(dict.fromkeys(addrs))


async def check_host(host: str, port: int, allow: AllowList) -> list[IPAddress]:
    """Resolve `host` and refuse it if any address is non-public (and not allowed)."""
    addrs = await resolve(host, port)
    for ip in addrs:
        check_ip(ip, host, allow, port)
    return addrs


def split_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or GuardError("bad_scheme"/"bad_url")."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise GuardError("bad_url", f"malformed URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise GuardError(
            "bad_scheme", f"scheme {scheme or '(none)'!r} refused: only http and https"
        )
    if not parts.hostname:
        raise GuardError("bad_url", f"URL {url!r} has no host")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


async def check_url(url: str, allow: AllowList) -> None:
    """The pre-flight check run on the first URL and on every redirect target."""
    _, host, port = split_url(url)
    await check_host(host, port, allow)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that checks addresses at connect time and pins the checked IP."""

    def __init__(self, allow: AllowList, inner: httpcore.AsyncNetworkBackend | None = None):
        self._allow = allow
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(  # type: ignore[override]
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addrs = await check_host(host, port, self._allow)
        last: Exception | None = None
        for ip in addrs:
            try:
                return await self._inner.connect_tcp(
                    str(ip), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                logger.debug("connect to %s (%s) failed: %s", host, ip, exc)
        assert last is not None
        raise last

    async def connect_unix_socket(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise GuardError("bad_scheme", "unix sockets are not crawled")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(allow: AllowList, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose pool connects only through GuardedBackend.

    httpx exposes no `network_backend` argument, so the pool is rebuilt with the same options
    httpx would use; `trust_env=False` keeps environment proxies from bypassing the guard.
    """
    transport = httpx.AsyncHTTPTransport(trust_env=False, limits=limits)
    transport._pool = httpcore.AsyncConnectionPool(  # noqa: SLF001 - see docstring
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(allow),
    )
    return transport

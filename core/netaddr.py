"""Address and host[:port] parsing shared by settings validation and the code that uses them.

Kept on the ground floor so `[crawler] allow_hosts` and `[review] trusted_proxies` are
checked at load with the very parsers the crawler's guard and the login limit use.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def split_entry(raw: str) -> tuple[str, int | None]:
    """An allow_hosts entry as (host, port or None for any port); ValueError when malformed.

    Forms: `name`, `name:port`, `1.2.3.4`, `1.2.3.4:port`, `10.0.0.0/8`, `10.0.0.0/8:port`,
    `::1`, `[::1]`, `[::1]:port` (an IPv6 address with a port needs the brackets).
    """
    entry = raw.strip().lower()
    if not entry:
        raise ValueError("empty allow_hosts entry")
    host, port = entry, None
    if entry.startswith("["):
        inside, sep, rest = entry[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"allow_hosts entry {raw!r}: expected [IPv6] or [IPv6]:port")
        host, port_text = inside, rest[1:] if rest else None
    elif entry.count(":") == 1:
        host, port_text = entry.split(":")
    else:
        port_text = None
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"allow_hosts entry {raw!r}: port must be 1-65535")
        port = int(port_text)
    if not host:
        raise ValueError(f"allow_hosts entry {raw!r} has no host")
    return host.rstrip("."), port


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """`trusted_proxies` entries (addresses or CIDR networks); ValueError names a bad one."""
    out = []
    for e in entries:
        try:
            out.append(ipaddress.ip_network(e.strip(), strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {e!r} is not an IP address or CIDR network") from None
    return tuple(out)


__all__ = ["Network", "parse_networks", "split_entry"]

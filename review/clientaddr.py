"""The client's address as the login limit must see it, through trusted reverse proxies only.

Behind nginx every request comes from the proxy's address, so a per-address limit would be
one limit for everybody; but X-Forwarded-For is written by the client too, so it is believed
only when the peer is a configured proxy, and read from the right: the last address that is
not itself a trusted proxy is the one that connected to them.
"""

from __future__ import annotations

import ipaddress

from core.netaddr import Network, parse_networks


def _trusted(addr: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in proxies)


def client_address(
    peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]
) -> str:
    """The address to rate-limit: the peer, or the first untrusted hop X-Forwarded-For names."""
    addr = peer or "unknown"
    if not forwarded_for or not _trusted(addr, proxies):
        return addr
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return addr  # garbage in the header: fall back to the proxy itself
    return addr


__all__ = ["client_address", "parse_networks"]

"""Whether a host name or address is this machine (the gateway's production checks and the
action server's bind check share the one rule)."""

from __future__ import annotations

import ipaddress


def is_local_host(host: str) -> bool:
    """Whether ``host`` (a name or an address, no port) is this machine."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

"""Rate limits per client address and per conversation, and who the client is.

Moving windows from the ``limits`` package: in Redis when the gateway has a Redis URL (every
replica counts in the same keys), in memory otherwise. A refused request raises
:class:`~gateway.errors.RateLimited` (429 with ``Retry-After``) before anything is stored, and
a refused hit is not counted, so a client that waits ``Retry-After`` gets through.

:func:`client_address` is the one place that decides a client's address: the socket's peer,
or, when that peer is a trusted proxy, the right-most untrusted address of
``X-Forwarded-For``.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.requests import HTTPConnection

from gateway.errors import RateLimited

if TYPE_CHECKING:
    from gateway.settings import GatewaySettings, RateLimitSettings

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# what each limit counts, as the refusal names it
LIMITED = {
    "conversations_per_address": "new conversations from your address",
    "messages_per_address": "messages from your address",
    "messages_per_conversation": "messages in this conversation",
    "sockets_per_address": "chat connections from your address",
    "sockets_per_conversation": "chat connections to this conversation",
    "signin_per_address": "sign-in attempts from your address",
    "signin_failures_per_address": "failed sign-ins from your address",
}


# -- the client's address -----------------------------------------------------------------


@lru_cache(maxsize=32)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    """BATON_TRUSTED_PROXIES parsed (a bare address is a one-address network)."""
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(value: str) -> Address | None:
    value = value.strip().strip('"')
    if value.startswith("["):  # [v6]:port
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def forwarded_client(peer: str, forwarded_for: Sequence[str], trusted: Iterable[Network]) -> str:
    """The client behind ``peer``: from the right of ``X-Forwarded-For`` (each header value
    in order), the first address that is not a trusted proxy. Only a trusted ``peer``'s
    header is read; an entry that is not an address ends the walk at the hop before it."""
    networks = tuple(trusted)
    peer_address = _parse(peer)
    if peer_address is None:
        return peer
    if not any(peer_address in network for network in networks):
        return str(peer_address)
    chain = [item for value in forwarded_for for item in value.split(",") if item.strip()]
    client = peer_address
    for item in reversed(chain):
        address = _parse(item)
        if address is None:
            break
        client = address
        if not any(address in network for network in networks):
            break
    return str(client)


def client_address(connection: HTTPConnection) -> str:
    """The address of the client of ``connection`` (a request or a websocket)."""
    peer = connection.client.host if connection.client else "unknown"
    services = getattr(connection.app.state, "services", None)
    proxies = tuple(services.settings.trusted_proxies) if services is not None else ()
    if not proxies:
        return peer
    return forwarded_client(
        peer, connection.headers.getlist("x-forwarded-for"), trusted_networks(proxies)
    )


def request_scheme(connection: HTTPConnection) -> str:
    """``http`` or ``https`` as the client used it: a trusted proxy's ``X-Forwarded-Proto``
    (a TLS proxy in front speaks plain http to the gateway), else the connection's own."""
    services = getattr(connection.app.state, "services", None)
    proxies = tuple(services.settings.trusted_proxies) if services is not None else ()
    peer = _parse(connection.client.host) if connection.client else None
    forwarded = connection.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    trusted = peer is not None and any(peer in net for net in trusted_networks(proxies))
    if trusted and forwarded in ("http", "https"):
        return forwarded
    return connection.url.scheme


def address_key(address: str) -> str:
    """What a per-address limit counts: the address, or its /64 for IPv6 (one subscriber
    has a whole /64, and would otherwise have 2^64 separate limits)."""
    parsed = _parse(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed) if parsed is not None else address


# -- the limiter --------------------------------------------------------------------------


def storage_url(redis_url: str | None) -> str:
    """The ``limits`` storage for the gateway's Redis URL (None: in memory)."""
    if redis_url is None:
        return "async+memory://"
    scheme, rest = redis_url.split("://", 1)
    scheme = {"redis": "redis", "rediss": "rediss", "unix": "redis+unix"}.get(scheme, scheme)
    return f"async+{scheme}://{rest}"


@dataclass(frozen=True, slots=True)
class Refusal:
    what: str  # the limit's words (LIMITED)
    retry_after: int  # whole seconds, at least 1


class RateLimits:
    """The gateway's limits; one per app, built when it starts (``create``)."""

    def __init__(self, settings: RateLimitSettings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(storage)
        self.enabled = settings.enabled
        # every limit parsed now: a malformed one stops the start with its name
        self.items: dict[str, list[RateLimitItem]] = {}
        for name in LIMITED:
            value = getattr(settings, name)
            try:
                self.items[name] = parse_many(value)
            except ValueError as exc:
                raise ValueError(
                    f"BATON_RATE_LIMIT_{name.upper()}={value!r} is not a rate limit such as "
                    "'20/minute;200/hour'"
                ) from exc

    @classmethod
    def create(cls, settings: GatewaySettings) -> RateLimits:
        kwargs: dict[str, str] = {}
        if settings.redis_url is not None:
            kwargs = {"implementation": "redispy", "key_prefix": "baton:limits"}
        storage = storage_from_string(storage_url(settings.redis_url), **kwargs)
        assert isinstance(storage, Storage)  # an async+ scheme gives an async storage
        return cls(settings.rate_limit, storage)

    async def close(self) -> None:
        client = getattr(self.storage, "storage", None)  # redis-py's client, in Redis storage
        close = getattr(client, "aclose", None)
        if close is not None:
            await close()

    async def hit(self, name: str, key: str, *, force: bool = False) -> Refusal | None:
        """Count one request of limit ``name`` for ``key``; a Refusal (and nothing counted)
        when any window of the limit is full. ``force``: counted even when turned off."""
        if not (self.enabled or force):
            return None
        items = self.items[name]
        for item in items:
            if not await self.limiter.test(item, name, key):
                return await self._refusal(name, key)
        for item in items:
            if not await self.limiter.hit(item, name, key):  # a replica filled it meanwhile
                return await self._refusal(name, key)
        return None

    async def exhausted(self, name: str, key: str) -> Refusal | None:
        """A Refusal if limit ``name`` is full for ``key`` (nothing counted)."""
        for item in self.items[name]:
            if not await self.limiter.test(item, name, key):
                return await self._refusal(name, key)
        return None

    async def _refusal(self, name: str, key: str) -> Refusal:
        wait = 1.0
        for item in self.items[name]:
            stats = await self.limiter.get_window_stats(item, name, key)
            if stats.remaining <= 0:
                wait = max(wait, stats.reset_time - time.time())
        log.debug("rate limit %s reached for %s", name, key)
        return Refusal(LIMITED[name], max(1, math.ceil(wait)))

    async def check(self, name: str, key: str) -> None:
        """``hit``, raising RateLimited on a refusal."""
        refusal = await self.hit(name, key)
        if refusal is not None:
            raise RateLimited(refusal.what, refusal.retry_after)


def limits_of(connection: HTTPConnection) -> RateLimits:
    limits: RateLimits = connection.app.state.limits
    return limits


async def per_address(connection: HTTPConnection, name: str) -> None:
    """Raise RateLimited when ``connection``'s address has used up limit ``name``."""
    await limits_of(connection).check(name, address_key(client_address(connection)))


async def per_conversation(connection: HTTPConnection, name: str, conversation_id: str) -> None:
    await limits_of(connection).check(name, conversation_id)


async def new_conversation_allowed(connection: HTTPConnection) -> None:
    """A FastAPI dependency of the routes that create a web chat conversation."""
    await per_address(connection, "conversations_per_address")

"""``python -m gateway``'s sockets: one port of its own, or one shared with the other
gateways of the machine (SO_REUSEPORT) plus its own for health checks."""

from __future__ import annotations

import socket

import pytest

from gateway.__main__ import listening_sockets
from gateway.settings import GatewaySettings
from tests.services import free_port


def test_gateways_sharing_a_port_each_bind_it_and_their_own() -> None:
    shared = free_port()
    own = [free_port(), free_port()]
    opened = [
        listening_sockets(GatewaySettings(port=shared, share_port=True, own_port=port))
        for port in own
    ]
    try:
        assert [[s.getsockname()[1] for s in pair] for pair in opened] == [
            [shared, own[0]], [shared, own[1]],
        ]  # fmt: skip
    finally:
        for sock in (s for pair in opened for s in pair):
            sock.close()


def test_a_gateway_that_does_not_share_its_port_keeps_it_to_itself() -> None:
    port = free_port()
    (first,) = listening_sockets(GatewaySettings(port=port))
    try:
        first.listen()
        with pytest.raises(OSError):
            listening_sockets(GatewaySettings(port=port, share_port=True))
    finally:
        first.close()


def test_the_sockets_are_tcp_on_the_configured_host() -> None:
    (sock,) = listening_sockets(GatewaySettings(host="127.0.0.1", port=free_port()))
    try:
        assert sock.type == socket.SOCK_STREAM and sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()

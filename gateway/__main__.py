"""``python -m gateway``: serve the gateway with uvicorn on BATON_HOST:BATON_PORT (and on
BATON_OWN_PORT, when several gateways share BATON_PORT)."""

from __future__ import annotations

import socket

import uvicorn

from gateway.app import create_app
from gateway.logging import configure_logging
from gateway.settings import GatewaySettings, load_settings


def listening_sockets(settings: GatewaySettings) -> list[socket.socket]:
    """The bound sockets the gateway serves: its port (shared with the other gateways of
    this machine when ``share_port``), and its own port when one is set."""
    ports = [(settings.port, settings.share_port)]
    if settings.own_port is not None:
        ports.append((settings.own_port, False))
    sockets = []
    for port, shared in ports:
        family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((settings.host, port))
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        # chat frames are a few hundred bytes: compressing each one for every console costs
        # more CPU than the bandwidth it saves
        ws_per_message_deflate=False,
        # the client's address is gateway.limits.client_address's to decide (from
        # BATON_TRUSTED_PROXIES); uvicorn's own X-Forwarded-For handling would trust 127.0.0.1
        proxy_headers=False,
    )
    uvicorn.Server(config).run(sockets=listening_sockets(settings))


if __name__ == "__main__":
    main()

"""A small round-robin TCP balancer in front of several replicas of one HTTP service.

``baton run`` puts one in front of its action servers when it starts several (Rasa's
endpoints file names one action server URL). Each new connection goes to the next replica;
a replica that refuses the connection (stopped, restarting) is skipped and left out for a
few seconds, and the connection goes to the next one, so a client never notices a replica
that is down unless all are (then it gets a 503, with ``Retry-After``). Bytes are copied as
they are: keep-alive connections stay on their replica, and a replica that dies mid-request
closes its clients' connections, as it would without the balancer.

``python -m baton.balancer --listen 127.0.0.1:5055 --backend 127.0.0.1:5056 ...``. On
several machines, HAProxy or nginx does this job (docs/production.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger("baton.balancer")

# how long connecting to a replica may take before the next one is tried (loopback or LAN)
CONNECT_TIMEOUT = 1.0
# how long a replica that refused a connection is left out
DOWN_SECONDS = 2.0
_CHUNK = 64 * 1024
UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: application/json\r\n"
    b"Retry-After: 1\r\n"
    b"Connection: close\r\n"
    b"Content-Length: 46\r\n"
    b"\r\n"
    b'{"error": "no replica of this service is up"}\n'
)


@dataclass(slots=True)
class Backend:
    host: str
    port: int
    down_until: float = 0.0
    connections: int = 0  # open now

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def address(text: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:5056`` for IPv6) as a pair; ``ValueError`` otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not host:port")
    return host.strip("[]"), int(port)


class Balancer:
    def __init__(
        self,
        backends: Sequence[tuple[str, int]],
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        down_seconds: float = DOWN_SECONDS,
    ) -> None:
        if not backends:
            raise ValueError("a balancer needs at least one backend")
        self.backends = [Backend(host, port) for host, port in backends]
        self._connect_timeout = connect_timeout
        self._down_seconds = down_seconds
        self._next = 0

    def order(self, now: float) -> list[Backend]:
        """The replicas to try for a new connection: from the next in turn, those not left
        out first; then those left out (one may be back before its time is up)."""
        start = self._next
        self._next = (self._next + 1) % len(self.backends)
        turn = self.backends[start:] + self.backends[:start]
        return [b for b in turn if b.down_until <= now] + [b for b in turn if b.down_until > now]

    async def connect(
        self,
    ) -> tuple[Backend, asyncio.StreamReader, asyncio.StreamWriter] | None:
        for backend in self.order(time.monotonic()):
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(backend.host, backend.port), self._connect_timeout
                )
            except (OSError, TimeoutError) as exc:
                if backend.down_until <= time.monotonic():
                    log.warning("replica %s refused a connection (%s): left out", backend, exc)
                backend.down_until = time.monotonic() + self._down_seconds
                continue
            backend.down_until = 0.0
            return backend, reader, writer
        return None

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            chosen = await self.connect()
            if chosen is None:
                log.error("no replica is up: %s", ", ".join(map(str, self.backends)))
                client_w.write(UNAVAILABLE)
                with contextlib.suppress(OSError):
                    await client_w.drain()
                return
            backend, upstream_r, upstream_w = chosen
            backend.connections += 1
            try:
                await asyncio.gather(_copy(client_r, upstream_w), _copy(upstream_r, client_w))
            finally:
                backend.connections -= 1
                _close(upstream_w)
        finally:
            _close(client_w)

    async def serve(self, host: str, port: int, stop: asyncio.Event) -> None:
        server = await asyncio.start_server(self.handle, host, port, reuse_address=True)
        log.info("balancing %s:%d over %s", host, port, ", ".join(str(b) for b in self.backends))
        async with server:
            await stop.wait()


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy until ``source`` ends, then pass the end on (a half-close stays a half-close)."""
    try:
        while chunk := await source.read(_CHUNK):
            sink.write(chunk)
            await sink.drain()
        if sink.can_write_eof():
            sink.write_eof()
    except (OSError, RuntimeError):
        # one side went away (reset, or closed while writing): end the other side too
        _close(sink)


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, RuntimeError):
        writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m baton.balancer", description=__doc__)
    parser.add_argument("--listen", required=True, help="host:port to accept connections on")
    parser.add_argument(
        "--backend", action="append", required=True, help="host:port of a replica (repeat)"
    )
    args = parser.parse_args(argv)
    try:
        host, port = address(args.listen)
        backends = [address(b) for b in args.backend]
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await Balancer(backends).serve(host, port, stop)

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

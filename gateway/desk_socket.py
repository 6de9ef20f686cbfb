"""The desk stream: every logged event, live, for agent consoles and supervisors.

A console connects with its agent token and the last ``seq`` it saw; it first receives
every event after that from the log, then live ones, each exactly once and in order.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from gateway.bus import DESK_TOPIC, Event
from gateway.services import ServicesDep
from gateway.wire import error_event

CLOSE_INVALID_TOKEN = 4401


def create_router() -> APIRouter:
    router = APIRouter()

    @router.websocket("/ws/desk")
    async def desk(
        websocket: WebSocket, services: ServicesDep, token: str = "", after: int = 0
    ) -> None:
        agent = await services.agents.by_token(token) if token else None
        await websocket.accept()
        if agent is None:
            await websocket.send_json(
                error_event("invalid_token", "The agent token is missing or unknown.")
            )
            await websocket.close(code=CLOSE_INVALID_TOKEN)
            return
        async with services.bus.subscribe(DESK_TOPIC) as live:
            # subscribed first: whatever is logged from now on is in `live` or in the catch-up
            last = after
            while True:
                backlog = await services.store.events.since(last, limit=1000)
                for event in backlog:
                    await websocket.send_json(event.wire())
                    last = event.seq
                if len(backlog) < 1000:
                    break
            await websocket.send_json({"type": "caught_up", "seq": last})
            reader = asyncio.create_task(_drain_client(websocket))
            try:
                while not reader.done():
                    getter = asyncio.create_task(live.get())
                    done, _ = await asyncio.wait(
                        {getter, reader}, return_when=asyncio.FIRST_COMPLETED
                    )
                    if getter not in done:
                        getter.cancel()
                        break
                    frame: Event = getter.result()
                    seq = frame.get("seq")
                    if not isinstance(seq, int):
                        await websocket.send_json(frame)  # ephemeral (typing): not logged
                        continue
                    if seq <= last:
                        continue  # already sent from the log
                    if seq > last + 1:
                        # published out of order by concurrent writers; every number below
                        # `seq` is committed (see handoff.events), so fill the gap from the log
                        for event in await services.store.events.since(last, limit=seq - last - 1):
                            await websocket.send_json(event.wire())
                    await websocket.send_json(frame)
                    last = seq
            except WebSocketDisconnect:
                pass
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader

    return router


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and ignore) client frames until the socket closes; pings keep it alive."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == '{"type":"ping"}':
            await websocket.send_json({"type": "pong"})

"""The desk stream: every logged event, live, for agent consoles and supervisors.

A console connects with its session cookie (from its own origin only) or an agent token,
and the last ``seq`` it saw; it first receives every event after that from the log, then
live ones, each exactly once and in order — those of the conversations the agent may see
(``agent_console.access.Visibility``; a supervisor sees every one).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Literal

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from agent_console.access import (
    SESSION_COOKIE,
    DeskUser,
    Visibility,
    desk_user,
    same_origin,
    session_user,
    token_user,
)
from gateway.bus import DESK_TOPIC, Event
from gateway.errors import GatewayError
from gateway.services import Services, ServicesDep
from gateway.wire import error_event

CLOSE_INVALID_TOKEN = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403


async def _authorise(websocket: WebSocket, services: Services, token: str) -> DeskUser | None:
    """The desk user behind a token or a session cookie; None (and the socket closed) if
    none."""
    if not token and SESSION_COOKIE in websocket.cookies:
        # a cookie rides along with any page's websocket: only the console's own may use it
        if not same_origin(websocket, services.settings.console_allowed_origins):
            await websocket.close(code=CLOSE_FORBIDDEN_ORIGIN)
            return None
        try:
            user = await desk_user(services, await session_user(websocket, services))
        except GatewayError as exc:
            await websocket.accept()
            await websocket.send_json(error_event(exc.code, exc.message))
            await websocket.close(code=CLOSE_INVALID_TOKEN)
            return None
        await websocket.accept()
        return user
    try:
        found = await token_user(services, token) if token else None
    except GatewayError as exc:
        await websocket.accept()
        await websocket.send_json(error_event(exc.code, exc.message))
        await websocket.close(code=CLOSE_INVALID_TOKEN)
        return None
    await websocket.accept()
    if found is None:
        await websocket.send_json(
            error_event("invalid_token", "The agent token or session is missing or unknown.")
        )
        await websocket.close(code=CLOSE_INVALID_TOKEN)
    return found


def create_router() -> APIRouter:
    router = APIRouter()

    @router.websocket("/ws/desk")
    async def desk(
        websocket: WebSocket,
        services: ServicesDep,
        token: str = "",
        after: int = -1,
        scope: Literal["all", "mine"] = "all",
    ) -> None:
        """``after``: the last seq the console saw (a reconnect catches up from it); left
        out, the stream starts now. ``scope=mine``: the details of a conversation (messages,
        NLU, suggestions, notes, typing…) only for those this agent owns; queue and owner
        events for all (an agent's page; supervisors and integrations take ``all``). Either way,
        only the events of conversations the agent may see (``agent_console.access``)."""
        user = await _authorise(websocket, services, token)
        if user is None:
            return
        agent = user.agent
        mine = (
            MineOnly(agent.id, {c.id for c in await services.store.assigned_to(agent.id)})
            if scope == "mine"
            else None
        )
        visibility = Visibility(services, user)

        async def send(frame: Event) -> None:
            # both see every ownership event (each follows ownership changes)
            allowed = await visibility.admits(frame)
            if (mine is None or mine.wants(frame)) and allowed:
                await websocket.send_json(frame)

        async with services.bus.subscribe(DESK_TOPIC) as live:
            # subscribed first: whatever is logged from now on is in `live` or in the catch-up
            last = after if after >= 0 else await services.store.events.last_seq()
            while True:
                backlog = await services.store.events.since(last, limit=1000)
                await visibility.learn({e.conversation_id for e in backlog})
                for event in backlog:
                    await send(event.wire())
                    last = event.seq
                if len(backlog) < 1000:
                    break
            await websocket.send_json({"type": "caught_up", "seq": last})
            reader = asyncio.create_task(_drain_client(websocket))
            ordered = InOrderEvents(last)
            try:
                while not reader.done():
                    getter = asyncio.create_task(live.get())
                    done, _ = await asyncio.wait(
                        {getter, reader},
                        timeout=ordered.patience(),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    if reader in done:
                        getter.cancel()
                        break
                    if getter not in done:
                        getter.cancel()
                        # a gap outlived its patience: its events are in the log
                        for event in await services.store.events.since(
                            ordered.last, limit=ordered.gap_size()
                        ):
                            ordered.add(event.wire())
                        ordered.give_up_gap()
                    else:
                        frame: Event = getter.result()
                        if not isinstance(frame.get("seq"), int):
                            await send(frame)  # ephemeral (typing): not logged
                            continue
                        ordered.add(frame)
                    for ready in ordered.release():
                        await send(ready)
            except WebSocketDisconnect:
                pass
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader

    return router


class MineOnly:
    """Which events an agent's page needs: everything about the queue and ownership, and the
    details only of the conversations the agent owns (followed as ownership changes)."""

    DETAILS = frozenset(
        {
            "message",
            "nlu",
            "suggestions",
            "suggestion_outcomes",
            "typing",
            "note",
            "identity",
            "language",
        }
    )

    def __init__(self, agent_id: str, owned: set[str]) -> None:
        self.agent_id = agent_id
        self.owned = owned

    def wants(self, frame: Event) -> bool:
        conversation_id = frame.get("conversation_id")
        if frame.get("type") == "owner" and conversation_id:
            if frame.get("owner") == "assigned" and frame.get("agent_id") == self.agent_id:
                self.owned.add(conversation_id)
            else:
                self.owned.discard(conversation_id)
        return frame.get("type") not in self.DETAILS or conversation_id in self.owned


class InOrderEvents:
    """Releases logged events in ``seq`` order, each once.

    Concurrent writers (and gateway replicas) publish in commit order only roughly: an event
    may arrive before the one numbered just below it. It waits here for the missing one, which
    is normally a few milliseconds behind; after ``GAP_PATIENCE`` seconds the console reads it
    from the event log instead (its publisher may have died between commit and publish); a
    number the log does not hold either (pruned, or rolled back) is skipped.
    """

    GAP_PATIENCE = 0.25

    def __init__(self, last: int) -> None:
        self.last = last
        self._waiting: dict[int, Event] = {}
        self._gap_since: float | None = None

    def add(self, frame: Event) -> None:
        seq = frame["seq"]
        if seq > self.last and seq not in self._waiting:
            self._waiting[seq] = frame

    def release(self) -> list[Event]:
        ready = []
        while self.last + 1 in self._waiting:
            self.last += 1
            ready.append(self._waiting.pop(self.last))
        loop = asyncio.get_running_loop()
        if not self._waiting:
            self._gap_since = None
        elif self._gap_since is None or ready:
            self._gap_since = loop.time()
        return ready

    def patience(self) -> float | None:
        """Seconds to wait for live events before reading a gap from the log (None: no gap)."""
        if self._gap_since is None:
            return None
        elapsed = asyncio.get_running_loop().time() - self._gap_since
        return max(0.0, self.GAP_PATIENCE - elapsed)

    def gap_size(self) -> int:
        return min(self._waiting) - self.last - 1

    def give_up_gap(self) -> None:
        """After reading the log: numbers it lacks were never committed or were pruned."""
        if self._waiting:
            self.last = max(self.last, min(self._waiting) - 1)


async def _drain_client(websocket: WebSocket) -> None:
    """Read (and ignore) client frames until the socket closes; pings keep it alive."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == '{"type":"ping"}':
            await websocket.send_json({"type": "pong"})

"""The gateway's client of the Rasa server: one customer turn in, the bot's replies and NLU out."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from gateway.gate import TrafficGate
from handoff.records import Button, Entity, Nlu

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer (down, restarting, timed out or failing)."""


@dataclass(frozen=True, slots=True)
class BotReply:
    """One message the bot sends; ``custom`` carries control payloads such as a handoff."""

    text: str = ""
    buttons: list[Button] = field(default_factory=list)
    image: str | None = None
    custom: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class BotTurn:
    replies: list[BotReply]
    nlu: Nlu | None
    # the form the bot is running after this turn (the identity form, say), when known
    active_loop: str | None = None
    # a custom action returned Rasa's ConversationPaused: the bot hands the conversation over
    paused: bool = False
    # the tracker's slots after the turn (the identity the bot gathered), when known
    slots: dict[str, Any] = field(default_factory=dict)


def parse_replies(items: list[dict[str, Any]]) -> list[BotReply]:
    """Turn Rasa's REST channel output into replies (pure, no I/O)."""
    replies: list[BotReply] = []
    for item in items:
        buttons: list[Button] = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in item.get("buttons") or ()
        ]
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else None
        text = str(item.get("text") or "")
        previous = replies[-1] if replies else None
        if (
            custom is not None
            and "article" in custom
            and not (text or buttons or item.get("image"))
            and previous is not None
            and previous.custom is None
            and (previous.text or previous.buttons)
        ):
            # Rasa's REST channel sends a message's `custom` part after its text, as a
            # message of its own: an article belongs to the answer it came with
            replies[-1] = replace(previous, custom=custom)
            continue
        replies.append(BotReply(text=text, buttons=buttons, image=item.get("image"), custom=custom))
    return replies


def parse_latest_message(tracker: dict[str, Any]) -> Nlu | None:
    """The NLU result of the tracker's latest user message (pure, no I/O)."""
    latest = tracker.get("latest_message") or {}
    intent = latest.get("intent") or {}
    if not intent.get("name"):
        return None
    entities: list[Entity] = []
    for e in latest.get("entities") or ():
        entity: Entity = {"entity": e.get("entity"), "value": e.get("value")}
        for key in ("start", "end", "extractor"):
            if key in e:
                entity[key] = e[key]  # type: ignore[literal-required]
        entities.append(entity)
    confidence = intent.get("confidence")
    return Nlu(
        intent=intent["name"],
        confidence=float(confidence) if confidence is not None else None,
        entities=entities,
    )


def active_loop(tracker: dict[str, Any]) -> str | None:
    """The name of the form the tracker is running, or None (pure, no I/O)."""
    loop = tracker.get("active_loop") or {}
    name = loop.get("name") if isinstance(loop, dict) else None
    return str(name) if name else None


def set_before_session_start(tracker: object, slots: Mapping[str, Any]) -> bool:
    """Whether Rasa started the tracker's session after the ``slots`` were stamped (pure).

    Rasa stamps the events a client appends when it reads the request, and starts the
    session of a new conversation after that; SQL and Redis tracker stores then read back
    only the events stamped since the session started, so the slots would be gone at the
    next turn. Appending them once more stamps them inside the session."""
    events = tracker.get("events") if isinstance(tracker, dict) else None
    if not isinstance(events, list):
        return False
    started = [
        e.get("timestamp", 0) for e in events
        if isinstance(e, dict) and e.get("event") == "session_started"
    ]  # fmt: skip
    if not started:
        return False
    appended = events[-len(slots) :] if slots else []  # the request's own, last
    return any(
        isinstance(e, dict) and e.get("event") == "slot" and e.get("timestamp", 0) < max(started)
        for e in appended
    )


# how many conversations' slots the client remembers having set (an LRU: a conversation it
# forgot, or one another gateway served, costs one extra call to set them again)
SLOTS_REMEMBERED = 10_000


class RasaClient:
    """Talks to ``rasa run --enable-api`` over its REST channel and HTTP API."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
        token: str | None = None,
    ) -> None:
        # Rasa's --auth-token: a query parameter on every call to its HTTP API
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            params={"token": token} if token else None,
        )
        self.token = token
        # closed while the model is swapped (retraining.deploy): calls wait, none is lost
        self.gate = TrafficGate()
        self._slots_set: OrderedDict[str, dict[str, Any]] = OrderedDict()
        # time.monotonic() of Rasa's latest successful answer (a turn, a parse, a probe):
        # readiness reads it instead of waiting for a Rasa that may be busy
        self.answered_at: float | None = None

    def _answered(self) -> None:
        self.answered_at = time.monotonic()

    def answered_within(self, seconds: float) -> bool:
        """Whether Rasa answered successfully in the last ``seconds``."""
        return self.answered_at is not None and time.monotonic() - self.answered_at <= seconds

    async def send(
        self, conversation_id: str, message: str, slots: Mapping[str, Any] | None = None
    ) -> BotTurn:
        """Deliver one customer message and return the bot's replies and understanding.

        ``slots`` (the conversation's language, say) are set in the tracker first, when the
        tracker may not have them yet."""
        async with self.gate.passage():
            if slots:
                await self._set_slots(conversation_id, slots)
            turn = await self._send(conversation_id, message)
            if slots and any(turn.slots.get(k) != v for k, v in slots.items() if turn.slots):
                # a new session without carried-over slots, say: set them again next turn
                self._slots_set.pop(conversation_id, None)
            return turn

    async def _set_slots(self, conversation_id: str, slots: Mapping[str, Any]) -> None:
        known = self._slots_set.get(conversation_id)
        if known is not None and all(known.get(k) == v for k, v in slots.items()):
            self._slots_set.move_to_end(conversation_id)
            return
        events = [{"event": "slot", "name": name, "value": value} for name, value in slots.items()]
        try:
            # a conversation this client has not set slots in may be new to Rasa too: the
            # events come back, to see whether the session started under them
            response = await self._http.post(
                f"/conversations/{conversation_id}/tracker/events",
                params={"include_events": "NONE" if known is not None else "AFTER_RESTART"},
                json=events,
            )
            response.raise_for_status()
            if known is None and set_before_session_start(response.json(), slots):
                response = await self._http.post(
                    f"/conversations/{conversation_id}/tracker/events",
                    params={"include_events": "NONE"},
                    json=events,
                )
                response.raise_for_status()
        except (httpx.HTTPError, ValueError) as exc:
            # the turn still goes ahead (the bot answers in its default language); a Rasa
            # that is down fails at the turn itself, with the usual notice
            log.warning("could not set %s in Rasa's tracker: %s", ", ".join(slots), exc)
            return
        self._slots_set[conversation_id] = {**(known or {}), **slots}
        self._slots_set.move_to_end(conversation_id)
        while len(self._slots_set) > SLOTS_REMEMBERED:
            self._slots_set.popitem(last=False)

    async def _send(self, conversation_id: str, message: str) -> BotTurn:
        try:
            response = await self._http.post(
                "/webhooks/rest/webhook", json={"sender": conversation_id, "message": message}
            )
            response.raise_for_status()
            replies = parse_replies(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
        self._answered()
        # The replies are already produced; a failure to read the NLU trail loses only the trail.
        try:
            response = await self._http.get(
                f"/conversations/{conversation_id}/tracker", params={"include_events": "NONE"}
            )
            response.raise_for_status()
            tracker = response.json()
        except (httpx.HTTPError, ValueError):
            return BotTurn(replies=replies, nlu=None)
        slots = tracker.get("slots")
        return BotTurn(
            replies=replies,
            nlu=parse_latest_message(tracker),
            active_loop=active_loop(tracker),
            paused=tracker.get("paused") is True,
            slots=slots if isinstance(slots, dict) else {},
        )

    async def parse(self, text: str) -> Nlu | None:
        """What the NLU understands of ``text``, outside any conversation (the bot stays
        silent: used while a human owns the conversation)."""
        try:
            async with self.gate.passage():
                response = await self._http.post("/model/parse", json={"text": text})
            response.raise_for_status()
            nlu = parse_latest_message({"latest_message": response.json()})
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
        self._answered()
        return nlu

    async def trigger_intent(
        self, conversation_id: str, intent: str, entities: dict[str, str]
    ) -> BotTurn:
        """Make the bot act as if the customer expressed ``intent`` (e.g. a handoff trigger)."""
        try:
            async with self.gate.passage():
                response = await self._http.post(
                    f"/conversations/{conversation_id}/trigger_intent",
                    json={"name": intent, "entities": entities},
                )
            response.raise_for_status()
            replies = parse_replies(response.json().get("messages") or [])
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
        self._answered()
        return BotTurn(replies=replies, nlu=None)

    async def resume(self, conversation_id: str) -> None:
        """Append ConversationResumed: the bot answers again, with the slots it had."""
        try:
            async with self.gate.passage():
                response = await self._http.post(
                    f"/conversations/{conversation_id}/tracker/events",
                    params={"include_events": "NONE"},
                    json=[{"event": "resume"}],
                )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc

    async def healthy(self, wait: float = 2.0) -> bool:
        """Ask Rasa's ``/status`` (at most ``wait`` seconds); a 200 counts as an answer."""
        try:
            response = await self._http.get("/status", timeout=wait)
        except httpx.HTTPError:
            return False
        if response.status_code != 200:
            return False
        self._answered()
        return True

    async def close(self) -> None:
        await self._http.aclose()

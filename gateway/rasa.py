"""The gateway's client of the Rasa server: one customer turn in, the bot's replies and NLU out."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import httpx

from gateway.gate import TrafficGate
from handoff.records import Button, Entity, Nlu

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not answer (down, restarting, timed out or failing)."""


class RasaBusy(RasaUnavailable):
    """Every replica has as many turns in flight and waiting as it may: the turn was not
    sent (shed at once rather than left to wait into the timeout)."""


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
# a replica that refused a connection is tried last for this long (then as before)
REPLICA_RETRY_SECONDS = 5.0
# failures that mean the request never reached the replica: safe to send to another one
# (a read timeout or a dropped answer is not: that replica may have taken the turn)
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class Replica:
    """One Rasa server of the assistant, and what the gateway has seen of it."""

    url: str
    http: httpx.AsyncClient
    # turns this gateway sends it at once, and how many more may wait for one of those
    # (0: no limit)
    concurrency: int = 0
    queue: int = 0
    answered_at: float | None = None  # time.monotonic() of its latest successful answer
    refused_at: float | None = None  # of its latest connection failure since it answered
    in_flight: int = 0
    waiting: int = 0
    _turns: asyncio.Semaphore | None = field(default=None, repr=False)

    def full(self) -> bool:
        """Whether a turn sent now would wait beyond the queue."""
        return self.concurrency > 0 and (
            self.in_flight >= self.concurrency and self.waiting >= self.queue
        )

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold one of its turn places (waiting in its queue for one); raises ``RasaBusy``
        when the queue is full too."""
        if self.concurrency <= 0:
            yield
            return
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.concurrency)
        if self.full():
            raise RasaBusy(
                f"Rasa at {self.url}: {self.in_flight} turns in flight, {self.waiting} waiting"
            )
        self.waiting += 1
        try:
            await self._turns.acquire()
        finally:
            self.waiting -= 1
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            self._turns.release()

    def answered_within(self, seconds: float) -> bool:
        """Answered in the last ``seconds`` and has not refused a connection since."""
        return (
            self.answered_at is not None
            and self.refused_at is None
            and time.monotonic() - self.answered_at <= seconds
        )

    def answered(self) -> None:
        self.answered_at = time.monotonic()
        self.refused_at = None

    def refused(self) -> None:
        """It could not be reached: tried last for ``REPLICA_RETRY_SECONDS``."""
        self.refused_at = time.monotonic()

    def refused_recently(self) -> bool:
        return (
            self.refused_at is not None
            and time.monotonic() - self.refused_at < REPLICA_RETRY_SECONDS
        )


def preference(key: str, urls: Sequence[str]) -> list[int]:
    """The replicas' order for ``key`` (a conversation id), by rendezvous hashing (pure): a
    conversation keeps its replica, and when one replica goes only its conversations move,
    spread over the others."""

    def weight(index: int) -> bytes:
        return hashlib.blake2b(f"{key}\x00{urls[index]}".encode(), digest_size=8).digest()

    return sorted(range(len(urls)), key=weight, reverse=True)


class RasaClient:
    """Talks to ``rasa run --enable-api`` over its REST channel and HTTP API.

    With several ``base_url`` (Rasa replicas sharing one tracker store and a Redis lock
    store): a conversation's calls go to its replica by rendezvous hashing; a call that
    could not reach one (connection refused or timed out before sending) goes to the next,
    and a replica that refused is tried last for a few seconds. Any replica may take any
    turn: the lock store keeps one conversation's turns in order."""

    def __init__(
        self,
        base_url: str | Sequence[str],
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
        token: str | None = None,
        concurrency: int = 0,
        queue: int = 0,
    ) -> None:
        """``concurrency`` turns at once per replica, ``queue`` more waiting; beyond that a
        turn is refused at once with ``RasaBusy`` (0: no limit)."""
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("no Rasa server to talk to")
        # Rasa's --auth-token: a query parameter on every call to its HTTP API
        self.replicas = [
            Replica(
                url.rstrip("/"),
                httpx.AsyncClient(
                    base_url=url,
                    timeout=timeout,
                    transport=transport,
                    params={"token": token} if token else None,
                ),
                concurrency=concurrency,
                queue=queue,
            )
            for url in urls
        ]
        self._urls = [r.url for r in self.replicas]
        self._turn = 0  # round robin for calls of no conversation
        self.token = token
        # closed while the model is swapped (retraining.deploy): calls wait, none is lost
        self.gate = TrafficGate()
        self._slots_set: OrderedDict[str, dict[str, Any]] = OrderedDict()

    @property
    def answered_at(self) -> float | None:
        """When some replica last answered (readiness reads it instead of waiting for a
        Rasa that may be busy)."""
        times = [r.answered_at for r in self.replicas if r.answered_at is not None]
        return max(times) if times else None

    @answered_at.setter
    def answered_at(self, value: float | None) -> None:
        for replica in self.replicas:
            replica.answered_at = value

    def answered_within(self, seconds: float) -> bool:
        """Whether some Rasa replica answered successfully in the last ``seconds``."""
        return any(r.answered_within(seconds) for r in self.replicas)

    def _order(self, key: str | None) -> list[Replica]:
        if len(self.replicas) == 1:
            return self.replicas
        if key is None:
            self._turn = (self._turn + 1) % len(self.replicas)
            order = self.replicas[self._turn :] + self.replicas[: self._turn]
        else:
            order = [self.replicas[i] for i in preference(key, self._urls)]
        # stable: the replicas that just refused go last, in the same order
        return sorted(order, key=Replica.refused_recently)

    async def _call(
        self,
        key: str | None,
        method: str,
        path: str,
        replica: Replica | None = None,
        turn: bool = False,
        **kwargs: Any,
    ) -> tuple[Replica, httpx.Response]:
        """One HTTP call to ``key``'s replica (or to ``replica``), to the next one when it
        cannot be reached; raises the last failure (``httpx.HTTPError``). A ``turn`` takes a
        place at the replica (the next one when its queue is full; ``RasaBusy`` when all are)."""
        candidates = [replica] if replica is not None else self._order(key)
        if turn and len(candidates) > 1:
            # a full replica is passed over for one with room, in the same order otherwise
            candidates = sorted(candidates, key=Replica.full)
        for index, candidate in enumerate(candidates):
            try:
                if turn:
                    async with candidate.turn():
                        response = await candidate.http.request(method, path, **kwargs)
                else:
                    response = await candidate.http.request(method, path, **kwargs)
            except _NOT_SENT as exc:
                candidate.refused()
                if index + 1 == len(candidates):
                    raise
                log.warning("Rasa at %s unreachable (%s): trying the next", candidate.url, exc)
                continue
            response.raise_for_status()
            return candidate, response
        raise AssertionError("unreachable: no replica to call")  # candidates is never empty

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
        path = f"/conversations/{conversation_id}/tracker/events"
        try:
            # a conversation this client has not set slots in may be new to Rasa too: the
            # events come back, to see whether the session started under them
            replica, response = await self._call(
                conversation_id,
                "POST",
                path,
                params={"include_events": "NONE" if known is not None else "AFTER_RESTART"},
                json=events,
            )
            if known is None and set_before_session_start(response.json(), slots):
                await self._call(
                    conversation_id,
                    "POST",
                    path,
                    replica=replica,
                    params={"include_events": "NONE"},
                    json=events,
                )
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
            replica, response = await self._call(
                conversation_id,
                "POST",
                "/webhooks/rest/webhook",
                turn=True,
                json={"sender": conversation_id, "message": message},
            )
            replies = parse_replies(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
        replica.answered()
        # The replies are already produced; a failure to read the NLU trail loses only the trail.
        try:
            _, response = await self._call(
                conversation_id,
                "GET",
                f"/conversations/{conversation_id}/tracker",
                params={"include_events": "NONE"},
            )
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
                replica, response = await self._call(
                    None, "POST", "/model/parse", turn=True, json={"text": text}
                )
            nlu = parse_latest_message({"latest_message": response.json()})
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
        replica.answered()
        return nlu

    async def trigger_intent(
        self, conversation_id: str, intent: str, entities: dict[str, str]
    ) -> BotTurn:
        """Make the bot act as if the customer expressed ``intent`` (e.g. a handoff trigger)."""
        try:
            async with self.gate.passage():
                replica, response = await self._call(
                    conversation_id,
                    "POST",
                    f"/conversations/{conversation_id}/trigger_intent",
                    turn=True,
                    json={"name": intent, "entities": entities},
                )
            replies = parse_replies(response.json().get("messages") or [])
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
        replica.answered()
        return BotTurn(replies=replies, nlu=None)

    async def resume(self, conversation_id: str) -> None:
        """Append ConversationResumed: the bot answers again, with the slots it had."""
        try:
            async with self.gate.passage():
                await self._call(
                    conversation_id,
                    "POST",
                    f"/conversations/{conversation_id}/tracker/events",
                    params={"include_events": "NONE"},
                    json=[{"event": "resume"}],
                )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc

    async def healthy(self, wait: float = 2.0) -> bool:
        """Ask every replica's ``/status`` (at most ``wait`` seconds); whether one answered
        with a 200."""
        answers = await asyncio.gather(*(self._probe(r, wait) for r in self.replicas))
        return any(answers)

    async def probe_stale(self, seconds: float, wait: float) -> None:
        """Ask ``/status`` of each replica that has not answered in the last ``seconds``
        (one that is down, starting or idle): a replica that comes back is seen at once
        while the others keep answering customers."""
        stale = [r for r in self.replicas if not r.answered_within(seconds)]
        await asyncio.gather(*(self._probe(r, wait) for r in stale))

    async def _probe(self, replica: Replica, wait: float) -> bool:
        try:
            response = await replica.http.get("/status", timeout=wait)
        except _NOT_SENT:
            replica.refused()  # down
            return False
        except httpx.HTTPError:
            return False  # busy, say: its latest answer still counts
        if response.status_code != 200:
            return False
        replica.answered()
        return True

    def replica_health(self, window: float) -> dict[str, Literal["ok", "unavailable"]]:
        """Each replica's URL and whether it answered within ``window`` seconds."""
        return {r.url: "ok" if r.answered_within(window) else "unavailable" for r in self.replicas}

    async def close(self) -> None:
        await asyncio.gather(*(r.http.aclose() for r in self.replicas))

"""Demo history: plays conversations through the real, running stack so the dashboards have
data.

Every customer message goes through the web chat REST API to the gateway, the real Rasa
server and the action server; handoffs are the bot's own; agents claim, reply and resolve
through the handoff API; surveys are answered by clicking their buttons. Some customers
leave while queued (the demo closes those from the queue at the end: no agent ever took
them), some come back with the same email (a re-contact). The run is deterministic for a
seed: each customer's script is drawn from a generator seeded with (seed, customer number).

``days`` > 0 spreads the history over the last N days honestly: each customer's
conversations are played now, then all their stored times (conversation, messages,
handoffs, surveys) are moved back together by one offset, so every duration within them is
the one measured. The event log (what live consoles replay) and Rasa's tracker keep the real
times.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analytics.demo_texts import DemoTexts
from analytics.models import SurveyRow
from handoff.agents import AgentDirectory, token_hash
from handoff.models import AgentRow, ConversationRow, HandoffRow, MessageRow

FIRST = ["Anna", "Ben", "Chloe", "Dev", "Elif", "Finn", "Grace", "Hugo", "Ines", "Jonas",
         "Kemal", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven",
         "Tara"]  # fmt: skip
LAST = ["Schmidt", "Okafor", "Nguyen", "Rossi", "Kowalski", "Haddad", "Larsen", "Silva",
        "Tanaka", "Dubois", "Meyer", "Singh", "Garcia", "Novak", "Berg"]  # fmt: skip
GIBBERISH = ["blorp the frobnicator", "qwxz zzkt", "purple monkey dishwasher sideways",
             "hmm", "asdf jkl", "the thing with the stuff"]  # fmt: skip
AGENT_OPENERS = [
    "Hi {first}, I'm {agent} and I'll take it from here.",
    "Hello {first}! {agent} here, let me look into this for you.",
    "Thanks for waiting, {first}. I'm {agent}.",
]
AGENT_REASKS = [
    "Could you confirm your email address?",
    "What's your name, please?",
    "Can you give me the order number again?",
]
AGENT_ANSWERS = [
    "I've checked it: everything is sorted now and you'll get a confirmation email shortly.",
    "I've issued the refund; it reaches your account within 5 working days.",
    "I've updated the delivery for you, it now arrives on Friday.",
    "I've sent you a prepaid return label by email.",
    "The replacement is on its way with express delivery, at no cost.",
]
CUSTOMER_AFTER = ["ok, thanks", "great, thank you!", "perfect", "alright", "thanks a lot"]
# scenario: weight ("lookup": the bot looks something up, e.g. an order's status;
# "always_human": a request a person always answers)
SCENARIOS = {
    "knowledge_helped": 32,
    "knowledge_rejected": 8,
    "lookup": 14,
    "human": 14,
    "always_human": 6,
    "unclear": 8,
    "left_quietly": 6,
    "abandoned": 6,
    "recontact": 6,
}


# how long a demo run waits for a just-started gateway to see its Rasa
RASA_WAIT_SECONDS = 30


class DemoError(RuntimeError):
    """The demo cannot run (the stack is not reachable, ...): the message says why."""


@dataclass
class DemoReport:
    customers: int = 0
    conversations: int = 0
    messages: int = 0
    handoffs: int = 0
    resolved: int = 0
    abandoned: int = 0
    recontacts: int = 0
    surveys_answered: int = 0
    scenarios: dict[str, int] = field(default_factory=dict)


@dataclass
class DemoAgent:
    id: str
    name: str
    headers: dict[str, str]


async def ensure_agents(
    sessions: async_sessionmaker[AsyncSession], count: int, queues: list[str]
) -> list[DemoAgent]:
    """Demo agents demo-1..N (serving every queue); a new API token for each, every run."""
    directory = AgentDirectory(sessions)
    agents = []
    for n in range(1, count + 1):
        agent_id, name = f"demo-{n}", f"{FIRST[(n * 7) % len(FIRST)]} (demo)"
        async with sessions() as session:
            exists = await session.get(AgentRow, agent_id) is not None
        if not exists:
            _, token = await directory.add(agent_id, name, queues, capacity=20)
        else:
            token = secrets.token_urlsafe(32)
            async with sessions.begin() as session:
                await session.execute(
                    update(AgentRow)
                    .where(AgentRow.id == agent_id)
                    .values(token_hash=token_hash(token))
                )
        agents.append(DemoAgent(agent_id, name, {"Authorization": f"Bearer {token}"}))
    return agents


def _refused_by_limits(response: httpx.Response) -> None:
    if response.status_code == 429:
        raise DemoError(
            "the gateway's rate limits refused the demo's customers (they all come from this "
            "machine's address): start the stack with BATON_RATE_LIMIT_ENABLED=false to play "
            "the demo history"
        )


class Chat:
    """One customer conversation over the web chat REST API."""

    def __init__(self, http: httpx.AsyncClient, conversation_id: str, token: str) -> None:
        self.http = http
        self.id = conversation_id
        self.auth = {"Authorization": f"Bearer {token}"}
        self.sent = 0

    @classmethod
    async def open(cls, http: httpx.AsyncClient) -> Chat:
        response = await http.post("/api/conversations")
        _refused_by_limits(response)
        response.raise_for_status()
        body = response.json()
        return cls(http, body["id"], body["token"])

    async def say(self, text: str, payload: str | None = None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"text": text} | ({"payload": payload} if payload else {})
        response = await self.http.post(
            f"/api/conversations/{self.id}/messages", json=body, headers=self.auth
        )
        _refused_by_limits(response)
        response.raise_for_status()
        self.sent += 1
        replies: list[dict[str, Any]] = response.json()["replies"]
        return replies

    async def state(self) -> dict[str, Any]:
        response = await self.http.get(f"/api/conversations/{self.id}", headers=self.auth)
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state


def _button(replies: list[dict[str, Any]], prefix: str) -> list[dict[str, str]]:
    for reply in replies:
        buttons = [
            b for b in reply.get("buttons") or [] if str(b.get("payload", "")).startswith(prefix)
        ]
        if buttons:
            return buttons
    return []


@dataclass
class Customer:
    number: int
    rng: random.Random
    first: str
    last: str
    email: str
    order: str
    scenario: str

    @classmethod
    def make(
        cls,
        seed: int,
        number: int,
        values: tuple[str, ...] = (),
        skip: frozenset[str] = frozenset(),
    ) -> Customer:
        rng = random.Random(f"{seed}:{number}")
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{number}@example.com".lower()
        playable = {name: weight for name, weight in SCENARIOS.items() if name not in skip}
        scenario = rng.choices(list(playable), weights=list(playable.values()))[0]
        order = rng.choice(values) if values else str(rng.randint(10000, 99999))
        return cls(number, rng, first, last, email, order, scenario)

    @property
    def conversations(self) -> int:
        return 2 if self.scenario == "recontact" else 1


def unplayable(texts: DemoTexts) -> frozenset[str]:
    """The scenarios this assistant has no intents (or phrases) for."""
    i = texts.intents
    missing = {
        "knowledge_helped": not texts.help_questions(),
        "knowledge_rejected": not texts.help_questions(),
        "lookup": not texts.of(i.lookup),
        "human": not texts.of(i.human),
        "abandoned": not texts.of(i.human),
        "always_human": not texts.of(i.always_human),
        "unclear": len(texts.help_questions()) < 2,
        "left_quietly": not texts.help_questions(),
        "recontact": not texts.of(i.lookup),
    }
    return frozenset(name for name, lacking in missing.items() if lacking)


def plan(seed: int, conversations: int, texts: DemoTexts | None = None) -> list[Customer]:
    """The customers who make up ``conversations`` conversations (one more when the last
    one comes back), playing only what ``texts``' assistant can."""
    values = texts.intents.lookup_values if texts is not None else ()
    skip = unplayable(texts) if texts is not None else frozenset()
    customers: list[Customer] = []
    while sum(c.conversations for c in customers) < conversations:
        customers.append(Customer.make(seed, len(customers), values, skip))
    return customers


class DemoRun:
    def __init__(
        self,
        http: httpx.AsyncClient,
        texts: DemoTexts,
        agents: list[DemoAgent],
        report: DemoReport,
    ) -> None:
        self.http = http
        self.texts = texts
        self.agents = agents
        self.report = report
        self.left_in_queue: list[str] = []

    # -- the customer's side ---------------------------------------------------------------

    async def answer_prompts(
        self, chat: Chat, customer: Customer, replies: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Give the identity form what it asks for until it stops asking."""
        for _ in range(6):
            text = " ".join(str(r.get("text") or "") for r in replies).lower()
            # the order number question mentions the confirmation email: asked first
            if "order number" in text and "?" in text:
                none = _button(replies, self.texts.payload(self.texts.intents.no) or "/")
                if customer.rng.random() < 0.25:
                    replies = await (
                        chat.say(none[0]["title"], none[0]["payload"])
                        if none
                        else chat.say("I don't have one")
                    )
                else:
                    replies = await chat.say(customer.order)
            elif "your name" in text:
                replies = await chat.say(f"{customer.first} {customer.last}")
            elif "email" in text and "?" in text:
                replies = await chat.say(customer.email)
            else:
                return replies
        return replies

    async def owner(self, chat: Chat) -> str:
        return str((await chat.state())["owner"])

    async def survey(
        self, chat: Chat, customer: Customer, replies: list[dict[str, Any]], mood: int
    ) -> None:
        """Answer the survey question in ``replies`` (most customers do); ``mood`` 1-5."""
        for kind in ("/csat", "/effort"):
            buttons = _button(replies, kind)
            if not buttons or customer.rng.random() > (0.75 if kind == "/csat" else 0.85):
                return
            score = max(1, min(5, mood + customer.rng.choice([-1, 0, 0, 0, 1])))
            button = buttons[score - 1]
            replies = await chat.say(button["title"], button["payload"])
            self.report.surveys_answered += 1

    async def sign_off(self, chat: Chat, customer: Customer, mood: int) -> None:
        endings = self.texts.of_any(self.texts.intents.ending) or ["thanks"]
        replies = await chat.say(customer.rng.choice(endings))
        await self.survey(chat, customer, replies, mood)

    # -- the agent's side ------------------------------------------------------------------

    async def agent_takes(self, chat: Chat, customer: Customer, mood: int) -> None:
        """An agent claims the queued conversation, talks, resolves; the customer rates it."""
        rng = customer.rng
        agent = None
        for candidate in rng.sample(self.agents, len(self.agents)):
            response = await self.http.post(
                f"/api/handoff/conversations/{chat.id}/claim", headers=candidate.headers
            )
            if response.status_code == 200:
                agent = candidate
                break
            if response.json().get("error", {}).get("code") != "agent_at_capacity":
                break  # someone (a person at the console) took it first
        if agent is None:
            return

        async def write(text: str) -> None:
            reply = await self.http.post(
                f"/api/handoff/conversations/{chat.id}/messages",
                json={"text": text},
                headers=agent.headers,
            )
            reply.raise_for_status()

        await write(
            rng.choice(AGENT_OPENERS).format(first=customer.first, agent=agent.name.split()[0])
        )
        if rng.random() < 0.15:
            await write(rng.choice(AGENT_REASKS))
            await chat.say(f"{customer.email}, order {customer.order}")
        await chat.say(rng.choice(self.texts.of(self.texts.intents.short_answer) or ["ok"]))
        await write(rng.choice(AGENT_ANSWERS))
        await chat.say(rng.choice(CUSTOMER_AFTER))
        response = await self.http.post(
            f"/api/handoff/conversations/{chat.id}/resolve",
            json={"note": "demo: sorted"},
            headers=agent.headers,
        )
        response.raise_for_status()
        self.report.resolved += 1
        messages = (await chat.state())["messages"]
        await self.survey(chat, customer, messages[-1:], mood)

    async def to_a_person(
        self,
        chat: Chat,
        customer: Customer,
        replies: list[dict[str, Any]],
        mood: int,
        *,
        leaves: bool = False,
    ) -> None:
        """Carry a conversation the bot is handing over through to its end."""
        replies = await self.answer_prompts(chat, customer, replies)
        if await self.owner(chat) == "bot":
            replies = await chat.say("I want to talk to a person")
            replies = await self.answer_prompts(chat, customer, replies)
        if await self.owner(chat) not in ("queued", "assigned"):
            await self.sign_off(chat, customer, mood)
            return
        self.report.handoffs += 1
        if leaves:
            self.left_in_queue.append(chat.id)
            self.report.abandoned += 1
            return
        await self.agent_takes(chat, customer, mood)

    # -- scenarios -------------------------------------------------------------------------

    async def play(self, customer: Customer) -> list[str]:
        """Play one customer's scenario; returns their conversation ids."""
        rng, scenario = customer.rng, customer.scenario
        self.report.scenarios[scenario] = self.report.scenarios.get(scenario, 0) + 1
        chat = await Chat.open(self.http)
        chats = [chat]
        if rng.random() < 0.3:
            await chat.say(rng.choice(self.texts.of(self.texts.intents.opening) or ["hi"]))
        if scenario in ("knowledge_helped", "knowledge_rejected"):
            replies = await chat.say(rng.choice(self.texts.help_questions()))
            yes_payload = self.texts.payload(self.texts.intents.yes)
            no_payload = self.texts.payload(self.texts.intents.no)
            yes = _button(replies, yes_payload) if yes_payload else []
            if scenario == "knowledge_helped" and yes:
                replies = await chat.say(yes[0]["title"], yes[0]["payload"])
                await self.survey(chat, customer, replies, 4)
            elif no_payload and _button(replies, no_payload):
                replies = await chat.say("No", no_payload)
                replies = await chat.say(rng.choice(self.texts.help_questions()))
                no = _button(replies, no_payload)
                if no:
                    replies = await chat.say(no[0]["title"], no[0]["payload"])
                await self.to_a_person(chat, customer, replies, 3)
            else:
                await self.to_a_person(chat, customer, replies, 3)
        elif scenario == "lookup":
            replies = await chat.say(rng.choice(self.texts.of(self.texts.intents.lookup)))
            await self.answer_prompts(chat, customer, replies)
            await self.sign_off(chat, customer, 4)
        elif scenario in ("human", "abandoned"):
            replies = await chat.say(rng.choice(self.texts.of(self.texts.intents.human)))
            await self.to_a_person(chat, customer, replies, 4, leaves=scenario == "abandoned")
        elif scenario == "always_human":
            replies = await chat.say(rng.choice(self.texts.of(self.texts.intents.always_human)))
            await self.to_a_person(chat, customer, replies, 2)
        elif scenario == "unclear":
            # two questions run together, then nonsense: the NLU is rarely sure of either
            first, second = rng.sample(self.texts.help_questions(), 2)
            replies = await chat.say(f"{first.rstrip('?.!')} and {second[0].lower()}{second[1:]}")
            nonsense = GIBBERISH + self.texts.of_any(self.texts.intents.declined)
            replies = await chat.say(rng.choice(nonsense))
            await self.to_a_person(chat, customer, replies, 2, leaves=rng.random() < 0.3)
        elif scenario == "left_quietly":
            await chat.say(rng.choice(self.texts.help_questions()))
        elif scenario == "recontact":
            replies = await chat.say(
                f"where is my order {customer.order}? my email is {customer.email}"
            )
            await self.answer_prompts(chat, customer, replies)
            await self.sign_off(chat, customer, 4)
            again = await Chat.open(self.http)
            chats.append(again)
            self.report.recontacts += 1
            replies = await again.say(
                f"it's me again, {customer.email}: order {customer.order} still hasn't arrived"
            )
            await self.to_a_person(again, customer, replies, 2)
        self.report.customers += 1
        self.report.conversations += len(chats)
        self.report.messages += sum(c.sent for c in chats)
        return [c.id for c in chats]

    async def close_abandoned(self) -> None:
        """Close the conversations whose customers left while queued (nobody took them)."""
        closer = self.agents[0]
        for conversation_id in self.left_in_queue:
            response = await self.http.post(
                f"/api/handoff/conversations/{conversation_id}/resolve",
                json={"note": "demo: the customer left before anyone answered"},
                headers=closer.headers,
            )
            if response.status_code not in (200, 409):
                response.raise_for_status()


async def backdate(
    sessions: async_sessionmaker[AsyncSession], conversation_ids: list[str], by: timedelta
) -> None:
    """Move every stored time of these conversations back by ``by``, in one transaction."""
    async with sessions.begin() as session:
        for table, key, names in (
            (ConversationRow, ConversationRow.id, ("created_at", "updated_at", "queued_at")),
            (MessageRow, MessageRow.conversation_id, ("created_at",)),
            (
                HandoffRow,
                HandoffRow.conversation_id,
                ("created_at", "assigned_at", "first_reply_at", "ended_at"),
            ),
            (SurveyRow, SurveyRow.conversation_id, ("sent_at", "answered_at")),
        ):
            rows = await session.scalars(select(table).where(key.in_(conversation_ids)))
            for row in rows:
                for name in names:
                    value = getattr(row, name)
                    if value is not None:
                        setattr(row, name, value - by)


async def play_history(
    base_url: str,
    sessions: async_sessionmaker[AsyncSession],
    texts: DemoTexts,
    *,
    conversations: int,
    seed: int = 7,
    days: int = 0,
    concurrency: int = 4,
    agents: int = 4,
    progress: Callable[[int], None] | None = None,
    request_seconds: float = 60,
) -> DemoReport:
    """Play about ``conversations`` conversations (customers who come back play two)."""
    report = DemoReport()
    async with httpx.AsyncClient(base_url=base_url, timeout=request_seconds) as http:
        try:
            health = (await http.get("/health")).json()
        except httpx.HTTPError as exc:
            raise DemoError(
                f"no gateway at {base_url} ({exc}); start the stack with `baton run`"
            ) from exc
        for _ in range(RASA_WAIT_SECONDS):  # a stack that just started: Rasa is seen soon
            if health.get("rasa") == "ok":
                break
            await asyncio.sleep(1)
            health = (await http.get("/health")).json()
        if health.get("rasa") != "ok":
            raise DemoError(
                f"the gateway at {base_url} has no Rasa ({health}); wait until it is ready"
            )
        demo_agents = await ensure_agents(sessions, agents, list(texts.queues))
        run = DemoRun(http, texts, demo_agents, report)
        waiting = list(reversed(plan(seed, conversations, texts)))
        played: dict[int, list[str]] = {}

        async def worker() -> None:
            # several customers at once, each one's messages in order
            while waiting:
                customer = waiting.pop()
                played[customer.number] = await run.play(customer)
                if progress is not None:
                    progress(len(played[customer.number]))

        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
        await run.close_abandoned()
    if days > 0:
        for number, ids in sorted(played.items()):
            rng = random.Random(f"{seed}:{number}:when")
            by = timedelta(seconds=rng.uniform(0, days * 86400))
            await backdate(sessions, ids, by)
    return report


async def run_demo(
    *,
    conversations: int,
    seed: int,
    days: int,
    concurrency: int,
    agents: int,
    url: str | None = None,
    database_url: str | None = None,
) -> DemoReport:
    """``baton demo-history``: the stack's own settings, a progress bar, the schema checked."""
    from tqdm import tqdm

    from analytics.demo_texts import load_texts
    from gateway.settings import load_settings
    from handoff.database import create_engine, migrate

    settings = load_settings()
    database_url = database_url or settings.database_url
    url = url or f"http://{settings.host}:{settings.port}"
    await asyncio.to_thread(migrate, database_url)
    engine = create_engine(database_url)
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        with tqdm(total=conversations, unit="conversation", desc="demo history") as bar:
            return await play_history(
                url,
                sessions,
                load_texts(),
                conversations=conversations,
                seed=seed,
                days=days,
                concurrency=concurrency,
                agents=agents,
                progress=bar.update,
            )
    finally:
        await engine.dispose()

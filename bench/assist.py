"""AI-assist latency: customer message → suggestions on the owning agent's console.

    python -m bench.assist [--conversations 50] [--messages 8] [--gap 2.0] [--memory 2000]

Starts the real stack as ``baton run`` does (Rasa with the demo model, the action server,
the gateway with AI assist) on a fresh SQLite database, whose reply memory is first filled
with ``--memory`` past agent replies (the demo bot's NLU examples as customer messages, so
the memory search has realistic neighbours). Then, in one run, two loads side by side:

- ``1 conversation``: one agent-owned conversation, messages one at a time;
- ``N conversations``: N agent-owned conversations at once (agents with room for all), each
  customer writing every ``--gap`` seconds on average (exponential gaps).

Customers post on the web chat REST API; agents follow their console's desk websocket.
Measured per customer message, from the moment it is sent: NLU on the console (Rasa's
``/model/parse`` while the bot stays silent) and suggestions on the console. Prints a table,
writes bench/results/assist.json and a chart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import websockets
import yaml
from sqlalchemy.ext.asyncio import async_sessionmaker

from baton import paths
from baton.knowledge import ensure_index
from baton.processes import start_all, stop
from baton.stack import StackSettings, specs
from baton.testing.services import free_port
from baton.training import ensure_model
from bench.report import draw_chart, machine
from handoff.agents import AgentDirectory
from handoff.database import create_engine, migrate
from handoff.desk import HandoffDesk
from handoff.settings import HandoffSettings

RESULTS = paths.ROOT / "bench" / "results"
TARGET_P95_MS = 300.0
METRICS = {"nlu": "message → NLU on console", "suggestions": "message → suggestions"}


def nlu_examples() -> list[tuple[str, str]]:
    """(intent, text) of the demo bot's NLU data, entity markup removed."""
    examples = []
    for path in sorted((paths.BOT / "data" / "nlu").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            if "intent" in item and isinstance(item.get("examples"), str):
                for line in item["examples"].splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        text = re.sub(r"\[([^\]]+)\][({][^)}]+[)}]", r"\1", line[2:])
                        examples.append((item["intent"], text))
    return examples


async def seed_memory(database_url: str, count: int, examples: list[tuple[str, str]]) -> None:
    """Past resolved conversations: a customer message, the agent's answer."""
    from agent_console.assist import Assistant
    from agent_console.responses import BotResponses
    from handoff.records import Message, Sender

    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    assistant = Assistant(sessions, BotResponses.load(paths.BOT), paths.VAR / "none")
    rng = random.Random(3)
    now = datetime.now(UTC)
    try:
        for n in range(count):
            intent, text = rng.choice(examples)
            reply = f"About {intent.replace('_', ' ')}: here is what I did for you, case {n}."
            transcript = [
                Message(1, f"past-{n}", "web", Sender.CUSTOMER, text, now),
                Message(2, f"past-{n}", "web", Sender.AGENT, reply, now),
            ]
            await assistant.remember(f"past-{n}", transcript)
            if n % 250 == 0:
                print(f"    reply memory: {n}/{count}", flush=True)
    finally:
        assistant.close()
        await engine.dispose()


@dataclass
class Load:
    name: str
    sent: dict[str, float] = field(default_factory=dict)  # client id -> send time
    message_client: dict[int, str] = field(default_factory=dict)  # message id -> client id
    early: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METRICS})

    def saw(self, kind: str, message_id: int, at: float) -> None:
        client = self.message_client.get(message_id)
        if client is None:  # the event came before the message frame: hold it
            self.early.setdefault(kind, []).append((message_id, at))
        elif client in self.sent:  # (not a warm-up message)
            self.latencies[kind].append((at - self.sent[client]) * 1000)

    def resolve_early(self) -> None:
        for kind, held in self.early.items():
            for message_id, at in held:
                client = self.message_client.get(message_id)
                if client in self.sent:
                    self.latencies[kind].append((at - self.sent[client]) * 1000)
        self.early.clear()


async def follow_desk(
    url: str, token: str, owned: set[str], loads: list[Load], ready: asyncio.Event
) -> None:
    """One agent's console: the desk stream carries every conversation; it times its own."""
    # as the agent's page does: details only of the conversations this agent owns
    async with websockets.connect(f"{url}/ws/desk?token={token}&scope=mine", max_size=None) as ws:
        ready.set()
        async for raw in ws:
            at = time.perf_counter()
            event = json.loads(raw)
            if event.get("conversation_id") not in owned:
                continue
            load = loads[-1]
            if event["type"] == "message" and event["message"].get("client_id"):
                load.message_client[event["message"]["id"]] = event["message"]["client_id"]
            elif event["type"] == "nlu":
                load.saw("nlu", event["message_id"], at)
            elif event["type"] == "suggestions":
                load.saw("suggestions", event["message_id"], at)


async def customer(
    http: httpx.AsyncClient, load: Load, cid: str, token: str, texts: list[str], gap: float
) -> None:
    rng = random.Random(cid)
    for text in texts:
        await asyncio.sleep(rng.expovariate(1 / gap) if gap else 0)
        client_id = uuid.uuid4().hex
        load.sent[client_id] = time.perf_counter()
        response = await http.post(
            f"/api/conversations/{cid}/messages",
            json={"text": text, "client_id": client_id},
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        if not gap:
            await asyncio.sleep(1.0)  # one at a time: let the suggestions arrive first


def summary(values: list[float], expected: int) -> dict[str, float | int]:
    data = np.array(values) if values else np.array([np.nan])
    return {
        "count": len(values),
        "expected": expected,
        "p50_ms": round(float(np.nanpercentile(data, 50)), 1),
        "p95_ms": round(float(np.nanpercentile(data, 95)), 1),
        "p99_ms": round(float(np.nanpercentile(data, 99)), 1),
        "max_ms": round(float(np.nanmax(data)), 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    ensure_model()
    if ensure_index() == 2:
        sys.exit("the knowledge index could not be built")
    examples = nlu_examples()
    questions = [t for i, t in examples if i not in {"greet", "affirm", "deny", "inform"}]
    var = Path(tempfile.mkdtemp(prefix="baton-bench-assist-"))
    database_url = f"sqlite:///{var / 'baton.db'}"
    migrate(database_url)
    print(f"==> filling the reply memory with {args.memory} past replies", flush=True)
    await seed_memory(database_url, args.memory, examples)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    agents = AgentDirectory(sessions)
    capacity = -(-args.conversations // args.agents) + 1
    tokens = [
        (await agents.add(f"agent{n}", f"Agent {n}", ["general"], capacity))[1]
        for n in range(args.agents)
    ]
    settings = StackSettings(
        port=free_port(), rasa_port=free_port(), actions_port=free_port(),
        startup_timeout_seconds=300,
    )  # fmt: skip
    print("==> starting Rasa, the action server and the gateway", flush=True)
    running = await start_all(specs(settings, var=var), settings.startup_timeout_seconds)
    url = f"http://127.0.0.1:{settings.port}"
    loads = [Load("1 conversation")]
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            desk = HandoffDesk(sessions, HandoffSettings())
            conversations = []
            for n in range(args.conversations):
                body = (await http.post("/api/conversations")).json()
                await desk.request_handoff(body["id"], reason="benchmark")
                claim = await http.post(
                    f"/api/handoff/conversations/{body['id']}/claim",
                    headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
                )
                claim.raise_for_status()
                conversations.append((body["id"], body["token"]))
            ready = [asyncio.Event() for _ in tokens]
            owned = [
                {cid for n, (cid, _) in enumerate(conversations) if n % len(tokens) == a}
                for a in range(len(tokens))
            ]
            followers = [
                asyncio.create_task(follow_desk(url.replace("http", "ws"), t, o, loads, r))
                for t, o, r in zip(tokens, owned, ready, strict=True)
            ]
            await asyncio.gather(*(r.wait() for r in ready))
            rng = random.Random(args.seed)
            # warm-up: the first suggestion waits for MiniLM and the index to finish loading
            cid, token = conversations[0]
            await customer(http, Load("warm-up"), cid, token, rng.sample(questions, 3), 0)
            print("==> 1 conversation, one message at a time", flush=True)
            await customer(http, loads[0], cid, token, rng.sample(questions, args.messages * 3), 0)
            await asyncio.sleep(2)
            loads.append(Load(f"{args.conversations} conversations"))
            print(f"==> {args.conversations} conversations at once", flush=True)
            await asyncio.gather(
                *(
                    customer(http, loads[1], c, t, rng.sample(questions, args.messages), args.gap)
                    for c, t in conversations
                )
            )
            await asyncio.sleep(5)
            for follower in followers:
                if follower.done() and follower.exception():
                    raise RuntimeError("a console stopped following") from follower.exception()
                follower.cancel()
    finally:
        for process in running:
            await stop(process)
        await engine.dispose()
    results = []
    for load in loads:
        load.resolve_early()
        results.append(
            {
                "load": load.name,
                "messages": len(load.sent),
                "metrics": {m: summary(load.latencies[m], len(load.sent)) for m in METRICS},
            }
        )
    return {
        "benchmark": "assist",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "parameters": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "target_p95_ms": TARGET_P95_MS,
        "results": results,
    }


def print_report(report: dict[str, Any]) -> None:
    print()
    stats = ("p50_ms", "p95_ms", "p99_ms", "max_ms")
    header = f"{'load':<20} {'metric':<28} {'n':>5} {'of':>5} " + " ".join(
        f"{s.replace('_ms', ' ms'):>8}" for s in stats
    )
    print(header)
    print("-" * len(header))
    for result in report["results"]:
        for metric, label in METRICS.items():
            row = result["metrics"][metric]
            print(
                f"{result['load']:<20} {label:<28} {row['count']:>5} {row['expected']:>5} "
                + " ".join(f"{row[s]:>8.1f}" for s in stats)
            )
    print(f"\ntarget: suggestions p95 ≤ {TARGET_P95_MS:.0f} ms with the agent-owned load")
    print("('n of': messages with NLU / with at least one suggestion, of those sent)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--messages", type=int, default=8, help="per conversation")
    parser.add_argument("--gap", type=float, default=2.0, help="mean seconds between messages")
    parser.add_argument("--memory", type=int, default=2000, help="past agent replies")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS / "assist.json")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print_report(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    draw_chart(
        report,
        METRICS,
        args.out.with_suffix(".png"),
        title="AI assist latency",
        target_ms=TARGET_P95_MS,
        stats=("p50_ms", "p95_ms", "p99_ms"),
        label="load",
        target_stat="p95",
    )
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()

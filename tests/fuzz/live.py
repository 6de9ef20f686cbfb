"""A running gateway (real uvicorn, SQLite, fake Rasa) on its own event loop thread, for
synchronous fuzzers such as schemathesis, with credentials for each kind of route, and
every error the gateway logs while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.harness import RunningGateway, running_gateway

T = TypeVar("T")


class ErrorLog(logging.Handler):
    """Every record at ERROR or above (uvicorn's "Exception in ASGI application", a
    ``log.exception`` anywhere in the gateway)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        taken, self.records = self.records, []
        return [f"{r.name}: {r.getMessage()}\n{self.format(r)}" for r in taken]


@dataclass
class LiveGateway:
    gateway: RunningGateway
    conversation_id: str
    conversation_auth: dict[str, str]  # the web chat's bearer token for conversation_id
    agent_auth: dict[str, str]  # an agent's API token
    supervisor_session: dict[str, str]  # a signed-in supervisor's cookie and Origin
    knowledge_owner_session: dict[str, str]  # a signed-in knowledge owner's
    run: Callable[[Coroutine[Any, Any, Any]], Any]  # runs a coroutine on the gateway's loop
    errors: ErrorLog = field(default_factory=ErrorLog)

    @property
    def url(self) -> str:
        return self.gateway.url

    def own(self) -> None:
        """Make the fuzzing agent own the conversation again (a fuzzed request may have
        resolved, handed back or transferred it), so agent routes are reached past 403."""

        async def own() -> None:
            http, cid = self.gateway.http, self.conversation_id
            await http.post(
                f"/api/conversations/{cid}/messages",
                json={"text": "human please"},
                headers=self.conversation_auth,
            )
            await http.post(f"/api/handoff/conversations/{cid}/claim", headers=self.agent_auth)

        self.run(own())


@contextlib.contextmanager
def live_gateway(tmp_path: Path, **overrides: object) -> Iterator[LiveGateway]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fuzzed-gateway", daemon=True)
    thread.start()

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(120)

    serving = running_gateway(tmp_path, **overrides)
    errors = ErrorLog()
    loggers = [
        logging.getLogger(),
        logging.getLogger("uvicorn"),
        logging.getLogger("uvicorn.error"),
    ]
    try:
        gateway = run(serving.__aenter__())
        try:
            for logger in loggers:
                logger.addHandler(errors)
            cid, token = run(gateway.new_conversation())
            agent = run(gateway.add_agent("fuzzer"))
            run(gateway.add_user("chief", role="supervisor"))
            run(gateway.add_user("librarian", role="knowledge_owner"))
            chief, librarian = run(gateway.sign_in("chief")), run(gateway.sign_in("librarian"))
            auth = {"Authorization": f"Bearer {token}"}
            yield LiveGateway(gateway, cid, auth, agent, chief, librarian, run, errors)
        finally:
            for logger in loggers:
                logger.removeHandler(errors)
            run(serving.__aexit__(None, None, None))
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()

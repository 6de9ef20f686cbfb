"""Logs that name the conversation: a context variable set per message, added to every record."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from contextvars import ContextVar

conversation_var: ContextVar[str] = ContextVar("conversation_id", default="-")

FORMAT = "%(asctime)s %(levelname)s %(name)s [conversation=%(conversation_id)s] %(message)s"


_TOKEN = re.compile(r"(token=)[^&\s\"']+")


class ConversationFilter(logging.Filter):
    """Adds the conversation id to every record and keeps chat tokens out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "conversation_id"):
            record.conversation_id = conversation_var.get()
        if record.args and isinstance(record.args, tuple):
            # uvicorn's access log passes the request path (with ?token=...) as an argument,
            # httpx's request log the URL it called (Rasa's ?token=...) as a URL object
            record.args = tuple(_redacted(a) for a in record.args)
        return True


def _redacted(argument: object) -> object:
    if isinstance(argument, str):
        return _TOKEN.sub(r"\1[redacted]", argument)
    if not isinstance(argument, int | float) and "token=" in (text := str(argument)):
        return _TOKEN.sub(r"\1[redacted]", text)
    return argument


# libraries whose low-level records carry SQL parameters or raw HTTP (message texts,
# tokens): never below these levels, whatever the gateway's (SQLAlchemy logs every statement
# at INFO)
_QUIET = {
    "aiosqlite": logging.INFO,
    "sqlalchemy.engine": logging.WARNING,
    "httpcore": logging.INFO,
    "hpack": logging.INFO,
    "asyncio": logging.INFO,
}


@contextlib.contextmanager
def conversation_context(conversation_id: str) -> Iterator[None]:
    token = conversation_var.set(conversation_id)
    try:
        yield
    finally:
        conversation_var.reset(token)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ConversationFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, floor in _QUIET.items():
        logging.getLogger(name).setLevel(max(floor, root.level))

from __future__ import annotations

import logging

from gateway.logging import ConversationFilter, conversation_context


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, message, args, None)


def test_records_name_the_conversation_they_belong_to() -> None:
    with conversation_context("c-42"):
        item = record("stored")
        ConversationFilter().filter(item)
    assert item.conversation_id == "c-42"  # type: ignore[attr-defined]
    outside = record("idle")
    ConversationFilter().filter(outside)
    assert outside.conversation_id == "-"  # type: ignore[attr-defined]


def test_chat_tokens_in_access_logs_are_redacted() -> None:
    item = record('%s - "%s %s"', "127.0.0.1", "GET", "/ws/chat?token=s3cr3t-value&x=1")
    ConversationFilter().filter(item)
    assert "s3cr3t" not in item.getMessage() and "token=[redacted]&x=1" in item.getMessage()

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


def test_rasas_token_in_httpx_request_logs_is_redacted() -> None:
    import httpx

    url = httpx.URL("http://127.0.0.1:5005/conversations/c1/tracker?token=rasa-secret")
    item = record('HTTP Request: %s %s "%s %d %s"', "GET", url, "HTTP/1.1", 200, "OK")
    ConversationFilter().filter(item)
    assert "rasa-secret" not in item.getMessage() and "token=[redacted]" in item.getMessage()
    assert " 200 " in item.getMessage()


def test_sql_parameters_stay_out_of_debug_logs() -> None:
    from gateway.logging import configure_logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("DEBUG")
        assert logging.getLogger("aiosqlite").getEffectiveLevel() == logging.INFO
        assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger("gateway").getEffectiveLevel() == logging.DEBUG
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name in ("aiosqlite", "sqlalchemy.engine", "httpcore", "hpack", "asyncio"):
            logging.getLogger(name).setLevel(logging.NOTSET)

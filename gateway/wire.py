"""Ephemeral frames for live sockets; logged events carry their own shape (handoff.events)."""

from __future__ import annotations

from typing import Any

from handoff.records import Sender


def typing_event(
    sender: Sender, *, on: bool, conversation_id: str | None = None, name: str | None = None
) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "typing", "sender": sender.value, "on": on}
    if conversation_id is not None:  # on the desk stream, which carries every conversation
        frame["conversation_id"] = conversation_id
    if name is not None:
        frame["name"] = name
    return frame


def error_event(code: str, message: str, client_id: str | None = None) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "client_id": client_id}

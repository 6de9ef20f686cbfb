"""Ephemeral frames for live sockets; logged events carry their own shape (handoff.events)."""

from __future__ import annotations

from typing import Any

from handoff.records import Sender


def typing_event(sender: Sender, *, on: bool) -> dict[str, Any]:
    return {"type": "typing", "sender": sender.value, "on": on}


def error_event(code: str, message: str, client_id: str | None = None) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "client_id": client_id}

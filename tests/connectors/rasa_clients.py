"""Clients written to Rasa's documented channel protocols, as a Rasa front end is."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import socketio


class RestFrontEnd:
    """Rasa's REST channel: one POST per customer message, the bot's messages in the answer."""

    def __init__(self, http: httpx.AsyncClient, sender: str) -> None:
        self.http = http
        self.sender = sender

    async def post(self, message: Any, **extra: Any) -> httpx.Response:
        return await self.http.post(
            "/webhooks/rest/webhook", json={"sender": self.sender, "message": message} | extra
        )

    async def say(self, message: str) -> list[dict[str, Any]]:
        response = await self.post(message)
        assert response.status_code == 200, response.text
        body: list[dict[str, Any]] = response.json()
        return body


class SocketFrontEnd:
    """Rasa's socketio channel as rasa-webchat speaks it: session_request, then
    user_uttered with the confirmed session id; bot_uttered events collected."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.uttered: list[dict[str, Any]] = []
        self.session_id: str | None = None
        self._confirmed = asyncio.Event()
        self.client.on("bot_uttered", self._bot_uttered)
        self.client.on("session_confirm", self._session_confirm)

    async def _bot_uttered(self, data: dict[str, Any]) -> None:
        self.uttered.append(data)

    async def _session_confirm(self, session_id: str) -> None:
        self.session_id = session_id
        self._confirmed.set()

    async def connect(self, session_id: str | None = None) -> str:
        await self.client.connect(self.url, socketio_path="/socket.io")
        self._confirmed.clear()
        await self.client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(self._confirmed.wait(), timeout=5)
        assert self.session_id is not None
        return self.session_id

    async def say(self, message: Any, **extra: Any) -> Any:
        """Send a message; the server's acknowledgement (None, or an error body)."""
        data = {"message": message, "session_id": self.session_id, "customData": {}} | extra
        return await self.client.call("user_uttered", data, timeout=10)

    async def wait_for(
        self, done: Callable[[list[dict[str, Any]]], bool], within: float = 10
    ) -> list[dict[str, Any]]:
        for _ in range(int(within / 0.05)):
            if done(self.uttered):
                return self.uttered
            await asyncio.sleep(0.05)
        raise AssertionError(f"never got there; received {self.uttered}")

    async def close(self) -> None:
        await self.client.disconnect()

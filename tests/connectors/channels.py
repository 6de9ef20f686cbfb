"""Helpers the Telegram and Slack tests share (and their scenarios over the real stack)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker

from connectors.links import Links
from handoff.agents import AgentDirectory
from handoff.database import create_engine


async def linked_conversation(database_url: str, channel: str, address: str) -> str:
    """The conversation the gateway keeps for a chat or thread (waits until there is one)."""
    engine = create_engine(database_url)
    try:
        links = Links(async_sessionmaker(engine, expire_on_commit=False))
        for _ in range(400):
            link = await links.find(channel, address)
            if link is not None:
                return link.conversation_id
            await asyncio.sleep(0.05)
    finally:
        await engine.dispose()
    raise AssertionError(f"{channel} {address} never got a conversation")


async def claim(http: httpx.AsyncClient, cid: str, auth: dict[str, str]) -> None:
    """Claim a conversation as an agent once it is queued (the handoff runs in the
    background of the webhook that asked for it)."""
    response = None
    for _ in range(400):
        response = await http.post(f"/api/handoff/conversations/{cid}/claim", headers=auth)
        if response.status_code == 200:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"could not claim: {response.text if response else ''}")


async def add_agent(database_url: str, agent_id: str) -> dict[str, str]:
    """An agent serving every queue, created in the gateway's database; its auth header."""
    engine = create_engine(database_url)
    try:
        directory = AgentDirectory(async_sessionmaker(engine, expire_on_commit=False))
        _, token = await directory.add(
            agent_id, agent_id.title(), ["general", "orders", "billing", "technical"], 3
        )
    finally:
        await engine.dispose()
    return {"Authorization": f"Bearer {token}"}

"""Old model against new, side by side: the held-out reviewed examples (was the labelled
intent recognised?) and a replay of the latest real customer messages (how many would be
understood, and how many contained: understood as an intent the bot handles itself)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from retraining.failures import FALLBACK_INTENT

CHANGES_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Parsed:
    intent: str | None
    confidence: float | None


async def parse_all(
    url: str, texts: Sequence[str], concurrency: int = 4, token: str | None = None
) -> list[Parsed]:
    """``texts`` through ``url``'s ``/model/parse`` (the NLU only: no conversation changes);
    ``token``: the server's --auth-token."""
    limit = asyncio.Semaphore(concurrency)
    params = {"token": token} if token else None
    async with httpx.AsyncClient(base_url=url, timeout=60, params=params) as client:

        async def one(text: str) -> Parsed:
            async with limit:
                response = await client.post("/model/parse", json={"text": text})
                response.raise_for_status()
                intent = response.json().get("intent") or {}
                confidence = intent.get("confidence")
                return Parsed(intent.get("name"), float(confidence) if confidence else None)

        return list(await asyncio.gather(*(one(t) for t in texts)))


def understood(parsed: Parsed) -> bool:
    return bool(parsed.intent) and parsed.intent != FALLBACK_INTENT


def contained(parsed: Parsed, handoff_intents: Sequence[str]) -> bool:
    return understood(parsed) and parsed.intent not in handoff_intents


def compare(
    held_out: Sequence[tuple[str, str]],
    old_held: Sequence[Parsed],
    new_held: Sequence[Parsed],
    replay: Sequence[str],
    old_replay: Sequence[Parsed],
    new_replay: Sequence[Parsed],
    handoff_intents: Sequence[str],
) -> dict[str, Any]:
    """The metrics stored with the candidate and shown side by side (pure)."""

    def side(parsed: Sequence[Parsed]) -> dict[str, int]:
        return {
            "understood": sum(understood(p) for p in parsed),
            "contained": sum(contained(p, handoff_intents) for p in parsed),
        }

    changes = [
        {"text": text, "old": old.intent, "new": new.intent}
        for text, old, new in zip(replay, old_replay, new_replay, strict=True)
        if old.intent != new.intent
    ]
    # the most telling first: what the old model did not understand at all
    changes.sort(key=lambda c: c["old"] != FALLBACK_INTENT)
    return {
        "held_out": {
            "examples": len(held_out),
            "old": sum(p.intent == want for (_, want), p in zip(held_out, old_held, strict=True)),
            "new": sum(p.intent == want for (_, want), p in zip(held_out, new_held, strict=True)),
        },
        "replay": {"messages": len(replay), "old": side(old_replay), "new": side(new_replay)},
        "changes": changes[:CHANGES_SHOWN],
        "changed": len(changes),
    }


async def evaluate(
    old_url: str,
    new_url: str,
    held_out: Sequence[tuple[str, str]],
    replay: Sequence[str],
    handoff_intents: Sequence[str],
    old_token: str | None = None,
) -> dict[str, Any]:
    """``held_out``: (text, labelled intent) pairs; ``replay``: customer texts; ``old_token``:
    the serving Rasa's --auth-token."""
    texts = [t for t, _ in held_out]
    old_all = await parse_all(old_url, [*texts, *replay], token=old_token)
    new_all = await parse_all(new_url, [*texts, *replay])
    cut = len(texts)
    return compare(
        held_out, old_all[:cut], new_all[:cut], replay, old_all[cut:], new_all[cut:],
        handoff_intents,
    )  # fmt: skip

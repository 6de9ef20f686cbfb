"""Failed customer messages in a real conversation store, and a private bot project."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from baton import paths
from baton.domain import DOMAIN_DIR, REVIEWED_DOMAIN, load_domain
from handoff.records import Message, Nlu, Sender
from handoff.store import ConversationStore


async def customer_turn(
    store: ConversationStore,
    text: str,
    intent: str | None = "nlu_fallback",
    confidence: float = 0.2,
    *,
    conversation_id: str | None = None,
    entities: list[Any] | None = None,
    **meta: Any,
) -> Message:
    """A customer message with the NLU result the bot gave it, and a bot reply."""
    if conversation_id is None:
        conversation_id = (await store.create_conversation("web")).id
    stored = await store.add_message(
        conversation_id, channel="web", sender=Sender.CUSTOMER, text=text, meta=meta or None
    )
    if intent is not None:
        await store.set_nlu(stored.message, Nlu(intent, confidence, entities or []))
    await store.add_message(
        conversation_id,
        channel="web",
        sender=Sender.BOT,
        text="Sorry, I did not get that.",
        reply_to_id=stored.message.id,
    )
    return stored.message


# what the real bot/ may hold that a copy must not start with: labels of the real inbox
_GENERATED = shutil.ignore_patterns("reviewed", REVIEWED_DOMAIN.name, "__pycache__")


def bot_project(tmp_path: Path) -> Path:
    """A copy of the demo bot's domain, config and data (the reviewed files left out): tests
    never write into the real bot/."""
    target = tmp_path / "bot"
    target.mkdir()
    shutil.copytree(paths.BOT / DOMAIN_DIR, target / DOMAIN_DIR, ignore=_GENERATED)
    shutil.copy2(paths.BOT / "config.yml", target / "config.yml")
    shutil.copytree(paths.BOT / "data", target / "data", ignore=_GENERATED)
    return target


def single_file_domain(bot: Path) -> None:
    """The project's domain folder merged into one ``domain.yml``, as many Rasa projects
    have it."""
    import yaml

    merged = load_domain(bot)
    shutil.rmtree(bot / DOMAIN_DIR)
    (bot / "domain.yml").write_text(yaml.safe_dump(merged, allow_unicode=True, sort_keys=False))


def whole_bot_project(tmp_path: Path) -> Path:
    """:func:`bot_project` with the custom components, so Rasa itself can read it."""
    target = bot_project(tmp_path)
    shutil.copytree(paths.BOT / "components", target / "components", ignore=_GENERATED)
    return target

"""Help-centre articles drafted from how an agent resolved what the bot could not: the
resolution note and the agent's replies (the customer's and agent's details masked), edited
by the knowledge owner, then published as a Markdown file with front matter."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_console.memory import mask, personal_values
from baton.atomic import write_atomically
from handoff.models import ConversationRow, HandoffRow, MessageRow, utcnow
from handoff.records import Sender, as_identity
from handoff.store import to_message
from knowledge_index.articles import ID_PATTERN, parse_article
from knowledge_index.errors import ArticleError
from retraining.errors import DraftInvalid, DraftNotFound, MessagesNotFound
from retraining.labels import Action, LabelBook
from retraining.models import ArticleDraftRow

MAX_TITLE = 200
MAX_BODY = 20_000


@dataclass(frozen=True, slots=True)
class Draft:
    id: int
    slug: str
    title: str
    body: str
    tags: list[str]
    conversation_id: str | None
    state: str  # draft | published
    file: str | None
    created_by: str
    created_at: datetime


def _draft(row: ArticleDraftRow) -> Draft:
    return Draft(
        row.id,
        row.slug,
        row.title,
        row.body,
        [str(t) for t in row.tags or []],
        row.conversation_id,
        row.state,
        row.file,
        row.created_by,
        row.created_at,
    )


def slug_of(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)[:60].strip("-") or "article"


def render_article(draft: Draft, url_base: str | None) -> str:
    meta: dict[str, object] = {"id": draft.slug, "title": draft.title}
    if url_base:  # without one the article is answered without a link
        meta["url"] = f"{url_base.rstrip('/')}/{draft.slug}"
    meta["tags"] = list(draft.tags)
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None)
    return f"---\n{header}---\n{draft.body.strip()}\n"


class Drafts:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        labels: LabelBook,
        help_centre: Path,
        url_base: str | None,
    ) -> None:
        self._sessions = sessions
        self._labels = labels
        self._help_centre = help_centre
        self._url_base = url_base

    async def draft_from(self, message_ids: Sequence[int], user_id: str) -> Draft:
        """A draft from the most recent agent resolution among these messages'
        conversations; the messages leave the inbox (labelled ``article``)."""
        ids = sorted(set(message_ids))
        async with self._sessions() as session:
            asked = list(
                await session.scalars(
                    select(MessageRow).where(
                        MessageRow.id.in_(ids), MessageRow.sender == Sender.CUSTOMER.value
                    )
                )
            )
            if len(asked) != len(ids):
                raise MessagesNotFound(sorted(set(ids) - {m.id for m in asked}))
            conversations = sorted({m.conversation_id for m in asked})
            handoffs = list(
                await session.scalars(
                    select(HandoffRow)
                    .where(
                        HandoffRow.conversation_id.in_(conversations),
                        HandoffRow.outcome == "resolved",
                    )
                    .order_by(HandoffRow.ended_at.desc())
                )
            )
            chosen = None
            for handoff in handoffs:
                transcript = [
                    to_message(row)
                    for row in await session.scalars(
                        select(MessageRow)
                        .where(MessageRow.conversation_id == handoff.conversation_id)
                        .order_by(MessageRow.id)
                    )
                ]
                replies = [m for m in transcript if m.sender is Sender.AGENT]
                if replies or (handoff.resolution_note or "").strip():
                    conversation = await session.get(ConversationRow, handoff.conversation_id)
                    identity = as_identity(conversation.identity if conversation else None)
                    chosen = (handoff, transcript, replies, identity)
                    break
        if chosen is None:
            raise DraftInvalid(
                "no agent has resolved any of these conversations yet, so there is no "
                "resolution to draft an article from: label the messages instead, or wait "
                "until an agent resolves one."
            )
        handoff, transcript, replies, identity = chosen
        personal = personal_values(transcript, identity)
        question = " ".join(asked[0].text.split())
        title = mask(question, personal).rstrip("?.! ")[:MAX_TITLE] or "Untitled"
        parts = []
        note = (handoff.resolution_note or "").strip()
        if note:
            parts.append(mask(note, personal))
        if replies:
            parts.append("## What our team answered")
            parts.extend(mask(" ".join(m.text.split()), personal) for m in replies)
        body = "\n\n".join(parts)
        async with self._sessions.begin() as session:
            row = ArticleDraftRow(
                slug=slug_of(title),
                title=title[:1].upper() + title[1:],
                body=body,
                tags=[],
                conversation_id=handoff.conversation_id,
                state="draft",
                created_by=user_id,
            )
            session.add(row)
            await session.flush()
            draft = _draft(row)
        try:
            await self._labels.label(ids, Action.ARTICLE, user_id, draft_id=draft.id)
        except Exception:
            async with self._sessions.begin() as session:
                await session.delete(await session.get(ArticleDraftRow, draft.id))
            raise
        return draft

    async def all(self) -> list[Draft]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ArticleDraftRow).order_by(ArticleDraftRow.id.desc()).limit(100)
            )
            return [_draft(row) for row in rows]

    async def update(
        self, draft_id: int, *, title: str, slug: str, body: str, tags: Sequence[str]
    ) -> Draft:
        title, slug, body = title.strip(), slug.strip(), body.strip()
        clean_tags = [t.strip() for t in tags if t.strip()]
        if not title:
            raise DraftInvalid("the article needs a title.")
        if len(title) > MAX_TITLE or len(body) > MAX_BODY:
            raise DraftInvalid(
                f"keep the title under {MAX_TITLE} and the text under {MAX_BODY} characters."
            )
        if not ID_PATTERN.match(slug) or len(slug) > 80:
            raise DraftInvalid(
                f"the article id {slug!r} must be lowercase letters, digits, '-' or '_'."
            )
        if any(not re.match(r"^[\w -]{1,40}$", t) for t in clean_tags):
            raise DraftInvalid("tags are words (letters, digits, '-', '_'), comma separated.")
        async with self._sessions.begin() as session:
            row = await session.get(ArticleDraftRow, draft_id, with_for_update=True)
            if row is None:
                raise DraftNotFound(draft_id)
            if row.state == "published":
                raise DraftInvalid("this article is published already; edit its file instead.")
            row.title, row.slug, row.body, row.tags = title, slug, body, clean_tags
            return _draft(row)

    async def publish(self, draft_id: int) -> Draft:
        """Write the draft into the help centre as ``<id>.md``; refuses to overwrite another
        article, or to publish what the knowledge index could not read."""
        async with self._sessions.begin() as session:
            row = await session.get(ArticleDraftRow, draft_id, with_for_update=True)
            if row is None:
                raise DraftNotFound(draft_id)
            draft = _draft(row)
            if draft.state == "published":
                raise DraftInvalid(f"this draft is published already as {draft.file}.")
            path = self._help_centre / f"{draft.slug}.md"
            if path.exists():
                raise DraftInvalid(
                    f"the help centre has an article {path.name} already: give this one another id."
                )
            text = render_article(draft, self._url_base)
            try:
                parse_article(text, path)
            except ArticleError as exc:
                raise DraftInvalid(f"the article would not be readable: {exc}") from None
            await asyncio.to_thread(write_atomically, path, text)
            row.state, row.file, row.published_at = "published", str(path), utcnow()
            return _draft(row)

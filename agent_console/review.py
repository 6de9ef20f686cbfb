"""The knowledge owners' page and its API: the inbox of failed customer messages grouped by
meaning, labels, article drafts, and retrain → compare → approve → roll back.

Everything under ``/api/review`` needs a console session of a knowledge owner; requests
that change something must come from the console's own origin, as on the agent's page.
"""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection
from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from agent_console.access import same_origin, session_user
from agent_console.auth import Role, User
from agent_console.templating import page, refusal
from baton.knowledge import ONNX_DIR
from gateway.errors import ConversationForbidden, ForeignOrigin, InvalidSession, WrongRole
from gateway.rasa import RasaClient
from gateway.services import ServicesDep
from gateway.settings import GatewaySettings
from knowledge_index.onnx_embedder import load_fast_embedder
from retraining import errors
from retraining.drafts import Draft
from retraining.inbox import Cluster
from retraining.intents import domain_intents
from retraining.labels import Action, Label
from retraining.registry import Model, ModelState, Run
from retraining.reindex import IndexStatus
from retraining.service import Review

REVIEW_ROLES = frozenset({Role.KNOWLEDGE_OWNER})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_review(connection: HTTPConnection) -> Review:
    review: Review = connection.app.state.review
    return review


ReviewDep = Annotated[Review, Depends(get_review)]


async def knowledge_owner(connection: HTTPConnection, services: ServicesDep) -> User:
    user = await session_user(connection, services)
    if user is None:
        raise InvalidSession("The session is missing, unknown or expired: sign in again.")
    if connection.scope.get("method", "GET") not in _SAFE_METHODS and not same_origin(
        connection, services.settings.console_allowed_origins
    ):
        raise ForeignOrigin("Requests with a console session must come from the console.")
    if user.role not in REVIEW_ROLES:
        raise WrongRole(f"The {user.role.value} role does not review the bot's training data.")
    return user


Owner = Annotated[User, Depends(knowledge_owner)]


# -- wire shapes


class MemberOut(TypedDict):
    message_id: int
    conversation_id: str
    text: str
    source: str
    intent: str | None
    confidence: float | None
    language: str | None  # the conversation's language, None while unknown


class ClusterOut(TypedDict):
    id: int
    size: int
    examples: list[str]
    sources: dict[str, int]
    suggested_intent: str | None
    suggestion_score: float
    nlu_intent: str | None
    language: str | None  # a group is one language (None: not known)
    members: list[MemberOut]


class InboxOut(TypedDict):
    clusters: list[ClusterOut]  # the largest groups first, at most `limit`
    languages: dict[str, int]  # messages per language in all groups ("unknown": none yet)
    groups: int  # all groups
    messages: int  # failed, unlabelled messages in all groups
    labelled: int


class LabelOut(TypedDict):
    id: int
    message_id: int
    conversation_id: str
    text: str
    source: str
    action: str
    intent: str | None
    labelled_by: str
    created_at: str


class DraftOut(TypedDict):
    id: int
    slug: str
    title: str
    body: str
    tags: list[str]
    conversation_id: str | None
    state: str
    file: str | None
    created_by: str


class RunOut(TypedDict):
    id: int
    state: str
    stage: str
    progress: float
    message: str | None
    labels: int
    held_out: int
    model_id: int | None
    started_by: str
    started_at: str
    finished_at: str | None


class ModelOut(TypedDict):
    id: int
    file: str
    name: str
    fingerprint: str | None
    state: str
    metrics: dict[str, Any] | None
    run_id: int | None
    created_at: str
    deployed_at: str | None


class SwapOut(TypedDict):
    model: ModelOut  # serving now
    held_messages: int  # customer messages that waited at the gate during the swap


class TrainingOut(TypedDict):
    runs: list[RunOut]
    models: list[ModelOut]
    labels: int


class IndexOut(TypedDict):
    state: str  # idle | running | done | failed
    stage: str
    message: str | None
    started_by: str | None
    finished_at: str | None


def index_out(status: IndexStatus) -> IndexOut:
    return {
        "state": status.state,
        "stage": status.stage,
        "message": status.message,
        "started_by": status.started_by,
        "finished_at": status.finished_at.isoformat() if status.finished_at else None,
    }


class TurnOut(TypedDict):
    id: int
    sender: str
    text: str
    intent: str | None
    confidence: float | None


def cluster_out(cluster: Cluster) -> ClusterOut:
    return {
        "id": cluster.id,
        "size": cluster.size,
        "examples": cluster.examples,
        "sources": cluster.sources,
        "suggested_intent": cluster.suggested_intent,
        "suggestion_score": cluster.suggestion_score,
        "nlu_intent": cluster.nlu_intent,
        "language": cluster.language,
        "members": [
            {
                "message_id": m.message_id,
                "conversation_id": m.conversation_id,
                "text": m.text,
                "source": m.source,
                "intent": m.intent,
                "confidence": m.confidence,
                "language": m.language,
            }
            for m in cluster.members
        ],
    }


def label_out(label: Label) -> LabelOut:
    return {
        "id": label.id,
        "message_id": label.message_id,
        "conversation_id": label.conversation_id,
        "text": label.text,
        "source": label.source,
        "action": label.action.value,
        "intent": label.intent,
        "labelled_by": label.labelled_by,
        "created_at": label.created_at.isoformat(),
    }


def draft_out(draft: Draft) -> DraftOut:
    return {
        "id": draft.id,
        "slug": draft.slug,
        "title": draft.title,
        "body": draft.body,
        "tags": draft.tags,
        "conversation_id": draft.conversation_id,
        "state": draft.state,
        "file": draft.file,
        "created_by": draft.created_by,
    }


def run_out(run: Run) -> RunOut:
    return {
        "id": run.id,
        "state": run.state.value,
        "stage": run.stage,
        "progress": run.progress,
        "message": run.message,
        "labels": run.labels,
        "held_out": run.held_out,
        "model_id": run.model_id,
        "started_by": run.started_by,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def model_out(model: Model) -> ModelOut:
    return {
        "id": model.id,
        "file": model.file,
        "name": model.file.rsplit("/", 1)[-1],
        "fingerprint": model.fingerprint,
        "state": model.state.value,
        "metrics": model.metrics,
        "run_id": model.run_id,
        "created_at": model.created_at.isoformat(),
        "deployed_at": model.deployed_at.isoformat() if model.deployed_at else None,
    }


# -- requests


# a message's row id: within the database's 32-bit integers (a larger one is a 422, not a 500)
MessageId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class LabelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_ids: list[MessageId] = Field(min_length=1, max_length=5000)
    action: Literal["intent", "out_of_scope"]
    intent: str | None = Field(default=None, max_length=200)


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_ids: list[MessageId] = Field(min_length=1, max_length=5000)


class DraftEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=400)
    slug: str = Field(max_length=200)
    body: str = Field(max_length=40_000)
    tags: list[str] = Field(default_factory=list, max_length=20)


def create_api() -> APIRouter:
    api = APIRouter(prefix="/api/review", tags=["review"])

    @api.get("/inbox")
    async def inbox(
        review: ReviewDep,
        _: Owner,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
        language: Annotated[
            str | None,
            Query(pattern=r"^([a-z]{2,3}|unknown)$", description="only groups in this language"),
        ] = None,
    ) -> InboxOut:
        clusters = await review.inbox.clusters()
        counts = Counter[str]()
        for c in clusters:
            counts[c.language or "unknown"] += c.size
        if language is not None:
            wanted = None if language == "unknown" else language
            clusters = [c for c in clusters if c.language == wanted]
        return {
            "clusters": [cluster_out(c) for c in clusters[:limit]],
            "languages": dict(counts.most_common()),
            "groups": len(clusters),
            "messages": sum(c.size for c in clusters),
            "labelled": await review.labels.count(),
        }

    @api.get("/intents")
    async def intents(review: ReviewDep, _: Owner) -> list[str]:
        known = domain_intents(review.settings.bot_dir)
        reviewed = {e.intent for e in await review.labels.examples()}
        return known + sorted(reviewed - set(known))

    @api.get("/labels")
    async def labels(review: ReviewDep, _: Owner) -> list[LabelOut]:
        return [label_out(label) for label in await review.labels.recent()]

    @api.post("/labels", status_code=201)
    async def add_labels(body: LabelIn, review: ReviewDep, user: Owner) -> list[LabelOut]:
        made = await review.labels.label(
            body.message_ids, Action(body.action), user.id, body.intent
        )
        return [label_out(label) for label in made]

    @api.delete("/labels/{label_id}", status_code=204)
    async def remove_label(label_id: int, review: ReviewDep, _: Owner) -> Response:
        if not await review.labels.remove(label_id):
            raise errors.LabelNotFound(label_id)
        return Response(status_code=204)

    @api.get("/conversations/{conversation_id}")
    async def conversation(
        conversation_id: str, services: ServicesDep, review: ReviewDep, _: Owner
    ) -> list[TurnOut]:
        """The transcript, read-only: what led to a failed message. Only conversations with
        a message in the inbox or labelled: knowledge owners see what they review."""
        await services.store.get_conversation(conversation_id)  # 404 when unknown
        if not await _in_review(review, services.store.sessions, conversation_id):
            raise ConversationForbidden("not_in_review")
        return [
            {
                "id": m.id,
                "sender": m.sender.value,
                "text": m.text,
                "intent": m.nlu.intent if m.nlu else None,
                "confidence": m.nlu.confidence if m.nlu else None,
            }
            for m in await services.store.transcript(conversation_id)
        ]

    @api.get("/drafts")
    async def drafts(review: ReviewDep, _: Owner) -> list[DraftOut]:
        return [draft_out(d) for d in await review.drafts.all()]

    @api.post("/drafts", status_code=201)
    async def new_draft(body: DraftIn, review: ReviewDep, user: Owner) -> DraftOut:
        return draft_out(await review.drafts.draft_from(body.message_ids, user.id))

    @api.put("/drafts/{draft_id}")
    async def edit_draft(draft_id: int, body: DraftEdit, review: ReviewDep, _: Owner) -> DraftOut:
        draft = await review.drafts.update(
            draft_id, title=body.title, slug=body.slug, body=body.body, tags=body.tags
        )
        return draft_out(draft)

    @api.post("/drafts/{draft_id}/publish")
    async def publish(draft_id: int, review: ReviewDep, _: Owner) -> DraftOut:
        return draft_out(await review.drafts.publish(draft_id))

    @api.get("/index")
    async def index_status(review: ReviewDep, _: Owner) -> IndexOut:
        return index_out(review.index.status)

    @api.post("/index", status_code=202)
    async def rebuild_index(review: ReviewDep, user: Owner) -> IndexOut:
        """Rebuild the knowledge index from the help centre (after publishing an article)."""
        return index_out(review.index.start(user.id))

    @api.get("/training")
    async def training(review: ReviewDep, _: Owner) -> TrainingOut:
        models = await review.registry.models()
        if not any(m.state is ModelState.ACTIVE for m in models):
            # the model Rasa serves (e.g. the demo model) joins the registry when first seen
            with contextlib.suppress(errors.RasaUnreachable):
                await review.deployer.register_serving(review.settings.models)
                models = await review.registry.models()
        return {
            "runs": [run_out(r) for r in await review.registry.runs()],
            "models": [model_out(m) for m in models],
            "labels": len(await review.labels.examples()),
        }

    @api.post("/runs", status_code=202)
    async def start_run(review: ReviewDep, user: Owner) -> RunOut:
        return run_out(await review.retraining.begin(user.id))

    @api.post("/runs/{run_id}/cancel")
    async def cancel_run(run_id: int, review: ReviewDep, user: Owner) -> RunOut:
        return run_out(await review.retraining.cancel(run_id, user.id))

    @api.post("/models/{model_id}/deploy")
    async def deploy(model_id: int, review: ReviewDep, _: Owner) -> SwapOut:
        model = await review.retraining.approve(model_id)
        return {"model": model_out(model), "held_messages": review.deployer.held_last_swap}

    @api.post("/models/{model_id}/discard")
    async def discard(model_id: int, review: ReviewDep, _: Owner) -> ModelOut:
        return model_out(await review.retraining.discard(model_id))

    @api.post("/rollback")
    async def rollback(review: ReviewDep, _: Owner) -> SwapOut:
        model = await review.retraining.rollback()
        return {"model": model_out(model), "held_messages": review.deployer.held_last_swap}

    return api


def create_pages() -> APIRouter:
    pages = APIRouter(prefix="/console", include_in_schema=False)

    @pages.get("/review")
    async def review_page(request: Request, services: ServicesDep) -> Response:
        user = await session_user(request, services)
        refused = refusal(
            request,
            user,
            REVIEW_ROLES,
            "Reviewing failed messages and retraining the bot is for knowledge owners.",
        )
        return refused or page(request, "review.html", {"user": user})

    return pages


def install(app: FastAPI) -> None:
    app.include_router(create_api())
    app.include_router(create_pages())


async def _in_review(
    review: Review, sessions: async_sessionmaker[AsyncSession], conversation_id: str
) -> bool:
    """Whether a message of the conversation is in the review inbox or has a label."""
    from sqlalchemy import select

    from handoff.models import MessageRow
    from retraining.models import ReviewLabelRow

    async with sessions() as session:
        labelled = await session.scalar(
            select(ReviewLabelRow.id)
            .join(MessageRow, MessageRow.id == ReviewLabelRow.message_id)
            .where(MessageRow.conversation_id == conversation_id)
            .limit(1)
        )
    if labelled is not None:
        return True
    return any(f.message.conversation_id == conversation_id for f in await review.inbox.failures())


async def start(
    settings: GatewaySettings, sessions: async_sessionmaker[AsyncSession], rasa: RasaClient
) -> Review:
    """The review service of a starting gateway; MiniLM loads on the first inbox view."""
    review = Review.create(
        sessions,
        settings.review,
        [str(url) for url in settings.rasa_urls or [settings.rasa_url]],
        rasa.gate,
        functools.partial(load_fast_embedder, ONNX_DIR),
        rejection_intents=settings.handoff.knowledge_rejection_intents,
        rasa_token=rasa.token,
    )
    await review.start()
    return review

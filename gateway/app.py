"""The gateway process: web chat, the REST APIs, the agent console, health."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware

import agent_console.review
import agent_console.supervisor
import agent_console.web
import connectors.messaging
import connectors.rasa_channels
import connectors.webchat
from agent_console import console_api, desk_socket, handoff_api, privacy_api
from agent_console.auth import Users
from agent_console.canned import CannedResponses
from agent_console.workspace import Workspace
from analytics import prometheus
from analytics.metrics import IntentRoles
from analytics.survey import Surveys
from baton.knowledge import index_dir
from baton.project import load_project
from connectors.intake import Intake
from connectors.links import Links
from gateway import health, heap, loop_lag
from gateway.background import Background
from gateway.bus import create_bus
from gateway.errors import install_error_handlers
from gateway.escalation import Escalation
from gateway.limits import RateLimits
from gateway.listening import Listener
from gateway.publisher import Publisher
from gateway.rasa import RasaClient
from gateway.router import ConversationRouter
from gateway.security import SecurityHeaders, UnsafeSettings, production_problems
from gateway.services import Services
from gateway.settings import GatewaySettings, load_settings
from handoff import language
from handoff.agents import AgentDirectory, ensure_queues
from handoff.database import create_engine, migrate
from handoff.desk import HandoffDesk
from handoff.hours import parse_hours
from handoff.store import ConversationStore

if TYPE_CHECKING:  # the assistant loads MiniLM: imported only when it is enabled
    from agent_console.assist import Assistant

log = logging.getLogger(__name__)


async def _freeze_when_warm(app: FastAPI, assistant: Assistant) -> None:
    await assistant.warmed()
    heap.freeze("AI assist loaded")
    app.state.assist = "ready"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """Build the gateway; nothing connects until the app starts."""
    settings = settings or load_settings()
    if settings.env == "production" and (problems := production_problems(settings)):
        raise UnsafeSettings(problems)
    # the assistant's baton.yml, checked against its domain: a broken one stops the start
    project = load_project(settings.project_dir)
    contract = project.contract
    settings = settings.model_copy(
        update={
            "handoff": settings.handoff.for_contract(contract),
            "review": settings.review.for_contract(contract),
        }
    )
    # a broken canned-responses file stops the start with a message naming it
    canned_file = settings.console_canned_file or project.canned_file
    canned = (
        CannedResponses.load(canned_file, contract.languages[0])
        if canned_file
        else CannedResponses(())
    )
    intents = IntentRoles.from_contract(contract)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await asyncio.to_thread(migrate, settings.database_url)
        engine = create_engine(settings.database_url)
        bus = create_bus(settings.redis_url)
        await bus.start()
        # rate limits and the sign-in throttle: in Redis with the bus, shared by replicas
        app.state.limits = RateLimits.create(settings)
        rasa = RasaClient(
            [str(url) for url in settings.rasa_urls or [settings.rasa_url]],
            settings.rasa_timeout_seconds,
            token=settings.rasa_token.get_secret_value() if settings.rasa_token else None,
            concurrency=settings.rasa_concurrency,
            queue=settings.rasa_queue,
        )
        store = ConversationStore(engine)
        created = await ensure_queues(store.sessions, contract.queue_names)
        if created:
            log.info("queues from baton.yml created: %s", ", ".join(created))
        desk = HandoffDesk(store.sessions, settings.handoff)
        publisher = Publisher(bus)
        background = Background()
        escalation = Escalation(
            store,
            desk,
            rasa,
            publisher,
            contract=contract,
            hours=parse_hours(settings.handoff.hours, settings.handoff.timezone),
            catalogue=project.catalogue,
        )
        workspace = Workspace(store.sessions)
        assistant = None
        if settings.assist_enabled:
            from agent_console.assist import Assistant  # loads MiniLM in the background

            assistant = Assistant.create(
                store.sessions,
                project.dir,
                index_dir(),
                frozenset(contract.conversation.out_of_scope_intents),
            )
            await assistant.start()
        survey = Surveys(
            store,
            settings.analytics,
            publisher.publish,
            intents=intents,
            catalogue=project.catalogue,
        )
        router = ConversationRouter(
            store,
            desk,
            rasa,
            publisher,
            escalation,
            contract=contract,
            max_message_chars=settings.max_message_chars,
            background=background,
            listener=Listener(store, rasa, publisher, workspace, assistant),
            survey=survey,
            catalogue=project.catalogue,
            language_slot=project.language_slot,
        )
        intake = Intake(Links(store.sessions), router, store, publisher)
        # lingua holds the GIL while it loads its models (about 2 s): before serving, not
        # in the middle of a customer's first message
        await asyncio.to_thread(language.warm, language.candidates_for(contract.languages))
        app.state.services = Services(
            settings,
            store,
            desk,
            AgentDirectory(store.sessions),
            rasa,
            bus,
            router,
            Users(store.sessions, settings.console_session_hours),
            workspace,
            canned,
            assistant,
            project,
            publisher,
            escalation,
            background,
            intake,
            survey,
        )
        app.state.engine = engine
        # the health routes read Rasa's latest answer: one now, then a probe every few seconds
        app.state.health = health.Checks(engine, rasa, settings)
        await rasa.healthy(health.PROBE_SECONDS)
        health.probe_rasa(rasa, background, settings)
        if settings.retention_days:  # conversations past retention, erased on a schedule
            privacy_api.schedule_retention(settings, store.sessions, background)
        # knowledge owners' inbox and retraining; the swap holds messages at rasa.gate
        app.state.review = await agent_console.review.start(settings, store.sessions, rasa)
        heap.freeze("start-up")
        app.state.assist = "off"
        if assistant is not None:
            app.state.assist = "loading"
            background.spawn(
                _freeze_when_warm(app, assistant), "freezing the heap after AI assist loaded"
            )
        log.info("gateway ready (database %s)", engine.url.render_as_string(hide_password=True))
        watching = asyncio.create_task(loop_lag.watch(), name="event-loop lag")
        try:
            # Telegram and Slack, when configured: stopped before the router below
            async with connectors.messaging.running(
                app,
                settings,
                store,
                router,
                bus,
                team=contract.brand.title,
                greet_intent=contract.conversation.greet_intent,
            ):
                # Rasa's REST and socket.io channels: stopped before the ones above
                async with connectors.rasa_channels.running(app, settings, store, intake, bus):
                    yield
        finally:
            watching.cancel()
            await app.state.review.close()
            await background.close()
            await app.state.health.close()
            await rasa.close()
            await bus.close()
            await app.state.limits.close()
            await engine.dispose()

    docs = settings.api_docs  # production: no public description of the routes
    app = FastAPI(
        title="Baton gateway",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    install_error_handlers(app)
    # the API docs' page loads Swagger UI's script from its CDN: no CSP there
    app.add_middleware(SecurityHeaders, relaxed_paths=("/docs", "/redoc"))
    if "*" not in settings.allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    # the widget is embedded on shop sites: they call the web chat API across origins (no
    # origins configured: no CORS at all)
    if settings.webchat_allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.webchat_allowed_origins,
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.include_router(connectors.webchat.create_router())
    connectors.messaging.install(app, settings)
    connectors.rasa_channels.install(app, settings)
    app.include_router(handoff_api.create_router())
    app.include_router(console_api.create_router())
    app.include_router(desk_socket.create_router())
    agent_console.web.install(app)
    app.include_router(agent_console.supervisor.create_router())
    app.include_router(privacy_api.create_router())
    agent_console.review.install(app)
    app.include_router(prometheus.create_router())

    # /health/live, /health/ready and the older /health
    health.install(app)

    return app

"""What a running gateway holds, built in the app's lifespan and reached through dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from agent_console.auth import Users
from agent_console.canned import CannedResponses
from agent_console.workspace import Workspace
from baton.project import Project
from connectors.intake import Intake
from gateway.background import Background
from gateway.bus import EventBus
from gateway.escalation import Escalation
from gateway.publisher import Publisher
from gateway.rasa import RasaClient
from gateway.router import ConversationRouter
from gateway.settings import GatewaySettings
from handoff.agents import AgentDirectory
from handoff.desk import HandoffDesk
from handoff.store import ConversationStore

if TYPE_CHECKING:  # the assistant loads MiniLM: imported only where it is built
    from agent_console.assist import Assistant
    from analytics.survey import Surveys


@dataclass(frozen=True, slots=True)
class Services:
    settings: GatewaySettings
    store: ConversationStore
    desk: HandoffDesk
    agents: AgentDirectory
    rasa: RasaClient
    bus: EventBus
    router: ConversationRouter
    users: Users
    workspace: Workspace
    canned: CannedResponses
    assistant: Assistant | None  # None when AI assist is turned off
    project: Project  # the assistant folder served, with its baton.yml
    publisher: Publisher  # conversation events to sockets and consoles
    escalation: Escalation  # handoffs carried out, agents offered work, hand backs
    background: Background  # work after the answer (listening, warming)
    intake: Intake  # the way in for web chat and Rasa's channels
    survey: Surveys | None  # the end-of-conversation survey (None: turned off)


def get_services(connection: HTTPConnection) -> Services:
    services: Services = connection.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

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
from gateway.bus import EventBus
from gateway.rasa import RasaClient
from gateway.router import ConversationRouter
from gateway.settings import GatewaySettings
from handoff.agents import AgentDirectory
from handoff.desk import HandoffDesk
from handoff.store import ConversationStore

if TYPE_CHECKING:  # the assistant loads MiniLM: imported only where it is built
    from agent_console.assist import Assistant


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


def get_services(connection: HTTPConnection) -> Services:
    services: Services = connection.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

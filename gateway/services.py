"""What a running gateway holds, built in the app's lifespan and reached through dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from gateway.bus import EventBus
from gateway.rasa import RasaClient
from gateway.router import ConversationRouter
from gateway.settings import GatewaySettings
from handoff.agents import AgentDirectory
from handoff.desk import HandoffDesk
from handoff.store import ConversationStore


@dataclass(frozen=True, slots=True)
class Services:
    settings: GatewaySettings
    store: ConversationStore
    desk: HandoffDesk
    agents: AgentDirectory
    rasa: RasaClient
    bus: EventBus
    router: ConversationRouter


def get_services(connection: HTTPConnection) -> Services:
    services: Services = connection.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

"""The gateway: channels in, the conversation router, the APIs, health."""

from gateway.app import create_app
from gateway.settings import GatewaySettings, load_settings

__all__ = ["GatewaySettings", "create_app", "load_settings"]

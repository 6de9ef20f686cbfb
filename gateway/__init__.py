"""The gateway: channels in, the conversation router, the APIs, health."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.settings import GatewaySettings, load_settings

if TYPE_CHECKING:
    from gateway.app import create_app

__all__ = ["GatewaySettings", "create_app", "load_settings"]


def __getattr__(name: str) -> Any:
    # the app factory imports every capability (the consoles, the connectors), and they
    # import gateway.errors and gateway.services: loaded on first use, not with the package
    if name == "create_app":
        from gateway.app import create_app

        return create_app
    raise AttributeError(f"module 'gateway' has no attribute {name!r}")

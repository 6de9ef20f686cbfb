"""Channels: web chat (websocket + REST + widget); Telegram and Slack behind the same interface."""

from connectors.base import Inbound

__all__ = ["Inbound"]

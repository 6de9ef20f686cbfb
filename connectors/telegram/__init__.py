"""Telegram: the webhook served by the gateway, updates read by pure functions, replies sent
through python-telegram-bot's ``Bot``; long polling (``baton telegram poll``) for local
development."""

from __future__ import annotations

# Telegram sends the webhook's secret token back in this header with every update
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

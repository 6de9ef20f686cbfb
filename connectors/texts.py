"""The messaging channels' fixed words; what they say to customers is in the catalogue.

Customers read the message catalogue (:mod:`baton.catalogue`, keys ``channels.*``) in their
conversation's language; API errors stay English (a developer reads them).
"""

from __future__ import annotations

# an agent's message on Telegram, where a bot cannot change its name per message; {team}
# is the assistant's brand title (baton.yml ``brand.title``)
AGENT_PREFIX = "{name} ({team}): "
# an agent's message on Slack: the name the message is posted under
AGENT_USERNAME = "{name} ({team})"

# what a channel is called in "You're continuing … here on {channel}": a catalogue key, or
# none for the apps' own names (Telegram, Slack)
CHANNEL_NAMES = {
    "web": "channels.name_web",
    # front ends written for Rasa: Baton does not know what the customer calls them
    "rasa_rest": "channels.name_chat",
    "rasa_socketio": "channels.name_chat",
}

ERRORS: dict[str, str] = {
    "invalid_code": "The code is unknown, used or expired.",
    "channel_unavailable": "That channel is not set up on this server.",
    "invalid_update": "The request is not a Telegram update.",
    "forbidden": "Wrong or missing secret token.",
    "invalid_signature": "Invalid or expired signature.",
}

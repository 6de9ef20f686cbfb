"""Every text the messaging channels show customers, in one place."""

from __future__ import annotations

# an agent's message on Telegram, where a bot cannot change its name per message; {team}
# is the assistant's brand title (baton.yml ``brand.title``)
AGENT_PREFIX = "{name} ({team}): "
# an agent's message on Slack: the name the message is posted under
AGENT_USERNAME = "{name} ({team})"

ONLY_TEXT = "Sorry, I can only read text messages. Please type your question."
TOO_LONG = "That message is too long for me (at most {limit} characters). Could you shorten it?"
BUTTON_EXPIRED = "That button has expired. Please type your answer."

CODE_INVALID = (
    "That link or code is not valid any more (codes work once, for 15 minutes). "
    "We're starting here instead: how can I help?"
)
CONTINUED_HERE = "You're continuing the same conversation here on {channel}."
CONTINUE_ON_WEB = (
    "To continue this conversation in your browser, open {link} "
    "(or enter the code {code} in the chat window). It works once, within 15 minutes."
)

CHANNEL_NAMES = {
    "web": "the web chat",
    "telegram": "Telegram",
    "slack": "Slack",
    # front ends written for Rasa: Baton does not know what the customer calls them
    "rasa_rest": "the chat",
    "rasa_socketio": "the chat",
}

ERRORS: dict[str, str] = {
    "invalid_code": "The code is unknown, used or expired.",
    "channel_unavailable": "That channel is not set up on this server.",
    "invalid_update": "The request is not a Telegram update.",
    "forbidden": "Wrong or missing secret token.",
    "invalid_signature": "Invalid or expired signature.",
}

"""Every text the gateway itself shows to customers or API clients."""

from __future__ import annotations

RASA_UNAVAILABLE = (
    "Sorry, I'm having trouble right now. Your message is saved — please try again shortly."
)

ERRORS: dict[str, str] = {
    "bad_request": "The request could not be understood.",
    "message_empty": "The message is empty.",
    "message_too_long": "The message is too long (at most {limit} characters).",
    "invalid_token": "The conversation token is missing, unknown or invalid.",
    "invalid_json": "The request body is not valid JSON.",
    "invalid_frame": "The frame is not a valid chat frame.",
    "invalid_encoding": "Frames must be UTF-8 encoded JSON text.",
    "unknown_suggestion": "That suggestion is not one of this conversation's.",
    "language_not_served": "{language!r} is not a language the assistant serves ({served}).",
}

# {position}: 1 = next; {wait}: a phrase such as "about 3 minutes"
HANDOFF_QUEUED = (
    "You're number {position} in line; a member of our team should be with you in {wait}."
)
HANDOFF_NEXT = "You're next in line; a member of our team should be with you in {wait}."
HANDOFF_OFFLINE = (
    "Our team is offline right now (hours: {hours}). Leave your message here and we'll "
    "get back to you as soon as we're back — you don't need to stay on this page."
)
HANDED_BACK = "You're back with the virtual assistant. How else can I help?"


def wait_phrase(seconds: int) -> str:
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    return "about a minute" if minutes == 1 else f"about {minutes} minutes"

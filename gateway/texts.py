"""The gateway's words for API clients; what it says to customers is in the catalogue.

Customers read the message catalogue (:mod:`baton.catalogue`, keys ``gateway.*``,
``handoff.*``, ``wait.*``) in their conversation's language. API errors stay English: a
developer reads them, and the widget shows its own words (``widget.*``).
"""

from __future__ import annotations

from baton.catalogue import Catalogue

ERRORS: dict[str, str] = {
    "bad_request": "The request could not be understood.",
    "message_empty": "The message is empty.",
    "message_too_long": "The message is too long (at most {limit} characters).",
    "client_id_reused": "That client_id was already used for a different message; a retry"
    " must send the same text, a new message a new client_id.",
    "invalid_token": "The conversation token is missing, unknown or invalid.",
    "invalid_json": "The request body is not valid JSON.",
    "invalid_frame": "The frame is not a valid chat frame.",
    "invalid_encoding": "Frames must be UTF-8 encoded JSON text.",
    "unknown_suggestion": "That suggestion is not one of this conversation's.",
    "language_not_served": "{language!r} is not a language the assistant serves ({served}).",
    "customer_with_a_person": "{count} conversation(s) of this customer are queued or with an"
    " agent: resolve or hand them back, then erase.",
    "rate_limited": "Too many requests: {what}. Nothing was stored; send it again in {seconds} s.",
    "conversation_forbidden": "You may not see this conversation: {reason}.",
}

# why a desk user may not see a conversation (ConversationForbidden's reason -> its words)
REFUSALS: dict[str, str] = {
    "queue_not_served": (
        "it is in the {queue} queue, which you do not serve, and it was never given to you"
    ),
    "not_handed_off": "the bot has it: it was never handed to a queue you serve or to you",
    "not_in_review": (
        "none of its messages is in the review inbox or labelled: knowledge owners read only "
        "the conversations of the messages they review"
    ),
}


def wait_phrase(catalogue: Catalogue, seconds: int, language: str | None) -> str:
    """ "under a minute", "about 3 minutes", in ``language``."""
    if seconds < 60:
        return catalogue.text("wait.under_a_minute", language)
    return catalogue.text("wait.minutes", language, count=round(seconds / 60))

"""Who owns a conversation: the bot, the queue, one agent — as data.

Every inbound message consults the owner: only a bot-owned conversation reaches Rasa.
The moves between owners are a table; ``transition`` is the only way to change owner
and refuses a move the table does not list. The one place that writes the owner it gives
is ``handoff.desk.write_move`` (a new conversation starts with the bot).
"""

from __future__ import annotations

from enum import StrEnum

from handoff.errors import IllegalTransition


class Owner(StrEnum):
    """The party that answers the customer next."""

    BOT = "bot"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"


class Move(StrEnum):
    """A change of ownership, named by what happened."""

    HANDOFF = "handoff"  # the bot (or a rule) asks for a human
    ASSIGN = "assign"  # an agent accepts, or is pushed, the conversation
    TRANSFER_TO_AGENT = "transfer_to_agent"
    TRANSFER_TO_QUEUE = "transfer_to_queue"
    HAND_BACK = "hand_back"  # the humans give the conversation back to the bot
    RESOLVE = "resolve"
    REOPEN = "reopen"  # the customer writes again after resolution


TRANSITIONS: dict[tuple[Owner, Move], Owner] = {
    (Owner.BOT, Move.HANDOFF): Owner.QUEUED,
    (Owner.BOT, Move.RESOLVE): Owner.RESOLVED,
    (Owner.QUEUED, Move.ASSIGN): Owner.ASSIGNED,
    (Owner.QUEUED, Move.HAND_BACK): Owner.BOT,
    (Owner.QUEUED, Move.RESOLVE): Owner.RESOLVED,
    (Owner.ASSIGNED, Move.TRANSFER_TO_AGENT): Owner.ASSIGNED,
    (Owner.ASSIGNED, Move.TRANSFER_TO_QUEUE): Owner.QUEUED,
    (Owner.ASSIGNED, Move.HAND_BACK): Owner.BOT,
    (Owner.ASSIGNED, Move.RESOLVE): Owner.RESOLVED,
    (Owner.RESOLVED, Move.REOPEN): Owner.BOT,
}


def transition(current: Owner, move: Move) -> Owner:
    """Return the owner after ``move``; raise ``IllegalTransition`` if the table forbids it."""
    try:
        return TRANSITIONS[(current, move)]
    except KeyError:
        raise IllegalTransition(current=current, move=move) from None

"""Human handoff: conversation ownership, the conversation record and its store."""

from handoff.database import create_engine, migrate
from handoff.errors import ConversationNotFound, HandoffError, IllegalTransition
from handoff.ownership import TRANSITIONS, Move, Owner, transition
from handoff.records import Button, Conversation, Entity, Message, Nlu, Sender
from handoff.store import ConversationStore

__all__ = [
    "TRANSITIONS",
    "Button",
    "Conversation",
    "ConversationNotFound",
    "ConversationStore",
    "Entity",
    "HandoffError",
    "IllegalTransition",
    "Message",
    "Move",
    "Nlu",
    "Owner",
    "Sender",
    "create_engine",
    "migrate",
    "transition",
]

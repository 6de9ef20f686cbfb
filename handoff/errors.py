"""Errors of the handoff capability; each carries the data a caller needs to explain it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handoff.ownership import Move, Owner


class HandoffError(Exception):
    """Base of every error raised by ``handoff``."""


class IllegalTransition(HandoffError):
    """A move that the ownership table does not allow from the current owner."""

    def __init__(self, current: Owner, move: Move) -> None:
        super().__init__(f"cannot {move.value} a conversation owned by {current.value}")
        self.current = current
        self.move = move


class ConversationNotFound(HandoffError):
    """No conversation with this id."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"conversation {conversation_id} not found")
        self.conversation_id = conversation_id


class AgentNotFound(HandoffError):
    def __init__(self, agent_id: str) -> None:
        super().__init__(f"agent {agent_id} not found")
        self.agent_id = agent_id


class QueueNotFound(HandoffError):
    def __init__(self, queue: str) -> None:
        super().__init__(f"queue {queue} not found")
        self.queue = queue


class ClaimConflict(HandoffError):
    """The conversation is no longer waiting: someone else claimed it, or it ended."""

    def __init__(self, conversation_id: str, owner: str, agent_id: str | None) -> None:
        held = f" by agent {agent_id}" if agent_id else ""
        super().__init__(f"conversation {conversation_id} is not waiting (it is {owner}{held})")
        self.conversation_id = conversation_id
        self.owner = owner
        self.agent_id = agent_id


class NotOwner(HandoffError):
    """An agent acted on a conversation that another agent (or nobody) owns."""

    def __init__(self, conversation_id: str, agent_id: str) -> None:
        super().__init__(f"agent {agent_id} does not own conversation {conversation_id}")
        self.conversation_id = conversation_id
        self.agent_id = agent_id


class AgentAtCapacity(HandoffError):
    def __init__(self, agent_id: str, capacity: int) -> None:
        super().__init__(f"agent {agent_id} already has {capacity} conversations (their capacity)")
        self.agent_id = agent_id
        self.capacity = capacity

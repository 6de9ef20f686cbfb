from __future__ import annotations

import pytest

from handoff.errors import IllegalTransition
from handoff.ownership import TRANSITIONS, Move, Owner, transition

ALLOWED = [
    (Owner.BOT, Move.HANDOFF, Owner.QUEUED),
    (Owner.QUEUED, Move.ASSIGN, Owner.ASSIGNED),
    (Owner.ASSIGNED, Move.TRANSFER_TO_AGENT, Owner.ASSIGNED),
    (Owner.ASSIGNED, Move.TRANSFER_TO_QUEUE, Owner.QUEUED),
    (Owner.ASSIGNED, Move.HAND_BACK, Owner.BOT),
    (Owner.QUEUED, Move.HAND_BACK, Owner.BOT),
    (Owner.ASSIGNED, Move.RESOLVE, Owner.RESOLVED),
    (Owner.RESOLVED, Move.REOPEN, Owner.BOT),
]


@pytest.mark.parametrize(("current", "move", "expected"), ALLOWED)
def test_allowed_moves_reach_the_expected_owner(
    current: Owner, move: Move, expected: Owner
) -> None:
    assert transition(current, move) is expected


FORBIDDEN = [(owner, move) for owner in Owner for move in Move if (owner, move) not in TRANSITIONS]


@pytest.mark.parametrize(("current", "move"), FORBIDDEN)
def test_every_move_outside_the_table_is_refused_with_a_typed_error(
    current: Owner, move: Move
) -> None:
    with pytest.raises(IllegalTransition) as error:
        transition(current, move)
    assert error.value.current is current and error.value.move is move


def test_a_bot_owned_conversation_cannot_be_assigned_without_a_handoff() -> None:
    with pytest.raises(IllegalTransition, match="cannot assign a conversation owned by bot"):
        transition(Owner.BOT, Move.ASSIGN)

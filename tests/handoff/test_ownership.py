"""The ownership table, written out in full: every (owner, move) pair, allowed or refused.

Nothing here is derived from ``TRANSITIONS``: a row added, dropped or changed in the table
fails one of these tests.
"""

from __future__ import annotations

import pytest

from handoff.errors import IllegalTransition
from handoff.ownership import TRANSITIONS, Move, Owner, transition

B, Q, A, R = Owner.BOT, Owner.QUEUED, Owner.ASSIGNED, Owner.RESOLVED
REFUSED = IllegalTransition

# 4 owners by 7 moves: the owner after the move, or REFUSED
EVERY_PAIR: list[tuple[Owner, Move, Owner | type[IllegalTransition]]] = [
    (B, Move.HANDOFF, Q),
    (B, Move.ASSIGN, REFUSED),  # an agent takes only what was handed off
    (B, Move.TRANSFER_TO_AGENT, REFUSED),
    (B, Move.TRANSFER_TO_QUEUE, REFUSED),
    (B, Move.HAND_BACK, REFUSED),
    (B, Move.RESOLVE, R),  # the bot's conversation ends
    (B, Move.REOPEN, REFUSED),
    (Q, Move.HANDOFF, REFUSED),  # already waiting
    (Q, Move.ASSIGN, A),
    (Q, Move.TRANSFER_TO_AGENT, REFUSED),
    (Q, Move.TRANSFER_TO_QUEUE, REFUSED),
    (Q, Move.HAND_BACK, B),
    (Q, Move.RESOLVE, R),  # closed from the queue
    (Q, Move.REOPEN, REFUSED),
    (A, Move.HANDOFF, REFUSED),
    (A, Move.ASSIGN, REFUSED),  # a second claim loses
    (A, Move.TRANSFER_TO_AGENT, A),
    (A, Move.TRANSFER_TO_QUEUE, Q),
    (A, Move.HAND_BACK, B),
    (A, Move.RESOLVE, R),
    (A, Move.REOPEN, REFUSED),
    (R, Move.HANDOFF, REFUSED),  # the customer writes first: reopen, then hand off
    (R, Move.ASSIGN, REFUSED),
    (R, Move.TRANSFER_TO_AGENT, REFUSED),
    (R, Move.TRANSFER_TO_QUEUE, REFUSED),
    (R, Move.HAND_BACK, REFUSED),
    (R, Move.RESOLVE, REFUSED),
    (R, Move.REOPEN, B),
]
ALLOWED = [(current, move, after) for current, move, after in EVERY_PAIR if after is not REFUSED]
FORBIDDEN = [(current, move) for current, move, after in EVERY_PAIR if after is REFUSED]


def test_the_list_names_every_owner_and_move_once() -> None:
    pairs = [(current, move) for current, move, _ in EVERY_PAIR]
    assert len(pairs) == len(set(pairs)) == len(Owner) * len(Move) == 28


def test_the_table_holds_exactly_the_allowed_moves() -> None:
    assert TRANSITIONS == {(current, move): after for current, move, after in ALLOWED}
    assert len(ALLOWED) == 10


@pytest.mark.parametrize(("current", "move", "expected"), ALLOWED)
def test_an_allowed_move_reaches_its_owner(current: Owner, move: Move, expected: Owner) -> None:
    assert transition(current, move) is expected


@pytest.mark.parametrize(("current", "move"), FORBIDDEN)
def test_a_forbidden_move_is_refused_with_a_typed_error(current: Owner, move: Move) -> None:
    with pytest.raises(IllegalTransition) as error:
        transition(current, move)
    assert (error.value.current, error.value.move) == (current, move)


def test_the_refusal_says_what_was_tried_on_whom() -> None:
    with pytest.raises(IllegalTransition, match="cannot assign a conversation owned by bot"):
        transition(Owner.BOT, Move.ASSIGN)

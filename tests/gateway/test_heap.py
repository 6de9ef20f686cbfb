"""The gateway exempts its start-up objects from the collector's full passes."""

from __future__ import annotations

import gc

from gateway import heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: tracked by the collector


def test_objects_alive_at_freeze_leave_the_collected_generations() -> None:
    kept = Node()
    try:
        frozen = heap.freeze("a test")
        # a frozen object leaves the permanent generation only when it dies (other threads'
        # objects may, at any moment); none joins it without another freeze
        assert frozen >= gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())
        later = Node()
        assert any(o is later for o in gc.get_objects())
    finally:
        gc.unfreeze()
    assert any(o is kept for o in gc.get_objects())


def test_garbage_is_collected_before_freezing() -> None:
    Node()  # unreachable at once, kept alive only by its own cycle
    try:
        heap.freeze("a test")
        assert not any(isinstance(o, Node) for o in gc.get_objects())
        gc.unfreeze()
        assert not any(isinstance(o, Node) for o in gc.get_objects())
    finally:
        gc.unfreeze()

from __future__ import annotations

from connectors.webchat.tokens import bearer, hash_token, issue_token


def test_issued_tokens_are_unique_and_only_their_hash_is_kept() -> None:
    tokens = {issue_token() for _ in range(200)}
    assert len(tokens) == 200
    token, stored = next(iter(tokens))
    assert stored == hash_token(token) and token not in stored and len(stored) == 64


def test_bearer_headers_are_parsed_strictly() -> None:
    assert bearer("Bearer abc") == "abc"
    assert bearer("bearer   abc ") == "abc"
    assert bearer("Basic abc") is None
    assert bearer("Bearer ") is None
    assert bearer(None) is None

"""The slots Baton's own actions keep, and the sentinel an order-number slot may hold.

Identity slots (name, email, phone, order number) are the assistant's: their names come from
`identity.slots` in its baton.yml (`baton_actions.contract.identity_slot`). The bookkeeping
slots below are Baton's: an assistant that uses the actions writing them adds them to its
domain under these names.
"""

from __future__ import annotations

from typing import Final

# Baton's bookkeeping slots
HANDOFF_REASON: Final = "handoff_reason"  # set by the gateway's handoff trigger
KNOWLEDGE_ARTICLE: Final = "knowledge_article"  # the article the bot answered with last
KNOWLEDGE_SCORE: Final = "knowledge_score"  # that answer's search score
KNOWLEDGE_MISSES: Final = "knowledge_misses"  # help-centre misses and "no"s since the last "yes"
REQUESTED_SLOT: Final = "requested_slot"  # set by Rasa: the slot the active form asked for

# The order-number slot holds this when the customer said they have no order number (or
# asked to skip it). A filled slot is never asked again, so the identity form moves on; an
# order lookup treats it as "no number" and asks afresh the next time it needs one.
NO_ORDER_NUMBER: Final = "none"

"""Names shared with bot/domain/domain.yml (slots, forms, intents) and the sentinel a slot may hold.

A rename in the domain must be made here too.
"""

from __future__ import annotations

from typing import Final

# slots
NAME: Final = "name"
EMAIL: Final = "email"
ORDER_NUMBER: Final = "order_number"
PHONE: Final = "phone"
HANDOFF_REASON: Final = "handoff_reason"  # set by the gateway's handoff trigger
KNOWLEDGE_ARTICLE: Final = "knowledge_article"  # the article the bot answered with last
KNOWLEDGE_SCORE: Final = "knowledge_score"  # that answer's search score
KNOWLEDGE_MISSES: Final = "knowledge_misses"  # help-centre misses and "no"s since the last "yes"
REQUESTED_SLOT: Final = "requested_slot"  # set by Rasa: the slot the active form asked for

# forms
IDENTITY_FORM: Final = "identity_form"
ORDER_NUMBER_FORM: Final = "order_number_form"

# intents the actions look at
DENY: Final = "deny"
AFFIRM: Final = "affirm"

# `order_number` holds this when the customer said they have no order number (or asked to
# skip it). A filled slot is never asked again, so the identity form moves on; the order
# status lookup treats it as "no number" and asks afresh the next time it needs one.
NO_ORDER_NUMBER: Final = "none"

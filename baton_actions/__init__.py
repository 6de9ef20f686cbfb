"""Baton's rasa-sdk actions as a library, served with the assistant's own by baton_actions.server.

`python -m baton_actions.server` imports this package; importing the modules below
registers their actions. Everything here serves any assistant: the names it reads (identity
form and slots, yes/no intents, handoff intents and reasons) come from the assistant's
baton.yml. An assistant's own actions (the demo's order lookup is in bot/actions/) may
import from here, and replace an action by reusing its name. Nothing heavy happens at
import.
"""

from __future__ import annotations

from baton_actions.asks import ActionAskEmail, ActionAskName, ActionAskOrderNumber
from baton_actions.handoff import ActionHandoff, HandoffControl, handoff_control, handoff_reason
from baton_actions.handoff_reasons import HandoffReason
from baton_actions.identity import ValidateIdentityForm
from baton_actions.knowledge import ActionKnowledgeAnswer, ActionKnowledgeFeedback

__all__ = [
    "ActionAskEmail",
    "ActionAskName",
    "ActionAskOrderNumber",
    "ActionHandoff",
    "ActionKnowledgeAnswer",
    "ActionKnowledgeFeedback",
    "HandoffControl",
    "HandoffReason",
    "ValidateIdentityForm",
    "handoff_control",
    "handoff_reason",
]

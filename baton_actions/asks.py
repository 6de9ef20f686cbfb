"""The questions the forms ask, one action per slot (Rasa finds them as `action_ask_<slot>`).

Actions rather than domain responses because the wording depends on the conversation: the
customer's name once known, and which form is asking for the order number.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from baton_actions import contract, texts
from baton_actions.names import NAME
from baton_actions.parsing import first_name
from baton_actions.tracking import set_since_latest_message


class ActionAskName(Action):
    """Asks for the customer's name."""

    def name(self) -> str:
        return "action_ask_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=texts.ASK_NAME)
        return []


class ActionAskEmail(Action):
    """Asks for the customer's email address, thanking them by name if they just gave it."""

    def name(self) -> str:
        return "action_ask_email"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # thank the customer for their name right after they gave it, not on every re-ask
        just_named = set_since_latest_message(tracker, NAME)
        name = first_name(tracker.get_slot(NAME)) if just_named else None
        dispatcher.utter_message(text=texts.ask_email(name))
        return []


class ActionAskOrderNumber(Action):
    """Asks for an order number, offering an "I don't have one" button."""

    def name(self) -> str:
        return "action_ask_order_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        asking_for_identity = tracker.active_loop.get("name") == contract.identity_form()
        text = (
            texts.ASK_ORDER_NUMBER_FOR_IDENTITY
            if asking_for_identity
            else texts.ASK_ORDER_NUMBER_FOR_LOOKUP
        )
        dispatcher.utter_message(text=text, buttons=texts.no_order_number())
        return []

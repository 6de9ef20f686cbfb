"""The questions the identity form asks, one action per slot (Rasa finds `action_ask_<slot>`).

Actions rather than domain responses because the wording depends on the conversation: the
customer's name once known. Each is named after the bot's slot for the field it asks about
(`identity.slots` in baton.yml): with `email: customer_email` the email question is
`action_ask_customer_email`.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from baton_actions import contract, texts
from baton_actions.parsing import first_name
from baton_actions.tracking import set_since_latest_message


class ActionAskName(Action):
    """Asks for the customer's name."""

    def name(self) -> str:
        return f"action_ask_{contract.identity_slot('name')}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=texts.say("identity.ask_name", contract.language(tracker)))
        return []


class ActionAskEmail(Action):
    """Asks for the customer's email address, thanking them by name if they just gave it."""

    def name(self) -> str:
        return f"action_ask_{contract.identity_slot('email')}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # thank the customer for their name right after they gave it, not on every re-ask
        name_slot = contract.identity_slot("name")
        just_named = set_since_latest_message(tracker, name_slot)
        name = first_name(tracker.get_slot(name_slot)) if just_named else None
        dispatcher.utter_message(text=texts.ask_email(name, contract.language(tracker)))
        return []


class ActionAskOrderNumber(Action):
    """Asks for an order number, offering an "I don't have one" button.

    The question is the identity form's ("if this is about an order, ..."). An assistant
    that asks for the number in other forms too subclasses this action and overrides
    :meth:`question` (the subclass keeps the name, so it replaces this one).
    """

    def name(self) -> str:
        return f"action_ask_{contract.identity_slot('order_number')}"

    def question(self, tracker: Tracker) -> str:
        """The words of the question, in the conversation of `tracker`."""
        return texts.say("identity.ask_order_number", contract.language(tracker))

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = contract.language(tracker)
        dispatcher.utter_message(
            text=self.question(tracker), buttons=texts.no_order_number(language)
        )
        return []

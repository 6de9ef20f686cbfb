"""An example of the assistant's own action: opening hours, and whether the team is in now.

A response in domain.yml can only say the same thing every time; an action can look
something up first. Add your own actions here (or in more modules of this package), list
their names under ``actions:`` in domain.yml, and use them in data/rules.yml.

Baton's library actions (help-centre answers, the contact form's validation, the handoff)
are served by the same action server: nothing here needs to import them.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

TEAM_TIME_ZONE = ZoneInfo("Europe/London")
# weekday (Monday is 0) → (opens, closes); a day not listed is closed
OPENING_HOURS = {
    0: (time(9), time(17)),
    1: (time(9), time(17)),
    2: (time(9), time(17)),
    3: (time(9), time(17)),
    4: (time(9), time(17)),
    5: (time(10), time(14)),
}
HOURS_TEXT = (
    "Our team is available Monday to Friday 9 am to 5 pm and Saturday 10 am to 2 pm (UK time)."
)


def is_open(moment: datetime) -> bool:
    """Whether the team is working at ``moment`` (any time zone)."""
    local = moment.astimezone(TEAM_TIME_ZONE)
    hours = OPENING_HOURS.get(local.weekday())
    return hours is not None and hours[0] <= local.time() < hours[1]


class ActionOpeningHours(Action):
    """Says the opening hours and whether a person can take over right now."""

    def name(self) -> str:
        return "action_opening_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if is_open(datetime.now(TEAM_TIME_ZONE)):
            now = "We're open right now: ask for a person whenever you like."
        else:
            now = "We're closed right now: ask for a person and a colleague replies when we open."
        dispatcher.utter_message(text=f"{HOURS_TEXT} {now}")
        return []

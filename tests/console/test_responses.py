"""The bot's responses an agent could send, read from a Rasa project's domain, rules and
stories: a small hand-made project, and the demo bot itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_console.responses import BotResponses, fill
from baton import paths
from baton.knowledge import knowledge_intents

DOMAIN = """
responses:
  utter_hello:
    - text: "Hello! How can I help you today?"
  utter_intro:
    - text: "I'm the shop's virtual assistant. Ask me anything."
  utter_cancel:
    - text: "You can cancel order {order_number} until it ships, {name}."
    - text: "You can cancel an order until it ships."
  utter_connecting:
    - condition:
        - type: slot
          name: handoff_reason
          value: low_confidence
      text: "Sorry, I'm not getting this right."
    - text: "Of course, I'll connect you with a colleague."
  utter_welcome:
    - text: "You're welcome, {name}!"
  utter_anything_else:
    - text: "Sure, what else can I do?"
  utter_bye:
    - text: "Bye, and thanks for shopping with us."
"""
RULES = """
rules:
  - rule: greet
    steps:
      - intent: greet
      - action: utter_hello
  - rule: who are you
    steps:
      - intent: bot_challenge
      - action: utter_intro
  - rule: cancel
    steps:
      - intent: cancel_order
      - action: utter_cancel
      - action: utter_anything_else
  - rule: a person
    steps:
      - intent: request_human
      - action: utter_connecting
      - action: identity_form
      - active_loop: identity_form
  - rule: returns from the help centre
    steps:
      - intent: returns
      - action: action_knowledge_answer
  - rule: unsure
    steps:
      - intent: nlu_fallback
      - action: utter_anything_else
  - rule: more help wanted
    steps:
      - action: utter_welcome
      - intent: affirm
      - action: utter_anything_else
  - rule: bye in a form
    condition:
      - active_loop: identity_form
    steps:
      - intent: goodbye
      - action: action_deactivate_loop
"""
STORIES = """
stories:
  - story: thanks twice
    steps:
      - intent: thanks
      - action: utter_welcome
      - intent: affirm
      - action: identity_form
      - intent: thanks
      - action: utter_welcome
      - intent: goodbye
      - action: utter_bye
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "domain.yml").write_text(DOMAIN)
    (tmp_path / "data" / "rules.yml").write_text(RULES)
    (tmp_path / "data" / "stories.yml").write_text(STORIES)
    return tmp_path


def text_for(responses: BotResponses, intent: str, **identity: str) -> str | None:
    response = responses.for_intent(intent, identity)
    return response.text if response else None


def test_an_intent_gets_the_response_its_rule_gives_it(project: Path) -> None:
    responses = BotResponses.load(project)
    greet = responses.for_intent("greet", {})
    assert greet is not None
    assert (greet.intent, greet.action, greet.text) == (
        "greet",
        "utter_hello",
        "Hello! How can I help you today?",
    )


def test_placeholders_are_filled_from_the_identity_or_the_variant_is_passed_over(
    project: Path,
) -> None:
    responses = BotResponses.load(project)
    filled = text_for(responses, "cancel_order", name="Maria", order_number="4829301")
    assert filled == "You can cancel order 4829301 until it ships, Maria."
    assert text_for(responses, "cancel_order", name="Maria") == (
        "You can cancel an order until it ships."
    )
    # the identity says "none" when the customer has no order number
    assert text_for(responses, "cancel_order", name="Maria", order_number="none") == (
        "You can cancel an order until it ships."
    )
    assert text_for(responses, "thanks", name="Maria") == "You're welcome, Maria!"
    assert text_for(responses, "thanks") is None  # its only variant needs a name


def test_what_an_agent_would_not_send_is_not_suggested(project: Path) -> None:
    responses = BotResponses.load(project)
    assert text_for(responses, "bot_challenge") is None  # the bot's own voice
    assert text_for(responses, "request_human") is None  # only a preface to the form
    assert text_for(responses, "returns") is None  # a custom action: the knowledge source
    assert text_for(responses, "nlu_fallback") is None  # the bot's decline
    assert text_for(responses, "affirm") is None  # its answer depends on the question
    assert text_for(responses, "goodbye") == "Bye, and thanks for shopping with us."
    assert text_for(responses, "never_heard_of") is None
    assert responses.for_intent(None, {}) is None
    assert responses.intents == ["cancel_order", "goodbye", "greet", "thanks"]


def test_the_demo_bots_responses() -> None:
    responses = BotResponses.load(paths.BOT)
    cancel = text_for(responses, "cancel_order")
    assert cancel is not None and cancel.startswith("You can cancel an order free of charge")
    assert text_for(responses, "thanks") == (
        "You're welcome! Is there anything else I can help you with?"
    )
    assert text_for(responses, "goodbye") == "Thanks for shopping with Voltify. Have a great day!"
    # the demo bot greets as "Voltify's virtual assistant": not words for a person
    assert text_for(responses, "greet") is None
    for intent in ("request_human", "complaint", "order_status", "inform", "affirm", "deny"):
        assert text_for(responses, intent) is None, intent


def test_the_demo_bots_help_centre_intents_get_nothing_from_this_source() -> None:
    responses = BotResponses.load(paths.BOT)
    intents = knowledge_intents(paths.BOT / "data")
    assert "returns" in intents and "refund_status" in intents
    assert not [i for i in intents if responses.for_intent(i, {}) is not None]


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("Hi {name}", {"name": "  Anna   Schmidt "}, "Hi Anna Schmidt"),
        ("Order {order_number}", {"order_number": "None"}, None),
        ("Order {order_number}", {}, None),
        ("No placeholder", {}, "No placeholder"),
        ("{name}: {email}", {"name": "Raj", "email": "raj@example.com"}, "Raj: raj@example.com"),
    ],
)
def test_fill(text: str, values: dict[str, str], expected: str | None) -> None:
    assert fill(text, values) == expected

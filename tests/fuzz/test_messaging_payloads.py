"""The messaging channels' parsers of outside input: Telegram updates, Slack events and
interactions, and Rasa's REST and socket.io payloads. Whatever arrives, each parser gives
its typed result (or its own refusal), with text every store can hold; never another
exception, which would fail a webhook or leave a delivery retried forever."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from connectors.errors import InvalidUpdate
from connectors.rasa_channels import wire
from connectors.slack.events import Ignored as SlackIgnored
from connectors.slack.events import SlackButton, SlackMessage, classify_action, classify_event
from connectors.telegram import updates
from gateway.errors import GatewayError
from tests.fuzz.strategies import TEXT, json_text, jsonish, utf8_clean

ANY = jsonish()
INT_OR_ANY = st.one_of(st.integers(min_value=-(2**40), max_value=2**40), ANY)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, ANY)


# -- Telegram -------------------------------------------------------------------------------

TG_CHAT = st.fixed_dictionaries(
    {"id": INT_OR_ANY, "type": maybe(st.sampled_from(["private", "group", "channel"]))}
)
TG_USER = st.fixed_dictionaries(
    {"id": INT_OR_ANY, "is_bot": maybe(st.booleans()), "first_name": maybe(TEXT)},
    optional={"language_code": maybe(TEXT)},
)
TG_MESSAGE = st.fixed_dictionaries(
    {"message_id": INT_OR_ANY, "date": INT_OR_ANY, "chat": maybe(TG_CHAT)},
    optional={
        "text": maybe(st.one_of(TEXT, st.sampled_from(["/start", "/start abc", "/web"]))),
        "from": maybe(TG_USER),
        "photo": ANY,
    },
)
TG_CALLBACK = st.fixed_dictionaries(
    {"id": maybe(TEXT), "from": maybe(TG_USER), "chat_instance": maybe(TEXT)},
    optional={
        "message": maybe(TG_MESSAGE),
        "data": maybe(st.one_of(TEXT, st.sampled_from(["b:1:0", "b:99999999999999:2"]))),
    },
)
TG_UPDATES = st.one_of(
    ANY,
    st.fixed_dictionaries(
        {"update_id": INT_OR_ANY},
        optional={
            "message": maybe(TG_MESSAGE),
            "edited_message": maybe(TG_MESSAGE),
            "callback_query": maybe(TG_CALLBACK),
            "channel_post": ANY,
        },
    ),
)


@given(st.one_of(TG_UPDATES.map(lambda v: json_text(v).encode()), st.binary(max_size=100)))
def test_a_telegram_webhook_body_is_an_update_or_invalid_update(raw: bytes) -> None:
    try:
        update_id, data = updates.read_update(raw)
    except InvalidUpdate as exc:
        assert utf8_clean(exc.message)
        return
    assert isinstance(update_id, int) and utf8_clean(data)
    # what the webhook stored is later read by classify: never an exception there either
    action = updates.classify(data)
    assert utf8_clean(action)
    if isinstance(action, updates.Text | updates.Start):  # client_id "tg:<chat>:<message>"
        assert len(f"tg:{action.chat_id}:{action.message_id}") <= 64
    if isinstance(action, updates.ButtonClick):  # looked up in messages (32-bit ids)
        assert action.message_id < 2**31


# -- Slack ----------------------------------------------------------------------------------

SLACK_EVENT = st.fixed_dictionaries(
    {"type": maybe(st.sampled_from(["message", "app_mention", "reaction_added"]))},
    optional={
        "channel": maybe(st.sampled_from(["D0CUSTOMER", "C0GENERAL"])),
        "user": maybe(TEXT),
        "ts": maybe(st.sampled_from(["1.2", "3.4"])),
        "text": maybe(st.one_of(TEXT, st.just("<@U0BOT> help &amp; more"))),
        "thread_ts": maybe(st.just("1.0")),
        "channel_type": maybe(st.sampled_from(["im", "channel"])),
        "subtype": maybe(st.none()),
        "bot_id": ANY,
        "team": maybe(TEXT),
    },
)
SLACK_EVENTS = st.one_of(
    ANY,
    st.fixed_dictionaries(
        {"event": maybe(SLACK_EVENT)},
        optional={"team_id": maybe(TEXT), "event_id": maybe(TEXT), "type": ANY},
    ),
)
ID = st.fixed_dictionaries({"id": maybe(TEXT)})
SLACK_ACTIONS = st.one_of(
    ANY,
    st.fixed_dictionaries(
        {"type": maybe(st.just("block_actions"))},
        optional={
            "trigger_id": maybe(TEXT),
            "team": maybe(ID),
            "user": maybe(ID),
            "channel": maybe(ID),
            "container": maybe(st.fixed_dictionaries({"channel_id": maybe(TEXT)})),
            "message": maybe(
                st.fixed_dictionaries({"ts": maybe(TEXT)}, optional={"thread_ts": ANY})
            ),
            "actions": maybe(
                st.lists(
                    maybe(
                        st.fixed_dictionaries(
                            {"action_id": maybe(st.just("baton_button_0"))},
                            optional={
                                "value": ANY,
                                "text": maybe(st.fixed_dictionaries({"text": ANY})),
                            },
                        )
                    ),
                    max_size=2,
                )
            ),
        },
    ),
)


def _as_slack_delivers(body: Any) -> dict[str, Any]:
    """Bolt hands the listeners a JSON object; its strings cleaned as app.store_* do."""
    from connectors.base import clean_json

    cleaned = clean_json(body)
    return cleaned if isinstance(cleaned, dict) else {"payload": cleaned}


@given(SLACK_EVENTS)
def test_a_slack_event_is_a_message_or_ignored(body: Any) -> None:
    result = classify_event(_as_slack_delivers(body))
    assert isinstance(result, SlackMessage | SlackIgnored) and utf8_clean(result)
    if isinstance(result, SlackMessage):  # they fit channel_links and messages' columns
        assert len(result.client_id) <= 64 and len(result.place.address) <= 255


@given(SLACK_ACTIONS)
def test_a_slack_interaction_is_a_button_or_ignored(body: Any) -> None:
    result = classify_action(_as_slack_delivers(body))
    assert isinstance(result, SlackButton | SlackIgnored) and utf8_clean(result)
    if isinstance(result, SlackButton):
        assert len(f"slackbtn:{result.trigger_id}") <= 64 and len(result.place.address) <= 255


# -- Rasa's REST and socket.io channels -----------------------------------------------------

REST_BODIES = st.one_of(
    ANY,
    st.fixed_dictionaries(
        {"sender": maybe(TEXT), "message": maybe(TEXT)}, optional={"metadata": ANY}
    ),
)


@given(st.one_of(REST_BODIES.map(lambda v: json_text(v).encode()), st.binary(max_size=100)))
def test_a_rasa_rest_body_is_a_request_or_a_gateway_error(raw: bytes) -> None:
    try:
        request = wire.read_rest_request(raw)
    except GatewayError as exc:
        assert utf8_clean(exc.message)
        return
    assert utf8_clean(request)


@given(
    st.one_of(
        ANY,
        st.fixed_dictionaries({"message": maybe(TEXT)}, optional={"session_id": maybe(TEXT)}),
    )
)
def test_socket_io_events_are_read_or_refused_with_clean_text(data: Any) -> None:
    uttered = wire.read_user_uttered(data)
    assert isinstance(uttered, wire.UserUttered | str) and utf8_clean(uttered)
    session = wire.read_session_request(data)
    assert session is None or utf8_clean(session)

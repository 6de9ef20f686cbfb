"""Metric definitions on hand-built conversation records."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from analytics.metrics import (
    BOT_ONLY,
    DIMENSIONS,
    NO_TOPIC,
    UNKNOWN_LANGUAGE,
    ContactIndex,
    Definitions,
    abandoned,
    all_facts,
    bot_end,
    breakdown,
    confirms_end,
    fallback_turns,
    knowledge_verdicts,
    summarise,
)
from analytics.records import Contact, ConversationRecord, Stay, SurveyAnswer, Turn
from tests.analytics.build import ROLES, agent, at, bot, customer

DEFS = Definitions(
    recontact_window=timedelta(hours=24),
    bot_idle=timedelta(minutes=30),
    abandon_after=timedelta(minutes=30),
    intents=ROLES,
)
LATER = at(60 * 48)  # "now": two days after the conversations, every window has passed


def helped(conversation_id: str = "c1", start: float = 0, **kw: object) -> ConversationRecord:
    """A knowledge question answered, the customer says yes: the bot's conversation ends."""
    return ConversationRecord(
        id=conversation_id,
        channel="webchat",
        created_at=at(start),
        turns=(
            customer(start, "returns"),
            bot(start + 0.1, article=True),
            bot(start + 0.1),
            customer(start + 1, "affirm"),
            bot(start + 1.1),
        ),
        **kw,  # type: ignore[arg-type]
    )


def test_yes_to_a_knowledge_answer_ends_the_conversation_at_that_message() -> None:
    record = helped()
    assert confirms_end(record.turns, 3, ROLES)
    assert bot_end(record, LATER, DEFS.bot_idle, ROLES) == at(1)


def test_yes_without_a_knowledge_answer_before_it_does_not_end_it() -> None:
    turns = (customer(0, "order_status"), bot(0.1), customer(1, "affirm"))
    assert not confirms_end(turns, 2, ROLES)


def test_an_unconfirmed_conversation_ends_after_the_idle_timeout_not_before() -> None:
    record = ConversationRecord(
        "c", "webchat", at(0), turns=(customer(0, "order_status"), bot(0.2))
    )
    assert bot_end(record, at(10), DEFS.bot_idle, ROLES) is None  # still open
    assert bot_end(record, at(31), DEFS.bot_idle, ROLES) == at(0.2) + DEFS.bot_idle


def test_a_goodbye_followed_up_within_the_idle_timeout_is_not_the_end() -> None:
    turns = (
        customer(0, "goodbye"),
        bot(0.1),
        customer(5, "order_status"),
        bot(5.1),
        customer(6, "thanks"),
    )
    record = ConversationRecord("c", "webchat", at(0), turns=turns)
    assert bot_end(record, LATER, DEFS.bot_idle, ROLES) == at(6)


def test_contained_when_nobody_comes_back_within_the_window() -> None:
    [facts] = all_facts([helped()], LATER, DEFS)
    assert facts.contained is True and not facts.recontacted and not facts.handed_off


def test_containment_is_pending_until_the_window_has_passed() -> None:
    [facts] = all_facts([helped()], at(60 * 10), DEFS)
    assert facts.contained is None
    summary = summarise([facts])
    assert (summary.pending, summary.decided, summary.containment_rate) == (1, 0, None)


def test_recontact_in_the_same_conversation_inside_the_window_is_not_contained() -> None:
    record = helped()
    record = ConversationRecord(
        record.id,
        record.channel,
        record.created_at,
        turns=(*record.turns, customer(60 * 5, "returns")),  # five hours later
    )
    [facts] = all_facts([record], LATER, DEFS)
    assert facts.recontacted and facts.contained is False


def test_recontact_on_another_channel_with_the_same_email_inside_the_window() -> None:
    first = helped("c1", contacts=frozenset({"email:dana@example.com"}))
    again = ConversationRecord(
        "c2",
        "telegram",
        at(60 * 20),
        contacts=frozenset({"email:dana@example.com"}),
        turns=(customer(60 * 20, "returns"),),
    )
    facts = {f.id: f for f in all_facts([first, again], LATER, DEFS)}
    assert facts["c1"].recontacted and facts["c1"].contained is False


def test_same_customer_writing_outside_the_window_is_no_recontact() -> None:
    first = helped("c1", contacts=frozenset({"phone:491701234567"}))
    later = Contact("c2", frozenset({"phone:491701234567"}), at(60 * 25))  # 25 h later
    [facts] = all_facts([first], LATER, DEFS, later=[later])
    assert not facts.recontacted and facts.contained is True


def test_another_customer_writing_inside_the_window_is_no_recontact() -> None:
    first = helped("c1", contacts=frozenset({"email:dana@example.com"}))
    other = Contact("c2", frozenset({"email:sam@example.com"}), at(60))
    [facts] = all_facts([first], LATER, DEFS, later=[other])
    assert facts.contained is True


def test_a_survey_answer_is_not_a_recontact() -> None:
    record = helped()
    record = ConversationRecord(
        record.id,
        record.channel,
        record.created_at,
        turns=(
            *record.turns,
            bot(1.2, survey_question=True),
            customer(40, survey_answer=True),  # after the idle timeout, still only a survey
        ),
        surveys=(SurveyAnswer("csat", "bot", at(1.2), 5, at(40)),),
    )
    [facts] = all_facts([record], LATER, DEFS)
    assert facts.contained is True and facts.csat == (5,)


def test_contact_index_finds_only_other_conversations_between_the_bounds() -> None:
    index = ContactIndex(
        [
            Contact("a", frozenset({"email:x@y.z"}), at(0)),
            Contact("b", frozenset({"email:x@y.z"}), at(10)),
        ]
    )
    assert index.any_between(["email:x@y.z"], at(5), at(20), besides="a")
    assert not index.any_between(["email:x@y.z"], at(5), at(20), besides="b")
    assert not index.any_between(["email:x@y.z"], at(10), at(20), besides="a")  # not after


def stay(**kw: object) -> Stay:
    values: dict[str, object] = {
        "id": 1,
        "reason": "request_human",
        "queue": "orders",
        "created_at": at(1),
    }
    return Stay(**(values | kw))  # type: ignore[arg-type]


def queued(s: Stay, *turns: Turn) -> ConversationRecord:
    return ConversationRecord(
        "q", "webchat", at(0), turns=(customer(0, "order_status"), *turns), stays=(s,)
    )


@pytest.mark.parametrize(
    ("the_stay", "later_turns", "now", "expected"),
    [
        (stay(ended_at=at(20), outcome="resolved"), (), at(21), True),  # closed from the queue
        (stay(), (), at(1 + 31), True),  # nobody took it, customer silent 31 min
        (stay(), (), at(1 + 10), False),  # still waiting, recently
        (stay(), (customer(25, "inform"),), at(25 + 10), False),  # still writing: still there
        (stay(assigned_at=at(5)), (), at(100), False),  # an agent took it
    ],
    ids=["closed-unassigned", "silent-too-long", "waiting", "writing", "assigned"],
)
def test_abandonment(
    the_stay: Stay, later_turns: tuple[Turn, ...], now: datetime, expected: bool
) -> None:
    record = queued(the_stay, *later_turns)
    assert abandoned(the_stay, record, now, DEFS.abandon_after) is expected


def test_handoff_facts_first_reply_handle_time_and_reask() -> None:
    the_stay = stay(
        identity={"name": "Dana", "email": "dana@example.com"},
        agent_id="sam",
        assigned_at=at(3),
        first_reply_at=at(4),
        ended_at=at(13),
        outcome="resolved",
    )
    record = queued(
        the_stay,
        bot(0.5),
        agent(4, "Hi Dana, could you confirm your email address?"),
        agent(6, "What's your order number?"),  # unknown to the bot: a fair question
    )
    [facts] = all_facts([record], LATER, DEFS)
    assert facts.handed_off and facts.contained is False and facts.queue == "orders"
    assert facts.first_reply_seconds == (180.0,)
    assert facts.handle_seconds == (600.0,)
    assert (facts.replied_stays, facts.reask_stays, facts.reasked_fields) == (1, 1, ("email",))
    assert facts.abandoned == 0


def test_no_reask_when_the_agent_asks_only_for_what_was_missing() -> None:
    the_stay = stay(identity={"name": "Dana"}, assigned_at=at(3), first_reply_at=at(4))
    record = queued(the_stay, agent(4, "Thanks Dana. Could you send me your order number?"))
    [facts] = all_facts([record], LATER, DEFS)
    assert (facts.replied_stays, facts.reask_stays) == (1, 0)


def test_knowledge_acceptance_counts_yes_and_no_to_each_answer() -> None:
    record = ConversationRecord(
        "k",
        "webchat",
        at(0),
        turns=(
            customer(0, "returns"),
            bot(0.1, article=True),
            customer(1, "deny"),
            bot(1.1),
            customer(2, "returns"),
            bot(2.1, article=True),
            customer(3, "affirm"),
            bot(4, article=True),  # never judged
        ),
    )
    assert knowledge_verdicts(record, ROLES) == (3, 1, 1)


def test_fallback_turns_count_per_intent_in_context_and_skip_those_the_help_centre_served() -> None:
    unclear = customer(1, "nlu_fallback")
    served = customer(3, "nlu_fallback")
    record = ConversationRecord(
        "f",
        "webchat",
        at(0),
        turns=(
            customer(0, "nlu_fallback"),  # before any topic
            bot(0.1),
            customer(0.5, "warranty"),
            unclear,
            bot(1.1, reply_to_id=unclear.id),
            served,
            bot(3.1, reply_to_id=served.id, article=True),
        ),
    )
    assert fallback_turns(record, ROLES) == {NO_TOPIC: (1, 1), "warranty": (3, 1)}


def test_breakdowns_by_channel_intent_queue_and_day() -> None:
    web = helped("w")
    telegram = ConversationRecord(
        "t",
        "telegram",
        at(60 * 24),
        turns=(customer(60 * 24, "order_status"),),
        stays=(stay(created_at=at(60 * 24 + 1), assigned_at=at(60 * 24 + 2)),),
    )
    facts = all_facts([web, telegram], LATER, DEFS)
    assert set(breakdown(facts, "channel")) == {"webchat", "telegram"}
    assert set(breakdown(facts, "intent")) == {"returns", "order_status"}
    assert set(breakdown(facts, "queue")) == {BOT_ONLY, "orders"}
    days = breakdown(facts, "day")
    assert list(days) == ["2026-11-02", "2026-11-03"]
    assert days["2026-11-02"].containment_rate == 1.0
    assert days["2026-11-03"].handoff_rate == 1.0
    with pytest.raises(ValueError, match="unknown dimension"):
        breakdown(facts, "weather")


def test_breakdown_by_language_counts_unknown_languages_apart() -> None:
    records = [
        helped("n1", language="nb"),
        helped("n2", start=5, language="nb"),
        helped("p", start=10, language="pl"),
        helped("u", start=15),
    ]
    facts = all_facts(records, LATER, DEFS)
    by_language = breakdown(facts, "language")
    assert list(by_language) == ["nb", "pl", UNKNOWN_LANGUAGE]
    assert by_language["nb"].conversations == 2
    assert by_language["nb"].containment_rate == 1.0
    assert "language" in DIMENSIONS


def test_asking_for_a_person_and_leaving_before_the_handoff_is_not_contained() -> None:
    record = ConversationRecord(
        "p",
        "webchat",
        at(0),
        turns=(customer(0, "request_human"), bot(0.1)),  # then silence
    )
    [facts] = all_facts([record], LATER, DEFS)
    assert facts.ended_at is not None and facts.contained is False and not facts.handed_off


def test_a_conversation_nobody_wrote_in_is_not_counted() -> None:
    empty = ConversationRecord("e", "webchat", at(0), turns=(bot(0.1),))
    assert [f.id for f in all_facts([empty, helped("h")], LATER, DEFS)] == ["h"]


def test_csat_and_effort_summaries() -> None:
    surveys = (
        SurveyAnswer("csat", "agent", at(1), 5),
        SurveyAnswer("effort", "agent", at(2), 2),
    )
    other = (
        SurveyAnswer("csat", "bot", at(1), 3),
        SurveyAnswer("csat", "bot", at(9)),
    )  # unanswered
    facts = all_facts([helped("a", surveys=surveys), helped("b", surveys=other)], LATER, DEFS)
    summary = summarise(facts)
    assert summary.csat_average == 4 and summary.csat_satisfied == 0.5
    assert summary.effort_average == 2
    assert summary.surveys_sent == 3

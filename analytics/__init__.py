"""Supervisors' figures: metric definitions over the conversation record, the survey, the
live view, Prometheus metrics and the demo history."""

from analytics.metrics import Definitions, Facts, Summary, all_facts, breakdown, summarise
from analytics.records import ConversationRecord, Stay, SurveyAnswer, Turn
from analytics.settings import AnalyticsSettings

__all__ = [
    "AnalyticsSettings",
    "ConversationRecord",
    "Definitions",
    "Facts",
    "Stay",
    "Summary",
    "SurveyAnswer",
    "Turn",
    "all_facts",
    "breakdown",
    "summarise",
]

"""Knowledge owners' loop: failed customer messages → labels (Rasa YAML) and article drafts →
a retrained model, evaluated beside the serving one → deployed on approval, rolled back in
one step."""

from retraining.errors import RetrainingError
from retraining.failures import Failure, Source, failures
from retraining.intents import check_intent_name
from retraining.labels import Action, Label, LabelBook
from retraining.registry import ModelState, Registry, RunState
from retraining.settings import ReviewSettings, load_review_settings

__all__ = [
    "Action",
    "Failure",
    "Label",
    "LabelBook",
    "ModelState",
    "Registry",
    "RetrainingError",
    "ReviewSettings",
    "RunState",
    "Source",
    "check_intent_name",
    "failures",
    "load_review_settings",
]

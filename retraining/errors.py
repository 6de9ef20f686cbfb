"""Errors of the review-and-retrain loop: one base carrying a stable code; the gateway maps
them to HTTP statuses in one place (``gateway.errors``)."""

from __future__ import annotations


class RetrainingError(Exception):
    """Base: ``code`` is stable for clients, the message is for people."""

    code = "retraining_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidIntentName(RetrainingError):
    code = "invalid_intent"

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"{name!r} cannot be an intent name: {why}.")
        self.name = name


class LabelConflict(RetrainingError):
    """Another owner labelled (some of) these messages first; nothing was written."""

    code = "label_conflict"

    def __init__(self, message_ids: list[int], by: str) -> None:
        who = f"by {by}" if by else "by someone else"
        super().__init__(
            f"{len(message_ids)} of these messages were labelled {who} a moment ago; "
            "nothing was changed. The inbox shows what is left."
        )
        self.message_ids = message_ids


class MessagesNotFound(RetrainingError):
    code = "messages_not_found"

    def __init__(self, message_ids: list[int]) -> None:
        super().__init__(
            f"messages {', '.join(map(str, message_ids[:5]))} are not customer messages in "
            "the record."
        )


class LabelNotFound(RetrainingError):
    code = "label_not_found"

    def __init__(self, label_id: int) -> None:
        super().__init__("There is no such label.")
        self.label_id = label_id


class DraftNotFound(RetrainingError):
    code = "draft_not_found"

    def __init__(self, draft_id: int) -> None:
        super().__init__(f"there is no article draft {draft_id}.")


class DraftInvalid(RetrainingError):
    code = "draft_invalid"


class TrainingBusy(RetrainingError):
    code = "training_busy"

    def __init__(self, run_id: int) -> None:
        super().__init__(f"training run {run_id} is still under way; wait for it to finish.")


class IndexBusy(RetrainingError):
    code = "index_busy"

    def __init__(self) -> None:
        super().__init__("the knowledge index is being rebuilt already; wait for it to finish.")


class NothingToTrain(RetrainingError):
    code = "nothing_to_train"


class RunNotFound(RetrainingError):
    code = "run_not_found"

    def __init__(self, run_id: int) -> None:
        super().__init__(f"there is no training run {run_id}.")


class NoCandidate(RetrainingError):
    code = "no_candidate"


class NoPreviousModel(RetrainingError):
    code = "no_previous_model"


class ModelLoadFailed(RetrainingError):
    """The Rasa server refused the model; the model it was serving still serves."""

    code = "model_load_failed"


class RasaUnreachable(RetrainingError):
    code = "rasa_unreachable"


class ActiveModelNotRecorded(RetrainingError):
    """Rasa serves the new model, but the record a restart reads could not be written."""

    code = "active_model_not_recorded"

"""Errors the gateway turns into HTTP responses and websocket error frames, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from analytics.errors import BadPeriod
from gateway import texts
from handoff.errors import (
    AgentAtCapacity,
    AgentNotFound,
    ClaimConflict,
    ConversationNotFound,
    HandoffError,
    IllegalTransition,
    NotOwner,
    QueueNotFound,
)
from retraining import errors as retraining

# each handoff error: (HTTP status, stable code)
_HANDOFF_ERRORS: dict[type[HandoffError], tuple[int, str]] = {
    ConversationNotFound: (404, "conversation_not_found"),
    AgentNotFound: (404, "agent_not_found"),
    QueueNotFound: (404, "queue_not_found"),
    NotOwner: (403, "not_owner"),
    ClaimConflict: (409, "claim_conflict"),
    AgentAtCapacity: (409, "agent_at_capacity"),
    IllegalTransition: (409, "illegal_transition"),
}
# each error of the review-and-retrain loop: one HTTP status (its code is on the error)
_RETRAINING_ERRORS: dict[type[retraining.RetrainingError], int] = {
    retraining.InvalidIntentName: 422,
    retraining.LabelConflict: 409,
    retraining.LabelNotFound: 404,
    retraining.MessagesNotFound: 404,
    retraining.DraftNotFound: 404,
    retraining.DraftInvalid: 422,
    retraining.TrainingBusy: 409,
    retraining.NothingToTrain: 409,
    retraining.RunNotFound: 404,
    retraining.NoCandidate: 409,
    retraining.NoPreviousModel: 409,
    retraining.ModelLoadFailed: 502,
    retraining.RasaUnreachable: 503,
    retraining.ActiveModelNotRecorded: 500,
    retraining.IndexBusy: 409,
}


class GatewayError(Exception):
    """An error with a stable code for clients, an HTTP status and a human message."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or texts.ERRORS.get(self.code, self.code))
        self.message = message or texts.ERRORS.get(self.code, self.code)
        # more fields of the error body, e.g. a refusal's stable reason
        self.details: dict[str, str] = {}


class MessageEmpty(GatewayError):
    status, code = 422, "message_empty"


class MessageTooLong(GatewayError):
    status, code = 413, "message_too_long"

    def __init__(self, limit: int) -> None:
        super().__init__(texts.ERRORS["message_too_long"].format(limit=limit))
        self.limit = limit


class ClientIdReused(GatewayError):
    """A message's ``client_id`` sent again with another text: a retry must repeat it."""

    status, code = 409, "client_id_reused"


class InvalidToken(GatewayError):
    status, code = 401, "invalid_token"


class InvalidJson(GatewayError):
    status, code = 400, "invalid_json"


class InvalidFrame(GatewayError):
    status, code = 422, "invalid_frame"


class InvalidSession(GatewayError):
    status, code = 401, "invalid_session"


class ForeignOrigin(GatewayError):
    status, code = 403, "foreign_origin"


class WrongRole(GatewayError):
    status, code = 403, "wrong_role"


class ConversationForbidden(GatewayError):
    """The desk user may not see this conversation; ``reason`` says why, stably
    (``agent_console.access`` decides)."""

    status, code = 403, "conversation_forbidden"

    def __init__(self, reason: str, **fields: str) -> None:
        super().__init__(
            texts.ERRORS["conversation_forbidden"].format(
                reason=texts.REFUSALS[reason].format(**fields)
            )
        )
        self.reason = reason
        self.details = {"reason": reason}


class RateLimited(GatewayError):
    """A rate limit is reached (``gateway.limits``): 429 with ``Retry-After``; nothing of the
    refused request was stored."""

    status, code = 429, "rate_limited"

    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(texts.ERRORS["rate_limited"].format(what=what, seconds=retry_after))
        self.retry_after = retry_after


class UnknownSuggestion(GatewayError):
    status, code = 422, "unknown_suggestion"


class LanguageNotServed(GatewayError):
    status, code = 422, "language_not_served"

    def __init__(self, language: str, served: list[str]) -> None:
        super().__init__(
            texts.ERRORS["language_not_served"].format(language=language, served=", ".join(served))
        )
        self.language = language


class InvalidRequest(GatewayError):
    """A query parameter a route checks itself (FastAPI's own checks answer the same)."""

    status, code = 422, "invalid_request"


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def install_error_handlers(app: FastAPI) -> None:
    """Map every domain error to one status code and one JSON body shape."""

    @app.exception_handler(GatewayError)
    async def _gateway_error(_: Request, exc: GatewayError) -> JSONResponse:
        body = error_body(exc.code, exc.message)
        body["error"].update(exc.details)
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(RateLimited)
    async def _rate_limited(_: Request, exc: RateLimited) -> JSONResponse:
        body: dict[str, dict[str, str | int]] = {
            "error": {"code": exc.code, "message": exc.message, "retry_after": exc.retry_after}
        }
        return JSONResponse(
            body, status_code=exc.status, headers={"Retry-After": str(exc.retry_after)}
        )

    @app.exception_handler(HandoffError)
    async def _handoff(_: Request, exc: HandoffError) -> JSONResponse:
        status, code = _HANDOFF_ERRORS.get(type(exc), (400, "handoff_error"))
        return JSONResponse(error_body(code, str(exc)), status_code=status)

    @app.exception_handler(retraining.RetrainingError)
    async def _retraining(_: Request, exc: retraining.RetrainingError) -> JSONResponse:
        status = _RETRAINING_ERRORS.get(type(exc), 400)
        return JSONResponse(error_body(exc.code, exc.message), status_code=status)

    @app.exception_handler(BadPeriod)
    async def _bad_period(_: Request, exc: BadPeriod) -> JSONResponse:
        return JSONResponse(error_body("invalid_request", str(exc)), status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        # FastAPI answers an undecodable body (e.g. invalid UTF-8) with a bare 400
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            return JSONResponse(error_body("invalid_json", texts.ERRORS["invalid_json"]), 400)
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(error_body("invalid_json", texts.ERRORS["invalid_json"]), 400)
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
            for e in errors
        )
        return JSONResponse(error_body("invalid_request", detail), status_code=422)

"""schemathesis drives every route of the gateway's OpenAPI schema against a running test
gateway (SQLite, fake Rasa), with the credentials each route takes so requests reach past
401: no 5xx and no error in the gateway's log, whatever the request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from gateway.app import create_app
from tests.fuzz.budget import deep
from tests.fuzz.live import LiveGateway, live_gateway
from tests.harness import gateway_settings

# routes that start real work outside the database (training Rasa, embedding the help
# centre, writing the assistant's files, deploying a model) or reach Rasa's tracker store:
# their own tests cover them; a fuzzer must not run them thousands of times
NOT_FUZZED = {
    ("POST", "/api/review/index"),
    ("POST", "/api/review/runs"),
    ("POST", "/api/review/runs/{run_id}/cancel"),
    ("POST", "/api/review/models/{model_id}/deploy"),
    ("POST", "/api/review/models/{model_id}/discard"),
    ("POST", "/api/review/rollback"),
    ("POST", "/api/review/drafts/{draft_id}/publish"),
    ("POST", "/api/supervisor/customers/erase"),
}
if not deep():
    # the review inbox groups failed messages with the embedding model: its first call
    # loads it (tens of seconds on 2 cores), past the CI budget; the deep run fuzzes it
    NOT_FUZZED.add(("GET", "/api/review/inbox"))
# examples per route: 45 routes in about a minute on 2 cores in CI
EXAMPLES = 2000 if deep() else 12


def _operations(tmp: Path) -> list[tuple[str, str]]:
    # the schema as the app factory builds it (nothing starts: no lifespan, no database)
    schema = create_app(gateway_settings(database_url=f"sqlite:///{tmp / 'schema.db'}")).openapi()
    found = [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    return [operation for operation in found if operation not in NOT_FUZZED]


def _collect() -> list[tuple[str, str]]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return _operations(Path(tmp))


OPERATIONS = _collect()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    with live_gateway(tmp_path_factory.mktemp("fuzzed-gateway")) as running:
        yield running


@pytest.fixture(scope="module")
def schema(live: LiveGateway) -> schemathesis.BaseSchema:
    raw = requests.get(f"{live.url}/openapi.json", timeout=10).json()
    return schemathesis.openapi.from_dict(raw)


def credentials(live: LiveGateway, path: str) -> dict[str, str]:
    """What a legitimate caller of ``path`` sends."""
    if path.startswith("/api/conversations"):
        return live.conversation_auth
    if path.startswith(("/api/handoff", "/metrics")):
        return live.agent_auth
    if path.startswith("/api/review"):
        return live.knowledge_owner_session
    return live.supervisor_session


def test_the_schema_lists_the_routes_fuzzed() -> None:
    assert ("POST", "/api/conversations/{conversation_id}/messages") in OPERATIONS
    assert len(OPERATIONS) > 30


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_a_route_never_answers_a_server_error_nor_logs_one(
    live: LiveGateway, schema: schemathesis.BaseSchema, method: str, path: str
) -> None:
    operation = schema[path][method]
    headers = credentials(live, path)
    session = requests.Session()
    statuses: set[int] = set()

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: schemathesis.Case) -> None:
        if case.path_parameters and "conversation_id" in case.path_parameters:
            # the conversation the credentials are for: past 401 and 404, into the route
            case.path_parameters["conversation_id"] = live.conversation_id
        response = case.call(base_url=live.url, headers=headers, session=session, timeout=30)
        statuses.add(response.status_code)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    live.own()
    live.errors.take()
    fuzz()
    assert live.errors.take() == []
    # the credentials took the fuzzer past authentication
    assert statuses - {401}, f"{method} {path} only ever answered 401"

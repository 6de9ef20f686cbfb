"""One action server for Baton's library actions and the assistant's own.

``python -m baton_actions.server --project DIR --port N`` puts DIR on ``sys.path`` (so the
assistant's package imports itself as ``actions``), imports :mod:`baton_actions`, then the
assistant's ``DIR/actions/`` package or ``DIR/actions.py`` when there is one, and serves
both with rasa-sdk's endpoint.

An assistant's action whose ``name()`` equals one of Baton's replaces Baton's: the
assistant's classes are registered last. An assistant package that fails to import stops
the server before it serves, with one line naming the file and the error (exit code 1).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rasa_sdk.executor import ActionExecutor

USER_PACKAGE = "actions"


class UserActionsError(RuntimeError):
    """The assistant's actions package could not be imported."""

    def __init__(self, file: str, problem: str) -> None:
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class ProjectUnusable(RuntimeError):
    """The assistant folder or its baton.yml cannot be read."""


def user_actions_path(project: Path) -> Path | None:
    """The assistant's actions package (or module), if it has one."""
    package = project / USER_PACKAGE
    if (package / "__init__.py").is_file():
        return package
    single = project / f"{USER_PACKAGE}.py"
    return single if single.is_file() else None


def _import_tree(name: str) -> ModuleType:
    module = importlib.import_module(name)
    for info in pkgutil.iter_modules(getattr(module, "__path__", []), prefix=f"{name}."):
        _import_tree(info.name) if info.ispkg else importlib.import_module(info.name)
    return module


def _failing_file(exc: BaseException, project: Path) -> str:
    if isinstance(exc, SyntaxError) and exc.filename:
        return str(exc.filename)
    inside = [
        frame.filename
        for frame in traceback.extract_tb(exc.__traceback__)
        if Path(frame.filename).resolve().is_relative_to(project)
    ]
    return inside[-1] if inside else str(project / USER_PACKAGE)


def import_user_actions(project: Path) -> ModuleType | None:
    """Import the assistant's actions (every submodule); raises :class:`UserActionsError`."""
    if user_actions_path(project) is None:
        return None
    try:
        return _import_tree(USER_PACKAGE)
    except Exception as exc:
        problem = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise UserActionsError(_failing_file(exc, project.resolve()), problem) from exc


def action_classes() -> list[type]:
    """Every concrete Action subclass imported, Baton's before the assistant's."""
    from rasa_sdk import Action
    from rasa_sdk.utils import all_subclasses

    found = [
        cls
        for cls in all_subclasses(Action)
        if not cls.__module__.startswith(("rasa.", "rasa_sdk.", "rasa_core."))
        and not inspect.isabstract(cls)
    ]

    def is_users(cls: type) -> bool:
        return cls.__module__ == USER_PACKAGE or cls.__module__.startswith(f"{USER_PACKAGE}.")

    return sorted(found, key=is_users)  # stable: Baton's first, the assistant's win


def build_executor(project: Path) -> ActionExecutor:
    """An executor with Baton's actions and the assistant's (which override by name)."""
    from rasa_sdk.executor import ActionExecutor

    project = project.resolve()
    os.environ["BATON_PROJECT_DIR"] = str(project)  # the contract, here and in workers
    if str(project) not in sys.path:
        sys.path.insert(0, str(project))
    from baton.project import ProjectError
    from baton_actions.contract import contract

    try:
        contract()  # the names Baton's actions read: a bad baton.yml stops here, not mid-chat
    except (ProjectError, ValueError) as exc:
        raise ProjectUnusable(" ".join(str(exc).split())) from exc
    importlib.import_module("baton_actions")
    import_user_actions(project)
    executor = ActionExecutor()
    for cls in action_classes():
        executor.register_action(cls)
    return executor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m baton_actions.server")
    parser.add_argument("--project", type=Path, required=True, help="the assistant folder")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    try:
        executor = build_executor(args.project)
    except UserActionsError as exc:
        print(f"error: the assistant's actions do not import: {exc}", file=sys.stderr)
        return 1
    except ProjectUnusable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from baton.hosts import is_local_host

    token = os.environ.get("BATON_ACTIONS_TOKEN") or None
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    if token is None and os.environ.get("BATON_ENV") == "production" and not is_local_host(host):
        print(
            f"error: BATON_ENV=production: the action server listens on {host} without a "
            "token. Set BATON_ACTIONS_TOKEN (and the same token: under action_endpoint in "
            "Rasa's endpoints file), or SANIC_HOST=127.0.0.1 when Rasa runs on this machine",
            file=sys.stderr,
        )
        return 1
    serve(executor, args.port, host, token)
    return 0


def guarded_app(executor: ActionExecutor, token: str | None) -> Any:
    """rasa-sdk's app, answering only calls that bring ``token`` (Rasa sends it as the
    ``token`` query parameter of every call, from the endpoints file's ``action_endpoint:
    token:``); ``/health`` stays open for health checks. No CORS: browsers never call it."""
    import hmac

    from rasa_sdk.endpoint import create_app_for_serve
    from sanic import response

    app = create_app_for_serve(executor, cors_origins=None)
    if token is None:
        return app
    expected = token.encode()

    @app.on_request
    async def require_token(request: Any) -> Any:
        if request.path == "/health":
            return None
        sent = (request.args.get("token") or "").encode()
        if not hmac.compare_digest(sent, expected):
            return response.json(
                {"error": "this action server answers Rasa only: the token is missing or wrong"},
                status=401,
            )
        return None

    return app


def serve(executor: ActionExecutor, port: int, host: str, token: str | None) -> None:
    """rasa-sdk's ``run`` with :func:`guarded_app` (Sanic builds the app in each worker)."""
    import functools

    from rasa_sdk import utils
    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    loader = AppLoader(factory=functools.partial(guarded_app, executor, token))
    app = loader.load()
    app.prepare(host=host, port=port, workers=utils.number_of_sanic_workers())
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    sys.exit(main())

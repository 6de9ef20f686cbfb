"""``baton``: run the stack, train the bot, migrate the database, manage agents."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from agent_console.auth import Role
from baton import paths
from baton.action_requirements import ActionRequirementsError
from baton.contract import ContractError
from baton.knowledge import ensure_index, ensure_onnx, try_question
from baton.project import Project, ProjectError, load_project
from baton.stack import StackError, StackSettings, check_replicas, run, serving_model
from baton.training import TrainingFailed, ensure_model

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from handoff.records import Agent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="baton", description=__doc__)
    # every command that reads an assistant takes the folder (baton/__main__.py applies it)
    with_project = argparse.ArgumentParser(add_help=False)
    with_project.add_argument(
        "--project",
        type=Path,
        metavar="DIR",
        help="the assistant folder: a Rasa 3.x project with a baton.yml "
        "(default: BATON_PROJECT_DIR, else the bundled demo)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init_cmd = commands.add_parser("init", help="write a small, working starter assistant in DIR")
    init_cmd.add_argument("directory", type=Path)
    init_cmd.add_argument("--force", action="store_true", help="write into a non-empty folder")
    commands.add_parser(
        "check", parents=[with_project], help="check the assistant folder and its baton.yml"
    )
    run_cmd = commands.add_parser(
        "run", parents=[with_project], help="train if needed, then start the whole stack"
    )
    run_cmd.add_argument("--no-train", action="store_true", help="use the existing model as is")
    run_cmd.add_argument(
        "--scale",
        nargs="?",
        const="2,2,2",
        type=_scale,
        metavar="N,M,K",
        help="N Rasa servers, M action servers and K gateways on PostgreSQL and Redis"
        " (default 2,2,2; docs/production.md says what to set)",
    )
    train_cmd = commands.add_parser(
        "train",
        parents=[with_project],
        help="train the Rasa model if the assistant changed; build the knowledge index if needed",
    )
    train_cmd.add_argument("--force", action="store_true", help="train even if nothing changed")
    index_cmd = commands.add_parser(
        "index",
        parents=[with_project],
        help="build the knowledge index from help_centre/ if it changed",
    )
    index_cmd.add_argument("--rebuild", action="store_true", help="build even if nothing changed")
    index_cmd.add_argument(
        "--articles",
        type=Path,
        default=None,
        help="the help centre (default: baton.yml's knowledge.help_centre, help_centre/)",
    )
    ask_cmd = commands.add_parser(
        "ask",
        parents=[with_project],
        help="what the knowledge index finds for a question, and whether the bot answers",
    )
    ask_cmd.add_argument("question")
    ask_cmd.add_argument("-k", type=int, default=5, help="how many passages to show")
    commands.add_parser(
        "migrate", parents=[with_project], help="bring the database schema up to date"
    )
    telegram_cmd = commands.add_parser("telegram", help="the Telegram channel's webhook")
    telegram_actions = telegram_cmd.add_subparsers(dest="telegram_command", required=True)
    telegram_actions.add_parser(
        "set-webhook", help="point Telegram at BATON_TELEGRAM_WEBHOOK_URL with the secret token"
    )
    telegram_actions.add_parser(
        "poll", help="development: long-poll Telegram and hand updates to the local gateway"
    )
    agent_cmd = commands.add_parser("agent", help="add or list the agents who take handoffs")
    agent_actions = agent_cmd.add_subparsers(dest="agent_command", required=True)
    add_cmd = agent_actions.add_parser(
        "add", parents=[with_project], help="create an agent and print its API token"
    )
    add_cmd.add_argument("agent_id", help="lowercase letters, digits, '.', '_' or '-'")
    add_cmd.add_argument("--name", help="shown to customers (default: the id, capitalised)")
    add_cmd.add_argument(
        "--skills", default="general", help="comma-separated queues (default: general)"
    )
    add_cmd.add_argument("--capacity", type=int, default=3, help="conversations at once")
    add_cmd.add_argument(
        "--languages",
        default="",
        help="comma-separated languages spoken, e.g. nb,en (default: any)",
    )
    agent_actions.add_parser(
        "list", parents=[with_project], help="agents with presence, load and skills"
    )
    user_cmd = commands.add_parser("user", help="add or list the people who sign in to the console")
    user_actions = user_cmd.add_subparsers(dest="user_command", required=True)
    user_add = user_actions.add_parser(
        "add",
        parents=[with_project],
        help="create a console user (agents and supervisors also take conversations)",
    )
    user_add.add_argument(
        "user_id", help="the sign-in name: lowercase letters, digits, '.', '_', '-'"
    )
    user_add.add_argument("--role", choices=[r.value for r in Role], default=Role.AGENT.value)
    user_add.add_argument("--name", help="shown to customers and colleagues (default: from the id)")
    user_add.add_argument(
        "--skills", default="general", help="agents: comma-separated queues (default: general)"
    )
    user_add.add_argument("--capacity", type=int, default=3, help="agents: conversations at once")
    user_add.add_argument(
        "--languages",
        default="",
        help="agents: comma-separated languages spoken, e.g. nb,en (default: any)",
    )
    user_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user_actions.add_parser("list", parents=[with_project], help="console users and their roles")
    customer_cmd = commands.add_parser(
        "customer", help="a customer's data on every channel: export it or erase it"
    )
    customer_actions = customer_cmd.add_subparsers(dest="customer_command", required=True)
    subject_help = (
        "a conversation id, an e-mail address, a phone number, or a channel user id "
        "(telegram:<id>, slack:<user id>, webchat:<visitor>)"
    )
    export_cmd = customer_actions.add_parser(
        "export", parents=[with_project], help="print everything stored of a customer as JSON"
    )
    export_cmd.add_argument("customer_id", help=subject_help)
    export_cmd.add_argument("--output", type=Path, help="write the JSON here (default: stdout)")
    erase_cmd = customer_actions.add_parser(
        "erase",
        parents=[with_project],
        help="erase a customer's data everywhere and record that it was done",
    )
    erase_cmd.add_argument("customer_id", help=subject_help)
    erase_cmd.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    demo_cmd = commands.add_parser(
        "demo-history",
        parents=[with_project],
        help="play demo conversations through the running stack (dashboards)",
    )
    demo_cmd.add_argument("--conversations", type=int, default=3000, help="how many (about)")
    demo_cmd.add_argument("--seed", type=int, default=7, help="same seed, same conversations")
    demo_cmd.add_argument(
        "--days", type=int, default=0, help="spread them over the last N days (0: keep now)"
    )
    demo_cmd.add_argument("--concurrency", type=int, default=4, help="customers at once")
    demo_cmd.add_argument("--agents", type=int, default=4, help="demo agents who answer")
    demo_cmd.add_argument("--url", help="the gateway (default: BATON_HOST and BATON_PORT)")
    args = parser.parse_args(argv)

    if args.command == "init":
        from baton.init import init_command

        return init_command(args.directory, force=args.force)
    wanted = getattr(args, "project", None)
    if wanted is not None and wanted.resolve() != paths.BOT:
        # paths are fixed when Baton's modules load: only the `baton` entry point can switch
        print(
            f"baton: --project {wanted} must be given to the `baton` command itself "
            f"(or set BATON_PROJECT_DIR); this process serves {paths.BOT}",
            file=sys.stderr,
        )
        return 2
    try:
        # a broken assistant folder stops every command here, before anything starts
        project = load_project(paths.BOT)
    except (ProjectError, ContractError) as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 1
    try:
        if args.command == "check":
            print(f"==> {project.dir}: the assistant {project.name!r} and its baton.yml are valid")
            _check_languages(project)
            return 0
        if args.command == "train":
            _train(force=args.force)
            # an approved model may serve instead of this one: say which `baton run` starts
            print(f"==> baton run: {serving_model().note}", flush=True)
            return _index(project)
        elif args.command == "index":
            return _index(project, force=args.rebuild, articles=args.articles)
        elif args.command == "ask":
            return try_question(args.question, k=args.k)
        elif args.command == "migrate":
            from gateway.settings import load_settings
            from handoff.database import migrate

            migrate(load_settings().database_url)
            print("==> database schema up to date")
        elif args.command == "telegram":
            return _telegram_command(args)
        elif args.command == "agent":
            return asyncio.run(_agent_command(args))
        elif args.command == "user":
            return asyncio.run(_user_command(args))
        elif args.command == "customer":
            return asyncio.run(_customer_command(args))
        elif args.command == "demo-history":
            return asyncio.run(_demo_command(args))
        elif args.command == "run":
            settings = StackSettings()
            if args.scale is not None:
                rasa, actions, gateways = args.scale
                settings = settings.model_copy(
                    update={
                        "rasa_replicas": rasa,
                        "actions_replicas": actions,
                        "gateway_replicas": gateways,
                    }
                )
            check_replicas(settings)  # what a scaled run is missing, said before training
            _action_requirements(project)
            if not args.no_train:
                loaded = heavy_modules()
                _train(force=False)
                if _index(project) == 2:
                    return 1
                if heavy_modules() - loaded:
                    # training and indexing loaded torch, scikit-learn and FAISS: the
                    # supervisor would hold hundreds of MB for nothing while the stack runs
                    _start_afresh([*(argv if argv is not None else sys.argv[1:]), "--no-train"])
            return asyncio.run(run(settings))
    except (StackError, TrainingFailed, ActionRequirementsError) as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 1
    return 0


# what training or indexing loads and the supervisor of `baton run` has no use for
HEAVY_MODULES = frozenset({"torch", "transformers", "sentence_transformers", "sklearn", "faiss"})


def _scale(text: str) -> tuple[int, int, int]:
    """``N,M,K``: how many Rasa servers, action servers and gateways (1 to 32 each)."""
    parts = text.split(",")
    if len(parts) != 3 or not all(p.strip().isdigit() and 1 <= int(p) <= 32 for p in parts):
        raise argparse.ArgumentTypeError(
            f"{text!r}: three counts from 1 to 32, Rasa servers, action servers, gateways:"
            " e.g. 2,2,2"
        )
    rasa, actions, gateways = (int(p) for p in parts)
    return rasa, actions, gateways


def heavy_modules() -> set[str]:
    return {name for name in HEAVY_MODULES if name in sys.modules}


def _start_afresh(argv: list[str]) -> None:
    """Replace this process by ``baton`` with ``argv`` (same PID: Ctrl-C and process
    managers see no difference)."""
    print("==> model and index ready; starting the stack from a fresh process", flush=True)
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "baton", *argv])


def _action_requirements(project: Project) -> None:
    """The assistant's own action requirements, into the app runtime (pip's progress shown);
    a failing install stops the start with pip's error."""
    from baton.action_requirements import install, requirements_file

    file = requirements_file(project.dir)
    if file is None:
        return
    print(f"==> the assistant's action requirements ({file})", flush=True)
    if not install(project.dir, Path(sys.executable)):
        print("    up to date", flush=True)


def _check_languages(project: Project) -> None:
    """Say which customer-facing texts each served language lacks (they are said in
    English), and whether the domain has the slot Baton sets to the language."""
    languages = project.contract.languages
    if len(languages) > 1 and project.language_slot is None:
        print(
            f"    note: the domain has no {project.contract.language_slot!r} slot: responses "
            "cannot follow the conversation's language (see docs/languages.md)"
        )
    for language in languages:
        missing = project.catalogue.missing(language)
        if missing:
            shown = ", ".join(missing[:6]) + (", …" if len(missing) > 6 else "")
            print(f"    {language}: {len(missing)} text(s) said in English: {shown}")
        elif language != "en":
            print(f"    {language}: every text of the catalogue is translated")


def _index(project: Project, *, force: bool = False, articles: Path | None = None) -> int:
    """Build the assistant's knowledge index when its baton.yml turns knowledge answers on."""
    if not project.contract.knowledge.enabled:
        print("==> knowledge answers are off in baton.yml: no index to build", flush=True)
        return 0
    folder = articles or project.help_centre
    if articles is None and not folder.is_dir():
        print(f"==> no help centre at {folder}: no knowledge answers", flush=True)
        return 0
    return ensure_index(force=force, articles=folder)


def _train(*, force: bool) -> None:
    """Train the bot if ``bot/`` changed; its MiniLM featurizer reads the ONNX export, which a
    fresh checkout does not have yet, so that comes first."""
    ensure_onnx()
    ensure_model(force=force)


def _telegram_command(args: argparse.Namespace) -> int:
    from connectors.telegram.commands import CommandFailed, poll, set_webhook
    from gateway.settings import load_settings

    settings = load_settings()
    try:
        if args.telegram_command == "set-webhook":
            asyncio.run(set_webhook(settings.telegram))
        else:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(poll(settings.telegram, f"http://{settings.host}:{settings.port}"))
    except CommandFailed as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 2
    return 0


async def _agent_command(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from handoff.agents import AgentDirectory
    from handoff.errors import QueueNotFound

    async with _database() as sessions:
        directory = AgentDirectory(sessions)
        if args.agent_command == "list":
            for agent in await directory.all():
                print(
                    f"{agent.id:<20} {agent.name:<20} {agent.presence.value:<9} "
                    f"{agent.load}/{agent.capacity}  {','.join(agent.skills)}"
                    f"  {','.join(agent.languages) or 'any language'}"
                )
            return 0
        name = args.name or _display_name(args.agent_id)
        try:
            agent, token = await directory.add(
                args.agent_id,
                name,
                _skills(args.skills),
                args.capacity,
                languages=_languages(args.languages),
            )
        except (ValueError, QueueNotFound) as exc:
            print(f"baton: {exc}", file=sys.stderr)
            return 2
        except IntegrityError:
            print(f"baton: agent {args.agent_id!r} already exists", file=sys.stderr)
            return 2
        print(
            f"==> agent {agent.id} ({agent.name}) serves {', '.join(agent.skills)}{_speaks(agent)}"
        )
        print(f"    API token (shown once): {token}")
        return 0


@contextlib.asynccontextmanager
async def _database() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the configured database, its schema brought up to date first."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from gateway.settings import load_settings
    from handoff.agents import ensure_queues
    from handoff.database import create_engine, migrate

    url = load_settings().database_url
    await asyncio.to_thread(migrate, url)
    engine = create_engine(url)
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        # the queues the assistant's baton.yml routes to, so agents can be given them
        await ensure_queues(sessions, load_project(paths.BOT).contract.queue_names)
        yield sessions
    finally:
        await engine.dispose()


def _display_name(user_id: str) -> str:
    return user_id.replace(".", " ").replace("_", " ").title()


def _skills(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _languages(text: str) -> list[str]:
    """``--languages nb,en``: two-letter codes (``no``, ``nb-NO`` → ``nb``)."""
    from handoff.language import normalise

    codes = []
    for part in _skills(text):
        code = normalise(part)
        if code is None:
            raise ValueError(f"{part!r} is not a language code (two or three letters)")
        if code not in codes:
            codes.append(code)
    return codes


def _speaks(agent: Agent) -> str:
    return f", speaks {', '.join(agent.languages)}" if agent.languages else ""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ")
    return first


async def _user_command(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from agent_console.auth import DESK_ROLES, Users, check_new_user
    from handoff.agents import AgentDirectory
    from handoff.errors import AgentNotFound, QueueNotFound

    async with _database() as sessions:
        users, directory = Users(sessions), AgentDirectory(sessions)
        if args.user_command == "list":
            for user in await users.all():
                print(f"{user.id:<20} {user.name:<24} {user.role.value}")
            return 0
        role = Role(args.role)
        name = args.name or _display_name(args.user_id)
        try:
            password = _read_password(args.password_stdin)
            check_new_user(args.user_id, password)
            if await users.get(args.user_id) is not None:
                raise ValueError(f"user {args.user_id!r} already exists")
            if role in DESK_ROLES:
                try:
                    agent = await directory.get(args.user_id)
                    print(f"==> {agent.id} is an agent already; adding a console sign-in")
                except AgentNotFound:
                    agent, _ = await directory.add(
                        args.user_id,
                        name,
                        _skills(args.skills),
                        args.capacity,
                        languages=_languages(args.languages),
                    )
                    print(
                        f"==> agent {agent.id} ({agent.name}) serves"
                        f" {', '.join(agent.skills)}{_speaks(agent)}"
                    )
            await users.add(args.user_id, name, role, password)
        except (ValueError, QueueNotFound) as exc:
            print(f"baton: {exc}", file=sys.stderr)
            return 2
        except IntegrityError:
            print(f"baton: user {args.user_id!r} already exists", file=sys.stderr)
            return 2
        print(f"==> {args.user_id} can sign in to the console as {role.value}")
        return 0


async def _customer_command(args: argparse.Namespace) -> int:
    import getpass
    import json

    from gateway.settings import load_settings
    from handoff import privacy, rasa_tracker

    try:
        subject = privacy.parse_subject(args.customer_id)
    except privacy.SubjectError as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 2
    settings = load_settings()
    tracker = rasa_tracker.configured(settings.project_dir, settings.rasa_endpoints)
    if tracker.kind != "sql":
        print(f"    note: Rasa's trackers: {tracker.note}", file=sys.stderr)
    async with _database() as sessions:
        if args.customer_command == "export":
            document = await privacy.export(sessions, subject, tracker=tracker)
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            if args.output is None:
                sys.stdout.write(text)
            else:
                args.output.write_text(text, encoding="utf-8")
                found = len(document["conversations"])
                print(f"==> {found} conversation(s) of the customer written to {args.output}")
            return 0
        if not args.yes:
            question = f"Erase everything of {args.customer_id} on every channel? [y/N] "
            answer = await asyncio.to_thread(input, question)
            if answer.strip().lower() not in ("y", "yes"):
                print("==> nothing erased")
                return 1
        try:
            erased = await privacy.erase(
                sessions,
                subject,
                requested_by=f"cli:{getpass.getuser()}",
                tracker=tracker,
                redis_url=settings.redis_url,
            )
        except privacy.WithAPerson as exc:
            print(f"baton: {exc}", file=sys.stderr)
            return 1
    counts = ", ".join(f"{n} {kind}" for kind, n in erased.record["counts"].items() if n)
    print(f"==> erasure {erased.record['id']} recorded: {counts or 'nothing was stored'}")
    return 0


async def _demo_command(args: argparse.Namespace) -> int:
    from analytics.demo import DemoError, run_demo

    if args.conversations < 1 or args.days < 0 or args.concurrency < 1 or args.agents < 1:
        print("baton: --conversations, --concurrency and --agents at least 1, --days at least 0",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        report = await run_demo(
            conversations=args.conversations,
            seed=args.seed,
            days=args.days,
            concurrency=args.concurrency,
            agents=args.agents,
            url=args.url,
        )
    except DemoError as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 1
    print(
        f"==> {report.conversations} conversations ({report.customers} customers, "
        f"{report.messages} customer messages): {report.handoffs} handoffs, "
        f"{report.resolved} resolved by agents, {report.abandoned} left while queued, "
        f"{report.recontacts} came back, {report.surveys_answered} survey answers"
    )
    print("    see them at /console/supervisor (sign in as a supervisor: baton user add …)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""docs/settings.md, generated from the settings classes and the ``baton.yml`` contract.

``python -m baton.settings_reference`` writes the page; ``--check`` exits 1 when the page
differs from what would be written (``make lint`` runs it), so the reference cannot drift
from the code. Each settings field is listed with its environment variable (the class's
``env_prefix``, aliases, ``env_nested_delimiter`` and case sensitivity honoured as
pydantic-settings reads them), its type, default and description: ``Field(description=…)``
when there is one, else the comment above the field (and the one after it on its line).
The output depends only on the source, never on the environment of the process that runs it.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import io
import json
import sys
import tokenize
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Literal

import annotated_types
from pydantic import AliasChoices, AliasPath, BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from baton import paths

# the packages whose BaseSettings subclasses are the product's settings
PACKAGES = (
    "baton",
    "gateway",
    "handoff",
    "connectors",
    "agent_console",
    "analytics",
    "retraining",
    "knowledge_index",
    "baton_actions",
)
# listed first, with the classes they nest; every other settings class follows by module
ROOTS = ("gateway.settings.GatewaySettings", "baton.stack.StackSettings")
TARGET = Path("docs") / "settings.md"


@dataclass(frozen=True, slots=True)
class Variable:
    """A variable read outside any settings class (``os.environ`` in the code)."""

    name: str
    default: str
    read_by: str
    meaning: str


# grep -rn "os.environ" in the product packages and bot/components: what is read there
OUTSIDE_CLASSES = (
    Variable(
        "BATON_ROOT",
        "the checkout holding `baton/`",
        "`baton/paths.py`",
        "the root every default path (`bot/`, `var/`, `.venv/`) is relative to",
    ),
    Variable(
        "BATON_PROJECT_DIR",
        "the bundled demo, `bot/`",
        "`baton/paths.py`, `baton_actions/server.py`",
        "the assistant folder a process serves, fixed for its life; `baton --project DIR` "
        "sets it for itself and every process it starts (GatewaySettings reads it too)",
    ),
    Variable(
        "BATON_KNOWLEDGE_INDEX",
        "`<var>/knowledge`",
        "`baton/knowledge.py`",
        "where `baton index` writes the knowledge index and the action server and AI assist "
        "read it",
    ),
    Variable(
        "BATON_ORDERS_FILE",
        "the demo's bundled orders (`bot/actions/data/demo_orders.json`)",
        "`bot/actions/orders.py` (the demo assistant's own actions)",
        "the demo shop's order book that `action_order_status` reads (re-read when it changes)",
    ),
    Variable(
        "BATON_MINILM_ONNX",
        "`var/minilm-onnx`",
        "`bot/components/minilm_featurizer.py` (Rasa runtime)",
        "the ONNX export of MiniLM the demo's NLU featurizer reads (`baton train` writes it); "
        "the component's `model_dir` setting wins",
    ),
    Variable(
        "PROMETHEUS_MULTIPROC_DIR",
        "unset",
        "`analytics/prometheus.py`",
        "with several worker processes, a shared empty folder: prometheus-client's "
        "multiprocess mode, so any worker's `/metrics` reports every worker's histograms",
    ),
    Variable(
        "BATON_ACTION_ENDPOINT_URL, BATON_RASA_TRACKER_DB",
        "set by `baton run`",
        "the endpoints file `baton run` writes for Rasa",
        "the action server's URL and the SQLite file of Rasa's tracker store; `baton run` "
        "sets them for the Rasa process, there is no need to set them yourself",
    ),
)


# -- finding the classes -----------------------------------------------------------------


def _package_files(root: Path, packages: Sequence[str]) -> Iterator[tuple[str, Path]]:
    for package in packages:
        for file in sorted((root / package).rglob("*.py")):
            parts = file.relative_to(root).with_suffix("").parts
            if any(part.startswith(".") or part == "__pycache__" for part in parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), file


def _base_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.add(base.id)
        elif isinstance(base, ast.Attribute):
            names.add(base.attr)
    return names


def settings_classes(
    root: Path = paths.ROOT, packages: Sequence[str] = PACKAGES
) -> list[type[BaseSettings]]:
    """Every BaseSettings subclass defined in ``packages`` (found in the source, then
    imported), in a fixed order: the roots and what they nest first, then by module."""
    settings_names = {"BaseSettings"}
    candidates: list[tuple[str, str, set[str]]] = []
    for module, file in _package_files(root, packages):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                candidates.append((module, node.name, _base_names(node)))
    found: dict[str, None] = {}
    changed = True
    while changed:  # subclasses of subclasses, to a fixed point
        changed = False
        for module, name, bases in candidates:
            key = f"{module}.{name}"
            if key not in found and bases & settings_names:
                found[key] = None
                settings_names.add(name)
                changed = True
    classes = []
    for key in sorted(found):
        module, _, name = key.rpartition(".")
        cls = getattr(importlib.import_module(module), name, None)
        if isinstance(cls, type) and issubclass(cls, BaseSettings):
            classes.append(cls)
    return _ordered(classes)


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _nested_settings(cls: type[BaseSettings]) -> Iterator[tuple[str, type[BaseSettings]]]:
    for name, field in cls.model_fields.items():
        inner = _settings_type(field.annotation)
        if inner is not None:
            yield name, inner


def _settings_type(annotation: Any) -> type[BaseSettings] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
        return annotation
    return None


def _ordered(classes: Iterable[type[BaseSettings]]) -> list[type[BaseSettings]]:
    by_name = {_qualified(c): c for c in classes}
    ordered: dict[str, type[BaseSettings]] = {}

    def visit(cls: type[BaseSettings]) -> None:
        if _qualified(cls) in ordered:
            return
        ordered[_qualified(cls)] = cls
        for _, inner in _nested_settings(cls):
            visit(inner)

    for root in ROOTS:
        if root in by_name:
            visit(by_name[root])
    for name in sorted(by_name):
        visit(by_name[name])
    return list(ordered.values())


# -- comments in the source --------------------------------------------------------------


@cache
def _comments(file: str) -> dict[int, tuple[str, bool]]:
    """Line → (comment text, whether the comment is alone on its line)."""
    source = Path(file).read_text(encoding="utf-8")
    lines = source.splitlines()
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            alone = not lines[row - 1][:col].strip()
            found[row] = (token.string.lstrip("#").strip(), alone)
    return found


@cache
def _field_lines(cls: type) -> dict[str, tuple[int, int]]:
    """Each annotated attribute of the class body → its first and last line in the file."""
    try:
        file = inspect.getsourcefile(cls)
    except TypeError:  # a built-in class: object, or pydantic's own bases
        return {}
    if file is None:
        return {}
    tree = ast.parse(Path(file).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
            return {
                item.target.id: (item.lineno, item.end_lineno or item.lineno)
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            }
    return {}


def source_comment(cls: type, name: str) -> str:
    """The comment block directly above field ``name`` of ``cls`` and any comment after it on
    its own lines, as one sentence-ish text ("" when there is none)."""
    lines = _field_lines(cls).get(name)
    file = inspect.getsourcefile(cls)
    if lines is None or file is None:
        return ""
    comments = _comments(file)
    above: list[str] = []
    row = lines[0] - 1
    while row in comments and comments[row][1]:
        above.insert(0, comments[row][0])
        row -= 1
    after = [comments[r][0] for r in range(lines[0], lines[1] + 1) if r in comments]
    header = ""
    if above and above[0].startswith("-- "):
        # "# -- routing: …" opens a group of fields: it leads the first field's text
        header = above.pop(0).removeprefix("-- ")
    text = " — ".join(part for part in (header, " ".join(above)) if part)
    trailing = " ".join(after)
    if text and trailing:
        text = f"{text}; {trailing}"
    return (text or trailing).replace("``", "`")


def description(cls: type, name: str, field: FieldInfo) -> str:
    """``Field(description=…)``, else the source comment of the class that declares the field
    (a subclass inherits its parent's fields and their comments)."""
    if field.description:
        return field.description.strip()
    for owner in cls.__mro__:
        if name in _field_lines(owner):
            return source_comment(owner, name).strip()
    return ""


# -- environment variable names, types and defaults -------------------------------------


def env_names(cls: type[BaseSettings], name: str, field: FieldInfo) -> list[str]:
    """The variables pydantic-settings reads for the field, as it matches them."""
    config = cls.model_config
    prefix = config.get("env_prefix", "") or ""
    case_sensitive = bool(config.get("case_sensitive", False))
    alias = field.validation_alias if field.validation_alias is not None else field.alias
    if isinstance(alias, str):
        names = [alias]
    elif isinstance(alias, AliasChoices):
        names = [
            choice if isinstance(choice, str) else str(choice.path[0]) for choice in alias.choices
        ]
    elif isinstance(alias, AliasPath):
        names = [str(alias.path[0])]
    else:
        names = [f"{prefix}{name}"]
    return names if case_sensitive else [n.upper() for n in names]


def type_name(annotation: Any) -> str:
    """A short, readable spelling of a type annotation."""
    if annotation is None or annotation is type(None):
        return "None"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Literal:
        return " | ".join(json.dumps(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin is not None:
        base = getattr(origin, "__name__", str(origin))
        return f"{base}[{', '.join(type_name(a) for a in args)}]"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


_BOUNDS = (
    (annotated_types.Gt, "gt", "> {}"),
    (annotated_types.Ge, "ge", "≥ {}"),
    (annotated_types.Lt, "lt", "< {}"),
    (annotated_types.Le, "le", "≤ {}"),
)


def constraints(field: FieldInfo) -> list[str]:
    """The field's bounds and pattern, as a reader would write them."""
    found = []
    for item in field.metadata:
        for kind, attribute, spelling in _BOUNDS:
            if isinstance(item, kind):
                found.append(spelling.format(getattr(item, attribute)))
        pattern = getattr(item, "pattern", None)
        if isinstance(pattern, str):
            found.append(f"pattern `{pattern}`")
    return found


def _is_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return any(_is_secret(a) for a in typing.get_args(annotation))


# absolute paths of this checkout, as the reader's layout names them (longest first, so
# `<var>` wins over the root it lies in); they differ by machine and by BATON_PROJECT_DIR
def _path_names() -> list[tuple[Path, str]]:
    named = [
        (paths.VENV_BIN, ".venv/bin"),
        (paths.RASA_VENV_BIN, ".venv-rasa/bin"),
        (paths.VAR, "<var>"),
        (paths.BOT, "<assistant>"),
        (paths.ROOT, "."),
    ]
    return sorted(named, key=lambda pair: len(pair[0].parts), reverse=True)


def _path_text(value: Path) -> str:
    for base, label in _path_names():
        if value == base or value.is_relative_to(base):
            rest = value.relative_to(base).as_posix()
            if label == ".":
                return rest or "."
            return label if rest == "." else f"{label}/{rest}"
    return value.as_posix()


def _in_text(value: str) -> str:
    """A string default that embeds a path of this checkout (an SQLite URL), named alike."""
    for base, label in _path_names():
        if label != "." and str(base) in value:
            return value.replace(str(base), label)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return _path_text(value)
    if isinstance(value, str):
        return _in_text(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, BaseModel):
        return _plain(value.model_dump())
    return value


def default_text(field: FieldInfo) -> str:
    """The default as a value the variable (or YAML key) could be set to."""
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        factory: Any = field.default_factory
        value = factory()
    else:
        value = field.default
    if value is PydanticUndefined:
        return "required"
    if value is None:
        return "unset"
    if _is_secret(field.annotation) or isinstance(value, SecretStr):
        return "*(secret)*"
    plain = _plain(value)
    if isinstance(plain, bool):
        return f"`{str(plain).lower()}`"
    if isinstance(plain, (list, dict)):
        return f"`{json.dumps(plain, ensure_ascii=False)}`"
    return f"`{plain}`"


# -- the page ----------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _anchor(title: str) -> str:
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def _module_file(cls: type) -> str:
    file = inspect.getsourcefile(cls) or ""
    try:
        return Path(file).resolve().relative_to(paths.ROOT.resolve()).as_posix()
    except ValueError:
        return Path(file).name


def settings_section(cls: type[BaseSettings]) -> list[str]:
    config = cls.model_config
    prefix = config.get("env_prefix", "") or ""
    delimiter = config.get("env_nested_delimiter") or None
    doc = inspect.getdoc(cls) if cls.__doc__ else ""
    lines = [f"## {cls.__name__}", ""]
    origin = f"`{_module_file(cls)}`"
    if prefix:
        origin += f", variables `{prefix.upper()}*`"
    lines.append(origin + (f": {doc.splitlines()[0].replace('``', '`')}" if doc else ""))
    lines.append("")
    rows: list[str] = []
    nested: list[str] = []
    for name, field in cls.model_fields.items():
        inner = _settings_type(field.annotation)
        if inner is not None and delimiter is None:
            # read by the nested class itself (its own default_factory and env_prefix)
            nested.append(
                f"- `{name}`: [{inner.__name__}](#{_anchor(inner.__name__)}), "
                f"{_cell(description(cls, name, field))}"
            )
            continue
        rows.extend(_field_rows(cls, name, field, delimiter))
    lines += ["| variable | type | default | meaning |", "| --- | --- | --- | --- |", *rows]
    if nested:
        lines += ["", "Nested settings, each read from its own variables:", "", *nested]
    lines.append("")
    return lines


def _field_rows(
    cls: type[BaseSettings], name: str, field: FieldInfo, delimiter: str | None
) -> list[str]:
    names = env_names(cls, name, field)
    annotation = field.annotation
    model = (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )
    if model is not None and delimiter is not None:
        # pydantic-settings reads each inner field as <name><delimiter><inner name>
        rows = []
        for inner_name, inner in model.model_fields.items():
            case = bool(cls.model_config.get("case_sensitive", False))
            joined = [f"{n}{delimiter}{inner_name if case else inner_name.upper()}" for n in names]
            rows.append(_row(joined, inner, description(model, inner_name, inner)))
        return rows
    return [_row(names, field, description(cls, name, field))]


def _row(names: list[str], field: FieldInfo, meaning: str) -> str:
    kind = type_name(field.annotation)
    if _complex(field.annotation):
        kind += " (JSON)"
    bounds = constraints(field)
    if bounds:
        kind += ", " + ", ".join(bounds)
    variable = ", ".join(f"`{n}`" for n in names)
    return f"| {variable} | {_cell(kind)} | {_cell(default_text(field))} | {_cell(meaning)} |"


def _complex(annotation: Any) -> bool:
    """Whether pydantic-settings expects JSON in the variable (lists, dicts, models)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_complex(a) for a in typing.get_args(annotation) if a is not type(None))
    if origin in (list, dict, set, frozenset, tuple):
        return True
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def contract_rows(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """One row per key of ``baton.yml``, sections flattened as dotted keys."""
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from contract_rows(annotation, f"{key}.")
            continue
        kind = type_name(annotation)
        bounds = constraints(field)
        if bounds:
            kind += ", " + ", ".join(bounds)
        meaning = description(model, name, field)
        yield f"| `{key}` | {_cell(kind)} | {_cell(default_text(field))} | {_cell(meaning)} |"


def _referenced_models(model: type[BaseModel]) -> list[type[BaseModel]]:
    """Models that appear inside a key's type (a mapping's values), not as sections."""
    found: dict[str, type[BaseModel]] = {}

    def inside(annotation: Any, top: bool) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if top:
                for field in annotation.model_fields.values():
                    inside(field.annotation, True)
            else:
                found.setdefault(annotation.__name__, annotation)
            return
        for arg in typing.get_args(annotation):
            inside(arg, False)

    inside(model, True)
    return [found[name] for name in sorted(found)]


def contract_section(contract: type[BaseModel]) -> list[str]:
    lines = [
        "## baton.yml",
        "",
        f"`{_module_file(contract)}`. The assistant folder's contract with Baton (see "
        "[assistant.md](assistant.md)); every key is optional, a section's keys are written "
        "nested under it in YAML (`handoff:` then `intents: [...]`). Unknown keys are refused.",
        "",
        "| key | type | default | meaning |",
        "| --- | --- | --- | --- |",
        *contract_rows(contract),
    ]
    for model in _referenced_models(contract):
        doc = inspect.getdoc(model) if model.__doc__ else ""
        first = doc.splitlines()[0].replace("``", "`") if doc else ""
        lines += ["", f"`{model.__name__}`" + (f": {first}" if first else ""), ""]
        for name, field in model.model_fields.items():
            meaning = description(model, name, field)
            text = f"- `{name}` ({type_name(field.annotation)}, {default_text(field)})"
            lines.append(text + (f": {_cell(meaning)}" if meaning else ""))
    lines.append("")
    return lines


def outside_section(variables: Sequence[Variable] = OUTSIDE_CLASSES) -> list[str]:
    lines = [
        "## Read outside the settings classes",
        "",
        "These are read with `os.environ` where they are needed (the list is kept by hand in "
        "`baton/settings_reference.py`).",
        "",
        "| variable | default | read by | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for v in variables:
        names = ", ".join(f"`{n.strip()}`" for n in v.name.split(","))
        lines.append(f"| {names} | {_cell(v.default)} | {_cell(v.read_by)} | {_cell(v.meaning)} |")
    lines.append("")
    return lines


def render(
    classes: Sequence[type[BaseSettings]] | None = None,
    contract: type[BaseModel] | None = None,
) -> str:
    """The whole page."""
    if classes is None:
        classes = settings_classes()
    if contract is None:
        from baton.contract import Contract

        contract = Contract
    contents = [f"- [{c.__name__}](#{_anchor(c.__name__)})" for c in classes]
    lines = [
        "# Settings reference",
        "",
        "<!-- generated by `python -m baton.settings_reference` (`make docs`) from the settings "
        "classes; do not edit by hand: `make lint` fails when this page is not current -->",
        "",
        "Every process reads its settings from environment variables, or from a `.env` file in "
        "the folder it starts in; variables win over the file, and names are not "
        "case-sensitive. Lists and mappings are written as JSON "
        "(`BATON_WEBCHAT_ALLOWED_ORIGINS='[\"https://shop.example\"]'`). An assistant's own "
        "choices (its intents, slots, queues, brand) are in its `baton.yml`, at the end.",
        "",
        "In defaults, `<assistant>` is the assistant folder (`BATON_PROJECT_DIR`, else the "
        "demo's `bot/`) and `<var>` its own state folder: `var/` for the demo, "
        "`var/projects/<folder>-<hash>/` for any other assistant. Paths are relative to the "
        "checkout.",
        "",
        *contents,
        "- [baton.yml](#batonyml)",
        "- [Read outside the settings classes](#read-outside-the-settings-classes)",
        "",
    ]
    for cls in classes:
        lines += settings_section(cls)
    lines += contract_section(contract)
    lines += outside_section()
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m baton.settings_reference", description="write docs/settings.md"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the page is not what would be written"
    )
    parser.add_argument("--output", type=Path, default=paths.ROOT / TARGET, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    page = render()
    target: Path = args.output
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != page:
            print(
                f"{_shown(target)} is out of date: run `make docs` "
                "(python -m baton.settings_reference)",
                file=sys.stderr,
            )
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    print(f"==> wrote {_shown(target)}")
    return 0


def _shown(target: Path) -> str:
    try:
        return target.resolve().relative_to(paths.ROOT.resolve()).as_posix()
    except ValueError:
        return str(target)


if __name__ == "__main__":
    sys.exit(main())

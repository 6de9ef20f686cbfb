"""An assistant folder: a Rasa 3.x project as Rasa lays it out, plus ``baton.yml``.

::

    mybot/
      config.yml            Rasa's pipeline and policies
      domain.yml | domain/  Rasa's domain (a folder is merged as Rasa merges it)
      data/                 Rasa's training data
      actions/              optional: the assistant's own rasa-sdk actions (a package)
      help_centre/          optional: Markdown articles for knowledge answers
      canned.yml            optional: the agents' canned responses
      locales/              optional: the assistant's own texts per language (baton.catalogue)
      baton.yml             the contract with Baton (baton.contract)
      models/               written by ``baton train``

Everything one assistant's processes write besides its models — the database, the index,
logs — goes to its own ``var`` folder (:func:`var_dir`), so two assistants never mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from baton import paths
from baton.catalogue import Catalogue, for_languages
from baton.contract import CONTRACT_FILE, Contract, ContractError, check_against, read_contract
from baton.domain import domain_path, intent_names, load_domain
from baton.paths import var_dir


class ProjectError(ValueError):
    """The folder is not an assistant Baton can run; the message says what is missing."""


@dataclass(frozen=True, slots=True)
class Project:
    """A checked assistant folder and its contract."""

    dir: Path
    contract: Contract
    domain: dict[str, Any]

    @property
    def name(self) -> str:
        return self.contract.name or self.dir.name

    @property
    def models(self) -> Path:
        return self.dir / "models"

    @property
    def var(self) -> Path:
        return var_dir(self.dir)

    @property
    def help_centre(self) -> Path:
        return self.dir / self.contract.knowledge.help_centre

    @property
    def locales(self) -> Path:
        """The assistant's own texts per language (``locales/<language>.yml``), optional."""
        return self.dir / "locales"

    @property
    def catalogue(self) -> Catalogue:
        """What the assistant says, per language: its ``locales/`` over Baton's."""
        return for_languages(tuple(self.contract.languages), self.locales)

    @property
    def language_slot(self) -> str | None:
        """The slot Baton sets to the conversation's language, if the domain has it."""
        slot = self.contract.language_slot
        return slot if slot and slot in (self.domain.get("slots") or {}) else None

    @property
    def canned_file(self) -> Path | None:
        file = self.dir / "canned.yml"
        return file if file.is_file() else None

    @property
    def actions_package(self) -> Path | None:
        """The assistant's own actions package, if it has one."""
        package = self.dir / "actions"
        if (package / "__init__.py").is_file() or (package.is_dir() and any(package.glob("*.py"))):
            return package
        single = self.dir / "actions.py"
        return single if single.is_file() else None

    @property
    def action_requirements(self) -> Path | None:
        for candidate in (
            self.dir / "actions" / "requirements-actions.txt",
            self.dir / "actions" / "requirements.txt",
            self.dir / "requirements-actions.txt",
        ):
            if candidate.is_file():
                return candidate
        return None


def load_project(directory: Path | None = None) -> Project:
    """Read and check the assistant folder (default: ``BATON_PROJECT_DIR``, else the demo).

    Raises :class:`ProjectError` or :class:`baton.contract.ContractError` with a message
    that names the file and what to do; nothing is written.
    """
    folder = (directory or paths.project_dir()).resolve()
    if not folder.is_dir():
        raise ProjectError(f"{folder}: no such folder (the assistant folder to run)")
    if not (folder / "config.yml").is_file():
        raise ProjectError(f"{folder}: no config.yml — is this a Rasa 3.x project?")
    where = domain_path(folder)
    if not where.exists():
        raise ProjectError(f"{folder}: no domain.yml nor domain/ folder — is this a Rasa project?")
    try:
        domain = load_domain(folder)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problem = " ".join(str(exc).split())
        raise ProjectError(f"{where}: the domain is not valid YAML: {problem}") from None
    except AttributeError:
        raise ProjectError(f"{where}: the domain must be a mapping (intents, slots, …)") from None
    file = folder / CONTRACT_FILE
    contract = read_contract(file)
    check_against(
        contract,
        file,
        intents=intent_names(domain),
        slots=list((domain.get("slots") or {}).keys()),
        forms=list((domain.get("forms") or {}).keys()),
    )
    return Project(folder, contract, domain)


__all__ = ["ContractError", "Project", "ProjectError", "load_project", "var_dir"]

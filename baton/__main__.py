"""``baton`` (and ``python -m baton``): choose the assistant folder, then run the command.

The folder is a fact of the whole process and of every process it starts: ``--project DIR``
becomes ``BATON_PROJECT_DIR`` before any of Baton's modules is imported, so every path
(models, index, database, logs) is that assistant's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def chosen_project(argv: list[str]) -> str | None:
    """The value of ``--project DIR`` / ``--project=DIR`` in ``argv``, if given."""
    for index, arg in enumerate(argv):
        if arg == "--project" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--project="):
            return arg.split("=", 1)[1]
    return None


def entry() -> int:
    project = chosen_project(sys.argv[1:])
    if project:
        os.environ["BATON_PROJECT_DIR"] = str(Path(project).expanduser().resolve())
    from baton.cli import main

    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(entry())

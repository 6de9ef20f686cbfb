"""The demo assistant's own actions (bot/actions/), imported for tests under a name of its own.

The action server imports an assistant's package as ``actions``, with the assistant folder
on ``sys.path``. In one pytest process that name is not the demo's to take: other tests write
assistants with their own ``actions`` package, and ``sys.modules`` would hand every later
``import actions`` whichever came first. So the demo's package is imported here from its
file, as ``baton_demo_actions`` (a name nothing else uses), with its folder as the
package's submodule search path. Its modules import each other relatively (``from .orders
import ...``), so they resolve inside that name; nothing is added to ``sys.path``, and
nothing named ``actions`` enters ``sys.modules``, so no cleanup is needed and any test
order works. The package imports once per process, like in the server.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType

from baton import paths

PACKAGE_NAME = "baton_demo_actions"
PACKAGE = paths.DEMO / "actions"


def demo_actions() -> ModuleType:
    """The demo's actions package (imported on first use)."""
    if PACKAGE_NAME in sys.modules:
        return sys.modules[PACKAGE_NAME]
    spec = importlib.util.spec_from_file_location(
        PACKAGE_NAME, PACKAGE / "__init__.py", submodule_search_locations=[str(PACKAGE)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE_NAME] = package  # before running it: its relative imports look here
    try:
        spec.loader.exec_module(package)
    except BaseException:
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE_NAME]:
            del sys.modules[name]
        raise
    return package


def demo_module(name: str) -> ModuleType:
    """One module of the demo's actions package: ``demo_module("orders")``."""
    demo_actions()
    return importlib.import_module(f"{PACKAGE_NAME}.{name}")

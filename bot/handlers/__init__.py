"""Every command's handler, one module per command or family of commands.

A module declares `COMMANDS`, a tuple of `bot.registry.CommandSpec`, next to the handlers they
name; `discover()` finds every module here, so a new command is one new file.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from bot.registry import CommandSpec, Registry


def specs() -> list[CommandSpec]:
    """The declarations of every handler module in this package, in module order."""
    found: list[CommandSpec] = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        found.extend(getattr(module, "COMMANDS", ()))
    return found


@cache
def discover() -> Registry:
    """The registry of every declared command, built once per process."""
    return Registry(specs())

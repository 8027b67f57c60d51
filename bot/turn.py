"""One request as a handler sees it: who, where, in which team, with which pack and services."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.commands import Command, Usage
from bot.messages import Incoming
from bot.ports import ChatPort
from bot.services import Services
from bot.storage.team_settings import TeamSettings
from content.loader import LoadedPack
from content.models import Pack


class CommandBook(Protocol):
    """What a handler may know of the declared commands."""

    def help_lines(self, roles: frozenset[str]) -> Sequence[Usage]:
        """The help lines a person holding `roles` sees, in order."""
        ...


@dataclass(frozen=True)
class Turn:
    """Everything one request needs: who, where, in which team, with which pack."""

    incoming: Incoming
    command: Command
    port: ChatPort
    team: TeamSettings
    loaded: LoadedPack
    roles: frozenset[str]
    services: Services
    commands: CommandBook

    @functools.cached_property
    def person(self) -> str:
        """The person's pseudonym, worked out only for the requests that store something."""
        return self.services.pseudonyms.of(
            self.incoming.person.tenant, self.incoming.person.user_id
        )

    @property
    def pack(self) -> Pack:
        """The team's content pack."""
        return self.loaded.pack

    @property
    def tenant(self) -> str:
        """The tenant the request came from."""
        return self.team.tenant_id

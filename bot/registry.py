"""How a command is declared: its name, aliases, who may run it, its help and its handler.

Each handler module under `bot/handlers/` declares its commands as `COMMANDS` (a tuple of
`CommandSpec`), beside the handler itself; `bot.handlers.discover()` finds them. Parsing, the
router's table, help by role, metrics labels and platform command menus all read the same
declarations, so a command exists in exactly one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.commands import Command, Usage, Vocabulary
from bot.messages import Reply
from bot.turn import Turn

Handler = Callable[[Turn], Awaitable[Reply]]
# Which roles (one of them) a use of a command needs; empty: everyone.
RoleRule = Callable[[Command], frozenset[str]]

EVERYONE: frozenset[str] = frozenset()
__all__ = ["EVERYONE", "CommandSpec", "Registry", "Usage", "by_first_word", "with_arguments"]
FACILITATORS = frozenset({"facilitator"})
LEADERS = frozenset({"leader"})
FACILITATORS_AND_LEADERS = frozenset({"facilitator", "leader"})


@dataclass(frozen=True)
class CommandSpec:
    """One command, declared once."""

    name: str
    handle: Handler
    aliases: tuple[str, ...] = ()
    # Who may run it at all; empty: everyone.
    allowed: frozenset[str] = EVERYONE
    # Who may run one use of it (`ask answer 3`, not `ask`); None: as `allowed` says.
    allowed_for: RoleRule | None = None
    # Which uses of it send the person's words on without their name (`ask ...`); such a use
    # typed where others read it is refused, since the platform already showed it, named.
    anonymous_for: Callable[[Command], bool] | None = None
    usage: tuple[Usage, ...] = ()
    # One line for a platform's command menu (Teams' bot commands); empty: not listed there.
    menu: str = ""
    # Where its help lines sit among the others: lower first.
    rank: int = 100
    # Typed by people; False for what the parser makes of free text (`greeting`, `unknown`).
    typed: bool = True

    def roles_needed(self, command: Command) -> frozenset[str]:
        """The roles one of which the person must hold for this use of the command."""
        if self.allowed or self.allowed_for is None:
            return self.allowed
        return self.allowed_for(command)


def always(command: Command) -> bool:
    """Every use: for `anonymous_for` when the whole command is anonymous."""
    return True


def first_word_in(*words: str) -> Callable[[Command], bool]:
    """The uses whose first word is one of `words` (`drivers add ...`)."""

    def chosen(command: Command) -> bool:
        return bool(command.args) and command.args[0] in words

    return chosen


def by_first_word(rules: Mapping[str, frozenset[str]]) -> RoleRule:
    """A rule for sub-commands: `agreements agree 2` needs what `rules["agree"]` names."""

    def needed(command: Command) -> frozenset[str]:
        return rules.get(command.args[0], EVERYONE) if command.args else EVERYONE

    return needed


def with_arguments(roles: frozenset[str]) -> RoleRule:
    """A rule for commands that only show without arguments: `section 3` needs `roles`."""

    def needed(command: Command) -> frozenset[str]:
        return roles if command.args else EVERYONE

    return needed


class Registry:
    """Every declared command, by name; built once from the handler modules."""

    def __init__(self, specs: Iterable[CommandSpec]) -> None:
        self._specs: dict[str, CommandSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"command {spec.name!r} is declared twice")
            self._specs[spec.name] = spec
        typed = [spec for spec in self._specs.values() if spec.typed]
        aliases = {alias: spec.name for spec in typed for alias in spec.aliases}
        taken = set(aliases) & set(self._specs)
        if taken:
            raise ValueError(f"aliases shadow commands: {sorted(taken)}")
        self.vocabulary = Vocabulary(
            names=frozenset(spec.name for spec in typed),
            aliases=aliases,
            anonymous=frozenset(spec.name for spec in typed if spec.anonymous_for is not None),
        )

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __getitem__(self, name: str) -> CommandSpec:
        return self._specs[name]

    @property
    def names(self) -> frozenset[str]:
        """Every command name, typed or made by the parser: the metrics' command labels."""
        return frozenset(self._specs)

    def parse(self, text: str) -> Command:
        """One typed line or button command, read with these commands' names and aliases."""
        return self.vocabulary.parse(text)

    def ranked(self) -> list[CommandSpec]:
        """The typed commands in help order."""
        typed = [spec for spec in self._specs.values() if spec.typed]
        return sorted(typed, key=lambda spec: (spec.rank, spec.name))

    def help_lines(self, roles: frozenset[str]) -> list[Usage]:
        """The help lines a person holding `roles` sees, in order."""
        return [
            usage
            for spec in self.ranked()
            for usage in spec.usage
            if not usage.shown_to or usage.shown_to & roles
        ]

    def menu(self) -> list[tuple[str, str]]:
        """(name, description) for a platform's command menu, in help order."""
        return [(spec.name, spec.menu) for spec in self.ranked() if spec.menu]

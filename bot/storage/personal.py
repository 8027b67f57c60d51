"""What the bot holds about a person, declared once by each store that holds it.

A store that keeps anything under a person's pseudonym (or a token made from it) subclasses
`PersonalData`: it names its tables and says how the person is shown what it holds, and how it
is deleted. `privacy show-me`, `privacy delete-me`, retention and `crbot export` iterate the
declarations, so a new store is covered by declaring itself, and a test fails when a table
with a person's column is declared by no store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.release import ReleasePolicy

# Columns that hold a person's pseudonym, a token made from it, or a platform user id.
PERSON_COLUMNS = frozenset(
    {"respondent", "actor", "person", "author", "author_token", "voter", "user_id"}
)
# Tables with such a column that are not about how anyone is doing, and why they are kept.
WORK_RECORDS = {
    "roles": "who facilitates or leads: granted by an administrator, shown by `privacy show-me`",
    "console_links": "a facilitator's or leader's sign-in link, gone within minutes",
    "console_sessions": "a facilitator's or leader's console session, gone within hours",
    "post_drafts": "a facilitator's or leader's own post under their name, kept while they "
    "preview it and for a month after, to change or delete it",
}
# A platform's own tables say why they keep a person's id in their `Schema.work_records`.


@dataclass(frozen=True)
class Deletion:
    """What deleting a person's data needs to know: when, and the team's release rules."""

    now: datetime
    policy: ReleasePolicy


@dataclass(frozen=True)
class Forgotten:
    """What one store deleted, in a phrase for the person (`3 reflection(s)`), and any note."""

    deleted: str | None = None
    note: str | None = None


class PersonalData:
    """A store holding something about a person; subclasses register themselves."""

    tables: ClassVar[tuple[str, ...]] = ()
    # `table.column` holding a person's token in a table whose rows are otherwise shared (the
    # drivers board's items are the team's; who added one is the person's).
    columns: ClassVar[tuple[str, ...]] = ()
    declared: ClassVar[list[type[PersonalData]]] = []

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        PersonalData.declared.append(cls)

    async def held_about(self, tenant: str, person: str) -> tuple[str, ...]:
        """Lines for `privacy show-me`: what is held, never another person's."""
        raise NotImplementedError

    async def forget_person(self, tenant: str, person: str, deletion: Deletion) -> Forgotten:
        """Delete what is held about the person in the tenant."""
        raise NotImplementedError

    async def expire(self, before: datetime) -> int:
        """Delete what retention says is too old; most stores keep until the person deletes."""
        return 0


def declared_tables() -> set[str]:
    """Every table a personal-data store declares whole."""
    return {table for store in PersonalData.declared for table in store.tables}


def declared_columns() -> dict[str, set[str]]:
    """The columns personal-data stores declare in otherwise shared tables, by table."""
    found: dict[str, set[str]] = {}
    for store in PersonalData.declared:
        for name in store.columns:
            table, _, column = name.partition(".")
            found.setdefault(table, set()).add(column)
    return found

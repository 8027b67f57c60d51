"""People by the names chat gives them: display names for the user ids the bot keeps (who
facilitates, who leads), and the members of a team's channels to choose from.

Names are looked up through the platform's port and kept for a few minutes, so a page that
lists a team's people does not ask the platform again on every visit. A lookup that fails
leaves the person known by their id alone; it never stops the page that asked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from cachetools import TTLCache

from bot.messages import Person, Target
from bot.ports import ChatPort

log = logging.getLogger(__name__)

# Long enough that a facilitator's visits to a page ask once, short enough that a new name
# shows the same morning.
NAME_SECONDS = 300.0
NAME_ENTRIES = 10_000
# The most members a channel offers to choose from; the rest can still be given by id.
MEMBERS_OFFERED = 200
# The most names looked up one by one for a single page (a platform whose members carry none).
LOOKUPS_PER_PAGE = 50


@dataclass(frozen=True)
class Named:
    """A person by name where the platform gave one; `name` is None when it did not."""

    user_id: str
    name: str | None

    @property
    def shown(self) -> str:
        """How the person is shown: their name, else their id."""
        return self.name or self.user_id


class PeopleNames:
    """Display names and channel members through a port, each kept for `seconds`."""

    def __init__(self, seconds: float = NAME_SECONDS) -> None:
        self._names: TTLCache[tuple[str, str], str | None] = TTLCache(NAME_ENTRIES, seconds)
        self._members: TTLCache[tuple[str, str], tuple[str, ...]] = TTLCache(NAME_ENTRIES, seconds)

    async def members(
        self, port: ChatPort | None, tenant: str, addresses: Iterable[str]
    ) -> list[Named]:
        """The people in the team's channels, by name where the platform knows it, sorted by
        how they are shown; none when the platform cannot list them."""
        found: dict[str, None] = {}
        for address in addresses:
            for user_id in await self._channel(port, tenant, address):
                found.setdefault(user_id)
        chosen = list(found)[:MEMBERS_OFFERED]
        named = await self.named(port, tenant, chosen)
        return sorted(named, key=lambda person: (person.name is None, person.shown.casefold()))

    async def named(
        self, port: ChatPort | None, tenant: str, user_ids: Iterable[str]
    ) -> list[Named]:
        """Each person by name where one is known or can be looked up, else by id."""
        people: list[Named] = []
        asked = 0
        for user_id in user_ids:
            key = (tenant, user_id)
            if key not in self._names and port is not None and asked < LOOKUPS_PER_PAGE:
                asked += 1
                self._names[key] = await self._look_up(port, tenant, user_id)
            people.append(Named(user_id, self._names.get(key)))
        return people

    async def _channel(self, port: ChatPort | None, tenant: str, address: str) -> tuple[str, ...]:
        key = (tenant, address)
        if key in self._members or port is None:
            return self._members.get(key, ())
        try:
            members = await port.members(Target(tenant=tenant, address=address))
        except NotImplementedError:
            members = []
        except Exception as error:
            log.warning(
                "channel members not found",
                extra={"tenant": tenant, "status": type(error).__name__},
            )
            return ()  # not kept: the next page asks again
        for person in members:
            if person.display_name:
                self._names[(tenant, person.user_id)] = person.display_name
        self._members[key] = tuple(person.user_id for person in members)
        return self._members[key]

    async def _look_up(self, port: ChatPort, tenant: str, user_id: str) -> str | None:
        try:
            person: Person = await port.person(tenant, user_id)
        except NotImplementedError:
            return None
        except Exception as error:
            log.warning("name not found", extra={"tenant": tenant, "status": type(error).__name__})
            return None
        return person.display_name or None

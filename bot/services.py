"""What handlers, the scheduler and the command line are given: the stores, the clock, the packs.

Built once by the composition root. It holds no request: a `Turn` carries one request together
with these services. Nothing here routes or renders.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.console.access import ConsoleSessionStore
from bot.errors import CrbotError, ErrorCode
from bot.messages import Image
from bot.ports import Clock
from bot.pseudonyms import Pseudonyms
from bot.release import Noise, ReleasePolicy, laplace_noise
from bot.roles import RoleBootstrap
from bot.rollouts.cadence import load_cadence
from bot.rollouts.closures import TeamDays
from bot.rollouts.service import Rollouts
from bot.rollouts.team_calendar import TeamCalendar
from bot.storage.agreements import AgreementStore
from bot.storage.asks import AskStore
from bot.storage.drivers import DriverStore
from bot.storage.personal import PersonalData
from bot.storage.polls import PollStore
from bot.storage.post_drafts import PostDraftStore
from bot.storage.reminders import ReminderStore
from bot.storage.rollouts import RolloutStore
from bot.storage.surveys import SurveyStore
from bot.storage.team_calendar import TeamCalendarStore
from bot.storage.team_settings import TeamSettings, TeamSettingsStore
from bot.storage.walkthroughs import WalkthroughStore
from content.loader import LoadedPack

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoreOptions:
    """The defaults a new team starts with, from configuration."""

    default_pack: str
    min_group_size: int
    support_resources: str
    # Roles given by CRBOT_FACILITATORS and CRBOT_LEADERS; a mapping `{entry: role}` reads the
    # same entries (`<tenant>:<user>` or a plain user id), for tests and tools.
    role_bootstrap: RoleBootstrap | Mapping[str, str] = field(default_factory=RoleBootstrap)
    # An organisation's own between-session cadence; None is the toolkit's.
    cadence_path: Path | None = None
    # Where report charts are written for adapters to upload; None: no charts.
    reports_dir: Path | None = None
    # Where browsers reach the console (CRBOT_PUBLIC_URL); None: `console` says it is off.
    public_url: str | None = None
    # The port the local shell could not serve the console on (another program held it); None
    # when it was served, or this is no shell.
    console_port_taken: int | None = None
    retention_days: int = 90
    # The per-poll privacy budget and how many releases spend it (docs/PRIVACY.md).
    privacy_epsilon: float = 2.0
    releases_per_poll: int = 2
    # The differentially private mechanism; OpenDP's discrete Laplace unless a test fixes it.
    noise: Noise = laplace_noise


class Services:
    """The stores and settings every part of the bot works with, built once."""

    def __init__(
        self,
        *,
        packs: Mapping[str, LoadedPack],
        sessions: async_sessionmaker[Any],
        pseudonyms: Pseudonyms,
        clock: Clock,
        options: CoreOptions,
    ) -> None:
        if options.default_pack not in packs:
            raise ValueError(f"unknown default pack {options.default_pack!r}")
        self.packs = packs
        self.options = options
        self.clock = clock
        self.pseudonyms = pseudonyms
        self.team_settings = TeamSettingsStore(sessions)
        self.role_bootstrap = RoleBootstrap.of(options.role_bootstrap).use(sessions)
        self.polls = PollStore(sessions)
        self.walkthroughs = WalkthroughStore(sessions)
        self.asks = AskStore(sessions)
        self.drivers = DriverStore(sessions)
        self.agreements = AgreementStore(sessions)
        self.surveys = SurveyStore(sessions)
        self.reminders = ReminderStore(sessions)
        self.console = ConsoleSessionStore(sessions)
        self.post_drafts = PostDraftStore(sessions)
        self.rollouts = Rollouts(
            RolloutStore(sessions), load_cadence(options.cadence_path), clock, self.team_days
        )
        self.calendar = TeamCalendar(self.team_settings, TeamCalendarStore(sessions), self.rollouts)

    @property
    def personal(self) -> list[PersonalData]:
        """Every store that holds something about a person, in the order people are shown it."""
        return [store for store in vars(self).values() if isinstance(store, PersonalData)]

    async def team(self, tenant: str) -> TeamSettings:
        """The tenant's settings, created with the defaults on first contact."""
        known = self.team_settings.remembered(tenant)
        if known is not None:
            return known
        return await self.team_settings.ensure(
            tenant, self.options.default_pack, self.options.min_group_size, self.clock.now()
        )

    async def team_days(self, tenant: str) -> TeamDays:
        """The days the team's posts stay off: its holidays and breaks, less its exceptions."""
        return await self.calendar.days(tenant)

    def policy(self, team: TeamSettings) -> ReleasePolicy:
        """How the team's figures are released: its group size and the installation's budget."""
        options = self.options
        return ReleasePolicy(
            group_size=team.min_group_size,
            epsilon=options.privacy_epsilon,
            releases=options.releases_per_poll,
            noise=options.noise,
        )

    def pack_of(self, team: TeamSettings) -> LoadedPack:
        """The team's pack, or the default when its pack is no longer installed."""
        return self.packs.get(team.pack) or self.packs[self.options.default_pack]

    def support(self, team: TeamSettings) -> str:
        """Where the team's people can turn for help: its own resources, or the installation's."""
        return team.support_resources or self.options.support_resources

    async def roles_of(self, tenant: str, user_id: str) -> frozenset[str]:
        """Stored roles plus any given in configuration."""
        stored = await self.team_settings.roles_of(tenant, user_id)
        given = await self.role_bootstrap.roles(tenant, user_id)
        return stored | given if given else stored

    async def holders(self, tenant: str, role: str) -> list[str]:
        """Everyone holding `role` in the tenant: granted and stored, or given in configuration."""
        # A tenant the bot works for (the scheduler's, too) has its team row first, so that the
        # first tenant the bot meets is the first in `teams`; after the first, a cached read.
        await self.team(tenant)
        stored = await self.team_settings.holders(tenant, role)
        given = await self.role_bootstrap.holders(tenant, role)
        return sorted({*stored, *given})

    async def settle(self) -> None:
        """Store what is kept to be written after its answer (where people are in
        walkthroughs): before the database is let go."""
        await self.walkthroughs.saved()

    async def release_legacy_tallies(self) -> int:
        """Turn exact counts kept from before releases existed into first releases, once."""

        async def policy_of(tenant: str) -> ReleasePolicy:
            return self.policy(await self.team(tenant))

        released = await self.polls.release_legacy_tallies(self.clock.now(), policy_of)
        if released:
            log.info("released %d polls kept as exact counts", released)
        return released

    def image_file(self, image: Image) -> str:
        """The file behind an Image block, for adapters that upload it."""
        if image.path.startswith("/"):
            return image.path
        pack_key, _, relative = image.path.partition("/")
        loaded = self.packs.get(pack_key)
        if loaded is None:
            raise CrbotError(ErrorCode.UNAVAILABLE, "image pack not installed")
        return str(loaded.folder / relative)

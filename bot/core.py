"""The core: one router for every platform, from an Incoming to a Reply."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot import logcontext, loop, metrics
from bot.commands import Command, number, parse
from bot.console.access import ConsoleAccess
from bot.console.signin import console_link
from bot.errors import CrbotError, DeliveryError, ErrorCode
from bot.features import (
    agreements,
    checkins,
    drivers,
    followups,
    help,
    home,
    scenarios,
    sections,
    steps,
    surveys,
)
from bot.messages import Image, Incoming, Person, Reply, Target, Text
from bot.ports import ChatPort, Clock
from bot.pseudonyms import Pseudonyms
from bot.release import Noise, ReleasePolicy, laplace_noise
from bot.roles import RoleBootstrap
from bot.rollouts import chat as rollout_chat
from bot.rollouts import leaders, reminders
from bot.rollouts.cadence import load_cadence
from bot.rollouts.service import Rollouts
from bot.rollouts.store import RolloutStore
from bot.storage.agreements import AgreementStore
from bot.storage.asks import AskStore
from bot.storage.drivers import DriverStore
from bot.storage.polls import PollStore
from bot.storage.surveys import SurveyStore
from bot.storage.teams import TeamRecord, TeamStore
from bot.storage.walkthroughs import Position, WalkthroughStore
from bot.wording import kind_reply, offer_reply, sorry_reply
from content.loader import LoadedPack
from content.models import Pack

log = logging.getLogger(__name__)


LOOP_ROUTES = {
    "ask": loop.ask,
    "asks": loop.open_asks,
    "suggest": loop.suggest,
    "report": loop.report,
    "privacy": loop.privacy,
    "drivers": drivers.drivers,
    "agreements": agreements.agreements,
    "survey": surveys.survey,
}


# Enough for every way of naming a step; odd spellings beyond it are simply built each time.
PACK_REPLIES = 512


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
    retention_days: int = 90
    # The per-poll privacy budget and how many releases spend it (docs/PRIVACY.md).
    privacy_epsilon: float = 2.0
    releases_per_poll: int = 2
    # The differentially private mechanism; OpenDP's discrete Laplace unless a test fixes it.
    noise: Noise = laplace_noise


@dataclass(frozen=True)
class Turn:
    """Everything one request needs: who, where, in which team, with which pack."""

    incoming: Incoming
    command: Command
    port: ChatPort
    team: TeamRecord
    loaded: LoadedPack
    roles: frozenset[str]
    pseudonyms: Pseudonyms

    @functools.cached_property
    def person(self) -> str:
        """The person's pseudonym, worked out only for the requests that store something."""
        return self.pseudonyms.of(self.incoming.person.tenant, self.incoming.person.user_id)

    @property
    def pack(self) -> Pack:
        """The team's content pack."""
        return self.loaded.pack


class Core:
    """Routes what people do to the features, and never lets an error reach them raw."""

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
        self.teams = TeamStore(sessions)
        self.role_bootstrap = RoleBootstrap.of(options.role_bootstrap).use(sessions)
        self.polls = PollStore(sessions)
        self.walkthroughs = WalkthroughStore(sessions)
        self.asks = AskStore(sessions)
        self.drivers = DriverStore(sessions)
        self.agreements = AgreementStore(sessions)
        self.surveys = SurveyStore(sessions)
        self.console = ConsoleAccess(sessions)
        self.reminders = reminders.ReminderStore(sessions)
        self.checkins = checkins.Checkins(self.polls, pseudonyms, clock)
        self.scenarios = scenarios.Walkthroughs(self.walkthroughs, clock)
        cadence = load_cadence(options.cadence_path)
        self.rollouts = Rollouts(RolloutStore(sessions), cadence, clock)
        self._pack_replies: dict[tuple[int, str, tuple[str, ...]], Reply] = {}

    async def handle(self, incoming: Incoming, port: ChatPort) -> Reply:
        """Answer one request; errors become kind replies, never tracebacks."""
        command = parse(incoming.text)
        context = {"tenant": incoming.person.tenant, "command": command.name}
        with logcontext.request(), metrics.request(incoming.person.tenant, command.name) as timing:
            try:
                turn = await self._turn(incoming, command, port)
                if "facilitator" in turn.roles:
                    # Questions and suggestion batches nobody could read yet go to the first
                    # facilitator who turns up, whichever way they were named.
                    await loop.deliver_waiting(self, turn.team.tenant_id, port)
                reply = await self._route(turn)
            except CrbotError as error:
                timing.outcome = "refused"
                log.info("request refused: %s", error.code, extra=context)
                return kind_reply(error.code)
            except DeliveryError as error:
                # The platform would not take a post the request makes (the bot is not in the
                # channel, or the platform is struggling): the person hears it, kindly.
                timing.outcome = "refused"
                log.info("request could not post: %s", error.reason, extra=context)
                return kind_reply(
                    ErrorCode.CANNOT_POST if error.permanent else ErrorCode.UNAVAILABLE
                )
            except Exception:
                log.exception("request failed", extra=context)
                return sorry_reply()
            timing.outcome = "served"
            log.info("request served", extra=context)
            return reply

    async def team(self, tenant: str) -> TeamRecord:
        """The tenant's settings, created with the defaults on first contact."""
        known = self.teams.remembered(tenant)
        if known is not None:
            return known
        return await self.teams.ensure(
            tenant, self.options.default_pack, self.options.min_group_size, self.clock.now()
        )

    def policy(self, team: TeamRecord) -> ReleasePolicy:
        """How the team's figures are released: its group size and the installation's budget."""
        options = self.options
        return ReleasePolicy(
            group_size=team.min_group_size,
            epsilon=options.privacy_epsilon,
            releases=options.releases_per_poll,
            noise=options.noise,
        )

    async def release_legacy_tallies(self) -> int:
        """Turn exact counts kept from before releases existed into first releases, once."""

        async def policy_of(tenant: str) -> ReleasePolicy:
            return self.policy(await self.team(tenant))

        released = await self.polls.release_legacy_tallies(self.clock.now(), policy_of)
        if released:
            log.info("released %d polls kept as exact counts", released)
        return released

    def pack_of(self, team: TeamRecord) -> LoadedPack:
        """The team's pack, or the default when its pack is no longer installed."""
        return self.packs.get(team.pack) or self.packs[self.options.default_pack]

    async def roles_of(self, tenant: str, user_id: str) -> frozenset[str]:
        """Stored roles plus any given in configuration."""
        stored = await self.teams.roles_of(tenant, user_id)
        given = await self.role_bootstrap.roles(tenant, user_id)
        return stored | given if given else stored

    async def _turn(self, incoming: Incoming, command: Command, port: ChatPort) -> Turn:
        tenant = incoming.person.tenant
        team = await self.team(tenant)
        return Turn(
            incoming=incoming,
            command=command,
            port=port,
            team=team,
            loaded=self.pack_of(team),
            roles=await self.roles_of(tenant, incoming.person.user_id),
            pseudonyms=self.pseudonyms,
        )

    async def _route(self, turn: Turn) -> Reply:
        name, pack = turn.command.name, turn.pack
        tenant = turn.team.tenant_id
        if name in ("steps", "tips"):
            return self._pack_words(turn)
        if name == "scenario":
            return await self._scenario(turn)
        if name in ("next", "back"):
            delta = 1 if name == "next" else -1
            return await self.scenarios.step(pack, tenant, turn.person, delta)
        if name == "reflect":
            return await self._reflect(turn)
        if name == "reflections":
            return await self.scenarios.reflections(tenant, turn.person)
        if name == "practice":
            return sections.practice(pack, turn.team.current_section)
        if name == "prompt":
            today = self.clock.now().date()
            return sections.prompt(pack, turn.team.current_section, today)
        if name == "checkin":
            return await self._checkin(turn)
        if name == "section":
            return await self._section(turn)
        if name == "help":
            return help.help_reply(turn.roles, pack.info.title)
        if name in LOOP_ROUTES:
            return await LOOP_ROUTES[name](self, turn)
        if name == "follow-up":
            return await self._follow_up(turn)
        if name == "schedule":
            return await rollout_chat.schedule(self, turn)
        if name == "rollout":
            return await rollout_chat.rollout(self, turn)
        if name == "console":
            return await console_link(turn, self.console, self.options.public_url, self.clock.now())
        if name == "greeting":
            return self._unknown(turn, turn.command.args[0])
        return self._unknown(turn)

    def _pack_words(self, turn: Turn) -> Reply:
        """The steps and the tips: the pack's own words, the same for everyone, built once."""
        key = (id(turn.loaded), turn.command.name, turn.command.args)
        known = self._pack_replies.get(key)
        if known is not None:
            return known
        pack, args = turn.pack, turn.command.args
        if turn.command.name == "tips" or args[:1] == ("tips",):
            reply = steps.tips(pack)
        elif not args:
            reply = steps.all_steps(pack)
        else:
            reply = steps.one_step(pack, steps.find_step(pack, args))
        if len(self._pack_replies) < PACK_REPLIES:
            self._pack_replies[key] = reply
        return reply

    async def home(self, person: Person) -> Reply:
        """The person's home view: the team's section and steps, plus their role's part."""
        team = await self.team(person.tenant)
        roles = await self.roles_of(person.tenant, person.user_id)
        polls = []
        if "facilitator" in roles:
            policy = self.policy(team)
            for poll in await self.polls.recent(person.tenant, limit=5):
                polls.append((poll, await self.polls.published(person.tenant, poll.id, policy)))
        return home.home(self.pack_of(team).pack, team.current_section, roles, polls)

    async def welcome(self, tenant: str) -> Reply:
        """The welcome for a channel the bot joined, or a person who joined it."""
        return home.welcome(self.pack_of(await self.team(tenant)).pack)

    async def _scenario(self, turn: Turn) -> Reply:
        args = turn.command.args
        if not args:
            return scenarios.scenario_list(turn.pack)
        position = (number(args[1]) if len(args) > 1 else None) or 0
        return await self.scenarios.go_to(
            turn.pack, turn.team.tenant_id, turn.person, args[0], position
        )

    async def _reflect(self, turn: Turn) -> Reply:
        incoming, args = turn.incoming, turn.command.args
        if incoming.form is not None:
            # A button's form: the command carries the scenario and position it was opened at.
            at = None
            scenario = number(args[0]) if args else None
            position = number(args[1]) if len(args) > 1 else None
            if scenario is not None and position is not None:
                at = Position(scenario, position)
            return await self.scenarios.reflect(
                turn.pack, turn.team.tenant_id, turn.person, incoming.form.get("text", ""), at
            )
        return await self.scenarios.reflect(
            turn.pack, turn.team.tenant_id, turn.person, turn.command.rest
        )

    async def _checkin(self, turn: Turn) -> Reply:
        args, place = turn.command.args, turn.incoming.place
        policy = self.policy(turn.team)
        if not args:
            return await self.checkins.show(turn.pack, turn.team, policy, place, turn.port)
        if args[0] == "reminders":
            return await reminders.command(self, turn)
        poll_id = turn.command.rest.split()[1] if len(args) > 1 else None
        support = turn.team.support_resources or self.options.support_resources
        return await self.checkins.answer(
            turn.pack,
            turn.team,
            policy,
            turn.incoming.person,
            place,
            turn.port,
            args[0],
            poll_id,
            support,
        )

    async def _section(self, turn: Turn) -> Reply:
        args = turn.command.args
        if not args:
            return sections.overview(turn.pack, turn.team.current_section)
        if "facilitator" not in turn.roles:
            raise CrbotError(ErrorCode.NOT_ALLOWED)
        chosen = number(args[0])
        if chosen is None or turn.pack.section(chosen) is None:
            words = f"Sections are numbered 1 to {len(turn.pack.sections)}."
            return Reply.saying(words)
        await self.teams.set_current_section(turn.team.tenant_id, chosen)
        reply = sections.overview(turn.pack, chosen)
        words = f"The team is now on Section {chosen}."
        return reply.model_copy(
            update={"summary": words, "blocks": (Text(text=words), *reply.blocks)}
        )

    async def _follow_up(self, turn: Turn) -> Reply:
        incoming = turn.incoming
        if leaders.from_note(turn):
            return await leaders.follow_up(self, turn)
        if incoming.form is not None:
            form = incoming.form
            channel = form.get("channel") or incoming.place.address
            text, as_self = form.get("text", ""), form.get("as", "me") == "me"
        else:
            # Typed: `follow-up <words>` posts to the channel it was typed in.
            channel, text, as_self = incoming.place.address, turn.command.rest, True
        target = Target(tenant=turn.team.tenant_id, address=channel)
        return await followups.post_follow_up(
            turn.port, turn.roles, incoming.person, target, text, as_self
        )

    def _unknown(self, turn: Turn, kind: str = "unknown") -> Reply:
        """Free text, a hello or a thanks: a warm word and what the bot offers."""
        # The same support words a check-in answer would point to.
        support = turn.team.support_resources or self.options.support_resources
        return offer_reply(kind, support)

    def image_file(self, image: Image) -> str:
        """The file behind an Image block, for adapters that upload it."""
        if image.path.startswith("/"):
            return image.path
        pack_key, _, relative = image.path.partition("/")
        loaded = self.packs.get(pack_key)
        if loaded is None:
            raise CrbotError(ErrorCode.UNAVAILABLE, "image pack not installed")
        return str(loaded.folder / relative)

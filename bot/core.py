"""The router: one for every platform, from an Incoming to a handler's Reply.

It parses the line with the declared commands' vocabulary, builds the `Turn`, refuses a role
the command needs (the one place that does), and looks the handler up in the registry.
Errors become kind replies, never tracebacks.
"""

from __future__ import annotations

import logging
import weakref

from bot import logcontext, metrics
from bot.commands import Command, Vocabulary
from bot.errors import CrbotError, DeliveryError, ErrorCode
from bot.features import home as home_view
from bot.handlers import discover
from bot.handlers.ask import deliver_waiting
from bot.handlers.home import home_of
from bot.messages import Block, Bullets, Context, Heading, Image, Incoming, Person, Reply, Text
from bot.ports import ChatPort
from bot.registry import Registry
from bot.services import CoreOptions, Services
from bot.turn import Turn
from bot.wording import kind_reply, sorry_reply

__all__ = ["Core", "CoreOptions", "Turn"]

log = logging.getLogger(__name__)


def fit_block(block: Block, vocabulary: Vocabulary, prefix: str, public: bool) -> Block:
    """One block with the commands its words name fitted to `prefix`; the same block if none."""
    if isinstance(block, Text | Context | Heading):
        text = vocabulary.fit(block.text, prefix, public)
        return block if text == block.text else block.model_copy(update={"text": text})
    if isinstance(block, Bullets):
        items = tuple(vocabulary.fit(item, prefix, public) for item in block.items)
        return block if items == block.items else block.model_copy(update={"items": items})
    return block


def said_in_public(command: str) -> Reply:
    """The answer to anonymous words typed where everyone reads them: kept nowhere."""
    return Reply.saying(
        "Everyone here can read what you just typed, with your name on it, so I haven't kept "
        "it as anonymous.",
        f"To say it without your name, use `{command} ...` where only I read it. You can "
        "delete your message here if you like.",
    )


class Core:
    """Routes what people do to the handlers, and never lets an error reach them raw."""

    def __init__(self, services: Services, commands: Registry | None = None) -> None:
        self.services = services
        self.commands = commands or discover()
        metrics.name_commands(self.commands.names)
        # Fitted replies by (the reply's id, prefix); None where fitting changed nothing.
        self._fitted: dict[tuple[int, str], Reply | None] = {}

    async def handle(self, incoming: Incoming, port: ChatPort) -> Reply:
        """Answer one request; errors become kind replies, never tracebacks."""
        command = self.commands.parse(incoming.text)
        context = {"tenant": incoming.person.tenant, "command": command.name}
        with logcontext.request(), metrics.request(incoming.person.tenant, command.name) as timing:
            reply = await self._answer(incoming, command, port, timing, context)
        private_prefix = incoming.private_prefix
        if reply.private and private_prefix is not None:
            return self.fit(reply, private_prefix)
        return self.fit(reply, incoming.prefix)

    async def _answer(
        self,
        incoming: Incoming,
        command: Command,
        port: ChatPort,
        timing: metrics.RequestTiming,
        context: dict[str, str],
    ) -> Reply:
        try:
            turn = await self._turn(incoming, command, port)
            if "facilitator" in turn.roles:
                # Questions and suggestion batches nobody could read yet go to the first
                # facilitator who turns up, whichever way they were named.
                await deliver_waiting(self.services, turn.tenant, port)
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
            return kind_reply(ErrorCode.CANNOT_POST if error.permanent else ErrorCode.UNAVAILABLE)
        except Exception:
            log.exception("request failed", extra=context)
            return sorry_reply()
        timing.outcome = "served"
        log.info("request served", extra=context)
        return reply

    def fit(self, reply: Reply, prefix: str) -> Reply:
        """The reply with every command it names as the person must type it where they are."""
        if not prefix:
            return reply
        key = (id(reply), prefix)
        if key in self._fitted:
            return self._fitted[key] or reply
        vocabulary = self.commands.vocabulary
        # A mention is itself a post everyone there reads; a slash command is not.
        public = prefix.startswith("@")
        blocks = tuple(fit_block(block, vocabulary, prefix, public) for block in reply.blocks)
        changed = any(new is not old for new, old in zip(blocks, reply.blocks, strict=True))
        fitted = reply.model_copy(update={"blocks": blocks}) if changed else None
        # Kept only while the reply itself lives: the ones handlers share (the steps, help) are
        # fitted once per place, and one person's reply leaves no copy behind once answered.
        self._fitted[key] = fitted
        weakref.finalize(reply, self._fitted.pop, key, None)
        return fitted or reply

    async def _turn(self, incoming: Incoming, command: Command, port: ChatPort) -> Turn:
        services, tenant = self.services, incoming.person.tenant
        team = await services.team(tenant)
        return Turn(
            incoming=incoming,
            command=command,
            port=port,
            team=team,
            loaded=services.pack_of(team),
            roles=await services.roles_of(tenant, incoming.person.user_id),
            services=services,
            commands=self.commands,
        )

    async def _route(self, turn: Turn) -> Reply:
        spec = self.commands[turn.command.name]
        needed = spec.roles_needed(turn.command)
        if needed and not turn.roles & needed:
            raise CrbotError(ErrorCode.NOT_ALLOWED)
        incoming = turn.incoming
        anonymous = spec.anonymous_for is not None and spec.anonymous_for(turn.command)
        if anonymous and incoming.typed_publicly and not incoming.via_button:
            # The platform has already shown these words to everyone, under the person's name:
            # keeping them as anonymous would promise what can no longer be kept.
            log.info("anonymous words typed in public, not kept", extra={"tenant": turn.tenant})
            return said_in_public(turn.command.name)
        return await spec.handle(turn)

    async def home(self, person: Person) -> Reply:
        """The person's home view: the team's section and steps, plus their role's part."""
        return await home_of(self.services, person)

    async def welcome(self, tenant: str, prefix: str = "") -> Reply:
        """The welcome for a channel the bot joined, or a person who joined it."""
        pack = self.services.pack_of(await self.services.team(tenant)).pack
        welcome = home_view.welcome(pack, self.commands.help_lines(frozenset()), "")
        return self.fit(welcome, prefix)

    def image_file(self, image: Image) -> str:
        """The file behind an Image block, for adapters that upload it."""
        return self.services.image_file(image)

"""Every reply the core and the rollouts make, gathered by using the bot the way a team does.

A team's people type the commands of every feature, with a board of many drivers and a long list
of agreements, and then press every button the replies offer (filling in each form), breadth
first, until no new command appears. A rollout of every section then sends all its posts through
the real sender, and the few notices only a failure makes are built from the same records. The
renderers' tests check every one of these replies against what each platform accepts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core
from bot.messages import Button, Buttons, Form, Incoming, Person, Poll, Reply, Target
from bot.rollouts import leaders, missed, reminders, uncertain
from bot.rollouts.plan import Circle
from bot.storage.ledger_tables import DeliveryRow
from content.loader import LoadedPack
from tests.conftest import FakePort, FrozenClock, build_core
from tests.test_scheduler_ledger import sender_for

TENANT = "test:team"
CHANNEL = "#circle"
FACILITATOR, LEADER, STAFF = "fran", "lee", "sam"
# Enough people to pass the group size, so figures are released and shown.
COLLEAGUES = ("ana", "ben", "cat", "dev", "eve")
ROLES = {FACILITATOR: "facilitator", LEADER: "leader"}
# Boards longer than any platform shows in one row of buttons.
DRIVERS = 30
AGREEMENTS = 25
# The crawl stops here even if buttons keep naming new commands (they do not, today).
MOST_COMMANDS = 1500
# Commands that take away what later buttons need, pressed once everything else has been.
LAST = ("delete-me", "delete", "drop", "end")

SAMPLE_FIELDS = {
    "text": "A few words, typed in a form",
    "long_text": "Some longer words.\n\nIn two paragraphs, with *marks* and a <tag> & more.",
    "date": "2027-04-20",
    "time": "10:30",
    "channel": CHANNEL,
    "timezone": "Europe/London",
}


def filled(form: Form) -> dict[str, str]:
    """The answers a person gives a form: the first option, or sample words of the right kind."""
    return {
        item.name: item.options[0] if item.options else SAMPLE_FIELDS.get(item.kind, "words")
        for item in form.fields
    }


def buttons_of(reply: Reply) -> list[Button]:
    """Every button a reply offers, in its buttons rows and its polls."""
    found: list[Button] = []
    for block in reply.blocks:
        if isinstance(block, Buttons):
            found += block.buttons
        elif isinstance(block, Poll):
            found += block.options
    return found


def typed_lines(pack: LoadedPack) -> list[tuple[str, str]]:
    """What the team types, as (who, line): every command, with arguments that reach each
    branch, and free words."""
    content = pack.pack
    lines = [(who, "help") for who in (STAFF, FACILITATOR, LEADER)]
    lines += [(STAFF, line) for line in ("hi", "thanks", "please dance", "compassion-steps")]
    lines += [(STAFF, "steps"), (STAFF, "tips"), (STAFF, "steps 99"), (STAFF, "scenario")]
    lines += [(STAFF, f"steps {n}") for n in range(1, len(content.steps) + 1)]
    for scenario in content.scenarios:
        lines += [(STAFF, f"scenario {scenario.number}"), (STAFF, "next"), (STAFF, "back")]
    lines += [(STAFF, f"section {section.number}") for section in content.sections]
    lines += [(STAFF, line) for line in ("section", "practice", "prompt", "reflections")]
    lines += [(STAFF, "reflect I was short with a patient's family today"), (STAFF, "reflect")]
    lines += [(FACILITATOR, "checkin"), (STAFF, "checkin")]
    lines += [(who, f"checkin {n % 6}") for n, who in enumerate((STAFF, *COLLEAGUES))]
    lines += [(FACILITATOR, "checkin"), (STAFF, "checkin 2"), (FACILITATOR, "report")]
    lines += [(STAFF, "ask Could we have a quiet room on night shifts?"), (FACILITATOR, "asks")]
    lines += [(who, f"suggest Idea {n} from the team") for n, who in enumerate(COLLEAGUES)]
    lines += [(STAFF, f"drivers add Driver {n} that weighs on us") for n in range(DRIVERS)]
    lines += [(STAFF, "drivers"), (FACILITATOR, "drivers"), (LEADER, "drivers")]
    lines += [(STAFF, f"agreements propose We agree on thing {n}") for n in range(AGREEMENTS)]
    lines += [(FACILITATOR, f"agreements agree {n}") for n in range(1, AGREEMENTS // 2)]
    lines += [(STAFF, "agreements"), (FACILITATOR, "agreements")]
    lines += [(STAFF, "survey"), (FACILITATOR, "survey"), (FACILITATOR, "survey pre")]
    lines += [(STAFF, "privacy"), (STAFF, "follow-up Thank you"), (LEADER, "follow-up")]
    lines += [(LEADER, "follow-up **Thank you** all, see [the toolkit](https://example.org)")]
    lines += [(FACILITATOR, "schedule 1 2027-03-23 09:00 Europe/London"), (FACILITATOR, "rollout")]
    lines += [(FACILITATOR, f"rollout {verb}") for verb in ("calendar", "pause", "resume")]
    lines += [(FACILITATOR, "rollout preview"), (FACILITATOR, "rollout done 1 2")]
    lines += [(FACILITATOR, "schedule"), (FACILITATOR, "schedule 3 2027-05-11")]
    lines += [(FACILITATOR, "rollout skip 1"), (FACILITATOR, "rollout end")]
    lines += [(STAFF, "support"), (FACILITATOR, "support")]
    return lines


@dataclass
class Gathered:
    """Replies collected once each, in the order they were made."""

    replies: list[Reply] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def add(self, replies: Iterable[Reply]) -> list[Reply]:
        """Keep the replies not seen before; returns them."""
        new = []
        for reply in replies:
            key = reply.model_dump_json()
            if key not in self.seen:
                self.seen.add(key)
                self.replies.append(reply)
                new.append(reply)
        return new


@dataclass
class Team:
    """A team talking to the core in one channel, gathering every reply it is sent."""

    core: Core
    port: FakePort
    gathered: Gathered = field(default_factory=Gathered)

    def person(self, user: str) -> Person:
        """Someone in the team."""
        return Person(tenant=TENANT, user_id=user, display_name=user.title())

    def _drain(self) -> list[Reply]:
        made = [r for _, r in self.port.sent] + [r for _, r in self.port.private]
        made += [r for _, r in self.port.updated]
        self.port.sent.clear(), self.port.private.clear(), self.port.updated.clear()
        return made

    async def say(self, user: str, line: str, form: dict[str, str] | None = None) -> list[Reply]:
        """One person types a line or presses a button; returns the replies not seen before."""
        incoming = Incoming(
            person=self.person(user),
            place=Target(tenant=TENANT, address=CHANNEL),
            text=line,
            form=form,
            via_button=form is not None,
        )
        reply = await self.core.handle(incoming, self.port)
        return self.gathered.add([reply, *self._drain()])

    async def press_everything(self, start: list[tuple[str, Reply]]) -> int:
        """Press every button offered, breadth first, as the person it was offered to; returns
        how many distinct presses there were."""
        queue, later, pressed, finally_ = list(start), [], set(), False
        while (queue or later) and len(pressed) < MOST_COMMANDS:
            if not queue:
                # Everything else has been pressed: now the buttons that take things away.
                queue, later, finally_ = later, [], True
            user, reply = queue.pop(0)
            for button in buttons_of(reply):
                key = (user, button.command, button.form is not None)
                if key in pressed:
                    continue
                if not finally_ and any(word in button.command.split() for word in LAST):
                    later.append((user, Reply(summary="x", blocks=(Buttons(buttons=(button,)),))))
                    continue
                pressed.add(key)
                form = filled(button.form) if button.form is not None else None
                queue += [(user, new) for new in await self.say(user, button.command, form)]
        return len(pressed)


async def roll_out(team: Team, engine: AsyncEngine, clock: FrozenClock) -> None:
    """A rollout of every section, each of its posts sent by the real sender as it falls due."""
    core, pack = team.core, team.core.services.packs[team.core.services.options.default_pack].pack
    first = clock.now().replace(tzinfo=None) + timedelta(days=8)
    circles = [Circle(s.number, first + timedelta(weeks=i)) for i, s in enumerate(pack.sections)]
    await core.services.rollouts.create(
        tenant=TENANT,
        address=CHANNEL,
        timezone="Europe/London",
        circles=circles,
        pack=pack,
        created_by=FACILITATOR,
    )
    team.port.people[CHANNEL] = [STAFF, *COLLEAGUES]
    sender = sender_for(core, engine, team.port)
    planned = select(func.min(DeliveryRow.due_at)).where(DeliveryRow.status == "planned")
    for _ in range(400):
        async with engine.connect() as connection:
            due = await connection.scalar(planned)
        if due is None:
            break
        clock.current = max(clock.current, due.replace(tzinfo=clock.current.tzinfo))
        await sender.run_due()
        team.gathered.add(team._drain())


async def notices(team: Team) -> None:
    """What only a failure makes: a missed follow-up, posts the bot cannot be sure of or
    skipped, and a reminder of an open check-in."""
    core = team.core
    rollout = await core.services.rollouts.store.for_place(TENANT, CHANNEL)
    assert rollout is not None
    pack = core.services.packs[core.services.options.default_pack].pack
    local = datetime(2027, 3, 26, 16, 30)  # noqa: DTZ001 (a local time in the rollout zone)
    words = "We heard you.\n\n" + "Thank you for every circle. " * 90
    many = [
        uncertain.Unsure(id=n, kind=kind, section=n % 12 + 1, due_at=None if n % 5 else local)
        for n, kind in enumerate(["intro", "prompt", "survey-pre", "leader-note", "odd"] * 3)
    ]
    polls = [r for r in team.gathered.replies if any(isinstance(b, Poll) for b in r.blocks)]
    team.gathered.add(
        [
            leaders.missed_notice(rollout, 2, local, words[: leaders.followups.MAX_FOLLOW_UP]),
            uncertain.notice(pack, rollout, many[:1]),
            uncertain.notice(pack, rollout, many),
            missed.notice(pack, rollout, [(u.kind, u.section, local) for u in many[:1]]),
            missed.notice(pack, rollout, [(u.kind, u.section, local) for u in many]),
            *(reminders.reminder(poll) for poll in polls[:3]),
        ]
    )


async def every_reply(
    engine: AsyncEngine, clock: FrozenClock, packs: dict[str, LoadedPack], pack: str
) -> list[Reply]:
    """Every distinct reply a team using `pack` is sent, from typing, buttons and a rollout."""
    core = build_core(engine, clock, packs, default_pack=pack, role_bootstrap=ROLES)
    team = Team(core, FakePort())
    typed: list[tuple[str, Reply]] = []
    for user, line in typed_lines(packs[pack]):
        typed += [(user, reply) for reply in await team.say(user, line)]
    for user in (STAFF, FACILITATOR, LEADER):
        home = team.gathered.add([await core.home(team.person(user))])
        typed += [(user, reply) for reply in home]
    team.gathered.add([await core.welcome(TENANT)])
    await team.press_everything(typed)
    await roll_out(team, engine, clock)
    await notices(team)
    return team.gathered.replies

"""Scenario walkthroughs: one step at a time, with private reflections."""

from __future__ import annotations

from bot import commands
from bot.errors import CrbotError, ErrorCode
from bot.features.kept import KeptReplies
from bot.messages import Bullets, Button, Buttons, Context, Form, FormField, Heading, Reply, Text
from bot.ports import Clock
from bot.storage.walkthroughs import Position, WalkthroughStore
from content.models import Pack, Scenario

# Reflections are for a few sentences; a bound keeps one person from filling the database.
MAX_REFLECTION = 3000
PRIVACY = "Reflections are private: only you can see them (type `reflections`)."
# A page is the pack's words for one scenario and position, the same for everyone: each is built
# once per pack, and then fitted to a place and rendered once (`Reply.fixed`).
_pages = KeptReplies(512)


def scenario_list(pack: Pack) -> Reply:
    """The pack's scenarios, each with a button to start it."""
    if not pack.scenarios:
        raise CrbotError(ErrorCode.UNKNOWN_SCENARIO, "no scenarios")
    return Reply(
        summary="Scenarios for discussion",
        blocks=(
            Heading(text="Scenarios for discussion"),
            Bullets(items=tuple(f"*{s.number}. {s.title}*" for s in pack.scenarios)),
            Buttons(
                buttons=tuple(
                    Button(label=f"Scenario {s.number}", command=f"scenario {s.number}")
                    for s in pack.scenarios
                )[:25]
            ),
            Context(text="Each walks through the six steps; you can reflect privately at each."),
        ),
        fixed=True,
    )


def find_scenario(pack: Pack, number: str) -> Scenario:
    """The scenario with this number."""
    wanted = commands.number(number)
    for scenario in pack.scenarios:
        if scenario.number == wanted:
            return scenario
    raise CrbotError(ErrorCode.UNKNOWN_SCENARIO, number)


def page(pack: Pack, scenario: Scenario, position: int) -> Reply:
    """One page of a walkthrough, built on first use (the same object for everyone after)."""
    return _pages.get(
        (id(pack), scenario.number, position), lambda: render_position(pack, scenario, position)
    )


def render_position(pack: Pack, scenario: Scenario, position: int) -> Reply:
    """One page of a walkthrough: the story (0), a step (1..n) or the end (n+1)."""
    last = len(scenario.steps)
    at = f"scenario {scenario.number}"
    back = Button(label="Back", command=f"{at} {position - 1}", typed="back")
    forward = Button(label="Next", command=f"{at} {position + 1}", primary=True, typed="next")
    reflect = Button(
        label="Reflect privately",
        command=f"reflect {scenario.number} {position}",
        typed="reflect",
        form=Form(
            title="Reflect privately",
            submit_label="Keep it",
            fields=(
                FormField(
                    name="text",
                    label="Your reflection (only you will ever see it)",
                    kind="long_text",
                    max_length=MAX_REFLECTION,
                ),
            ),
        ),
    )
    title = f"Scenario {scenario.number}: {scenario.title}"
    if position == 0:
        return Reply(
            summary=title,
            blocks=(
                Heading(text=title),
                Text(text=scenario.story),
                Context(text=f"We'll walk through the six steps, one at a time. {PRIVACY}"),
                Buttons(buttons=(forward, reflect)),
            ),
            fixed=True,
        )
    if position > last:
        return Reply(
            summary=f"{title}: done",
            blocks=(
                Heading(text=title),
                Text(text="You've walked this scenario through all six steps. Thank you."),
                Buttons(
                    buttons=(
                        back,
                        Button(label="My reflections", command="reflections"),
                        Button(label="Another scenario", command="scenario"),
                    )
                ),
            ),
            fixed=True,
        )
    part = scenario.steps[position - 1]
    step = next(s for s in pack.steps if s.number == part.step)
    return Reply(
        summary=f"{title}, step {step.number}: {step.name}",
        blocks=(
            Heading(text=f"Step {step.number} of 6: {step.name}"),
            Text(text=f"_{step.line}_"),
            Bullets(items=tuple(part.questions)),
            Context(text=f"{title} · {position} of {last}. {PRIVACY}"),
            Buttons(buttons=(back, forward, reflect)),
        ),
        fixed=True,
    )


class Walkthroughs:
    """Moving people through scenarios and keeping their reflections."""

    def __init__(self, store: WalkthroughStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def go_to(
        self, pack: Pack, tenant: str, person: str, number: str, position: int = 0
    ) -> Reply:
        """Open a scenario at a position (a button carries the absolute position)."""
        scenario = find_scenario(pack, number)
        position = max(0, min(position, len(scenario.steps) + 1))
        await self._store.move(tenant, person, scenario.number, position, self._clock.now())
        return page(pack, scenario, position)

    async def step(self, pack: Pack, tenant: str, person: str, delta: int) -> Reply:
        """Move forward or back from where the person is."""
        current = await self._require(tenant, person)
        return await self.go_to(
            pack, tenant, person, str(current.scenario), current.position + delta
        )

    async def reflect(
        self, pack: Pack, tenant: str, person: str, text: str, at: Position | None = None
    ) -> Reply:
        """Keep a private reflection on the given (or current) step."""
        text = text.strip()
        if not text:
            words = "Write your reflection after the word, for example `reflect I noticed ...`."
            return Reply.saying(words)
        if len(text) > MAX_REFLECTION:
            raise CrbotError(ErrorCode.TOO_LONG)
        where = at or await self._require(tenant, person)
        find_scenario(pack, str(where.scenario))
        await self._store.reflect(
            tenant, person, where.scenario, where.position, text, self._clock.now()
        )
        words = "Saved, privately. Only you can see your reflections (type `reflections`)."
        return Reply.saying(words)

    async def reflections(self, tenant: str, person: str) -> Reply:
        """The person's own reflections, for their eyes only."""
        kept = await self._store.reflections_of(tenant, person)
        if not kept:
            words = "You have no saved reflections yet. Start with `scenario`."
            return Reply.saying(words)
        items = tuple(
            f"Scenario {r.scenario}, {'the story' if r.step == 0 else f'step {r.step}'}: {r.text}"
            for r in kept
        )
        return Reply(
            summary="Your reflections",
            blocks=(
                Heading(text="Your reflections"),
                Bullets(items=items),
                Context(text="Only you can see these."),
            ),
        )

    async def _require(self, tenant: str, person: str) -> Position:
        current = await self._store.position(tenant, person)
        if current is None:
            raise CrbotError(ErrorCode.NO_WALKTHROUGH)
        return current

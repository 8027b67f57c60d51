"""The shell's port: what a terminal can show of pins, removals and channel members."""

from __future__ import annotations

from adapters.shell.port import ShellPort
from bot.messages import Person, Reply, Target, Text

ME = Person(tenant="shell:local", user_id="me")


async def test_the_channel_members_are_the_people_at_the_terminal() -> None:
    port = ShellPort(lambda _: None, people=[ME])

    assert await port.members(Target(tenant="shell:local", address="#local")) == [ME]
    assert await port.members(Target(tenant="shell:other", address="#other")) == []


async def test_a_pinned_post_says_so() -> None:
    printed: list[str] = []
    port = ShellPort(printed.append)
    words = Reply(summary="Agreements", blocks=(Text(text="We listen first."),), private=False)

    await port.send(Target(tenant="shell:local", address="#local"), words)
    await port.send(
        Target(tenant="shell:local", address="#local"), words.model_copy(update={"pin": True})
    )

    assert printed[0].startswith("── posted in #local ──")
    assert printed[1].startswith("── posted and pinned in #local ──")
    assert "We listen first." in printed[1]


async def test_a_removed_post_says_it_was_removed_and_where() -> None:
    printed: list[str] = []
    port = ShellPort(printed.append)
    words = Reply(summary="Answer", blocks=(Text(text="We will add a quiet room."),))

    ref = await port.send(Target(tenant="shell:local", address="#local"), words)
    await port.delete(ref)

    assert printed[1] == "── removed a message from #local ──\n"

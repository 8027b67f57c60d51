"""Follow-ups and progress on drivers are shown to their author first, posted once when they
press "Post it", and can be edited in place afterwards."""

from __future__ import annotations

import asyncio

from bot.core import Core
from bot.errors import DeliveryError
from bot.messages import Buttons, Divider, MessageRef, Reply, Target
from tests.conftest import Chat, FakePort, FrozenClock

WORDS = "Thank you all for Tuesday. I heard you about the rota."


def labels(reply: Reply) -> list[str]:
    return [b.label for block in reply.blocks if isinstance(block, Buttons) for b in block.buttons]


def as_shown(preview: Reply) -> tuple[object, ...]:
    """The blocks a preview shows between its two dividers: the post as the channel gets it."""
    first, last = (i for i, block in enumerate(preview.blocks) if isinstance(block, Divider))
    return preview.blocks[first + 1 : last]


async def drafted(core: Core, chat: Chat, words: str = WORDS) -> Reply:
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    return await chat.say("lou", f"follow-up {words}")


async def test_a_follow_up_is_a_private_preview_of_the_post_until_post_it(
    core: Core, chat: Chat, port: FakePort
) -> None:
    preview = await drafted(core, chat)
    assert preview.private and port.sent == [] and port.private == []
    assert labels(preview) == ["Post it", "Edit", "Cancel"]
    assert "Nothing is posted until you press Post it" in preview.plain_text()

    posted = await chat.press("lou", preview, "Post it")
    ((target, post),) = port.sent
    assert target == Target(tenant=chat.tenant, address=chat.channel) and not post.private
    assert post.blocks == as_shown(preview)
    assert "Posted your follow-up in #circle" in posted.plain_text()
    assert labels(posted) == ["Edit", "Delete"]


async def test_pressing_post_it_twice_posts_once_even_when_the_presses_overlap(
    core: Core, chat: Chat, port: FakePort
) -> None:
    preview = await drafted(core, chat)
    first, second = await asyncio.gather(
        chat.press("lou", preview, "Post it"), chat.press("lou", preview, "Post it")
    )
    assert len(port.sent) == 1
    said = sorted((first.plain_text(), second.plain_text()))
    assert any("Posted your follow-up" in text for text in said)
    assert any("already posted" in text or "being posted" in text for text in said)
    late = await chat.press("lou", preview, "Post it")
    assert "is already posted in #circle" in late.plain_text() and len(port.sent) == 1


async def test_edit_before_posting_shows_the_new_words_and_posts_only_those(
    core: Core, chat: Chat, port: FakePort
) -> None:
    preview = await drafted(core, chat)
    edit = [b for block in preview.blocks if isinstance(block, Buttons) for b in block.buttons][1]
    assert edit.form is not None and edit.form.fields[0].initial == WORDS
    edited = await chat.press("lou", preview, "Edit", form={"text": "Thank you, truly."})
    assert "Thank you, truly." in edited.plain_text() and WORDS not in edited.plain_text()
    assert port.sent == []
    await chat.press("lou", edited, "Post it")
    ((_, post),) = port.sent
    assert "Thank you, truly." in post.plain_text() and WORDS not in post.plain_text()


async def test_cancel_posts_nothing_and_a_later_post_it_says_it_was_cancelled(
    core: Core, chat: Chat, port: FakePort
) -> None:
    preview = await drafted(core, chat)
    cancelled = await chat.press("lou", preview, "Cancel")
    assert "was not posted" in cancelled.plain_text()
    after = await chat.press("lou", preview, "Post it")
    assert "You cancelled that follow-up" in after.plain_text() and port.sent == []


async def test_a_button_pressed_by_someone_else_is_refused_kindly(
    core: Core, chat: Chat, port: FakePort
) -> None:
    preview = await drafted(core, chat)
    await core.services.team_settings.grant(chat.tenant, "lin", "leader")
    other_leader = await chat.press("lin", preview, "Post it")
    assert "Only the person who wrote this follow-up" in other_leader.plain_text()
    staff = await chat.press("sam", preview, "Post it")
    assert "only a facilitator or leader" in staff.plain_text()
    assert port.sent == []
    assert "Posted your follow-up" in (await chat.press("lou", preview, "Post it")).plain_text()


async def test_an_expired_or_unknown_draft_says_so_kindly_and_posts_nothing(
    core: Core, chat: Chat, port: FakePort, clock: FrozenClock
) -> None:
    preview = await drafted(core, chat)
    clock.advance(hours=25)
    expired = await chat.press("lou", preview, "Post it")
    assert "I no longer have that draft" in expired.plain_text()
    unknown = await chat.say("lou", "follow-up draft:0123456789abcdef post")
    assert "I no longer have that draft" in unknown.plain_text()
    assert port.sent == []


async def test_a_post_the_platform_refused_can_be_posted_again(core: Core, chat: Chat) -> None:
    class RefusesOnce(FakePort):
        refused = False

        async def send(self, target: Target, reply: Reply) -> MessageRef:
            if not self.refused:
                self.refused = True
                raise DeliveryError("http_503", permanent=False)
            return await super().send(target, reply)

    port = RefusesOnce()
    chat = Chat(core, port)
    preview = await drafted(core, chat)
    refused = await chat.press("lou", preview, "Post it")
    assert "Posted" not in refused.plain_text() and port.sent == []
    await chat.press("lou", preview, "Post it")
    assert len(port.sent) == 1


async def test_after_posting_edit_previews_and_replace_changes_the_message_in_place(
    core: Core, chat: Chat, port: FakePort
) -> None:
    posted = await chat.press("lou", await drafted(core, chat), "Post it")
    ((_, original),) = port.sent
    change = await chat.press("lou", posted, "Edit", form={"text": "Thank you, all of you."})
    assert "Thank you, all of you." in change.plain_text()
    assert labels(change) == ["Replace it", "Edit", "Keep it as it is"]
    assert port.updated == []

    first, second = await asyncio.gather(
        chat.press("lou", change, "Replace it"), chat.press("lou", change, "Replace it")
    )
    ((ref, replaced),) = port.updated
    assert ref == MessageRef(tenant=chat.tenant, address=chat.channel, message_id="m1")
    assert replaced.blocks == as_shown(change) and len(port.sent) == 1
    assert "Thank you, all of you." in replaced.plain_text()
    assert original.summary == replaced.summary
    said = first.plain_text() + second.plain_text()
    assert "Replaced the words of your follow-up in #circle" in said

    kept = await chat.press("lou", posted, "Edit", form={"text": "Never mind."})
    assert (
        "Kept your follow-up as it is"
        in (await chat.press("lou", kept, "Keep it as it is")).plain_text()
    )
    again = await chat.press("lou", kept, "Replace it")
    assert "Nothing left to replace" in again.plain_text()
    assert len(port.updated) == 1


async def test_progress_on_a_driver_is_previewed_and_its_edit_is_the_drivers_latest(
    core: Core, chat: Chat, port: FakePort
) -> None:
    await core.services.team_settings.grant(chat.tenant, "lou", "leader")
    await chat.say("sam", "drivers add Rota published late")
    await chat.say("fran", "drivers sort 1 leadership")
    await chat.say("lou", "drivers answer 1 this-year")
    sent = len(port.sent)

    preview = await chat.say("lou", "drivers progress 1 The rota goes out six weeks ahead.")
    assert len(port.sent) == sent and "Rota published late" in preview.plain_text()
    assert "latest progress" not in (await chat.say("sam", "drivers")).plain_text()
    refused = await chat.press("fran", preview, "Post it")
    assert "Only the person who wrote this progress on #1" in refused.plain_text()
    assert "type `drivers progress 1 ...` with your words" in refused.plain_text()

    posted = await chat.press("lou", preview, "Post it")
    assert "Posted your progress on #1 in #circle" in posted.plain_text()
    assert len(port.sent) == sent + 1
    change = await chat.press("lou", posted, "Edit", form={"text": "Eight weeks ahead now."})
    await chat.press("lou", change, "Replace it")
    ((_, replaced),) = port.updated
    assert "Eight weeks ahead now." in replaced.plain_text()
    board = (await chat.say("sam", "drivers")).plain_text()
    assert "latest progress: Eight weeks ahead now." in board

    # Deleted, the board no longer shows it as the latest progress.
    asked = await chat.press("lou", posted, "Delete")
    await chat.press("lou", asked, "Delete it")
    assert len(port.deleted) == 1
    assert "latest progress" not in (await chat.say("sam", "drivers")).plain_text()


async def test_delete_asks_first_then_removes_the_message_once(
    core: Core, chat: Chat, port: FakePort
) -> None:
    posted = await chat.press("lou", await drafted(core, chat), "Post it")
    assert labels(posted) == ["Edit", "Delete"]
    asked = await chat.press("lou", posted, "Delete")
    assert "Delete your follow-up from #circle?" in asked.plain_text()
    assert labels(asked) == ["Delete it", "Keep it"] and port.deleted == []
    kept = await chat.press("lou", asked, "Keep it")
    assert "Kept your follow-up as it is in #circle" in kept.plain_text() and port.deleted == []

    first, second = await asyncio.gather(
        chat.press("lou", asked, "Delete it"), chat.press("lou", asked, "Delete it")
    )
    assert port.deleted == [MessageRef(tenant=chat.tenant, address=chat.channel, message_id="m1")]
    assert "Deleted your follow-up from #circle" in first.plain_text() + second.plain_text()
    assert (
        "is deleted from #circle"
        in (await chat.press("lou", posted, "Edit", form={"text": "Too late."})).plain_text()
    )
    assert port.updated == []

"""Posts shown to their author before they reach a channel, and changed or taken back after.

A follow-up or progress on a driver is first a draft (`bot/storage/post_drafts.py`), shown only
to its author exactly as the channel will see it, with "Post it", "Edit" and "Cancel". Once
posted, the confirmation offers "Edit" (new words replace the message in place, after a
preview) and "Delete" (after asking). Every button names the draft and goes back through the
command that made it (`follow-up draft:ID post`), so who may press it is that command's own
declaration; the draft's author alone is served.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.errors import CrbotError, ErrorCode
from bot.messages import (
    Block,
    Button,
    Buttons,
    Context,
    Divider,
    Form,
    FormField,
    MessageRef,
    Reply,
    Target,
    Text,
)
from bot.storage.post_drafts import DRAFT_HOURS, PostDraft, PostDraftStore

if TYPE_CHECKING:
    from bot.turn import Turn

log = logging.getLogger(__name__)

# How a button's command names a draft: `follow-up draft:5f0c... post`.
DRAFT_REF = "draft:"
VERBS = ("post", "edit", "cancel", "keep", "replace", "delete", "remove")


class NotPosted(Exception):
    """Posting stopped before anything reached the channel; `reply` tells the author why."""

    def __init__(self, reply: Reply) -> None:
        super().__init__("not posted")
        self.reply = reply


async def _nothing(draft: PostDraft, text: str) -> None:
    return None


@dataclass(frozen=True)
class PostKind:
    """One kind of post around the shared flow: how it reads, and what posting it does."""

    name: str  # kept in the row: `follow-up`, `driver-progress`
    noun: str  # as the author reads it: "follow-up", "progress on #3"
    command: str  # what its buttons are typed after: `follow-up`, `drivers progress 3`
    limit: int  # the longest words it takes
    render: Callable[[PostDraft, str], Reply]  # the post, with these words
    # Instead of posting the rendered post to the draft's channel at once: post it some other
    # way (a MessageRef), or do what it does instead (a scheduled follow-up: the reply saying
    # when); raise NotPosted to leave the draft as it was.
    publish: Callable[[PostDraft, Reply], Awaitable[MessageRef | Reply]] | None = None
    # What else changes once these words are in the channel (a driver's latest progress),
    # and once they are taken out of it again.
    posted: Callable[[PostDraft, str], Awaitable[None]] = _nothing
    removed: Callable[[PostDraft, str], Awaitable[None]] = _nothing


def draft_named(args: tuple[str, ...], position: int) -> tuple[str, str] | None:
    """The draft id and the verb a command carries from `position`, or None if it names none."""
    if len(args) <= position or not args[position].startswith(DRAFT_REF):
        return None
    verb = args[position + 1] if len(args) > position + 1 else ""
    return args[position].removeprefix(DRAFT_REF), verb


def _button(
    kind: PostKind,
    draft: PostDraft,
    label: str,
    verb: str,
    *,
    primary: bool = False,
    form: Form | None = None,
) -> Button:
    command = f"{kind.command} {DRAFT_REF}{draft.id} {verb}"
    return Button(label=label, command=command, primary=primary, form=form)


def _edit_form(kind: PostKind, words: str, title: str) -> Form:
    text = FormField(
        name="text", label="Your words", kind="long_text", initial=words, max_length=kind.limit
    )
    return Form(title=title, submit_label="Preview", fields=(text,))


def _as_posted(kind: PostKind, draft: PostDraft, words: str) -> tuple[Block, ...]:
    """The post between two dividers, block for block as the channel gets it."""
    return (Divider(), *kind.render(draft, words).blocks, Divider())


def preview(kind: PostKind, draft: PostDraft) -> Reply:
    """The draft, only for its author: the post as the channel will see it, and the buttons."""
    when = draft.details.get("when")
    where = f"in {draft.address} {when}" if isinstance(when, str) else f"in {draft.address}"
    post = "Schedule it" if isinstance(when, str) else "Post it"
    return Reply(
        summary=f"Your {kind.noun}, before it is posted",
        blocks=(
            Text(
                text=f"Here is your {kind.noun} as everyone {where} will see it. Nothing is "
                f"posted until you press {post}."
            ),
            *_as_posted(kind, draft, draft.text),
            Buttons(
                buttons=(
                    _button(kind, draft, post, "post", primary=True),
                    _button(
                        kind,
                        draft,
                        "Edit",
                        "edit",
                        form=_edit_form(kind, draft.text, "Edit before posting"),
                    ),
                    _button(kind, draft, "Cancel", "cancel"),
                )
            ),
            Context(text=f"Only you see this draft. It keeps for {DRAFT_HOURS} hours."),
        ),
    )


def confirmation(kind: PostKind, draft: PostDraft, words: str) -> Reply:
    """After posting (or replacing its words): where it is, with Edit and Delete."""
    return Reply(
        summary=f"Posted your {kind.noun} in {draft.address}",
        blocks=(
            Text(text=f"{words} {draft.address}."),
            Buttons(
                buttons=(
                    _button(
                        kind,
                        draft,
                        "Edit",
                        "edit",
                        form=_edit_form(kind, draft.text, "Edit the posted words"),
                    ),
                    _button(kind, draft, "Delete", "delete"),
                )
            ),
            Context(
                text="Edit replaces the words in the channel, after showing you them; Delete "
                "asks first."
            ),
        ),
    )


def _delete_question(kind: PostKind, draft: PostDraft) -> Reply:
    return Reply(
        summary=f"Delete your {kind.noun} from {draft.address}?",
        blocks=(
            Text(
                text=f"Delete your {kind.noun} from {draft.address}? Everyone there stops seeing "
                "it, and it can't be brought back."
            ),
            *_as_posted(kind, draft, draft.text),
            Buttons(
                buttons=(
                    _button(kind, draft, "Delete it", "remove"),
                    _button(kind, draft, "Keep it", "keep"),
                )
            ),
            Context(text="Nothing has been deleted yet."),
        ),
    )


def _revision_preview(kind: PostKind, draft: PostDraft, words: str) -> Reply:
    return Reply(
        summary=f"Your {kind.noun}, with new words",
        blocks=(
            Text(
                text=f"With your changes, your {kind.noun} in {draft.address} will read like "
                "this. It keeps its old words until you press Replace it."
            ),
            *_as_posted(kind, draft, words),
            Buttons(
                buttons=(
                    _button(kind, draft, "Replace it", "replace", primary=True),
                    _button(
                        kind,
                        draft,
                        "Edit",
                        "edit",
                        form=_edit_form(kind, words, "Edit the posted words"),
                    ),
                    _button(kind, draft, "Keep it as it is", "keep"),
                )
            ),
        ),
    )


def _gone(kind: PostKind) -> Reply:
    return Reply.saying(
        f"I no longer have that draft (drafts keep for {DRAFT_HOURS} hours), so nothing was "
        "posted or changed.",
        f"Type `{kind.command} ...` with your words to write it again.",
    )


def _expired(kind: PostKind, draft: PostDraft) -> Reply:
    if draft.status == "draft":
        return _gone(kind)
    return Reply.saying(
        f"Your {kind.noun} in {draft.address} is too old to change from here, so I left it "
        "as it is."
    )


def _where_it_is(kind: PostKind, draft: PostDraft) -> Reply:
    """A press that finds the draft already moved on: say where it is, kindly."""
    if draft.status == "posted":
        return confirmation(kind, draft, f"Your {kind.noun} is already posted in")
    if draft.status == "posting":
        return Reply.saying(f"Your {kind.noun} is being posted in {draft.address} right now.")
    if draft.status == "scheduled":
        when = draft.details.get("when", "")
        return Reply.saying(f"Your {kind.noun} is already scheduled in {draft.address} {when}.")
    if draft.status == "cancelled":
        return Reply.saying(f"You cancelled that {kind.noun}, so nothing was posted.")
    if draft.status == "draft":
        return preview(kind, draft)
    return Reply.saying(f"Your {kind.noun} is deleted from {draft.address}.")


def _checked(kind: PostKind, words: str) -> str | None:
    words = words.strip()
    if len(words) > kind.limit:
        raise CrbotError(ErrorCode.TOO_LONG)
    return words or None


async def start(turn: Turn, kind: PostKind, address: str, text: str, **details: object) -> Reply:
    """Keep the words as a draft and show them to their author; nothing is posted yet."""
    services = turn.services
    draft = await services.post_drafts.create(
        turn.tenant,
        kind.name,
        turn.incoming.person.user_id,
        address,
        text,
        services.clock.now(),
        details,
    )
    log.info("post drafted", extra={"tenant": turn.tenant, "command": kind.name})
    return preview(kind, draft)


async def act(turn: Turn, kind: PostKind, draft_id: str, verb: str, words: str) -> Reply:
    """A draft's or a post's button, or the same typed: one of `VERBS`."""
    store, now = turn.services.post_drafts, turn.services.clock.now()
    draft = await store.get(turn.tenant, draft_id)
    if draft is None or draft.kind != kind.name:
        return _gone(kind)
    if draft.author != turn.incoming.person.user_id:
        return Reply.saying(
            f"Only the person who wrote this {kind.noun} can post, change or delete it.",
            f"To write your own, type `{kind.command} ...` with your words.",
        )
    if draft.expired(now):
        return _expired(kind, draft)
    if verb == "post":
        return await _post(turn, store, kind, draft)
    if verb == "edit":
        return await _edit(turn, store, kind, draft, words)
    if verb == "cancel":
        if await store.move(draft, "draft", now, status="cancelled"):
            return Reply.saying(f"Cancelled: your {kind.noun} was not posted.")
        return _where_it_is(kind, draft)
    if verb == "replace":
        return await _replace(turn, store, kind, draft)
    if verb == "keep":
        if draft.status != "posted":
            return _where_it_is(kind, draft)
        await store.move(draft, "posted", now, revision=None)
        return confirmation(kind, draft, f"Kept your {kind.noun} as it is in")
    if verb == "delete":
        if draft.status != "posted":
            return _where_it_is(kind, draft)
        return _delete_question(kind, draft)
    if verb == "remove":
        return await _remove(turn, store, kind, draft)
    buttons = ", ".join(f"`{verb}`" for verb in VERBS)
    return Reply.saying(f"A draft's word is one of {buttons}.")


async def _post(turn: Turn, store: PostDraftStore, kind: PostKind, draft: PostDraft) -> Reply:
    now = turn.services.clock.now()
    if not await store.move(draft, "draft", now, status="posting"):
        found = await store.get(draft.tenant, draft.id)
        return _where_it_is(kind, found or draft)
    post = kind.render(draft, draft.text)
    try:
        if kind.publish is not None:
            outcome = await kind.publish(draft, post)
        else:
            target = Target(tenant=draft.tenant, address=draft.address)
            outcome = await turn.port.send(target, post)
    except NotPosted as stopped:
        await store.settle(draft, "posting", status="draft")
        return stopped.reply
    except Exception:
        # Nothing reached the channel (the platform refused it): the draft can be posted again.
        await store.settle(draft, "posting", status="draft")
        raise
    if isinstance(outcome, Reply):
        await store.settle(draft, "posting", status="scheduled")
        return outcome
    until = store.editable_until(now)
    await store.settle(draft, "posting", status="posted", posted=outcome, expires_at=until)
    await kind.posted(draft, draft.text)
    log.info("drafted post posted", extra={"tenant": draft.tenant, "command": kind.name})
    return confirmation(kind, draft, f"Posted your {kind.noun} in")


async def _edit(
    turn: Turn, store: PostDraftStore, kind: PostKind, draft: PostDraft, words: str
) -> Reply:
    now = turn.services.clock.now()
    text = _checked(kind, words)
    if text is None:
        return Reply.saying(
            f"Write the new words after `edit`, for example "
            f"`{kind.command} {DRAFT_REF}{draft.id} edit Thank you all ...`."
        )
    if draft.status == "posted":
        if not await store.move(draft, "posted", now, revision=text):
            return _where_it_is(kind, draft)
        return _revision_preview(kind, draft, text)
    if not await store.move(draft, "draft", now, text=text):
        return _where_it_is(kind, draft)
    edited = await store.get(draft.tenant, draft.id)
    return preview(kind, edited or draft)


async def _replace(turn: Turn, store: PostDraftStore, kind: PostKind, draft: PostDraft) -> Reply:
    now, words, ref = turn.services.clock.now(), draft.revision, draft.posted
    if draft.status != "posted" or ref is None:
        return _where_it_is(kind, draft)
    # Of two presses, one takes the new words; the other finds them taken (or kept) and says so.
    settled = f"Nothing left to replace: your {kind.noun} reads as you last chose in"
    if words is None:
        return confirmation(kind, draft, settled)
    if not await store.move(draft, "posted", now, revised=words, text=words, revision=None):
        return confirmation(kind, draft, settled)
    try:
        await turn.port.update(ref, kind.render(draft, words))
    except Exception:
        # The message kept its old words: so does the draft, with the new ones still to press.
        await store.settle(draft, "posted", text=draft.text, revision=words)
        raise
    await kind.posted(draft, words)
    log.info("drafted post replaced", extra={"tenant": draft.tenant, "command": kind.name})
    changed = replace(draft, text=words, revision=None)
    return confirmation(kind, changed, f"Replaced the words of your {kind.noun} in")


async def _remove(turn: Turn, store: PostDraftStore, kind: PostKind, draft: PostDraft) -> Reply:
    ref = draft.posted
    if draft.status != "posted" or ref is None:
        return _where_it_is(kind, draft)
    # Of two presses, one deletes; the other finds it deleted (or being deleted) and says so.
    if not await store.move(draft, "posted", turn.services.clock.now(), status="deleting"):
        found = await store.get(draft.tenant, draft.id)
        return _where_it_is(kind, found or draft)
    try:
        await turn.port.delete(ref)
    except Exception:
        # The message is still there: so are its Edit and Delete.
        await store.settle(draft, "deleting", status="posted")
        raise
    await store.settle(draft, "deleting", status="deleted", revision=None)
    await kind.removed(draft, draft.text)
    log.info("drafted post deleted", extra={"tenant": draft.tenant, "command": kind.name})
    return Reply.saying(f"Deleted your {kind.noun} from {draft.address}.")

"""What a channel's rollout will post, in the team's words and time zone, a page at a time.

The words are the console's (`bot.console.programme`): a post reads `Tue 13 Jan, 9:00: wellness
practice for section 3` wherever a facilitator looks, and anything planned in the past that will
not go out is said so, with why.
"""

from __future__ import annotations

from bot.console.programme import PostLine, Programme, ledger_entries, programme
from bot.messages import Block, Bullets, Button, Buttons, Context, Heading, Reply, Text
from bot.services import Services
from bot.storage.rollouts import RolloutRecord
from content.models import Pack

# Posts a page shows: one bullet list, well inside a Slack section's 3,000 characters.
PAGE_LINES = 20
WARNING_MARK = "⚠"


async def programme_of(services: Services, rollout: RolloutRecord, pack: Pack) -> Programme:
    """The rollout's timeline with what the ledger says became of each post."""
    posts = await services.rollouts.posts(rollout, pack)
    ledger = await ledger_entries(services.rollouts.store.sessions, rollout.tenant_id, rollout.id)
    closed = await services.rollouts.closed_days(rollout.tenant_id, rollout.circles)
    return programme(rollout, posts, ledger, pack, services.clock.now(), closed)


def said(line: PostLine) -> str:
    """One post in words; one planned in the past says what became of it."""
    if line.state == "warning":
        return f"{WARNING_MARK} {line.when}: {line.what} {line.note}"
    return line.sentence


def past_warning(count: int) -> str:
    """The sentence heading `count` posts planned in the past."""
    posts = "post was" if count == 1 else "posts were"
    return (
        f"{WARNING_MARK} {count} {posts} planned for a time already past and will not go out "
        "as planned: they are marked below."
    )


def preview(shown: Programme, page: int, rhythm: str) -> Reply:
    """One page of the posts still to come, the ones planned in the past first, privately."""
    waiting = [line for line in shown.timeline if line.state != "posted"]
    pages = max(1, -(-len(waiting) // PAGE_LINES))
    page = min(max(page, 1), pages)
    lines = waiting[(page - 1) * PAGE_LINES : page * PAGE_LINES]
    warnings = [line for line in waiting if line.state == "warning"]
    to_come = len(waiting) - len(warnings)
    words = (
        f"Rollout {shown.rollout_id} ({shown.status}): {to_come} posts to come, "
        f"times in {shown.timezone}."
    )
    blocks: list[Block] = [Heading(text="Coming up"), Text(text=words)]
    if warnings and page == 1:
        blocks.append(Text(text=past_warning(len(warnings))))
    blocks.append(Bullets(items=tuple(said(line) for line in lines) or ("Nothing.",)))
    if pages > 1:
        blocks.append(Context(text=f"Page {page} of {pages}."))
        # Each names its page and its rollout, so it can be pressed anywhere, and again.
        command = f"rollout preview {{}} {shown.rollout_id}"
        turns: list[Button] = []
        if page > 1:
            turns.append(Button(label="Earlier posts", command=command.format(page - 1)))
        if page < pages:
            later = command.format(page + 1)
            turns.append(Button(label="Later posts", command=later, primary=True))
        blocks.append(Buttons(buttons=tuple(turns)))
    blocks.append(Context(text=f"{rhythm} Change it with `rollout prompts daily|three|weekly`."))
    return Reply(summary=words, blocks=tuple(blocks))


def section_warnings(shown: Programme, section: int) -> list[str]:
    """The section's posts that were already past when they were planned."""
    found = next((line for line in shown.sections if line.number == section), None)
    posts = found.posts if found else ()
    return [said(line) for line in posts if line.state == "warning"]

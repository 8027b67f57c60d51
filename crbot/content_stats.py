"""`crbot content stats PACK`: how far a pack's daily prompts go over a whole programme."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from bot.rollouts.cadence import RHYTHMS, Cadence
from bot.rollouts.days import CohortCalendar
from bot.rollouts.plan import expand
from bot.rollouts.rotation import model_programme, rotate, shortest_repeat
from content.models import Pack

# The toolkit's span: its sections spread over 18 to 24 months.
MONTHS = (18, 24)
ZONE = "UTC"


def next_tuesday(today: date) -> date:
    """The first Tuesday after `today`: a model programme's first circle."""
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def report(pack: Pack, cadence: Cadence, start: date, say: Callable[[str], None]) -> None:
    """Prompts per section, then for each span and rhythm the prompt days a plan of the
    pack's sections yields, how many of them repeat a prompt and the shortest gap between two."""
    total = sum(len(section.daily_prompts) for section in pack.sections)
    say(f"{pack.info.key}: {total} daily prompts")
    for section in pack.sections:
        say(f"  {section.number:>2}. {len(section.daily_prompts):>3}  {section.title}")
    numbers = [section.number for section in pack.sections]
    say(
        f"A plan of {len(numbers)} circles from {start.isoformat()} spread evenly over "
        f"{' or '.join(str(months) for months in MONTHS)} months, on the cadence's working "
        "days, without holidays:"
    )
    say(f"  {'rhythm':<8}{'months':>7}{'prompt days':>13}{'repeats':>9}  shortest repeat")
    for rhythm in RHYTHMS:
        calendar = CohortCalendar.from_cadence(cadence, prompt_rhythm=rhythm)
        for months in MONTHS:
            circles = model_programme(months, start, numbers)
            posts = expand(circles, ZONE, calendar, cadence, pack)
            sent = [(post.local.date(), text) for post, text in rotate(pack, posts)]
            repeats = len(sent) - len({text for _, text in sent})
            gap = shortest_repeat(sent)
            shortest = f"{gap.days} days" if gap is not None else "none"
            say(f"  {rhythm:<8}{months:>7}{len(sent):>13}{repeats:>9}  {shortest}")

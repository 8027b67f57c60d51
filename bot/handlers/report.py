"""`report`: facilitators' check-in and survey figures, privately, through the release rules."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from bot.features import insights, surveys
from bot.messages import Bullets, Context, Heading, Image, Reply, Text
from bot.registry import FACILITATORS, CommandSpec, Usage
from bot.services import Services
from bot.turn import Turn

# How many weeks a chat report shows; the CSV and the chart carry every week.
REPORT_WEEKS = 8


async def report_rows(
    services: Services, tenant: str, channel: str | None
) -> tuple[list[insights.WeekRow], int]:
    """A team's (or one channel's) weekly rows and the group size they were suppressed at."""
    team = await services.team(tenant)
    polls = await services.polls.releases(tenant, [channel] if channel else None)
    return insights.weekly_rows(polls, by_place=channel is not None), team.min_group_size


async def report(turn: Turn) -> Reply:
    """`report [here]`: the check-in trend, privately, for facilitators."""
    services = turn.services
    tenant = turn.team.tenant_id
    channel = turn.incoming.place.address if "here" in turn.command.args else None
    rows, size = await report_rows(services, tenant, channel)
    scope = f"in {channel}" if channel else "across the team"
    blocks: list[Heading | Text | Bullets | Image | Context] = [Heading(text=f"Check-ins {scope}")]
    if not rows:
        blocks.append(Text(text="No check-ins have been answered yet."))
    else:
        recent = rows[-REPORT_WEEKS:]
        blocks.append(Bullets(items=tuple(insights.row_line(row, size) for row in recent)))
        if not insights.shown_weeks(rows):
            blocks.append(Text(text=insights.nothing_shown_line(size)))
        elif (image := await _chart(services, tenant, channel, rows, scope)) is not None:
            blocks.append(image)
    survey_lines = await survey_report(services, tenant, channel, size)
    if survey_lines:
        blocks += [Heading(text=f"Programme surveys {scope}"), Bullets(items=survey_lines)]
    blocks.append(
        Context(
            text=f"Figures change only after {size} people answer, and carry a little random "
            "noise, so no figure can be worked back to one person."
        )
    )
    return Reply(summary=f"Check-ins {scope}", blocks=tuple(blocks))


async def survey_rows(
    services: Services, tenant: str, channel: str | None, size: int
) -> list[surveys.SurveyRow]:
    """The programme surveys' answers, a row per question, suppressed below `size`."""
    questions = await services.surveys.releases(tenant, channel)
    return surveys.survey_rows(questions, by_place=channel is not None)


async def survey_report(
    services: Services, tenant: str, channel: str | None, size: int
) -> tuple[str, ...]:
    """The programme surveys' answers, a line per question, suppressed below `size`."""
    rows = await survey_rows(services, tenant, channel, size)
    return tuple(surveys.row_line(row, size) for row in rows)


async def _chart(
    services: Services, tenant: str, channel: str | None, rows: list[insights.WeekRow], scope: str
) -> Image | None:
    folder = services.options.reports_dir
    if folder is None:
        return None
    png = await asyncio.to_thread(insights.to_png, rows, f"Check-ins {scope}")
    # The file name is a digest, so it carries no tenant or channel name to the platform.
    name = hashlib.sha256(f"{tenant}|{channel}|{len(rows)}".encode()).hexdigest()[:16]
    path = Path(folder) / f"checkins-{name}.png"
    await asyncio.to_thread(_write, path, png)
    return Image(path=str(path), title=f"Check-ins {scope}", alt_text="Weekly check-in trend")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


COMMANDS = (
    CommandSpec(
        name="report",
        handle=report,
        allowed=FACILITATORS,
        usage=(
            Usage(
                "report",
                "check-in and survey figures, privately (`report here`: this channel's)",
                FACILITATORS,
            ),
        ),
        rank=60,
    ),
)

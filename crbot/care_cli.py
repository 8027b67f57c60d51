"""`crbot report`, `post`, `privacy sweep`, `export` and `import`: facilitators' and operators'
tools."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from adapters.shell.port import ShellPort
from adapters.shell.session import tenant_of
from bot.errors import DeliveryError
from bot.features import followups, insights, surveys
from bot.handlers import report
from bot.messages import Person, Target
from bot.ports import ChatPort
from bot.settings import Settings
from bot.storage import transfer
from crbot import retention, runtime


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the subcommands."""
    report = commands.add_parser("report", help="a team's check-in trend (counts only)")
    report.add_argument("--team", required=True, help="tenant id, e.g. slack:T123 or shell:local")
    report.add_argument("--channel", help="one channel (cohort) only")
    report.add_argument("--png", type=Path, help="write the trend chart here")
    report.add_argument("--csv", type=Path, help="write weeks x answers 0-5 here")
    report.add_argument(
        "--surveys-csv", type=Path, help="write the programme surveys' questions x answers here"
    )

    post = commands.add_parser("post", help="post a follow-up to a team channel")
    post.add_argument("--team", required=True, help="tenant id, e.g. slack:T123 or shell:local")
    post.add_argument("--channel", required=True, help="the channel's id")
    post.add_argument("--file", type=Path, required=True, help="the message, as text or Markdown")
    post.add_argument("--as", dest="author", required=True, help="a leader's or facilitator's id")

    export = commands.add_parser("export", help="write a team's settings, rollouts and counts")
    export.add_argument("--team", required=True, help="tenant id, e.g. slack:T123 or shell:local")
    export.add_argument("file", type=Path, help="the JSON file to write")
    load = commands.add_parser("import", help="add a team exported from another installation")
    load.add_argument("file", type=Path, help="a file written by `crbot export`")

    privacy = commands.add_parser("privacy", help="data retention")
    privacy.add_subparsers(dest="privacy_command", required=True).add_parser(
        "sweep", help="delete raw answers older than CRBOT_RETENTION_DAYS now"
    )


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _tenant(team: str) -> str:
    return team if ":" in team else tenant_of(team)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one of the subcommands; returns the exit code."""
    bot = await runtime.start(settings)
    try:
        if args.command == "report":
            return await _report(bot, args)
        if args.command == "post":
            return await _post(bot, args)
        if args.command == "export":
            document = await transfer.export_team(bot.engine, _tenant(args.team))
            await asyncio.to_thread(
                args.file.write_text, transfer.dumps(document), encoding="utf-8"
            )
            counts = ", ".join(f"{k} {len(v)}" for k, v in document["tables"].items())
            _say(f"exported {document['tenant']}: {counts}")
            return 0
        if args.command == "import":
            return await _import(bot, args.file)
        await retention.sweep(bot.core.services, settings.retention_days)
        _say(f"raw answers older than {settings.retention_days} days deleted")
        return 0
    finally:
        await bot.close()


async def _report(bot: runtime.Runtime, args: argparse.Namespace) -> int:
    tenant = _tenant(args.team)
    rows, size = await report.report_rows(bot.core.services, tenant, args.channel)
    if not rows:
        _say("no check-ins answered yet")
    for row in rows:
        _say(insights.row_line(row, size))
    shown = insights.shown_weeks(rows)
    if rows and not shown:
        _say(insights.nothing_shown_line(size))
    if args.csv:
        await asyncio.to_thread(args.csv.write_text, insights.to_csv(rows))
    if args.png and not shown:
        _say(f"no chart written to {args.png}: it would have nothing to show")
    elif args.png:
        scope = f"in {args.channel}" if args.channel else "across the team"
        png = await asyncio.to_thread(insights.to_png, rows, f"Check-ins {scope}")
        await asyncio.to_thread(args.png.write_bytes, png)
    answers = await report.survey_rows(bot.core.services, tenant, args.channel, size)
    for answer in answers:
        _say(surveys.row_line(answer, size))
    if args.surveys_csv:
        await asyncio.to_thread(args.surveys_csv.write_text, surveys.to_csv(answers))
    return 0


async def _import(bot: runtime.Runtime, file: Path) -> int:
    try:
        document = json.loads(await asyncio.to_thread(file.read_text, encoding="utf-8"))
        added = await transfer.import_team(bot.engine, document)
    except (OSError, ValueError, transfer.TransferError) as error:
        sys.stderr.write(f"crbot: cannot import {file}: {error}\n")
        return 2
    _say("imported: " + ", ".join(f"{k} {v}" for k, v in added.items()))
    return 0


async def _post(bot: runtime.Runtime, args: argparse.Namespace) -> int:
    tenant = _tenant(args.team)
    try:
        text = await asyncio.to_thread(args.file.read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        sys.stderr.write(f"crbot: cannot read {args.file}: {error}\n")
        return 2
    platform = tenant.split(":", 1)[0]
    if platform == "shell":
        return await _post_through(bot, ShellPort(_say), tenant, args, text)
    # Imported here: the platforms bring the web stack, which no other command needs.
    from crbot.platforms import platforms_for_a_command

    async with platforms_for_a_command(bot) as platforms:
        port = next((p.port for p in platforms if p.name == platform), None)
        if port is None:
            sys.stderr.write(f"crbot: {platform} is not configured here, so nothing was posted\n")
            return 2
        return await _post_through(bot, port, tenant, args, text)


async def _post_through(
    bot: runtime.Runtime, port: ChatPort, tenant: str, args: argparse.Namespace, text: str
) -> int:
    roles = await bot.core.services.roles_of(tenant, args.author)
    # The same rule as the `follow-up` command's, from its one declaration.
    if not roles & bot.core.commands["follow-up"].allowed:
        sys.stderr.write("crbot: not posted: not_allowed\n")
        return 2
    person = Person(tenant=tenant, user_id=args.author)
    target = Target(tenant=tenant, address=args.channel)
    try:
        reply = await followups.post_follow_up(port, person, target, text, as_self=True)
    except DeliveryError as error:
        sys.stderr.write(f"crbot: the platform refused the post: {error.reason}\n")
        return 1
    except Exception as error:  # CrbotError: not allowed, too long
        sys.stderr.write(f"crbot: not posted: {getattr(error, 'code', error)}\n")
        return 2
    _say(reply.summary)
    return 0

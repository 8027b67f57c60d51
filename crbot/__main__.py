"""The `crbot` command: run the bot, the local shell, and the operator's tools."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.shell.port import ShellPort
from adapters.shell.session import run_shell, tenant_of
from bot.messages import Person
from bot.platform import COMMAND, Command
from bot.ports import ChatPort
from bot.settings import ConfigError, Settings, load_settings
from bot.storage.engine import create_engine, current_revision, migrate
from content.loader import BUILTIN_PACKS, ContentError, load_pack, pack_folder
from crbot import calendar_cli, care_cli, logs, platform_registry, retention, rollout_cli, runtime
from crbot.platform_registry import platform_schemas

if TYPE_CHECKING:
    from crbot.platforms import Platform
    from scheduler.service import SchedulerService

log = logging.getLogger("crbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot: every configured platform, or the local shell")
    shell = commands.add_parser("shell", help="talk to the bot in this terminal")
    shell.add_argument("--user", default="me", help="who you are (default: me)")
    shell.add_argument("--team", default="local", help="which team you are in (default: local)")

    db = commands.add_parser("db", help="the database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply every migration")
    down = db_commands.add_parser("downgrade", help="undo migrations down to a revision")
    down.add_argument("revision", help="target revision, e.g. -1 or base")
    db_commands.add_parser("current", help="print the schema's migration level")

    content = commands.add_parser("content", help="content packs")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    validate = content_commands.add_parser("validate", help="check packs and list their sections")
    validate.add_argument("packs", nargs="*", help="pack names or folders (default: all)")
    stats = content_commands.add_parser(
        "stats", help="prompts per section and how far they go over a programme"
    )
    stats.add_argument("pack", help="pack name or folder")
    stats.add_argument(
        "--start", type=date.fromisoformat, help="first circle (default: next Tuesday)"
    )
    render = content_commands.add_parser("render-visuals", help="draw each section's visual")
    render.add_argument("pack", nargs="?", default=None, help="pack name or folder (default: all)")
    render.add_argument("--out", type=Path, required=True, help="folder for the PNG files")

    roles = commands.add_parser("roles", help="who facilitates and who leads")
    roles_commands = roles.add_subparsers(dest="roles_command", required=True)
    for verb in ("grant", "revoke"):
        change = roles_commands.add_parser(verb, help=f"{verb} a role")
        change.add_argument("--team", required=True, help="tenant id, e.g. shell:local")
        change.add_argument("user", help="the person's platform user id")
        change.add_argument("role", choices=("facilitator", "leader"))
    listing = roles_commands.add_parser("list", help="list facilitators and leaders")
    listing.add_argument("--team", required=True, help="tenant id, e.g. shell:local")
    _add_support_parser(commands)
    for platform in platform_registry.REGISTERED:
        if platform.commands is not None:
            platform.commands(commands)
    rollout_cli.add_parser(commands)
    calendar_cli.add_parser(commands)
    care_cli.add_parsers(commands)
    commands.add_parser("doctor", help="check configuration, database, credentials and content")
    return parser


def _add_support_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    support = commands.add_parser("support", help="where a team's people turn for help")
    verbs = support.add_subparsers(dest="support_command", required=True)
    for verb, does in (
        ("show", "show a team's support resources"),
        ("set", "set a team's support resources (its EAP, a local crisis line)"),
        ("clear", "go back to CRBOT_SUPPORT_RESOURCES for a team"),
    ):
        change = verbs.add_parser(verb, help=does)
        change.add_argument("team", help="tenant id, e.g. slack:T0123 or shell:local")
        if verb == "set":
            change.add_argument("text", nargs="+", help="the words to show, quoted for new lines")


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _fail(text: str) -> int:
    sys.stderr.write(f"crbot: {text}\n")
    return 2


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def _serve(settings: Settings, *, user: str | None, team: str | None) -> None:
    # Imported here: the web stack and the scheduler are for serving, and every other command
    # starts faster without them.
    from crbot import web
    from crbot.platforms import any_configured, configured_platforms

    in_shell = user is not None or not any_configured(settings)
    # The shell serves the console on this computer: its port is taken first, so the links the
    # bot hands out name an address that works, or the bot knows to say why there is none.
    listening = web.bind_locally(settings.port) if in_shell else None
    if in_shell:
        local_url = f"http://{web.LOCALHOST}:{settings.port}" if listening else None
        settings = settings.model_copy(update={"public_url": local_url})
    taken = settings.port if in_shell and listening is None else None
    try:
        bot = await runtime.start(settings, console_port_taken=taken)
    except BaseException:
        if listening is not None:
            listening.close()
        raise
    stop = asyncio.Event()
    _stop_on_signals(stop)
    scheduling = None
    sweeping: asyncio.Task[None] | None = None
    try:
        platforms = [] if in_shell else configured_platforms(bot)
        ports: dict[str, ChatPort] = {p.name: p.port for p in platforms if p.port is not None}
        user_here, team_here = user or "me", team or "local"
        if in_shell:
            person = Person(tenant=tenant_of(team_here), user_id=user_here)
            ports["shell"] = ShellPort(lambda text: _say(text.rstrip("\n")), people=[person])
        scheduling = await _start_scheduler(bot, ports)
        sweeping = asyncio.create_task(
            retention.run_daily(bot.core.services, settings.retention_days, stop)
        )
        if in_shell:
            asked = user is not None
            await _run_shell(bot, ports, listening, user_here, team_here, asked=asked, stop=stop)
            return
        await _serve_platforms(bot, platforms, ports, stop)
    finally:
        stop.set()
        if listening is not None:
            listening.close()
        if sweeping is not None:
            await sweeping
        if scheduling is not None:
            await scheduling.stop()
        await bot.close()


async def _run_shell(
    bot: runtime.Runtime,
    ports: dict[str, ChatPort],
    listening: socket.socket | None,
    user: str,
    team: str,
    *,
    asked: bool,
    stop: asyncio.Event,
) -> None:
    """The shell in this terminal, with the console served on this computer when it could be;
    `asked`: `crbot shell` asked for it, rather than `crbot run` finding no platform."""
    from crbot import web
    from crbot.console.app import console_mount

    stop_web = None
    if listening is not None and bot.settings.public_url:
        mounts = [console_mount(bot.core.services, bot.settings.public_url, ports)]
        app = web.build_app(bot.engine, mounts, metrics_token=bot.settings.metrics_token)
        stop_web = await web.serve(app, web.LOCALHOST, bot.settings.port, listening=listening)
    if not asked:
        log.info("no chat platform configured: running the local shell")
    try:
        await run_shell(bot.core, user=user, team=team, stop=stop)
    finally:
        if stop_web is not None:
            await stop_web()


async def _start_scheduler(bot: runtime.Runtime, ports: dict[str, ChatPort]) -> SchedulerService:
    """The scheduler sends through each platform's port (the shell prints to this terminal)."""
    from scheduler import service as scheduler_service

    scheduling = scheduler_service.build(
        bot.core.services,
        bot.engine,
        bot.settings.resolved_database_url,
        ports,
        history_days=bot.settings.delivery_history_days,
        lease_seconds=bot.settings.sending_lease_seconds,
    )
    await scheduling.start()
    return scheduling


async def _serve_platforms(
    bot: runtime.Runtime,
    platforms: list[Platform],
    ports: dict[str, ChatPort],
    stop: asyncio.Event,
) -> None:
    from crbot import web

    mounts = [mount for platform in platforms for mount in platform.mounts]
    if bot.settings.public_url:
        from crbot.console.app import console_mount

        mounts.append(console_mount(bot.core.services, bot.settings.public_url, ports))
    app = web.build_app(bot.engine, mounts, metrics_token=bot.settings.metrics_token)
    stop_web = await web.serve(app, "0.0.0.0", bot.settings.port)
    started: list[Platform] = []
    try:
        for platform in platforms:
            if platform.start is not None:
                await platform.start()
            started.append(platform)
        log.info("serving %s", ", ".join(p.name for p in platforms))
        await stop.wait()
        log.info("stopping")
    finally:
        for platform in reversed(started):
            if platform.stop is not None:
                await platform.stop()
        await stop_web()


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.resolved_database_url)
    try:
        platforms = platform_schemas()
        if args.db_command == "upgrade":
            await migrate(engine, platforms=platforms)
        elif args.db_command == "downgrade":
            await migrate(engine, args.revision, down=True, platforms=platforms)
        levels = {s.name: await current_revision(engine, s) for s in platforms}
        core = await current_revision(engine)
        if core is None and not any(levels.values()):
            _say("schema at revision base (empty)")
        else:
            held = ", ".join(f"{name} at {level or 'base'}" for name, level in levels.items())
            _say(f"schema at revision {core or 'base'}; {held}")
    finally:
        await engine.dispose()
    return 0


async def _roles(settings: Settings, args: argparse.Namespace) -> int:
    bot = await runtime.start(settings)
    try:
        teams = bot.core.services.team_settings
        if args.roles_command == "grant":
            await teams.grant(args.team, args.user, args.role)
            facilitator = args.role == "facilitator"
            waiting = await bot.core.services.asks.count_waiting(args.team) if facilitator else 0
            if waiting:
                _say(
                    f"{waiting} question(s) asked while nobody could read them go to "
                    f"{args.user} the next time they use the bot."
                )
        elif args.roles_command == "revoke":
            await teams.revoke(args.team, args.user, args.role)
        for role in ("facilitator", "leader"):
            _say(f"{role}s: {', '.join(await teams.holders(args.team, role)) or '(none)'}")
    finally:
        await bot.close()
    return 0


async def _support(settings: Settings, args: argparse.Namespace) -> int:
    bot = await runtime.start(settings)
    try:
        services, tenant = bot.core.services, args.team
        store = services.team_settings
        if args.support_command == "show":
            team = await store.get(tenant)
            if team is None:
                return _fail(f"{tenant} has not used the bot yet (`crbot support set` names it)")
        else:
            # Like `crbot roles grant`, a team can be set up before its people first arrive.
            await services.team(tenant)
            text = " ".join(args.text) if args.support_command == "set" else None
            try:
                await store.set_support_resources(tenant, text)
            except ValueError as refused:
                return _fail(f"nothing has changed: {refused}")
            team = await services.team(tenant)
        own = "its own" if team.support_resources else "the default (CRBOT_SUPPORT_RESOURCES)"
        _say(f"{tenant} shows {own}:")
        _say(services.support(team))
    finally:
        await bot.close()
    return 0


def _content(args: argparse.Namespace, settings: Settings) -> int:
    if args.content_command == "stats":
        from bot.rollouts.cadence import load_cadence
        from crbot import content_stats

        start = args.start or content_stats.next_tuesday(datetime.now(UTC).date())
        cadence = load_cadence(settings.cadence_path)
        content_stats.report(load_pack(pack_folder(args.pack)), cadence, start, _say)
        return 0
    if args.content_command == "validate":
        for name in args.packs or list(BUILTIN_PACKS):
            pack = load_pack(pack_folder(name))
            _say(f"{pack.info.key} ({pack.info.audience}): {len(pack.sections)} sections")
            for section in pack.sections:
                gaps = f"  (not yet: {', '.join(section.missing)})" if section.missing else ""
                _say(f"  {section.number:>2}. {section.title}{gaps}")
            if pack.appendix:
                _say(f"  appendix: {', '.join(page.title for page in pack.appendix)}")
        return 0
    from content.visuals import render_pack_visuals

    names = [args.pack] if args.pack else list(BUILTIN_PACKS)
    for name in names:
        out = args.out / name if len(names) > 1 else args.out
        for path in render_pack_visuals(pack_folder(name), out):
            _say(str(path))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `crbot` console script."""
    args = _parser().parse_args(argv)
    if args.command == "doctor":
        # The doctor reports a bad variable as a failed check, so it reads settings itself.
        from crbot import doctor

        return doctor.main(_say)
    try:
        settings = load_settings()
        logs.configure(settings.log_level, settings.log_format)
        platform_command: Command | None = getattr(args, COMMAND, None)
        if platform_command is not None:
            return platform_command(args, settings, _say)
        if args.command == "content":
            return _content(args, settings)
        if args.command == "db":
            return asyncio.run(_db(settings, args))
        if args.command == "rollout":
            return asyncio.run(rollout_cli.run(settings, args))
        if args.command == "calendar":
            return asyncio.run(calendar_cli.run(settings, args))
        if args.command in ("report", "post", "privacy", "export", "import"):
            return asyncio.run(care_cli.run(settings, args))
        if args.command in ("roles", "support"):
            args.team = args.team if ":" in args.team else tenant_of(args.team)
            run = _roles if args.command == "roles" else _support
            return asyncio.run(run(settings, args))
        if args.command == "shell":
            asyncio.run(_serve(settings, user=args.user, team=args.team))
            return 0
        asyncio.run(_serve(settings, user=None, team=None))
        return 0
    except ConfigError as error:
        return _fail(f"configuration error: {error}")
    except ContentError as error:
        return _fail(f"content error: {error}")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

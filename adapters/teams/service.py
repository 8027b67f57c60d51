"""Building the Teams side of the bot from settings: authentication, adapter, bot, port, route."""

from __future__ import annotations

from dataclasses import dataclass

from botbuilder.integration.aiohttp import CloudAdapter
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.teams.auth import authentication, bot_config
from adapters.teams.bot import TeamsBot, on_turn_error
from adapters.teams.connector import ConnectorSession
from adapters.teams.http import Mount, mount_for
from adapters.teams.port import TeamsPort
from adapters.teams.references import ReferenceStore
from bot.core import Core
from bot.ports import SystemClock
from bot.settings import Settings
from bot.storage.engine import sessions
from bot.storage.seen import SeenRequestStore


@dataclass(frozen=True)
class Teams:
    """What the composition root needs: the route to mount and the port for proactive sends."""

    mount: Mount
    port: TeamsPort
    bot: TeamsBot
    references: ReferenceStore
    # The one HTTP session of every Bot Connector call (requests' replies, the scheduler's sends).
    session: ConnectorSession

    async def stop(self) -> None:
        """Close the shared HTTP session."""
        await self.session.close()


def build_teams(settings: Settings, core: Core, engine: AsyncEngine) -> Teams:
    """Wire the Teams adapter over the bot's database."""
    session = ConnectorSession()
    auth = authentication(settings, session)
    adapter = CloudAdapter(auth)
    adapter.on_turn_error = on_turn_error
    references = ReferenceStore(sessions(engine))
    port = TeamsPort(adapter, references, bot_config(settings).APP_ID, image_file=core.image_file)
    seen = SeenRequestStore(sessions(engine), SystemClock())
    bot = TeamsBot(core, port, references, seen, session)
    mount = mount_for(adapter, bot, auth)
    return Teams(mount=mount, port=port, bot=bot, references=references, session=session)

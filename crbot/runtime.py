"""Building the running bot from settings: packs, database, pseudonym key, core."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core import Core, CoreOptions
from bot.ports import Clock, SystemClock
from bot.pseudonyms import FIX, Pseudonyms, secret_problem
from bot.services import Services
from bot.settings import ConfigError, Settings
from bot.storage.engine import create_engine, migrate, sessions
from content.loader import LoadedPack, load_packs
from crbot.platform_registry import announce_platforms, credentialed_platforms, platform_schemas

log = logging.getLogger(__name__)

SECRET_FILE = "pseudonym.key"


@dataclass
class Runtime:
    """The parts of a running bot that adapters and the scheduler share."""

    settings: Settings
    engine: AsyncEngine
    core: Core

    async def close(self) -> None:
        """Store what was kept to be written after its answer, then release the database."""
        await self.core.services.settle()
        await self.engine.dispose()


def pseudonym_secret(settings: Settings) -> bytes:
    """The pseudonym key: from the environment, or a local key file for the embedded default.

    A chat platform in production must have the key in its environment, so that replicas agree
    and the key can be rotated deliberately; the local shell keeps one in its data directory.
    """
    if settings.pseudonym_secret is not None:
        return settings.pseudonym_secret.get_secret_value().encode()
    credentialed = credentialed_platforms(settings)
    if credentialed:
        raise ConfigError(
            f"CRBOT_PSEUDONYM_SECRET: required when a chat platform is configured "
            f"({', '.join(credentialed)}); {FIX}"
        )
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        log.warning(
            "created a local pseudonym key in the data directory", extra={"file": SECRET_FILE}
        )
    key = path.read_text().strip()
    # The file is made strong, but it may have been replaced by hand or emptied by a full disk.
    problem = secret_problem(key)
    if problem is not None:
        raise ConfigError(
            f"CRBOT_DATA_DIR: the local key {SECRET_FILE} is {problem}; set "
            "CRBOT_PSEUDONYM_SECRET instead, or restore the key file from a backup"
        )
    return key.encode()


def packs_for(settings: Settings) -> dict[str, LoadedPack]:
    """The packs to serve (raises ContentError on a broken pack)."""
    return load_packs(settings.content_path)


def default_pack(settings: Settings, packs: dict[str, LoadedPack]) -> str:
    """The pack new teams get: an organisation's own pack if one is configured."""
    if settings.content_path is not None:
        for key, loaded in packs.items():
            if loaded.folder == Path(settings.content_path):
                return key
    if settings.pack not in packs:
        raise ConfigError(f"CRBOT_PACK: unknown pack {settings.pack!r}; have {sorted(packs)}")
    return settings.pack


async def start(
    settings: Settings, clock: Clock | None = None, *, console_port_taken: int | None = None
) -> Runtime:
    """Load content, migrate the database, and build the core (`console_port_taken`: the
    local shell could not serve the console on that port)."""
    announce_platforms()
    packs = packs_for(settings)
    bootstrap = settings.role_bootstrap()  # a malformed entry stops start before any side effect
    secret = pseudonym_secret(settings)
    engine = create_engine(settings.resolved_database_url)
    try:
        await migrate(engine, platforms=platform_schemas())
        database = sessions(engine)
        # Plain user ids in CRBOT_FACILITATORS/CRBOT_LEADERS stop here if several tenants exist.
        await bootstrap.check(database)
    except BaseException:
        await engine.dispose()
        raise
    core = Core(
        Services(
            packs=packs,
            sessions=database,
            pseudonyms=Pseudonyms(secret),
            clock=clock or SystemClock(),
            options=CoreOptions(
                default_pack=default_pack(settings, packs),
                min_group_size=settings.min_group_size,
                support_resources=settings.support_resources,
                role_bootstrap=bootstrap,
                cadence_path=settings.cadence_path,
                reports_dir=settings.data_dir / "reports",
                public_url=settings.public_url,
                console_port_taken=console_port_taken,
                retention_days=settings.retention_days,
                privacy_epsilon=settings.privacy_epsilon,
                releases_per_poll=settings.releases_per_poll,
            ),
        )
    )
    await core.services.release_legacy_tallies()
    return Runtime(settings=settings, engine=engine, core=core)

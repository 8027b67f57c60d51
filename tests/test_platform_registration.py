"""A platform registered by its spec alone is built, migrated, labelled and checked: the proof
that adding one is its adapter's folder and a line in `crbot/platform_registry.py`.

The platform here, `ward`, exists only in this test: its tables, its one migration, its route
and its doctor check are declared below, and nothing in `crbot/` is told about it but the
registry (patched for the test's length).
"""

from __future__ import annotations

from argparse import ArgumentParser, Namespace, _SubParsersAction
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import DateTime, MetaData, String, inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from adapters.running import Platform
from bot import metrics
from bot.checks import Check, ok
from bot.core import Core
from bot.platform import COMMAND, PlatformSpec, Rate
from bot.settings import ConfigError, Settings
from bot.storage.base import NAMING, TENANT
from bot.storage.engine import platform_schema
from crbot import doctor, platform_registry, runtime
from crbot.__main__ import main
from crbot.platforms import configured_platforms
from crbot.web import build_app
from scheduler import limiter

SECRET = "ward-pseudonym-secret-0123456789abcdef"
WARD_URL = "https://ward.example.org"

# The fake platform's first migration, as `adapters/<name>/migrations/versions/` would hold it.
MIGRATION = '''"""the ward tables

Revision ID: ward_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "ward_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ward_rounds",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "round_id", name=op.f("pk_ward_rounds")),
    )


def downgrade() -> None:
    op.drop_table("ward_rounds")
'''


class WardBase(DeclarativeBase):
    """The fake platform's own tables, apart from the core's."""

    metadata = MetaData(naming_convention=NAMING)


class WardRoundRow(WardBase):
    """A round the fake platform keeps: no person's id, so no work record to explain."""

    __tablename__ = "ward_rounds"
    tenant_id: Mapped[str] = mapped_column(TENANT, primary_key=True)
    round_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def ward_spec(versions: Path) -> PlatformSpec[Platform]:
    """The fake platform's `adapters/ward/platform.py`, configured by CRBOT_PUBLIC_URL."""
    versions.mkdir(parents=True, exist_ok=True)
    (versions / "ward_0001_the_ward_tables.py").write_text(MIGRATION, encoding="utf-8")

    def configured(settings: Settings) -> bool:
        return settings.public_url == WARD_URL

    def build(settings: Settings, core: Core, engine: AsyncEngine) -> Platform:
        async def hello(_: web.Request) -> web.Response:
            return web.Response(text="ward here")

        def mount(app: web.Application) -> None:
            app.router.add_get("/ward/hello", hello)

        return Platform(name="ward", mounts=[mount])

    async def checks(settings: Settings) -> list[Check]:
        return [ok("ward link", f"reached {settings.public_url}")]

    def rounds(args: Namespace, settings: Settings, say: Callable[[str], None]) -> int:
        say(f"rounds of {args.ward} from {settings.public_url}")
        return 0

    def commands(parsers: _SubParsersAction[ArgumentParser]) -> None:
        ward = parsers.add_parser("ward", help="the ward").add_subparsers(required=True)
        listing = ward.add_parser("rounds", help="list a ward's rounds")
        listing.add_argument("ward")
        listing.set_defaults(**{COMMAND: rounds})

    return PlatformSpec(
        name="ward",
        schema=platform_schema("ward", WardBase.metadata, versions),
        channel_rate=Rate(per_second=3.0, burst=3.0),
        configured=configured,
        credentialed=configured,
        build=build,
        checks=checks,
        commands=commands,
    )


@pytest.fixture
def ward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PlatformSpec[Platform]:
    """The fake platform, registered beside the real ones for this test only."""
    spec = ward_spec(tmp_path / "ward_versions")
    monkeypatch.setattr(platform_registry, "REGISTERED", (*platform_registry.REGISTERED, spec))
    # What `runtime.start` announces stays in this test, not in the suite's shared labels.
    monkeypatch.setattr(metrics, "PLATFORMS", set(metrics.PLATFORMS))
    monkeypatch.setattr(limiter, "PLATFORM_LIMITS", dict(limiter.PLATFORM_LIMITS))
    return spec


async def test_a_registered_platform_is_built_migrated_labelled_paced_and_checked(
    ward: PlatformSpec[Platform], database_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, pseudonym_secret=SECRET, public_url=WARD_URL
    )

    bot = await runtime.start(settings)
    try:
        async with bot.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        platforms = configured_platforms(bot)
        runner = web.AppRunner(build_app(bot.engine, [m for p in platforms for m in p.mounts]))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            root = f"http://127.0.0.1:{runner.addresses[0][1]}"
            async with aiohttp.ClientSession() as http, http.get(f"{root}/ward/hello") as answer:
                served = (answer.status, await answer.text())
        finally:
            await runner.cleanup()
        checks = {check.name: check for check in await doctor.run_checks(settings)}
    finally:
        await bot.close()

    assert [platform.name for platform in platforms] == ["ward"]
    assert served == (200, "ward here")
    assert {"ward_rounds", "alembic_version_ward"} <= set(tables)
    assert metrics.platform_of("ward:W1") == "ward"
    assert limiter.PLATFORM_LIMITS["ward"] == limiter.Limits(
        channel=ward.channel_rate, workspace=None
    )
    assert checks["ward link"].line() == f"ok    ward link: reached {WARD_URL}"
    assert checks["ward migrations"].status == "ok"


def test_a_registered_platform_with_credentials_needs_the_pseudonym_key_from_the_environment(
    ward: PlatformSpec[Platform], tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"a chat platform is configured \(ward\)"):
        runtime.pseudonym_secret(Settings(data_dir=tmp_path, public_url=WARD_URL))

    # Unconfigured, it asks for nothing: the shell keeps its local key.
    assert runtime.pseudonym_secret(Settings(data_dir=tmp_path))


def test_a_registered_platform_adds_its_own_crbot_command(
    ward: PlatformSpec[Platform],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CRBOT_PUBLIC_URL", WARD_URL)

    assert main(["ward", "rounds", "north"]) == 0

    assert capsys.readouterr().out == f"rounds of north from {WARD_URL}\n"

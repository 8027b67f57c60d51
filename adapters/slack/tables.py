"""The Slack adapter's own tables, with their own migrations (`migrations/versions`).

slack-sdk's installation and OAuth state tables are declared as its SQLAlchemy stores define
them (`slack_sdk.oauth.installation_store.sqlalchemy`, `...state_store.sqlalchemy`), so Alembic
owns them too; they are keyed by Slack's team and enterprise ids rather than a tenant column.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.storage.base import NAMING, TENANT
from bot.storage.engine import Schema, platform_schema


class SlackBase(DeclarativeBase):
    """Declarative base of the Slack tables, apart from the core's."""

    metadata = MetaData(naming_convention=NAMING)


class SlackFormRow(SlackBase):
    """A form a Slack button opens, by digest: a button value holds only its command."""

    __tablename__ = "slack_forms"
    tenant_id: Mapped[str] = mapped_column(TENANT, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    form: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _slack_bot_columns() -> list[Column[object]]:
    """The columns slack-sdk's installations and bots tables share (fresh objects each call)."""
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
        Column("is_enterprise_install", Boolean, nullable=False),
        Column("installed_at", DateTime, nullable=False),
    ]


slack_installations = Table(
    "slack_installations",
    SlackBase.metadata,
    *_slack_bot_columns(),
    Column("enterprise_url", String(200)),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("token_type", String(32)),
    Index(
        "slack_installations_idx",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)

slack_bots = Table(
    "slack_bots",
    SlackBase.metadata,
    *_slack_bot_columns(),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = Table(
    "slack_oauth_states",
    SlackBase.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)

SCHEMA: Schema = platform_schema(
    "slack",
    SlackBase.metadata,
    Path(__file__).resolve().parent / "migrations" / "versions",
    work_records={"slack_installations": "who installed the app in a workspace"},
)

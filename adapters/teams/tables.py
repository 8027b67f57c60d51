"""The Teams adapter's own table, with its own migrations (`migrations/versions`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import DateTime, Index, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.storage.base import NAMING, TENANT
from bot.storage.engine import Schema, platform_schema


class TeamsBase(DeclarativeBase):
    """Declarative base of the Teams tables, apart from the core's."""

    metadata = MetaData(naming_convention=NAMING)


class TeamsReferenceRow(TeamsBase):
    """Where the Teams bot can post unprompted: a conversation reference, saved as JSON."""

    __tablename__ = "teams_conversation_references"
    tenant_id: Mapped[str] = mapped_column(TENANT, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(500), primary_key=True)
    # personal, channel or groupChat.
    kind: Mapped[str] = mapped_column(String(20))
    # The person, for a personal chat; the team, for a channel (all removed on uninstall).
    user_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # What people call the place ("Nursing / General"), offered when a form asks for a channel.
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    reference: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_teams_references_user", "tenant_id", "user_id"),
        Index("ix_teams_references_team", "tenant_id", "team_id"),
    )


SCHEMA: Schema = platform_schema(
    "teams",
    TeamsBase.metadata,
    Path(__file__).resolve().parent / "migrations" / "versions",
    work_records={
        "teams_conversation_references": "where the platform delivers a person's direct messages"
    },
)

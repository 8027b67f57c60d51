"""The console's tables: sign-in links, sessions and calendar feeds, each by a token's digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import TENANT, Base


class ConsoleAccessColumns:
    """The columns a console link and a console session share: a token's digest (never the
    token), whom it admits in which tenant, and until when."""

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    user_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConsoleLinkRow(ConsoleAccessColumns, Base):
    """A one-time sign-in link to the console, sent privately in chat: good once (`used_at`)
    and for minutes, so a copy of the database opens nothing."""

    __tablename__ = "console_links"
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    __table_args__ = (Index("ix_console_links_expires", "expires_at"),)


class ConsoleSessionRow(ConsoleAccessColumns, Base):
    """A signed-in console session, by a digest of its cookie; any replica can check it."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_expires", "expires_at"),)


class ConsoleFeedRow(Base):
    """A rollout's calendar feed, by a digest of the secret its address carries: a calendar
    app fetches it without signing in, and a facilitator stops it by deleting the row."""

    __tablename__ = "console_feeds"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    rollout_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_console_feeds_rollout", "tenant_id", "rollout_id"),)

"""The database schema. Every table has a tenant column: no row exists outside a tenant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so migrations can drop and alter them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TENANT = String(200)
PSEUDONYM = String(64)


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING)


class TeamRow(Base):
    """A tenant's settings: which pack, the minimum group size, where support is found."""

    __tablename__ = "teams"
    tenant_id: Mapped[str] = mapped_column(TENANT, primary_key=True)
    pack: Mapped[str] = mapped_column(String(100))
    min_group_size: Mapped[int] = mapped_column(Integer)
    current_section: Mapped[int] = mapped_column(Integer, default=1)
    support_resources: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RoleRow(Base):
    """A person's role in a tenant: staff is the default and is not stored."""

    __tablename__ = "roles"
    tenant_id: Mapped[str] = mapped_column(TENANT, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class PollRow(Base):
    """A check-in poll posted to one place."""

    __tablename__ = "polls"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    place: Mapped[str] = mapped_column(String(2000))
    section: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    __table_args__ = (Index("ix_polls_tenant_place", "tenant_id", "place"),)


class PollAnswerRow(Base):
    """One person's answer to one poll, under a keyed pseudonym, never the user id."""

    __tablename__ = "poll_answers"
    tenant_id: Mapped[str] = mapped_column(TENANT)
    poll_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    respondent: Mapped[str] = mapped_column(PSEUDONYM, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WalkthroughRow(Base):
    """Where a person is in a scenario walkthrough."""

    __tablename__ = "walkthroughs"
    tenant_id: Mapped[str] = mapped_column(TENANT, primary_key=True)
    person: Mapped[str] = mapped_column(PSEUDONYM, primary_key=True)
    scenario: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReflectionRow(Base):
    """A private reflection, readable only by its author."""

    __tablename__ = "reflections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    author: Mapped[str] = mapped_column(PSEUDONYM)
    scenario: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_reflections_author", "tenant_id", "author"),
        UniqueConstraint("tenant_id", "author", "scenario", "step", name="uq_reflections_step"),
    )

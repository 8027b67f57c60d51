"""The rollouts' tables: programmes, their circles and checklists, the delivery ledger and its
history, and the scheduler's sending lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import TENANT, Base


class RolloutRow(Base):
    """A cohort's programme: one channel working through sections on circle dates."""

    __tablename__ = "rollouts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    address: Mapped[str] = mapped_column(String(2000))
    timezone: Mapped[str] = mapped_column(String(64))
    # active → sustaining after the last section; paused or cancelled by a facilitator (or a
    # permanent delivery failure); ended when the facilitator ends sustainment.
    status: Mapped[str] = mapped_column(String(20))
    # The cohort's calendar (working days, quiet hours, holidays) as validated JSON.
    calendar: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    paused_reason: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_rollouts_tenant_address", "tenant_id", "address"),)


class CircleRow(Base):
    """One section's circle in a rollout, at a local time in the cohort's zone (kept in UTC)."""

    __tablename__ = "rollout_circles"
    tenant_id: Mapped[str] = mapped_column(TENANT)
    rollout_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    section: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)


class DeliveryRow(Base):
    """One planned post in the delivery ledger; its key makes every send happen at most once."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # rollout:kind:section:local date:target, so a double fire or replan finds the same row.
    key: Mapped[str] = mapped_column(String(400), unique=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    rollout_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    section: Mapped[int] = mapped_column(Integer)
    local_date: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(2000))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # planned → sending → sent; or skipped, cancelled, failed, missed, uncertain.
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    error: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # What a row made at send time carries as JSON: a scheduled follow-up's words, the leader
    # a note goes to, the poll a reminder is about. Planned posts take their words from the pack.
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (
        # The rows of one status by due time: the next wake-up and a claim with nothing due read
        # one entry of it (status = 'planned', in order), however long the ledger grows.
        Index("ix_deliveries_status_due", "status", "due_at"),
        Index("ix_deliveries_rollout_status", "rollout_id", "status"),
        # The few rows waiting out a retry, by when they may go.
        # (Led by status so that SQLite, choosing among indexes on status, sees it serves the
        # order of retries without a sort.)
        Index(
            "ix_deliveries_retry",
            "status",
            "not_before",
            sqlite_where=sql_text("status = 'planned' AND not_before IS NOT NULL"),
            postgresql_where=sql_text("status = 'planned' AND not_before IS NOT NULL"),
        ),
    )


class DeliveryHistoryRow(Base):
    """What pruned ledger rows were: how many of each kind and outcome a rollout had, and over
    which days they were due (the rows themselves go after CRBOT_DELIVERY_HISTORY_DAYS)."""

    __tablename__ = "delivery_history"
    rollout_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    count: Mapped[int] = mapped_column(Integer)
    first_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LeaseRow(Base):
    """Which scheduler replica may send, in which term, until when (see `scheduler.leader`)."""

    __tablename__ = "scheduler_leases"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    # One more each time the lease changes hands: what a holder renews is its own term only.
    term: Mapped[int] = mapped_column(Integer)
    # Seconds since the epoch on the database server's clock, so replicas never compare theirs.
    expires_at: Mapped[float] = mapped_column(Float)


class ChecklistRow(Base):
    """A facilitator's checklist item for one section, ticked by the bot or by hand."""

    __tablename__ = "rollout_checklist"
    tenant_id: Mapped[str] = mapped_column(TENANT)
    rollout_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    section: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[int] = mapped_column(Integer, primary_key=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(20), nullable=True)

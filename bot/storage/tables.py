"""The database schema. Every table has a tenant column: no row exists outside a tenant (but the
scheduler's lease, which belongs to the installation)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import console_tables, ledger_tables
from bot.storage.base import IDS_NEVER_REUSED, PSEUDONYM, TENANT, Base

# Tables kept in modules of their own, imported so that Base.metadata holds every table.
KEPT_APART = (console_tables, ledger_tables)


class TeamSettingsRow(Base):
    """A tenant's settings: which pack, the minimum group size, where support is found."""

    __tablename__ = "team_settings"
    tenant_id: Mapped[str] = mapped_column(TENANT, primary_key=True)
    pack: Mapped[str] = mapped_column(String(100))
    min_group_size: Mapped[int] = mapped_column(Integer)
    current_section: Mapped[int] = mapped_column(Integer, default=1)
    support_resources: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Where the team's public holidays come from (the `holidays` library's codes); None: nowhere.
    holiday_country: Mapped[str | None] = mapped_column(String(3), nullable=True)
    holiday_subdivision: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The IANA zone a facilitator chose for the team; None: its programmes' own.
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CalendarDayRow(Base):
    """A day of a team's calendar: in a term break (`break`, named as its calendar names it),
    or one a facilitator said to post on anyway (`post-anyway`)."""

    __tablename__ = "team_calendar_days"
    tenant_id: Mapped[str] = mapped_column(TENANT, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


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
        IDS_NEVER_REUSED,
    )


class PreferenceRow(Base):
    """A person's setting (check-in reminders off), under their pseudonym, never the user id."""

    __tablename__ = "preferences"
    tenant_id: Mapped[str] = mapped_column(TENANT, primary_key=True)
    person: Mapped[str] = mapped_column(PSEUDONYM, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SeenRequestRow(Base):
    """A platform's delivery already handled (a Slack event, a Teams activity): platforms send
    again what they believe was lost, and each is answered once."""

    __tablename__ = "seen_requests"
    # `slack:<event id>`, or `teams:` and a digest of the conversation and activity ids.
    request_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_seen_requests_received", "received_at"),)


class PollTallyRow(Base):
    """Exact counts kept before releases existed; made into first releases at start-up and
    deleted (`PollStore.release_legacy_tallies`). Nothing new is written here."""

    __tablename__ = "poll_tallies"
    poll_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    total: Mapped[int] = mapped_column(Integer)
    counts: Mapped[str] = mapped_column(String(100))  # "c0,c1,c2,c3,c4,c5"
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PollReleaseRow(Base):
    """The one published version of a poll's figures: noisy band counts, renewed only in batches.

    Everything anyone sees about a poll's answers (its message, reports, charts, exports) is
    read from here, never from the answers (docs/PRIVACY.md).
    """

    __tablename__ = "poll_releases"
    poll_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... up to the releases per poll
    respondents: Mapped[int] = mapped_column(Integer)  # how many had answered when released
    counts: Mapped[str] = mapped_column(String(100))  # "low,middle,high", noisy, post-processed
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PollCountRow(Base):
    """How many answers a poll has of one value, kept in step with `poll_answers` inside each
    answer's transaction, so a release is made without reading the answers. Read only by the
    release path (`bot/storage/poll_releases.py`), never shown."""

    __tablename__ = "poll_counts"
    poll_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 to 5
    tenant_id: Mapped[str] = mapped_column(TENANT)
    answers: Mapped[int] = mapped_column(Integer)


class PollActorRow(Base):
    """Someone who answered, changed or deleted an answer since the poll's figures were released.

    `actor` is a digest of the poll id and the person's pseudonym, so rows of two polls cannot be
    matched; they are deleted at the next release.
    """

    __tablename__ = "poll_actors"
    poll_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    actor: Mapped[str] = mapped_column(PSEUDONYM, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)


class AskRow(Base):
    """A question to leadership. There is deliberately no column for who asked."""

    __tablename__ = "asks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    place: Mapped[str] = mapped_column(String(2000))
    alias: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # new, forwarded, answered
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A digest of the one-time reply code only the asker was shown; never the code itself.
    reply_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # When facilitators were sent it; None while the team has none, or none could be reached.
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # What people see and type: counted within the team, unlike the id.
    number: Mapped[int] = mapped_column(Integer)
    # The bot's message the answer was posted as (a MessageRef's JSON), to correct it in place.
    answer_post: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (
        Index("ix_asks_tenant", "tenant_id", "status"),
        UniqueConstraint("tenant_id", "number"),
        IDS_NEVER_REUSED,
    )


class ItemNumberRow(Base):
    """The last number a team gave one kind of item (asks, drivers, agreements).

    Numbers only go up: a deleted item's number never names a newer one, as buttons and typed
    commands carry them.
    """

    __tablename__ = "item_numbers"
    tenant_id: Mapped[str] = mapped_column(TENANT, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class SuggestionRow(Base):
    """An anonymous "what would help?" answer, released to facilitators only in batches."""

    __tablename__ = "suggestions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    place: Mapped[str] = mapped_column(String(2000))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Counts distinct people in the waiting batch (a digest of pseudonym and batch); erased on
    # release, so a released suggestion links to nobody.
    author_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # When facilitators were sent its released batch; a batch released while none could read
    # it waits with none.
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    __table_args__ = (Index("ix_suggestions_tenant", "tenant_id", "place"), IDS_NEVER_REUSED)


class DriverRow(Base):
    """A driver of fatigue or resilience on a cohort's board (Section 4); no column names who.

    `author_token` is a digest of the author's pseudonym and this row's id: only the author can
    recompute it (to sort, see or delete their own items), and it links no two items together.
    """

    __tablename__ = "drivers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    place: Mapped[str] = mapped_column(String(2000))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))  # unsorted, mine, leadership, cannot
    answer: Mapped[str | None] = mapped_column(String(20), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    progress: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    author_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    number: Mapped[int] = mapped_column(Integer)
    # The bot's message the answer was posted as (a serialised MessageRef), to correct or delete.
    answer_post: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (
        Index("ix_drivers_tenant_place", "tenant_id", "place"),
        UniqueConstraint("tenant_id", "number"),
        IDS_NEVER_REUSED,
    )


class AgreementRow(Base):
    """A culture agreement a cohort proposed, and whether it was agreed (Section 7)."""

    __tablename__ = "agreements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    place: Mapped[str] = mapped_column(String(2000))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # proposed, agreed, dropped
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    number: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        Index("ix_agreements_tenant_place", "tenant_id", "place"),
        UniqueConstraint("tenant_id", "number"),
        IDS_NEVER_REUSED,
    )


class AgreementStarRow(Base):
    """One person's star on a proposal, under a digest only they can recompute; only counted."""

    __tablename__ = "agreement_stars"
    tenant_id: Mapped[str] = mapped_column(TENANT)
    agreement_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    voter: Mapped[str] = mapped_column(PSEUDONYM, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SurveyQuestionRow(Base):
    """One question of a pre, mid or post programme survey posted to a cohort.

    Its id is a poll id: answers and tallies live in `poll_answers` and `poll_tallies`, under
    pseudonyms, so retention and `privacy delete-me` cover them like check-ins.
    """

    __tablename__ = "survey_questions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    place: Mapped[str] = mapped_column(String(2000))
    round_id: Mapped[str] = mapped_column(String(36))  # the questions posted together
    survey: Mapped[str] = mapped_column(String(10))  # pre, mid, post
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    __table_args__ = (Index("ix_survey_questions_tenant_place", "tenant_id", "place"),)


class PostDraftRow(Base):
    """A leader's or facilitator's post (a follow-up, progress on a driver) from its preview to
    its last edit: the words, where they go, and the message they became once posted.

    `id` is random, not counted: buttons name it, and any replica must read the same row. A
    row changes state only by a conditional update, so a double press posts once.
    """

    __tablename__ = "post_drafts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(TENANT)
    kind: Mapped[str] = mapped_column(String(20))  # follow-up, driver-progress
    author: Mapped[str] = mapped_column(String(200))  # the platform's id of who wrote it
    address: Mapped[str] = mapped_column(String(2000))
    text: Mapped[str] = mapped_column(Text)
    # What the kind of post needs beside the words (whose name it carries, when it is to be
    # posted, which driver), as JSON.
    details: Mapped[str] = mapped_column(Text, default="{}")
    # New words for a posted message, previewed before they replace it.
    revision: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(12))  # draft posting posted scheduled ...
    posted: Mapped[str | None] = mapped_column(Text, nullable=True)  # a MessageRef as JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_post_drafts_expires", "expires_at"),)

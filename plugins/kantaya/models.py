"""Kantaya's tables: daily reports, their comments (tasks), reminders, letter numbers."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.plugin import Base, OrgUnit, User, UTCDateTime, utcnow


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"  # sent back by the head: the reporter edits and submits again


class KantayaReport(Base):
    """A unit's daily report: one per unit and day (the second writer edits the first)."""

    __tablename__ = "kantaya_reports"
    __table_args__ = (
        UniqueConstraint("unit_id", "day", name="uq_kantaya_reports_unit_day"),
        Index("ix_kantaya_reports_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=ReportStatus.DRAFT.value)
    activities: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    #: Facts contributed by plugins when drafted: ``[{"source", "label", "value"}]``.
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    return_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Submitted after the deadline (the next day's ``late_after_hour``).
    late: Mapped[bool] = mapped_column(default=False)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    comments: Mapped[list[KantayaComment]] = relationship(
        back_populates="report", order_by="KantayaComment.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[KantayaAttachment]] = relationship(
        back_populates="report", order_by="KantayaAttachment.id", cascade="all, delete-orphan"
    )


class KantayaComment(Base):
    """A leader's comment on a report; an instruction is a task of the unit until done."""

    __tablename__ = "kantaya_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("kantaya_reports.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    is_task: Mapped[bool] = mapped_column(default=False)
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[KantayaReport] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship(lazy="joined")


class KantayaAttachment(Base):
    """A photo or document of a report (type checked by its first bytes, size limited)."""

    __tablename__ = "kantaya_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("kantaya_reports.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[KantayaReport] = relationship(back_populates="attachments")


class KantayaReminder(Base):
    """A reminder sent to a unit for a day without a report (at most one per unit and day)."""

    __tablename__ = "kantaya_reminders"
    __table_args__ = (UniqueConstraint("unit_id", "day", name="uq_kantaya_reminders_unit_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    day: Mapped[date] = mapped_column(Date)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KantayaLetterCounter(Base):
    """The last outgoing letter number of a year (and classification code, if per code)."""

    __tablename__ = "kantaya_letter_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(30), primary_key=True)  # "" or a class code
    last: Mapped[int] = mapped_column(Integer, default=0)


class KantayaLetter(Base):
    """An outgoing letter with its number; reserved numbers wait for a letter made by hand."""

    __tablename__ = "kantaya_letters"
    __table_args__ = (
        UniqueConstraint("year", "scope", "sequence", name="uq_kantaya_letters_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(30), default="")
    sequence: Mapped[int] = mapped_column(Integer)
    classification: Mapped[str] = mapped_column(String(30))
    grade: Mapped[str] = mapped_column(String(10), default="B")
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    addressee: Mapped[str] = mapped_column(String(300), default="")
    reserved: Mapped[bool] = mapped_column(default=False)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))
    #: The incoming letter this one answers.
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("kantaya_incoming.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    unit: Mapped[OrgUnit] = relationship(lazy="joined")


class KantayaIncoming(Base):
    """An incoming letter registered by a unit's secretariat (with its scan)."""

    __tablename__ = "kantaya_incoming"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    sender: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(100))
    letter_date: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(300))
    received_on: Mapped[date] = mapped_column(Date)
    scan: Mapped[bytes | None] = mapped_column(LargeBinary)
    scan_type: Mapped[str] = mapped_column(String(60), default="")
    #: The letter's id in SRIKANDI when it was imported through the adapter hook.
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    dispositions: Mapped[list[KantayaDisposition]] = relationship(
        back_populates="incoming", order_by="KantayaDisposition.id"
    )


class KantayaDisposition(Base):
    """One step of a letter's disposition: to a unit or a person, or a copy (tembusan).

    Read-tracked: ``read_at`` is set when a recipient first opens it; the
    sender may recall it while it is unread. Forwarding down the chain makes
    a child step (``parent_id``).
    """

    __tablename__ = "kantaya_dispositions"

    id: Mapped[int] = mapped_column(primary_key=True)
    incoming_id: Mapped[int] = mapped_column(ForeignKey("kantaya_incoming.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("kantaya_dispositions.id"))
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    instruction: Mapped[str] = mapped_column(String(1000))
    due_on: Mapped[date | None] = mapped_column(Date)
    is_copy: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str] = mapped_column(String(500), default="")
    #: When the overdue step was reported to the sender's unit (once).
    escalated_on: Mapped[date | None] = mapped_column(Date)

    incoming: Mapped[KantayaIncoming] = relationship(back_populates="dispositions")
    to_unit: Mapped[OrgUnit] = relationship(foreign_keys=[to_unit_id], lazy="joined")
    from_unit: Mapped[OrgUnit] = relationship(foreign_keys=[from_unit_id], lazy="joined")
    to_user: Mapped[User | None] = relationship(foreign_keys=[to_user_id], lazy="joined")


class KantayaProject(Base):
    """A development project (pembangunan) of a unit, with its planned S-curve."""

    __tablename__ = "kantaya_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    pagu: Mapped[int] = mapped_column(BigInteger)
    contract_value: Mapped[int] = mapped_column(BigInteger)
    contractor: Mapped[str] = mapped_column(String(200), default="")
    desa_code: Mapped[str] = mapped_column(String(20), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    #: Planned cumulative physical progress (%) at the end of each week from the start.
    plan: Mapped[list[float]] = mapped_column(JSON, default=list)
    #: Latest figures, kept for the regency-wide table (sortable by deviation).
    actual_pct: Mapped[float] = mapped_column(default=0.0)
    planned_pct: Mapped[float] = mapped_column(default=0.0)
    deviation: Mapped[float] = mapped_column(default=0.0)
    critical: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    progress: Mapped[list[KantayaProgress]] = relationship(
        back_populates="project", order_by="KantayaProgress.week_on"
    )
    steps: Mapped[list[KantayaProjectStep]] = relationship(
        back_populates="project", order_by="KantayaProjectStep.id"
    )


class KantayaProgress(Base):
    """A weekly entry: cumulative physical progress and financial realisation, with a photo."""

    __tablename__ = "kantaya_progress"
    __table_args__ = (UniqueConstraint("project_id", "week_on", name="uq_kantaya_progress_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("kantaya_projects.id"), index=True)
    week_on: Mapped[date] = mapped_column(Date)
    physical_pct: Mapped[float]
    financial: Mapped[int] = mapped_column(BigInteger)
    planned_pct: Mapped[float]
    reason: Mapped[str] = mapped_column(String(500), default="")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[KantayaProject] = relationship(back_populates="progress")


class KantayaProjectStep(Base):
    """A tracked step of a critical contract: warning, show-cause meeting, SP1, SP2, SP3."""

    __tablename__ = "kantaya_project_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("kantaya_projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[KantayaProject] = relationship(back_populates="steps")


class KantayaEvent(Base):
    """An agenda entry of a unit or a leader; ``tentative`` until confirmed."""

    __tablename__ = "kantaya_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    location: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The leader whose schedule this is (the Bupati, a camat), if any.
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="confirmed")  # tentative, confirmed
    #: The incoming letter (an invitation) the entry was made from.
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("kantaya_incoming.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    invitations: Mapped[list[KantayaInvitation]] = relationship(
        back_populates="event", order_by="KantayaInvitation.id"
    )


class KantayaInvitation(Base):
    """An invited person's answer (RSVP) and attendance."""

    __tablename__ = "kantaya_invitations"
    __table_args__ = (UniqueConstraint("event_id", "user_id", name="uq_kantaya_invitations"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("kantaya_events.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(10), default="pending")  # yes, no, delegate
    delegate: Mapped[str] = mapped_column(String(200), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool | None]
    #: Recorded after the event: present, delegate (represented, ``delegate`` named) or absent.
    attendance: Mapped[str | None] = mapped_column(String(10))

    event: Mapped[KantayaEvent] = relationship(back_populates="invitations")
    user: Mapped[User] = relationship(lazy="joined")


class KantayaFeedToken(Base):
    """A person's calendar feed address: only the SHA-256 of the token is kept; revocable."""

    __tablename__ = "kantaya_feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KantayaThread(Base):
    """A forum thread of a unit (the regency's own unit: the whole regency) on a topic."""

    __tablename__ = "kantaya_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    topic: Mapped[str] = mapped_column(String(60), index=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locked: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(lazy="joined")
    posts: Mapped[list[KantayaPost]] = relationship(
        back_populates="thread", order_by="KantayaPost.id"
    )


class KantayaPost(Base):
    """A post of a thread (the first one opens it); ``search_text`` is its normalised text."""

    __tablename__ = "kantaya_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("kantaya_threads.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    #: Lower-case words of the thread title and the body, for the SQLite search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[KantayaThread] = relationship(back_populates="posts")
    author: Mapped[User | None] = relationship(lazy="joined")


class DraftStatus(enum.StrEnum):
    DRAFT = "draft"  # being written and initialled
    SIGNED = "signed"  # signed: numbered and registered as a document
    SENT = "sent"  # sent to its recipient units through core messaging


class KantayaDraft(Base):
    """An outgoing letter on its way: drafted, initialled (paraf) and signed in order, sent.

    It gets its number (a :class:`KantayaLetter`, registered as a core
    document with a QR) when the last official signs.
    """

    __tablename__ = "kantaya_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    classification: Mapped[str] = mapped_column(String(30))
    grade: Mapped[str] = mapped_column(String(10), default="B")
    subject: Mapped[str] = mapped_column(String(300))
    addressee: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    #: Codes of the units the letter is sent to through core messaging.
    to_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("kantaya_incoming.id"))
    status: Mapped[str] = mapped_column(String(10), default=DraftStatus.DRAFT.value)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("kantaya_letters.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Why the last official returned it for correction (paraf and signature start over).
    returned_note: Mapped[str] = mapped_column(String(500), default="")
    #: The letter's reference in SRIKANDI, when an adapter exchanged it.
    srikandi_ref: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    letter: Mapped[KantayaLetter | None] = relationship()
    steps: Mapped[list[KantayaDraftStep]] = relationship(
        back_populates="draft", order_by="KantayaDraftStep.position", cascade="all, delete-orphan"
    )


class KantayaDraftStep(Base):
    """One official of a draft's chain: a paraf, or the signature (the last step)."""

    __tablename__ = "kantaya_draft_steps"
    __table_args__ = (
        UniqueConstraint("draft_id", "position", name="uq_kantaya_draft_steps_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("kantaya_drafts.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # paraf, sign
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(500), default="")

    draft: Mapped[KantayaDraft] = relationship(back_populates="steps")
    user: Mapped[User] = relationship(lazy="joined")


class KantayaMinutes(Base):
    """The minutes (notulen) of an event, one per event."""

    __tablename__ = "kantaya_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("kantaya_events.id"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KantayaFollowUp(Base):
    """A follow-up task decided at a meeting, for a unit (and optionally a person there)."""

    __tablename__ = "kantaya_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("kantaya_events.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(String(1000))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[KantayaEvent] = relationship(lazy="joined")
    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")


class KantayaUnitFeed(Base):
    """A unit's calendar feed address (SHA-256 of the token only); revocable."""

    __tablename__ = "kantaya_unit_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

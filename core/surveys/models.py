"""Survey invitations (one per completed file), answers, and closed-period snapshots."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.db import Base, UTCDateTime, utcnow
from pamong.orgunits.models import OrgUnit


class SurveyInvitation(Base):
    """A one-time survey link given when a file of a service is completed.

    ``token`` is unguessable (the link is the only key); ``reference``
    points at the plugin's record (``"ktp_application:12"``), never shown.
    The service's population in a period is the number of invitations
    given in it.
    """

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("service", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    service: Mapped[str] = mapped_column(String(60), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    completed_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

    @property
    def path(self) -> str:
        """The site-relative address of the survey form."""
        return f"/survey/{self.token}"


class SurveyResponse(Base):
    """One answer set: 1-4 per element, in form order, under ``rule``; no personal data."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id"), unique=True
    )
    service: Mapped[str] = mapped_column(String(60), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    rule: Mapped[str] = mapped_column(String(30))
    answers: Mapped[list[int]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_on: Mapped[date] = mapped_column(Date, index=True)


class SurveySnapshot(Base):
    """The published figures of a service at a unit for a closed period: never changed.

    ``element_means`` are the NRR per element as strings (``"3.25"``);
    ``value`` is the index (``"82.64"``) and ``grade`` its letter; both are
    empty when nobody answered (the population and target are still published).
    """

    __tablename__ = "survey_snapshots"
    __table_args__ = (UniqueConstraint("service", "org_unit_id", "period", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(60), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    period: Mapped[str] = mapped_column(String(10), index=True)
    rule: Mapped[str] = mapped_column(String(30))
    respondents: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)
    sample_target: Mapped[int] = mapped_column(Integer)
    element_means: Mapped[list[str]] = mapped_column(JSON)
    value: Mapped[str] = mapped_column(String(6))
    grade: Mapped[str] = mapped_column(String(1))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")


class SnapshotChanged(RuntimeError):
    """A closed period's published figures were about to change."""


@event.listens_for(SurveySnapshot, "before_update")
def _never_update(mapper: object, connection: object, target: SurveySnapshot) -> None:
    raise SnapshotChanged(
        f"survey snapshot {target.service} {target.period} is published and never changes"
    )

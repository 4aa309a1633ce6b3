"""Connections, their status history, tariff decrees, meter readings and bills.

Money is whole rupiah (BIGINT). The database keeps: one customer number per
connection, one reading per connection and month, one bill per connection
and month (the bill run is idempotent even when two runs race).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.plugin import Base, OrgUnit, UTCDateTime, utcnow

Money = BigInteger


class ConnectionStatus(enum.StrEnum):
    ACTIVE = "active"
    SEALED = "sealed"  # for arrears; water off, meter sealed
    CLOSED = "closed"


class Condition(enum.StrEnum):
    """The meter's condition at a reading; it decides the estimate."""

    WORKING = "working"
    STUCK = "stuck"
    BROKEN = "broken"
    NO_METER = "no_meter"
    RESET = "reset"  # replaced or reset: the reading starts again from 0


class ReadingStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    HELD = "held"  # held for review: not billed until accepted


class PdamGroup(Base):
    """A customer group (golongan): Sosial Umum, Rumah Tangga 2, Niaga Besar…"""

    __tablename__ = "pdam_groups"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    #: The billing payer kind of its customers (resident, business, institution, other).
    payer_kind: Mapped[str] = mapped_column(String(12), default="resident")


class PdamTariff(Base):
    """One decree's tariff for one group, valid from a date (until the next one)."""

    __tablename__ = "pdam_tariffs"
    __table_args__ = (Index("ix_pdam_tariffs_group_from", "group_code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_code: Mapped[str] = mapped_column(ForeignKey("pdam_groups.code"))
    decree: Mapped[str] = mapped_column(String(200), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    #: ``[[upper_m3, price], ..., [null, price]]``
    blocks: Mapped[list] = mapped_column(JSON)
    minimum_m3: Mapped[int] = mapped_column(default=0)
    #: Biaya beban (abonemen) per month.
    fixed_charge: Mapped[int] = mapped_column(Money, default=0)
    maintenance_charge: Mapped[int] = mapped_column(Money, default=0)
    admin_charge: Mapped[int] = mapped_column(Money, default=0)
    #: Charged once on a bill still unpaid after its due date.
    late_fee: Mapped[int] = mapped_column(Money, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PdamConnection(Base):
    """A service connection (sambungan): a meter at an address in a desa."""

    __tablename__ = "pdam_connections"
    __table_args__ = (Index("ix_pdam_connections_desa_status", "desa_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    holder_kind: Mapped[str] = mapped_column(String(12), default="resident")
    holder_name: Mapped[str] = mapped_column(String(200))
    #: The holder's NIK when a resident (personal data: masked unless permitted).
    holder_nik: Mapped[str] = mapped_column(String(16), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    desa_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    group_code: Mapped[str] = mapped_column(ForeignKey("pdam_groups.code"))
    #: The supply zone (district metered area) for the NRW report.
    zone: Mapped[str] = mapped_column(String(20), default="")
    meter_serial: Mapped[str] = mapped_column(String(30), default="")
    meter_size: Mapped[str] = mapped_column(String(10), default="1/2")
    meter_digits: Mapped[int] = mapped_column(default=5)
    status: Mapped[str] = mapped_column(String(10), default=ConnectionStatus.ACTIVE.value)
    connected_on: Mapped[date] = mapped_column(Date)
    #: Printed on the bill with the customer number: the key of the public check.
    check_code: Mapped[str] = mapped_column(String(8))

    desa: Mapped[OrgUnit] = relationship(lazy="joined")
    history: Mapped[list[PdamStatusChange]] = relationship(
        back_populates="connection", order_by="PdamStatusChange.id"
    )


class PdamStatusChange(Base):
    """A dated change of a connection's status, with why and who."""

    __tablename__ = "pdam_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("pdam_connections.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    connection: Mapped[PdamConnection] = relationship(back_populates="history")


class PdamReading(Base):
    """A month's meter reading (or its estimate) of one connection."""

    __tablename__ = "pdam_readings"
    __table_args__ = (
        UniqueConstraint("connection_id", "period"),
        Index("ix_pdam_readings_period_status", "period", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("pdam_connections.id"))
    period: Mapped[str] = mapped_column(String(7))
    read_on: Mapped[date] = mapped_column(Date)
    #: The meter's index (None when nothing could be read).
    value: Mapped[int | None] = mapped_column()
    consumption: Mapped[int] = mapped_column(default=0)
    condition: Mapped[str] = mapped_column(String(10), default=Condition.WORKING.value)
    estimated: Mapped[bool] = mapped_column(default=False)
    rollover: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default=ReadingStatus.ACCEPTED.value)
    #: Why it is held (``below-previous``, ``jump``, ``zero-3-months``, ``not-active``).
    problem: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(10), default="page")
    reader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    connection: Mapped[PdamConnection] = relationship(lazy="joined")


class PdamBill(Base):
    """The bill of one connection for one month: a billing invoice and how it was made."""

    __tablename__ = "pdam_bills"
    __table_args__ = (
        UniqueConstraint("connection_id", "period"),
        Index("ix_pdam_bills_period", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("pdam_connections.id"))
    period: Mapped[str] = mapped_column(String(7))
    invoice_number: Mapped[str] = mapped_column(String(20), index=True)
    m3: Mapped[int] = mapped_column(default=0)
    water: Mapped[int] = mapped_column(Money, default=0)
    fixed: Mapped[int] = mapped_column(Money, default=0)
    total: Mapped[int] = mapped_column(Money, default=0)
    estimated: Mapped[bool] = mapped_column(default=False)
    late_fee_added: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    connection: Mapped[PdamConnection] = relationship()


class PdamWorkOrder(Base):
    """A sealing or reconnection job for a connection, tracked until done."""

    __tablename__ = "pdam_work_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("pdam_connections.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # seal | reconnect
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done
    arrears: Mapped[int] = mapped_column(Money, default=0)
    months: Mapped[int] = mapped_column(default=0)
    fee_invoice: Mapped[str] = mapped_column(String(20), default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    connection: Mapped[PdamConnection] = relationship(lazy="joined")


class PdamZoneInput(Base):
    """System input volume of a supply zone in a month (bulk meter at the zone's inlet)."""

    __tablename__ = "pdam_zone_inputs"
    __table_args__ = (UniqueConstraint("zone", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(7))
    m3: Mapped[int] = mapped_column(BigInteger)


class ApplicationStep(enum.StrEnum):
    """Where a new-connection application stands; also its stage on the public tracker."""

    APPLIED = "applied"
    SURVEYED = "surveyed"  # the field survey found the connection feasible
    ESTIMATED = "estimated"  # the cost estimate is invoiced: waiting for payment
    PAID = "paid"  # the connection fee is paid: waiting for installation
    ACTIVE = "active"  # meter installed, connection active
    REJECTED = "rejected"


class PdamApplication(Base):
    """A new-connection application (pasang sambungan baru), online or at the counter."""

    __tablename__ = "pdam_applications"
    __table_args__ = (Index("ix_pdam_applications_desa_step", "desa_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The receipt number of its tracked file (``PSB-2026-000123``).
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(10), default="counter")  # counter | online
    applicant_name: Mapped[str] = mapped_column(String(200))
    #: Personal data: shown to PDAM staff only, reads audited.
    applicant_nik: Mapped[str] = mapped_column(String(16), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    desa_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    group_code: Mapped[str] = mapped_column(ForeignKey("pdam_groups.code"))
    meter_size: Mapped[str] = mapped_column(String(10), default="1/2")
    step: Mapped[str] = mapped_column(String(10), default=ApplicationStep.APPLIED.value)
    survey_note: Mapped[str] = mapped_column(String(300), default="")
    #: Metres of pipe from the main, found by the survey.
    distance_m: Mapped[int] = mapped_column(default=0)
    estimate: Mapped[int] = mapped_column(Money, default=0)
    fee_invoice: Mapped[str] = mapped_column(String(20), default="")
    meter_serial: Mapped[str] = mapped_column(String(30), default="")
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("pdam_connections.id"))
    reject_reason: Mapped[str] = mapped_column(String(300), default="")
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    surveyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    installed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    desa: Mapped[OrgUnit] = relationship(lazy="joined")
    connection: Mapped[PdamConnection | None] = relationship()


class PdamRoute(Base):
    """A meter reader's route for a month: the connections to read, in walking order."""

    __tablename__ = "pdam_routes"
    __table_args__ = (UniqueConstraint("reader_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))
    name: Mapped[str] = mapped_column(String(80), default="")
    #: The smallest unit holding every stop (who may see the route's progress).
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[OrgUnit] = relationship(lazy="joined")
    stops: Mapped[list[PdamRouteStop]] = relationship(
        back_populates="route", order_by="PdamRouteStop.position", cascade="all, delete-orphan"
    )


class PdamRouteStop(Base):
    """One connection of a route, at its place in the walking order."""

    __tablename__ = "pdam_route_stops"
    __table_args__ = (
        UniqueConstraint("route_id", "position"),
        UniqueConstraint("route_id", "connection_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("pdam_routes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    connection_id: Mapped[int] = mapped_column(ForeignKey("pdam_connections.id"))

    route: Mapped[PdamRoute] = relationship(back_populates="stops")
    connection: Mapped[PdamConnection] = relationship(lazy="joined")


class PdamReadingPhoto(Base):
    """The meter's photo taken with a reading (JPEG or PNG, checked by its bytes)."""

    __tablename__ = "pdam_reading_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    reading_id: Mapped[int] = mapped_column(
        ForeignKey("pdam_readings.id", ondelete="CASCADE"), unique=True
    )
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

"""SIPAW tables: markets, commodities, reference prices, observations, published prices.

Prices are integer rupiah per the commodity's unit (kg or liter). Published
prices are append-only in effect: a correction adds a new version and marks
the previous one superseded, so the history of every published figure stays.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pamong.plugin import Base, OrgUnit, User, UTCDateTime, utcnow


class MarketKind(enum.StrEnum):
    TRADITIONAL = "traditional"  # pasar rakyat
    MODERN = "modern"  # supermarket, minimarket


class ReferenceKind(enum.StrEnum):
    HET = "HET"  # harga eceran tertinggi: a retail ceiling price
    HAP = "HAP"  # harga acuan pembelian/penjualan: a reference price (may be a range)


class PostKind(enum.StrEnum):
    OFFER = "offer"
    REQUEST = "request"


class TraderKind(enum.StrEnum):
    TRADER = "trader"  # pedagang
    COOPERATIVE = "cooperative"  # koperasi
    BUMDES = "bumdes"  # badan usaha milik desa


class TraderStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # the phone is not proven yet
    PENDING = "pending"  # waits for the trade office
    VERIFIED = "verified"
    REJECTED = "rejected"


class PostStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CLOSED = "closed"


class SipawMarket(Base):
    """A market where prices are collected; its org unit carries enumerators' grants."""

    __tablename__ = "sipaw_markets"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), unique=True)
    kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[str] = mapped_column(String(20), default=MarketKind.TRADITIONAL.value)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[OrgUnit] = relationship(foreign_keys=[org_unit_id], lazy="joined")
    kecamatan: Mapped[OrgUnit | None] = relationship(foreign_keys=[kecamatan_id], lazy="joined")

    @property
    def code(self) -> str:
        return self.unit.code

    @property
    def name(self) -> str:
        return self.unit.name


class SipawCommodity(Base):
    """A staple food of the PIHPS/SP2KP list, with its unit and quality variant."""

    __tablename__ = "sipaw_commodities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(10), default="kg")
    variant: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(20), default="PIHPS")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SipawReferencePrice(Base):
    """A ceiling (HET) or reference (HAP) price of a commodity for a period; may be a range."""

    __tablename__ = "sipaw_reference_prices"

    id: Mapped[int] = mapped_column(primary_key=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("sipaw_commodities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(3))
    price_low: Mapped[int] = mapped_column(Integer)
    price_high: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(String(200), default="")


class SipawObservation(Base):
    """One price seen at one trader on one day; the trader is a label, never published."""

    __tablename__ = "sipaw_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("sipaw_markets.id"))
    commodity_id: Mapped[int] = mapped_column(ForeignKey("sipaw_commodities.id"))
    day: Mapped[date] = mapped_column(Date)
    price: Mapped[int] = mapped_column(Integer)
    trader: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    #: A client's id of the entry (the phone's offline queue): sending it twice adds it once.
    client_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_sipaw_observations_day", "day", "market_id", "commodity_id"),)


class SipawPrice(Base):
    """The published price of a commodity at a market on a day (the observations' median).

    A correction adds version n+1 and marks version n superseded; only the
    current version is public, all of them stay.
    """

    __tablename__ = "sipaw_prices"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("sipaw_markets.id"))
    commodity_id: Mapped[int] = mapped_column(ForeignKey("sipaw_commodities.id"))
    day: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    price: Mapped[int] = mapped_column(Integer)
    observations: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("market_id", "commodity_id", "day", "version"),
        Index("ix_sipaw_prices_current", "commodity_id", "day", "current"),
        Index("ix_sipaw_prices_day", "day", "current"),
    )


class SipawAlert(Base):
    """A regency price above its HET/HAP, or a day-on-day jump above the threshold."""

    __tablename__ = "sipaw_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("sipaw_commodities.id"))
    kind: Mapped[str] = mapped_column(String(20))  # above_reference | change
    price: Mapped[int] = mapped_column(Integer)
    reference: Mapped[int | None] = mapped_column(Integer)
    change_percent: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("day", "commodity_id", "kind"),)


class SipawPeerStatus(Base):
    """A peer regency and the last pull of its feed: when it worked, what failed.

    Peers come from ``[plugins.sipaw] peers`` or are registered here (with
    ``url``) by the trade office or the demo.
    """

    __tablename__ = "sipaw_peer_status"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    url: Mapped[str] = mapped_column(String(300), default="")
    region_code: Mapped[str] = mapped_column(String(20), default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    newest_day: Mapped[date | None] = mapped_column(Date)
    rejected_rows: Mapped[int] = mapped_column(Integer, default=0)
    #: The peer's trade-board posts at the last pull (JSON list, no contacts).
    board: Mapped[str] = mapped_column(Text, default="[]")
    #: The peer's ETag per feed address (JSON object): an unchanged feed is not fetched again.
    etags: Mapped[str] = mapped_column(Text, default="{}")
    #: Why the last pull of the peer's trade board failed ("" when it worked).
    board_error: Mapped[str] = mapped_column(String(300), default="")


class SipawPeerPrice(Base):
    """A peer regency's price of a commodity on a day (median over its markets)."""

    __tablename__ = "sipaw_peer_prices"

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_code: Mapped[str] = mapped_column(String(30))
    commodity_code: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    price: Mapped[int] = mapped_column(Integer)
    markets: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("peer_code", "commodity_code", "day"),)


class SipawTrader(Base):
    """A trader, cooperative or BUMDes that registered itself for the trade board.

    It proves its phone with a code sent through the core outbox, then the
    trade office verifies or rejects it; only verified traders post and see
    contacts. The phone is personal data: never in a feed, read audited.
    """

    __tablename__ = "sipaw_traders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    #: Kemendagri code of the regency it trades from (``33.14``), and the place.
    region_code: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(
        String(12), default=TraderStatus.UNCONFIRMED.value, index=True
    )
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SHA-256 of the open sign-in/confirmation code (with the trader's id), its expiry, tries.
    code_hash: Mapped[str] = mapped_column(String(64), default="")
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str] = mapped_column(String(300), default="")

    @property
    def verified(self) -> bool:
        return self.status == TraderStatus.VERIFIED.value


class SipawTradePost(Base):
    """An offer (surplus) or request (demand) on the trade board."""

    __tablename__ = "sipaw_trade_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    commodity_id: Mapped[int] = mapped_column(ForeignKey("sipaw_commodities.id"))
    quantity_kg: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(20))
    period_from: Mapped[date] = mapped_column(Date)
    period_until: Mapped[date] = mapped_column(Date)
    organisation: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default=PostStatus.PENDING.value, index=True)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The registered trader who posted (None for staff accounts holding ``sipaw.trader``).
    trader_id: Mapped[int | None] = mapped_column(ForeignKey("sipaw_traders.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    commodity: Mapped[SipawCommodity] = relationship(lazy="joined")
    posted_by: Mapped[User | None] = relationship()
    trader: Mapped[SipawTrader | None] = relationship()

"""marshmallow schemas shared by the SIPAW API and pages."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.plugin import QueryArgs, QueryDate


class MarketSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    kecamatan_code = fields.Function(lambda m: m.kecamatan.code if m.kecamatan else None)
    kecamatan = fields.Function(lambda m: m.kecamatan.name if m.kecamatan else None)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    active = fields.Boolean()


class MarketCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 40))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kecamatan_code = fields.String(required=True, validate=validate.Length(1, 20))
    kind = fields.String(
        load_default="traditional", validate=validate.OneOf(["traditional", "modern"])
    )
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))


class CommoditySchema(Schema):
    code = fields.String()
    name = fields.String()
    variant = fields.String()
    category = fields.String()
    unit = fields.String()
    source = fields.String()
    active = fields.Boolean()


class CommoditySaveSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(2, 40))
    name = fields.String(required=True, validate=validate.Length(1, 100))
    category = fields.String(required=True, validate=validate.Length(1, 60))
    unit = fields.String(required=True, validate=validate.OneOf(["kg", "liter"]))
    variant = fields.String(load_default="", validate=validate.Length(max=60))
    active = fields.Boolean(load_default=True)


class ReferencePriceSchema(Schema):
    commodity_code = fields.String(required=True, validate=validate.Length(1, 40))
    kind = fields.String(required=True, validate=validate.OneOf(["HET", "HAP"]))
    price_low = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000_000))
    price_high = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 10_000_000)
    )
    valid_from = QueryDate(required=True)
    valid_until = QueryDate(load_default=None, allow_none=True)
    legal_basis = fields.String(load_default="", validate=validate.Length(max=200))


class ReferencePriceOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    price_low = fields.Integer()
    price_high = fields.Integer()
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    legal_basis = fields.String()


class ObservationSchema(Schema):
    commodity = fields.String(required=True, validate=validate.Length(1, 40))
    price = fields.Raw(
        required=True, metadata={"description": "Rupiah per kg or liter: 12500 or '12.500'"}
    )
    trader = fields.String(load_default="", validate=validate.Length(max=60))
    note = fields.String(load_default="", validate=validate.Length(max=300))
    confirmed = fields.Boolean(load_default=False)
    client_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class ObservationBatchSchema(Schema):
    market = fields.String(required=True, validate=validate.Length(1, 40))
    day = QueryDate(required=True)
    entries = fields.List(
        fields.Nested(ObservationSchema), required=True, validate=validate.Length(1, 500)
    )


class ObservationsSavedSchema(Schema):
    saved = fields.Integer()


class PublishSchema(Schema):
    day = QueryDate(required=True)
    markets = fields.List(fields.String(validate=validate.Length(1, 40)), load_default=None)
    note = fields.String(load_default="", validate=validate.Length(max=300))


class PublishResultSchema(Schema):
    day = fields.Date()
    published = fields.Integer()
    corrected = fields.Integer()
    unchanged = fields.Integer()
    alerts = fields.Integer()


class RangeArgs(QueryArgs):
    first = QueryDate(data_key="from")
    last = QueryDate(data_key="to")


class ComparisonArgs(QueryArgs):
    commodity = fields.String(required=True, validate=validate.Length(1, 40))


class PostSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["offer", "request"]))
    commodity_code = fields.String(required=True, validate=validate.Length(1, 40))
    quantity_kg = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000_000))
    price = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000_000))
    place = fields.String(required=True, validate=validate.Length(1, 100))
    period_from = QueryDate(required=True)
    period_until = QueryDate(required=True)
    #: Default: the registered trader's name and phone (required for a staff account).
    organisation = fields.String(load_default="", validate=validate.Length(0, 100))
    contact = fields.String(load_default="", validate=validate.Length(0, 100))


class PostOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    commodity_code = fields.Function(lambda p: p.commodity.code)
    quantity_kg = fields.Integer()
    price = fields.Integer()
    place = fields.String()
    region_code = fields.String()
    period_from = fields.Date()
    period_until = fields.Date()
    organisation = fields.String()
    status = fields.String()


class TraderRegisterSchema(Schema):
    """A trader, cooperative or BUMDes registering itself; a code goes to the phone."""

    name = fields.String(required=True, validate=validate.Length(1, 100))
    kind = fields.String(
        required=True, validate=validate.OneOf(["trader", "cooperative", "bumdes"])
    )
    phone = fields.String(required=True, validate=validate.Length(8, 20))
    #: Kemendagri code of the regency it trades from; default: this regency.
    region_code = fields.String(load_default="", validate=validate.Length(0, 20))
    place = fields.String(load_default="", validate=validate.Length(0, 100))


class TraderConfirmSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(8, 20))
    code = fields.String(required=True, validate=validate.Length(1, 12))


class TraderStateSchema(Schema):
    """Where a registration stands (no personal data)."""

    status = fields.String(
        metadata={"description": "unconfirmed, pending (waits for the trade office), verified"}
    )


class TraderSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    region_code = fields.String()
    place = fields.String()
    phone = fields.String()
    status = fields.String()
    created_at = fields.DateTime()


class TraderListArgs(Schema):
    status = fields.String(
        load_default="pending",
        validate=validate.OneOf(["unconfirmed", "pending", "verified", "rejected"]),
    )


class TraderDecisionSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["verified", "rejected"]))
    note = fields.String(load_default="", validate=validate.Length(0, 300))


class ModerateSchema(Schema):
    status = fields.String(
        required=True, validate=validate.OneOf(["approved", "rejected", "closed"])
    )


class _FeedSchema(Schema):
    schema = fields.String()
    schema_version = fields.String()
    region_code = fields.String()
    source = fields.String()
    licence = fields.Dict(keys=fields.String(), values=fields.String())


class OpenDataSchema(_FeedSchema):
    """Open data per market and day; see docs/sipaw/open-data.md for the columns."""

    columns = fields.List(fields.String())
    first = fields.String(data_key="from", attribute="from")
    last = fields.String(data_key="to", attribute="to")
    rows = fields.List(
        fields.Dict(), metadata={"description": "one object per row, keys = columns"}
    )


class SummarySchema(_FeedSchema):
    """The regency price per commodity and day (what peers pull)."""

    columns = fields.List(fields.String())
    rows = fields.List(
        fields.Dict(), metadata={"description": "date, commodity_id, price, markets, priceflag"}
    )


class BoardFeedSchema(Schema):
    """Approved, current trade-board posts without contacts."""

    schema = fields.String()
    schema_version = fields.String()
    region_code = fields.String()
    posts = fields.List(fields.Dict())

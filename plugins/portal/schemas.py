"""marshmallow schemas of the portal's REST API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.plugin import QueryArgs
from pamong_plugins.portal.complaints import CATEGORY, KINDS, MAX_BODY, MAX_TITLE
from pamong_plugins.portal.legal import STATUSES, TYPES


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` only: JSON numbers and strings are refused (422)."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class StrictFloat(fields.Float):
    """A JSON number only: strings such as ``"1.5"`` are refused (422)."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class PublicServiceSchema(Schema):
    code = fields.String()
    title = fields.String()
    description = fields.String()
    requirements = fields.List(fields.String())
    fee = fields.Integer(
        allow_none=True, metadata={"description": "Whole rupiah; null: it depends"}
    )
    fee_note = fields.String()
    sop_days = fields.Integer(allow_none=True)
    where = fields.String()
    apply_url = fields.String()
    track_url = fields.String()
    category = fields.String()


class NewsSchema(Schema):
    slug = fields.String()
    kind = fields.String()
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    image_url = fields.String()
    image_alt = fields.String()
    publish_at = fields.DateTime(allow_none=True)


class NewsPageSchema(Schema):
    items = fields.List(fields.Nested(NewsSchema))
    total = fields.Integer()
    page = fields.Integer()


class PageArgs(QueryArgs):
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))


class NewsCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    summary = fields.String(load_default="", validate=validate.Length(max=400))
    body = fields.String(load_default="", validate=validate.Length(max=20000))
    kind = fields.String(load_default="news", validate=validate.OneOf(["news", "announcement"]))
    image_url = fields.String(load_default="", validate=validate.Length(max=300))
    image_alt = fields.String(load_default="", validate=validate.Length(max=200))
    publish = StrictBoolean(load_default=False)
    publish_at = fields.AwareDateTime(load_default=None, allow_none=True)


class ComplaintCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORY)))
    title = fields.String(required=True, validate=validate.Length(1, MAX_TITLE))
    body = fields.String(required=True, validate=validate.Length(1, MAX_BODY))
    desa_code = fields.String(load_default="", validate=validate.Length(max=20))
    latitude = StrictFloat(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = StrictFloat(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    name = fields.String(load_default="", validate=validate.Length(max=120))
    phone = fields.String(load_default="", validate=validate.Length(max=20))
    email = fields.String(load_default="", validate=validate.Length(max=120))
    anonymous = StrictBoolean(load_default=False)
    confidential = StrictBoolean(load_default=False)
    publish_consent = StrictBoolean(load_default=False)


class ComplaintReceiptSchema(Schema):
    number = fields.String()
    access_code = fields.String(metadata={"description": "Keep it: it proves the report is yours"})
    status = fields.String()
    verify_due = fields.Date()
    answer_due = fields.Date()


class ComplaintStaffSchema(Schema):
    number = fields.String()
    kind = fields.String()
    category = fields.String()
    title = fields.String()
    body = fields.String()
    status = fields.String()
    unit = fields.Function(lambda c: c.unit.code)
    verify_due = fields.Date()
    answer_due = fields.Date()
    escalated = fields.Boolean()
    rating = fields.Integer(allow_none=True)
    hidden_reason = fields.String()


class ComplaintListSchema(Schema):
    items = fields.List(fields.Nested(ComplaintStaffSchema))
    total = fields.Integer()
    page = fields.Integer()


class ComplaintListArgs(PageArgs):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(
            [
                "submitted",
                "postponed",
                "in_progress",
                "answered",
                "closed",
                "archived",
                "forwarded",
            ]
        ),
    )


class ComplaintActionSchema(Schema):
    action = fields.String(
        required=True,
        validate=validate.OneOf(["verify", "postpone", "archive", "forward", "answer", "hide"]),
    )
    unit_code = fields.String(load_default="", validate=validate.Length(max=40))
    reason = fields.String(load_default="", validate=validate.Length(max=300))
    to = fields.String(load_default="", validate=validate.Length(max=200))
    body = fields.String(load_default="", validate=validate.Length(max=MAX_BODY))
    answer_id = fields.Integer(load_default=None, allow_none=True)


class ComplaintRatingSchema(Schema):
    access_code = fields.String(required=True, validate=validate.Length(1, 12))
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    reopen = StrictBoolean(load_default=False)
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class PublicAnswerSchema(Schema):
    number = fields.String()
    kind = fields.String()
    category = fields.String()
    place = fields.String()
    title = fields.String()
    body = fields.String()
    answers = fields.Function(lambda a: [{"unit": u, "body": b} for u, b in a.answers])
    rating = fields.Integer(allow_none=True)
    submitted_on = fields.Date()


class PublicAnswerPageSchema(Schema):
    items = fields.List(fields.Nested(PublicAnswerSchema))
    total = fields.Integer()
    page = fields.Integer()


class ComplaintStatsSchema(Schema):
    units = fields.List(fields.Dict())
    categories = fields.List(fields.Dict())
    total = fields.Integer()
    late = fields.Integer()


class LegalSearchArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    type = fields.String(load_default="", validate=validate.OneOf(["", *TYPES]))
    year = fields.Integer(load_default=None, validate=validate.Range(1945, 2100))
    status = fields.String(load_default="", validate=validate.OneOf(["", *STATUSES]))


class LegalDocumentSchema(Schema):
    id = fields.Integer()
    doc_type = fields.String()
    number = fields.String()
    year = fields.Integer()
    title = fields.String()
    subject = fields.String()
    status = fields.String()
    enacted_on = fields.Date(allow_none=True)
    promulgated_on = fields.Date(allow_none=True)
    abstract = fields.String()
    downloads = fields.Integer()
    published = fields.Boolean()
    pdf_size = fields.Integer()


class LegalPageSchema(Schema):
    items = fields.List(fields.Nested(LegalDocumentSchema))
    total = fields.Integer()
    page = fields.Integer()


class LegalCreateSchema(Schema):
    doc_type = fields.String(required=True, validate=validate.OneOf(list(TYPES)))
    number = fields.String(required=True, validate=validate.Length(1, 20))
    year = fields.Integer(required=True, strict=True, validate=validate.Range(1945, 2100))
    title = fields.String(required=True, validate=validate.Length(1, 400))
    subject = fields.String(load_default="", validate=validate.Length(max=200))
    field_of_law = fields.String(load_default="", validate=validate.Length(max=100))
    enacted_on = fields.Date(load_default=None, allow_none=True)
    promulgated_on = fields.Date(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=100))
    abstract = fields.String(load_default="", validate=validate.Length(max=20000))
    body_text = fields.String(load_default="", validate=validate.Length(max=500000))
    amends = fields.String(load_default="", validate=validate.Length(max=40))
    revokes = fields.String(load_default="", validate=validate.Length(max=40))
    #: False keeps a draft (JDIH officers only); its links act when it is published.
    publish = StrictBoolean(load_default=True)


class LegalPdfSchema(Schema):
    """The signed PDF of a document, base64-encoded (at most 20 MB once decoded)."""

    content_base64 = fields.String(required=True, validate=validate.Length(1, 28_000_000))


class ProfilePageSchema(Schema):
    slug = fields.String()
    title = fields.String()
    body = fields.String()
    weight = fields.Integer()
    published = fields.Boolean()
    updated_at = fields.DateTime()


class ProfilePageSaveSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    body = fields.String(load_default="", validate=validate.Length(max=50000))
    weight = fields.Integer(load_default=100, strict=True, validate=validate.Range(0, 1000))
    publish = StrictBoolean(load_default=True)


JDIHN_FIELDS = (
    "idData",
    "tahun_pengundangan",
    "tanggal_pengundangan",
    "jenis",
    "singkatanJenis",
    "noPeraturan",
    "judul",
    "noPanggil",
    "tempatTerbit",
    "penerbit",
    "deskripsiFisik",
    "sumber",
    "subjek",
    "isbn",
    "status",
    "bahasa",
    "bidangHukum",
    "teuBadan",
    "nomorIndukBuku",
    "fileDownload",
    "urlDownload",
    "urlDetailPeraturan",
    "abstrak",
)

#: One document in the JDIHN integration format (Perpres 33/2012): every field a string.
JdihnRecordSchema = Schema.from_dict(
    {name: fields.String() for name in JDIHN_FIELDS}, name="JdihnRecordSchema"
)

"""marshmallow schemas of the Kantaya API (and the pages' forms)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from pamong.plugin import QueryArgs, QueryDate
from pamong_plugins.kantaya.models import ReportStatus
from pamong_plugins.kantaya.services import GRADES, GRID_STATES

_TEXT = validate.Length(max=10_000)


class KantayaPageArgs(QueryArgs):
    """``page`` and ``per_page`` of every list."""

    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class _Page(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


def _page_of(item: type[Schema], name: str) -> type[Schema]:
    """A page schema ``{items, page, per_page, total}`` of ``item`` named ``name``."""
    return type(name, (_Page,), {"items": fields.List(fields.Nested(item))})


class KantayaReportDraftSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(1, 40))
    day = QueryDate(required=True, metadata={"description": "The local day reported; not future"})


class KantayaReportEditSchema(Schema):
    activities = fields.String(validate=_TEXT)
    results = fields.String(validate=_TEXT)
    problems = fields.String(validate=_TEXT)
    follow_up = fields.String(validate=_TEXT)


class KantayaReturnSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 500))


class KantayaCommentInSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(1, 10_000))
    task = fields.Boolean(load_default=False, metadata={"description": "An instruction (task)"})
    due_on = QueryDate(load_default=None, allow_none=True)


class KantayaTaskDoneSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


class KantayaFactSchema(Schema):
    source = fields.String()
    label = fields.String()
    value = fields.Raw(metadata={"description": "A count or a short text"})


class KantayaCommentSchema(Schema):
    id = fields.Integer()
    report_id = fields.Integer()
    author = fields.Function(lambda c: c.author.username if c.author else None)
    body = fields.String()
    task = fields.Boolean(attribute="is_task")
    due_on = fields.Date(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    done_note = fields.String()
    created_at = fields.DateTime()


class KantayaAttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class KantayaReportSchema(Schema):
    id = fields.Integer()
    unit_code = fields.Function(lambda r: r.unit.code)
    unit_name = fields.Function(lambda r: r.unit.name)
    day = fields.Date()
    status = fields.String(metadata={"enum": [s.value for s in ReportStatus]})
    late = fields.Boolean()
    activities = fields.String()
    results = fields.String()
    problems = fields.String()
    follow_up = fields.String()
    facts = fields.List(fields.Nested(KantayaFactSchema))
    return_reason = fields.String()
    submitted_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    comments = fields.List(fields.Nested(KantayaCommentSchema))
    attachments = fields.List(fields.Nested(KantayaAttachmentSchema))
    created = fields.Boolean(metadata={"description": "False when the day's report existed"})


class KantayaReportSummarySchema(Schema):
    id = fields.Integer()
    unit_code = fields.Function(lambda r: r.unit.code)
    unit_name = fields.Function(lambda r: r.unit.name)
    day = fields.Date()
    status = fields.String(metadata={"enum": [s.value for s in ReportStatus]})
    late = fields.Boolean()
    submitted_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)


KantayaReportPageSchema = _page_of(KantayaReportSummarySchema, "KantayaReportPageSchema")


class KantayaReportQueryArgs(KantayaPageArgs):
    unit = fields.String(load_default=None, validate=validate.Length(max=40))
    since = QueryDate(load_default=None)
    until = QueryDate(load_default=None)
    status = fields.String(
        load_default=None, validate=validate.OneOf([s.value for s in ReportStatus])
    )


class KantayaTaskQueryArgs(QueryArgs):
    open = fields.Boolean(load_default=True)


class KantayaGridQueryArgs(QueryArgs):
    month = fields.String(
        required=True,
        validate=validate.Regexp(r"^(19|2\d)\d\d-(0[1-9]|1[0-2])$"),
        metadata={"description": "YYYY-MM"},
    )
    kind = fields.String(load_default=None, validate=validate.Length(max=20))


class KantayaGridRowSchema(Schema):
    unit_code = fields.String()
    unit_name = fields.String()
    kind = fields.String()
    cells = fields.List(fields.String(metadata={"enum": list(GRID_STATES)}))


class KantayaGridSchema(Schema):
    month = fields.String()
    days = fields.List(fields.Date())
    rows = fields.List(fields.Nested(KantayaGridRowSchema))
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())


class KantayaLetterInSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(1, 40))
    classification = fields.String(
        required=True,
        validate=validate.Length(1, 30),
        metadata={"description": "Archive classification code (Permendagri 83/2022)"},
    )
    subject = fields.String(load_default="", validate=validate.Length(max=300))
    addressee = fields.String(load_default="", validate=validate.Length(max=300))
    grade = fields.String(load_default="B", validate=validate.OneOf(GRADES))
    reserve = fields.Boolean(load_default=False, metadata={"description": "For a hand-made letter"})
    reply_to_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "The incoming letter answered"}
    )


class KantayaLetterFillSchema(Schema):
    subject = fields.String(required=True, validate=validate.Length(1, 300))
    addressee = fields.String(load_default="", validate=validate.Length(max=300))


class KantayaLetterSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    year = fields.Integer()
    sequence = fields.Integer()
    classification = fields.String()
    grade = fields.String()
    unit_code = fields.Function(lambda r: r.unit.code)
    subject = fields.String()
    addressee = fields.String()
    reserved = fields.Boolean()
    reply_to_id = fields.Integer(allow_none=True)
    verify_url = fields.String(allow_none=True)


KantayaLetterPageSchema = _page_of(KantayaLetterSchema, "KantayaLetterPageSchema")


class KantayaLetterQueryArgs(KantayaPageArgs):
    year = fields.Integer(load_default=None, validate=validate.Range(1900, 2999))


class KantayaIncomingInSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(1, 40))
    sender = fields.String(required=True, validate=validate.Length(1, 200))
    number = fields.String(required=True, validate=validate.Length(1, 100))
    letter_date = QueryDate(required=True)
    subject = fields.String(required=True, validate=validate.Length(1, 300))
    scan_base64 = fields.String(
        load_default="",
        validate=validate.Length(max=14_000_000),
        metadata={"description": "The scan (PDF, JPEG or PNG), base64; at most 10 MB"},
    )


class KantayaStepInSchema(Schema):
    to_unit_code = fields.String(required=True, validate=validate.Length(1, 40))
    to_username = fields.String(load_default="", validate=validate.Length(max=80))
    instruction = fields.String(load_default="", validate=validate.Length(max=1000))
    due_on = QueryDate(load_default=None, allow_none=True)
    copy = fields.Boolean(load_default=False, metadata={"description": "A copy (tembusan)"})


class KantayaStepSchema(Schema):
    id = fields.Integer()
    incoming_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    from_unit = fields.Function(lambda s: s.from_unit.code)
    to_unit = fields.Function(lambda s: s.to_unit.code)
    to_user = fields.Function(lambda s: s.to_user.username if s.to_user else None)
    instruction = fields.String()
    due_on = fields.Date(allow_none=True)
    copy = fields.Boolean(attribute="is_copy")
    read_at = fields.DateTime(allow_none=True)
    recalled_at = fields.DateTime(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    done_note = fields.String()
    subject = fields.Function(lambda s: s.incoming.subject)


class KantayaIncomingSummarySchema(Schema):
    id = fields.Integer()
    unit_code = fields.Function(lambda r: r.unit.code)
    sender = fields.String()
    number = fields.String()
    letter_date = fields.Date()
    subject = fields.String()
    received_on = fields.Date()
    has_scan = fields.Function(lambda r: r.scan is not None)


class KantayaIncomingSchema(KantayaIncomingSummarySchema):
    dispositions = fields.List(fields.Nested(KantayaStepSchema))


KantayaIncomingPageSchema = _page_of(KantayaIncomingSummarySchema, "KantayaIncomingPageSchema")


class KantayaDoneSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


class KantayaProjectInSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(1, 40))
    name = fields.String(required=True, validate=validate.Length(1, 300))
    pagu = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**13))
    contract_value = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**13))
    contractor = fields.String(load_default="", validate=validate.Length(max=200))
    start_on = QueryDate(required=True)
    end_on = QueryDate(required=True)
    desa_code = fields.String(load_default="", validate=validate.Length(max=20))
    latitude = fields.Float(load_default=None, allow_none=True)
    longitude = fields.Float(load_default=None, allow_none=True)
    plan = fields.List(
        fields.Float(),
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 520),
        metadata={"description": "Planned cumulative % per week; default: a standard S-curve"},
    )


class KantayaProgressInSchema(Schema):
    week_on = QueryDate(required=True)
    physical_pct = fields.Float(required=True, validate=validate.Range(-1000, 1000))
    financial = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10**13))
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    photo_base64 = fields.String(
        load_default="",
        validate=validate.Length(max=7_000_000),
        metadata={"description": "A site photo (JPEG or PNG), base64; at most 5 MB"},
    )


class KantayaStepRecordSchema(Schema):
    kind = fields.String(required=True, validate=validate.Length(1, 12))
    on = QueryDate(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class KantayaProgressSchema(Schema):
    id = fields.Integer()
    week_on = fields.Date()
    has_photo = fields.Function(lambda p: p.photo is not None)
    physical_pct = fields.Float()
    planned_pct = fields.Float()
    financial = fields.Integer()
    reason = fields.String()


class KantayaProjectStepSchema(Schema):
    kind = fields.String()
    on = fields.Date()
    note = fields.String()


class KantayaProjectSummarySchema(Schema):
    id = fields.Integer()
    unit_code = fields.Function(lambda r: r.unit.code)
    name = fields.String()
    pagu = fields.Integer()
    contract_value = fields.Integer()
    contractor = fields.String()
    desa_code = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    start_on = fields.Date()
    end_on = fields.Date()
    actual_pct = fields.Float()
    planned_pct = fields.Float()
    deviation = fields.Float()
    critical = fields.Boolean()


class KantayaProjectSchema(KantayaProjectSummarySchema):
    plan = fields.List(fields.Float())
    progress = fields.List(fields.Nested(KantayaProgressSchema))
    steps = fields.List(fields.Nested(KantayaProjectStepSchema))


class KantayaProjectQueryArgs(KantayaPageArgs):
    critical = fields.Boolean(load_default=None, allow_none=True)
    order = fields.String(
        load_default="deviation", validate=validate.OneOf(["deviation", "name", "value"])
    )


KantayaProjectPageSchema = _page_of(KantayaProjectSummarySchema, "KantayaProjectPageSchema")


class KantayaEventInSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(1, 40))
    title = fields.String(required=True, validate=validate.Length(1, 300))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    location = fields.String(load_default="", validate=validate.Length(max=300))
    leader = fields.String(load_default="", validate=validate.Length(max=80))
    tentative = fields.Boolean(load_default=False)
    invite = fields.List(
        fields.String(validate=validate.Length(1, 80)),
        load_default=list,
        validate=validate.Length(max=500),
    )
    incoming_id = fields.Integer(load_default=None, allow_none=True)


class KantayaInvitationSchema(Schema):
    user = fields.Function(lambda i: i.user.username)
    answer = fields.String()
    delegate = fields.String()
    answered_at = fields.DateTime(allow_none=True)
    attendance = fields.String(
        allow_none=True, metadata={"enum": ["present", "delegate", "absent", None]}
    )


class KantayaEventSchema(Schema):
    id = fields.Integer()
    unit_code = fields.Function(lambda e: e.unit.code)
    title = fields.String()
    location = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    status = fields.String()
    invitations = fields.List(fields.Nested(KantayaInvitationSchema))
    conflicts = fields.List(fields.Integer(), metadata={"description": "Double-booked events"})


class KantayaRsvpSchema(Schema):
    answer = fields.String(required=True, validate=validate.OneOf(["yes", "no", "delegate"]))
    delegate = fields.String(load_default="", validate=validate.Length(max=200))


class KantayaFeedSchema(Schema):
    url = fields.String(metadata={"description": "Secret: anyone with it reads the calendar"})


class KantayaAgendaItemSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    location = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    status = fields.String()


class KantayaDashboardSchema(Schema):
    day = fields.Date()
    units = fields.Integer()
    submitted = fields.Integer()
    late = fields.Integer()
    drafts = fields.Integer()
    missing = fields.Integer()
    week = fields.Function(lambda b: [{"day": d.isoformat(), "submitted": n} for d, n in b.week])
    overdue_dispositions = fields.Integer()
    projects = fields.Integer()
    critical_projects = fields.List(fields.Nested(KantayaProjectSummarySchema))
    agenda = fields.List(fields.Nested(KantayaAgendaItemSchema))


class KantayaDashboardArgs(QueryArgs):
    day = QueryDate(load_default=None)


class KantayaPostSchema(Schema):
    id = fields.Integer()
    thread_id = fields.Integer()
    author = fields.Function(lambda p: p.author.username if p.author else None)
    body = fields.Function(lambda p: "" if p.hidden else p.body)
    hidden = fields.Boolean()
    created_at = fields.DateTime()


class KantayaThreadSummarySchema(Schema):
    id = fields.Integer()
    unit_code = fields.Function(lambda t: t.unit.code)
    topic = fields.String()
    title = fields.String()
    author = fields.Function(lambda t: t.author.username if t.author else None)
    locked = fields.Boolean()
    hidden = fields.Boolean()
    last_post_at = fields.DateTime()


class KantayaThreadSchema(KantayaThreadSummarySchema):
    posts = fields.List(fields.Nested(KantayaPostSchema))


KantayaThreadPageSchema = _page_of(KantayaThreadSummarySchema, "KantayaThreadPageSchema")


class KantayaThreadQueryArgs(KantayaPageArgs):
    topic = fields.String(load_default="", validate=validate.Length(max=60))
    unit = fields.String(load_default="", validate=validate.Length(max=40))


class KantayaThreadInSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(1, 40))
    topic = fields.String(load_default="umum", validate=validate.Length(max=60))
    title = fields.String(required=True, validate=validate.Length(1, 200))
    body = fields.String(required=True, validate=validate.Length(1, 10_000))


class KantayaReplySchema(Schema):
    body = fields.String(required=True, validate=validate.Length(1, 10_000))


class KantayaModerationSchema(Schema):
    locked = fields.Boolean(load_default=None, allow_none=True)
    hidden = fields.Boolean(load_default=None, allow_none=True)


class KantayaHideSchema(Schema):
    hidden = fields.Boolean(load_default=True)


class KantayaSearchArgs(QueryArgs):
    q = fields.String(required=True, validate=validate.Length(1, 200))


# --- attachments, drafts, SRIKANDI, minutes, unit feeds, map ---------------------------------


class KantayaAttachmentInSchema(Schema):
    filename = fields.String(required=True, validate=validate.Length(1, 200))
    data_base64 = fields.String(
        required=True,
        validate=validate.Length(1, 7_000_000),
        metadata={"description": "A photo (JPEG, PNG) or a PDF, base64; at most 5 MB"},
    )


class KantayaDraftInSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(1, 40))
    classification = fields.String(required=True, validate=validate.Length(1, 30))
    subject = fields.String(required=True, validate=validate.Length(1, 300))
    chain = fields.List(
        fields.String(validate=validate.Length(1, 80)),
        required=True,
        validate=validate.Length(1, 8),
        metadata={"description": "Usernames in order: those who initial, then the signer (last)"},
    )
    addressee = fields.String(load_default="", validate=validate.Length(max=300))
    body = fields.String(load_default="", validate=validate.Length(max=20_000))
    grade = fields.String(load_default="B", validate=validate.OneOf(GRADES))
    to_units = fields.List(
        fields.String(validate=validate.Length(1, 40)),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={"description": "Unit codes the signed letter is sent to (core messaging)"},
    )
    reply_to_id = fields.Integer(load_default=None, allow_none=True)


class KantayaDraftEditSchema(Schema):
    subject = fields.String(validate=validate.Length(1, 300))
    addressee = fields.String(validate=validate.Length(max=300))
    body = fields.String(validate=validate.Length(max=20_000))


class KantayaEndorseSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


class KantayaDraftReturnSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(1, 400))


class KantayaDraftStepSchema(Schema):
    position = fields.Integer()
    kind = fields.String(metadata={"enum": ["paraf", "sign"]})
    user = fields.Function(lambda s: s.user.username)
    done_at = fields.DateTime(allow_none=True)
    note = fields.String()


class KantayaDraftSchema(Schema):
    id = fields.Integer()
    unit_code = fields.Function(lambda d: d.unit.code)
    classification = fields.String()
    grade = fields.String()
    subject = fields.String()
    addressee = fields.String()
    body = fields.String()
    to_units = fields.List(fields.String())
    reply_to_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": ["draft", "signed", "sent"]})
    number = fields.Function(lambda d: d.letter.number if d.letter else None)
    steps = fields.List(fields.Nested(KantayaDraftStepSchema))
    sent_at = fields.DateTime(allow_none=True)
    message_id = fields.Integer(allow_none=True)
    srikandi_ref = fields.String()
    returned_note = fields.String(metadata={"description": "Why it was last returned"})
    verify_url = fields.String(allow_none=True)


KantayaDraftPageSchema = _page_of(KantayaDraftSchema, "KantayaDraftPageSchema")


class KantayaDraftQueryArgs(KantayaPageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(["draft", "signed", "sent"]))


class KantayaUnitSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(1, 40))


class KantayaImportSchema(Schema):
    imported = fields.Integer()
    known = fields.Integer(metadata={"description": "Imported before (same SRIKANDI id)"})
    invalid = fields.Integer()


class KantayaAttendanceInSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 80))
    attendance = fields.String(
        required=True, validate=validate.OneOf(["present", "delegate", "absent"])
    )
    delegate = fields.String(load_default="", validate=validate.Length(max=200))


class KantayaFollowUpInSchema(Schema):
    unit_code = fields.String(required=True, validate=validate.Length(1, 40))
    body = fields.String(required=True, validate=validate.Length(1, 1000))
    username = fields.String(load_default="", validate=validate.Length(max=80))
    due_on = QueryDate(load_default=None, allow_none=True)


class KantayaMinutesInSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(1, 20_000))
    follow_ups = fields.List(
        fields.Nested(KantayaFollowUpInSchema), load_default=list, validate=validate.Length(max=50)
    )


class KantayaFollowUpSchema(Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    event_title = fields.Function(lambda f: f.event.title)
    unit_code = fields.Function(lambda f: f.unit.code)
    user = fields.Function(lambda f: f.user.username if f.user else None)
    body = fields.String()
    due_on = fields.Date(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    done_note = fields.String()


class KantayaMinutesSchema(Schema):
    event_id = fields.Integer()
    body = fields.String()
    written_at = fields.DateTime()
    follow_ups = fields.List(fields.Nested(KantayaFollowUpSchema))
    attendance = fields.List(fields.Nested(KantayaInvitationSchema))


class KantayaMapPointSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    unit_code = fields.Function(lambda p: p.unit.code)
    desa_code = fields.String()
    latitude = fields.Float()
    longitude = fields.Float()
    deviation = fields.Float()
    critical = fields.Boolean()

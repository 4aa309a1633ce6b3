"""REST: ``/api/v1/pdam``: connections, tariffs, readings, the bill run, arrears, reports."""

from __future__ import annotations

from typing import Any

from flask import Response

from pamong.plugin import (
    BEARER,
    ApiBlueprint,
    api_actor,
    get_session,
    paginate,
    plugin_settings,
    public_rate_limited,
    regency_today,
    token_required,
)
from pamong_plugins.pdam import photos, services
from pamong_plugins.pdam.schemas import (
    PdamAgeingArgs,
    PdamAgeingRowSchema,
    PdamArrearsArgs,
    PdamArrearSchema,
    PdamBillRunSchema,
    PdamCollectionRowSchema,
    PdamConnectionCreateSchema,
    PdamConnectionPageSchema,
    PdamConnectionQueryArgs,
    PdamConnectionSchema,
    PdamHeldArgs,
    PdamImportResultSchema,
    PdamNrwRowSchema,
    PdamPerCapitaArgs,
    PdamPerCapitaRowSchema,
    PdamPublicArgs,
    PdamPublicSchema,
    PdamReadingCreateSchema,
    PdamReadingImportSchema,
    PdamReadingSchema,
    PdamReportArgs,
    PdamReviewSchema,
    PdamRunResultSchema,
    PdamSealingSchema,
    PdamStatusSchema,
    PdamTariffSchema,
    PdamWorkOrderSchema,
    PdamZoneInputSchema,
)

blp = ApiBlueprint("pdam_api", __name__, description="PDAM: water connections, readings and bills")


def _months(args: dict[str, Any]) -> list[str]:
    since, until = args["since"], args["until"]
    months, current = [], since
    while current <= until and len(months) < 120:
        months.append(current)
        year, month = (int(p) for p in current.split("-"))
        current = f"{year + (month == 12):04d}-{month % 12 + 1:02d}"
    return months


@blp.route("/connections")
@token_required
@blp.arguments(PdamConnectionQueryArgs, location="query")
@blp.response(200, PdamConnectionPageSchema)
@blp.doc(security=BEARER)
def list_connections(args: dict[str, Any]):
    """Connections in the caller's units (NIKs masked)."""
    stmt = services.connections_query(
        api_actor(), desa_code=args.get("desa"), status=args.get("status"), group=args.get("group")
    )
    items, total = paginate(get_session(), stmt, args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/connections", methods=["POST"])
@token_required
@blp.arguments(PdamConnectionCreateSchema)
@blp.response(201, PdamConnectionSchema)
@blp.doc(security=BEARER)
def create_connection(data: dict[str, Any]):
    """A new connection in a desa (``pdam.admin`` there)."""
    session = get_session()
    connection = services.create_connection(session, api_actor(), **data)
    session.commit()
    return connection


@blp.route("/connections/<string:number>")
@token_required
@blp.response(200, PdamConnectionSchema)
@blp.doc(security=BEARER)
def get_connection(number: str):
    """One connection with its dated status history."""
    session = get_session()
    connection = services.get_connection(session, api_actor(), number, personal=True)
    session.commit()
    return connection


@blp.route("/connections/<string:number>/status", methods=["POST"])
@token_required
@blp.arguments(PdamStatusSchema)
@blp.response(200, PdamConnectionSchema)
@blp.doc(security=BEARER)
def change_status(data: dict[str, Any], number: str):
    """Seal, reopen or close a connection (dated, with the reason)."""
    session = get_session()
    connection = services.set_status(
        session,
        api_actor(),
        number,
        data["status"],
        reason=data["reason"],
        effective_on=data["effective_on"],
    )
    session.commit()
    return connection


@blp.route("/connections/<string:number>/reconnection", methods=["POST"])
@token_required
@blp.response(201, PdamWorkOrderSchema)
@blp.doc(security=BEARER)
def reconnection(number: str):
    """A reconnection work order for a sealed connection; its fee is invoiced."""
    session = get_session()
    order = services.request_reconnection(session, api_actor(), number)
    session.commit()
    return order


@blp.route("/tariffs")
@token_required
@blp.response(200, PdamTariffSchema(many=True))
@blp.doc(security=BEARER)
def list_tariffs():
    """Every tariff decree by group and validity."""
    return services.tariffs(get_session())


@blp.route("/tariffs", methods=["POST"])
@token_required
@blp.arguments(PdamTariffSchema)
@blp.response(201, PdamTariffSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="The validity overlaps another decree of the group")
def add_tariff(data: dict[str, Any]):
    """A new decree for a group; an open-ended predecessor ends the day before."""
    session = get_session()
    tariff = services.add_tariff(session, api_actor(), services.TariffInput(**data))
    session.commit()
    return tariff


@blp.route("/readings", methods=["POST"])
@token_required
@blp.arguments(PdamReadingCreateSchema)
@blp.response(201, PdamReadingSchema)
@blp.doc(security=BEARER)
def create_reading(data: dict[str, Any]):
    """A month's reading; suspicious readings are held for review (``status: held``)."""
    session = get_session()
    reading = services.record_reading(
        session,
        api_actor(),
        number=data["customer_number"],
        period=data["period"],
        value=data["value"],
        condition=data["condition"],
        rollover=data["rollover"],
        read_on=data["read_on"],
        source="api",
        today=regency_today(),
    )
    if data.get("photo"):
        photos.attach(session, api_actor(), reading, data["photo"])
    session.commit()
    return reading


@blp.route("/readings/import", methods=["POST"])
@token_required
@blp.arguments(PdamReadingImportSchema)
@blp.response(200, PdamImportResultSchema)
@blp.doc(security=BEARER)
def import_readings(data: dict[str, Any]):
    """A handheld's CSV; any bad row: nothing imported (422 listing the lines) unless skip_bad."""
    session = get_session()
    result = services.import_readings(
        session, api_actor(), data["csv"], skip_bad=data["skip_bad"], today=regency_today()
    )
    session.commit()
    return result


@blp.route("/readings/held")
@token_required
@blp.arguments(PdamHeldArgs, location="query")
@blp.response(200, PdamReadingSchema(many=True))
@blp.doc(security=BEARER)
def held(args: dict[str, Any]):
    """Readings held for review in the caller's units."""
    return services.held_readings(get_session(), api_actor(), args.get("period"))


@blp.route("/readings/<id:reading_id>/review", methods=["POST"])
@token_required
@blp.arguments(PdamReviewSchema)
@blp.response(200, PdamReadingSchema)
@blp.doc(security=BEARER)
def review(data: dict[str, Any], reading_id: int):
    """Accept a held reading (optionally with a corrected volume) or ask for a re-read."""
    session = get_session()
    reading = services.review_reading(
        session, api_actor(), reading_id, accept=data["accept"], consumption=data["consumption"]
    )
    session.commit()
    return reading


@blp.route("/bill-runs", methods=["POST"])
@token_required
@blp.arguments(PdamBillRunSchema)
@blp.response(200, PdamRunResultSchema)
@blp.doc(security=BEARER)
def bill_run(data: dict[str, Any]):
    """Bill up to ``batch`` connections of the month; call again while ``remaining`` > 0."""
    session = get_session()
    result = services.bill_run(
        session,
        api_actor(),
        data["period"],
        estimate_missing=data["estimate"],
        today=regency_today(),
        batch=data["batch"],
        limit=data["batch"],
        due_day=plugin_settings("pdam")["due_day"],
    )
    session.commit()
    return result


@blp.route("/arrears")
@token_required
@blp.arguments(PdamArrearsArgs, location="query")
@blp.response(200, PdamArrearSchema(many=True))
@blp.doc(security=BEARER)
def arrears(args: dict[str, Any]):
    """Connections with unpaid bills, most months first (names masked)."""
    return services.arrears(get_session(), api_actor(), min_months=args["min_months"])


@blp.route("/sealing-orders", methods=["POST"])
@token_required
@blp.arguments(PdamSealingSchema)
@blp.response(200, PdamWorkOrderSchema(many=True))
@blp.doc(security=BEARER)
def sealing_orders(data: dict[str, Any]):
    """Open a sealing order per connection with N unpaid months (default: the setting)."""
    session = get_session()
    months = data["min_months"] or plugin_settings("pdam")["seal_after_months"]
    orders = services.open_sealing_orders(session, api_actor(), min_months=months)
    session.commit()
    return orders


@blp.route("/work-orders")
@token_required
@blp.response(200, PdamWorkOrderSchema(many=True))
@blp.doc(security=BEARER)
def work_orders():
    """Open sealing and reconnection orders in the caller's units."""
    return services.work_orders(get_session(), api_actor())


@blp.route("/work-orders/<id:order_id>/done", methods=["POST"])
@token_required
@blp.response(200, PdamWorkOrderSchema)
@blp.doc(security=BEARER)
def work_order_done(order_id: int):
    """The field team sealed or reconnected: the connection's status follows."""
    session = get_session()
    order = services.complete_work_order(session, api_actor(), order_id)
    session.commit()
    return order


@blp.route("/zone-inputs", methods=["POST"])
@token_required
@blp.arguments(PdamZoneInputSchema)
@blp.response(200, PdamZoneInputSchema)
@blp.doc(security=BEARER)
def zone_input(data: dict[str, Any]):
    """A supply zone's system input volume for a month (bulk meter)."""
    session = get_session()
    row = services.set_zone_input(
        session, api_actor(), data["zone"], data["period"], data["m3"], regency_today()
    )
    session.commit()
    return row


@blp.route("/reports/nrw")
@token_required
@blp.arguments(PdamReportArgs, location="query")
@blp.response(200, PdamNrwRowSchema(many=True))
@blp.doc(security=BEARER)
def nrw(args: dict[str, Any]):
    """Non-revenue water per month, per zone and regency-wide (zone ``*``), IWA definition."""
    return services.nrw_report(get_session(), api_actor(), _months(args))


@blp.route("/reports/collection")
@token_required
@blp.arguments(PdamReportArgs, location="query")
@blp.response(200, PdamCollectionRowSchema(many=True))
@blp.doc(security=BEARER)
def collection(args: dict[str, Any]):
    """Billed and collected rupiah per billing month, and the collection efficiency."""
    return services.collection_report(get_session(), api_actor(), _months(args))


@blp.route("/reports/arrears-ageing")
@token_required
@blp.arguments(PdamAgeingArgs, location="query")
@blp.response(200, PdamAgeingRowSchema(many=True))
@blp.doc(security=BEARER)
def arrears_ageing(args: dict[str, Any]):
    """Overdue rupiah per desa or customer group in 0-30/31-60/61-90/>90-day buckets."""
    return services.arrears_ageing(get_session(), api_actor(), regency_today(), by=args["by"])


@blp.route("/reports/per-capita")
@token_required
@blp.arguments(PdamPerCapitaArgs, location="query")
@blp.response(200, PdamPerCapitaRowSchema(many=True))
@blp.doc(security=BEARER)
def per_capita(args: dict[str, Any]):
    """Household litres per person per day in a month, per desa (KK sizes from the registry)."""
    return services.per_capita(get_session(), api_actor(), args["period"])


@blp.route("/public/bills/<string:number>")
@public_rate_limited
@blp.arguments(PdamPublicArgs, location="query")
@blp.response(200, PdamPublicSchema)
def public_bills(args: dict[str, Any], number: str):
    """The last 12 months of a connection by customer number and check code (name masked)."""
    return services.public_check(get_session(), number, args["code"])


IMAGES = ("image/jpeg", "image/png")


@blp.route("/readings/<id:reading_id>/photo")
@token_required
@blp.response(200, description="The meter photo (JPEG or PNG)", content_type="image/jpeg")
@blp.doc(
    security=BEARER,
    responses={
        "200": {
            "description": "The meter photo (JPEG or PNG)",
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}} for kind in IMAGES
            },
        }
    },
)
def reading_photo(reading_id: int):
    """The meter's photo taken with a reading (404 when there is none)."""
    photo = photos.photo_of(get_session(), api_actor(), reading_id)
    return Response(photo.data, mimetype=photo.content_type)

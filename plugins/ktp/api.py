"""REST: ``/api/v1/ktp``: the counter flow for desk software, the card, the metrics."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response

from pamong.plugin import (
    BEARER,
    ApiBlueprint,
    api_actor,
    get_session,
    paginate,
    plugin_settings,
    require,
    time_zone,
    token_required,
)
from pamong_plugins.ktp import services, stats
from pamong_plugins.ktp.card import card_pdf
from pamong_plugins.ktp.permissions import ADMIN, REPORT
from pamong_plugins.ktp.schemas import (
    KtpApplicationCreateSchema,
    KtpApplicationPageSchema,
    KtpApplicationQueryArgs,
    KtpApplicationSchema,
    KtpCancelSchema,
    KtpCaptureSchema,
    KtpCardSchema,
    KtpFeeRateSchema,
    KtpHandoverSchema,
    KtpStatsQueryArgs,
    KtpStatsSchema,
)

blp = ApiBlueprint("ktp_api", __name__, description="KTP: the resident ID card counter")


def _settings() -> dict[str, Any]:
    return plugin_settings("ktp")


@blp.route("/applications", methods=["POST"])
@token_required
@blp.arguments(KtpApplicationCreateSchema)
@blp.response(201, KtpApplicationSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="An active card or an open application exists")
def create_application(data: dict[str, Any]):
    """Take an application at a kecamatan counter (the resident's domicile kecamatan)."""
    session = get_session()
    application = services.apply(session, api_actor(), **data)
    session.commit()
    return application


@blp.route("/applications")
@token_required
@blp.arguments(KtpApplicationQueryArgs, location="query")
@blp.response(200, KtpApplicationPageSchema)
@blp.doc(security=BEARER)
def list_applications(args: dict[str, Any]):
    """Applications in the caller's kecamatan, newest first; NIKs are masked."""
    session = get_session()
    zone = ZoneInfo(time_zone())  # days are local days
    day = timedelta(days=1)
    since = datetime.combine(args["since"], time.min, zone) if "since" in args else None
    until = datetime.combine(args["until"] + day, time.min, zone) if "until" in args else None
    stmt = services.applications_query(
        api_actor(),
        step=args.get("step"),
        kecamatan_code=args.get("kecamatan"),
        since=since,
        until=until,
    )
    items, total = paginate(session, stmt, args["page"], args["per_page"])
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


@blp.route("/applications/<id:application_id>")
@token_required
@blp.response(200, KtpApplicationSchema)
@blp.doc(security=BEARER)
def get_application(application_id: int):
    """One application with every step's time and officer (the read is audited)."""
    session = get_session()
    application = services.get_application(
        session, api_actor(), application_id, purpose="ktp.api.application"
    )
    session.commit()  # the audit record of the read
    return application


def _step(application_id: int, action: Any, **kwargs: Any) -> Any:
    session = get_session()
    result = action(session, api_actor(), application_id, **kwargs)
    session.commit()
    return result


@blp.route("/applications/<id:application_id>/check", methods=["POST"])
@token_required
@blp.response(200, KtpApplicationSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="Wrong step, or the person holds another NIK")
def check_application(application_id: int):
    """Check the biodata against the registry; possible duplicates put it on hold."""
    return _step(application_id, services.check_biodata)


@blp.route("/applications/<id:application_id>/capture", methods=["POST"])
@token_required
@blp.arguments(KtpCaptureSchema)
@blp.response(200, KtpApplicationSchema)
@blp.doc(security=BEARER)
def capture(data: dict[str, Any], application_id: int):
    """Store the photo and signature; a wrong background colour is only a warning."""
    return _step(application_id, services.capture, **data)


@blp.route("/applications/<id:application_id>/print", methods=["POST"])
@token_required
@blp.response(201, KtpCardSchema)
@blp.doc(security=BEARER)
@blp.alt_response(409, description="Wrong step, or the resident holds an active card")
def print_card(application_id: int):
    """Make the card: a replacement revokes the previous one."""
    return _step(
        application_id,
        services.print_card,
        validity_years=_settings()["validity_years"],
        require_payment=_settings()["require_payment"],
    )


@blp.route("/applications/<id:application_id>/handover", methods=["POST"])
@token_required
@blp.arguments(KtpHandoverSchema)
@blp.response(200, KtpApplicationSchema)
@blp.doc(security=BEARER)
def handover(data: dict[str, Any], application_id: int):
    """Record who collected the card; this closes the tracked file."""
    return _step(application_id, services.hand_over, **data)


@blp.route("/applications/<id:application_id>/cancel", methods=["POST"])
@token_required
@blp.arguments(KtpCancelSchema)
@blp.response(200, KtpApplicationSchema)
@blp.doc(security=BEARER)
def cancel(data: dict[str, Any], application_id: int):
    """Cancel an application before its card is printed."""
    return _step(application_id, services.cancel, **data)


@blp.route("/cards/<id:card_id>")
@token_required
@blp.response(200, KtpCardSchema)
@blp.doc(security=BEARER)
def get_card(card_id: int):
    """A card: active or revoked, and its validity."""
    return services.get_card(get_session(), api_actor(), card_id)


@blp.route("/cards/<id:card_id>/pdf")
@token_required
@blp.response(200, description="The card as a PDF (ID-1 size)", content_type="application/pdf")
@blp.doc(security=BEARER)
def card_as_pdf(card_id: int):
    """Print the card again; the card's record does not change (the reprint is audited)."""
    session = get_session()
    card = services.reprint(session, api_actor(), card_id)
    pdf = card_pdf(session, card, time_zone())
    session.commit()
    return Response(pdf, mimetype="application/pdf")


@blp.route("/fees")
@token_required
@blp.response(200, KtpFeeRateSchema(many=True))
@blp.doc(security=BEARER)
def list_fees():
    """The fee schedule, newest period first (no rate in force: free)."""
    require(api_actor(), REPORT)
    return services.fee_rates(get_session())


@blp.route("/fees", methods=["POST"])
@token_required
@blp.arguments(KtpFeeRateSchema)
@blp.response(201, KtpFeeRateSchema)
@blp.doc(security=BEARER)
def add_fee(data: dict[str, Any]):
    """Add the fee for a period (periods may not overlap)."""
    require(api_actor(), ADMIN)
    session = get_session()
    rate = services.add_fee_rate(session, api_actor(), **data)
    session.commit()
    return rate


@blp.route("/stats")
@token_required
@blp.arguments(KtpStatsQueryArgs, location="query")
@blp.response(200, KtpStatsSchema)
@blp.doc(security=BEARER)
def service_stats(args: dict[str, Any]):
    """Cards issued per kecamatan and day, minutes from application to print, backlog."""
    actor = api_actor()
    require(actor, REPORT)
    session = get_session()
    zone = time_zone()
    return {
        "days": stats.daily_rows(session, actor, args["since"], args["until"], zone),
        "kecamatan": stats.summary(session, actor, args["since"], args["until"], zone),
    }

"""SIPAW pages: the public price page, charts, widget, open data CSV, comparison, board;
the enumerator's phone page, the coordinator's review, the trade office's management.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as web_session
from flask_login import current_user, login_required
from markupsafe import Markup
from marshmallow import ValidationError

from pamong.plugin import (
    InvalidInput,
    PamongError,
    _,
    check_query_date,
    get_region,
    get_session,
    public_rate_limited,
    regency_today,
    region_code,
)
from pamong_plugins.sipaw import board, charts, opendata, peers, services, traders
from pamong_plugins.sipaw import permissions as perm
from pamong_plugins.sipaw.models import SipawTrader
from pamong_plugins.sipaw.schemas import (
    CommoditySaveSchema,
    MarketCreateSchema,
    PostSchema,
    ReferencePriceSchema,
    TraderRegisterSchema,
)
from pamong_plugins.sipaw.settings import settings

bp = Blueprint("sipaw", __name__, template_folder="templates")
RANGES = {"week": 7, "month": 31, "year": 366, "5y": 5 * 366}


@bp.app_template_filter("sipaw_rp")
def _rp(value: int | None) -> str:
    """``Rp12.500``: the regency's rupiah format, fast enough for a table of prices."""
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{abs(value):,}".replace(",", ".")


@bp.app_template_filter("sipaw_number")
def _number(value: int | None) -> str:
    """``12.500``: a whole number with the Indonesian thousands separator."""
    return "-" if value is None else f"{value:,}".replace(",", ".")


def _actor() -> Any:
    return current_user.actor


def _can(permission: str) -> bool:
    return bool(
        current_user.is_authenticated
        and getattr(current_user, "actor", None)
        and _actor().can(permission)
    )


def _day_arg(name: str, default: date | None) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    try:
        return check_query_date(date.fromisoformat(value))
    except ValueError:
        raise InvalidInput(_("%(value)s is not a date (YYYY-MM-DD).", value=repr(value))) from None


def _form(schema: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    skip = ("csrf_token", "what")
    raw = {k: v for k, v in request.form.items() if k not in skip and v != ""}
    try:
        return schema().load(raw | (extra or {}))
    except ValidationError as error:
        fields = ", ".join(sorted(error.messages_dict))
        raise InvalidInput(_("Check these fields: %(fields)s", fields=fields)) from None


def _int_or_raw(value: str | None) -> int | str | None:
    if value is None or value == "":
        return None
    digits = value.replace(".", "").strip()
    return int(digits) if digits.isdigit() and len(digits) < 9 else value


# -- public -----------------------------------------------------------------------------


@bp.route("/")
@public_rate_limited
def prices() -> Any:
    """Today's prices per commodity (regency and per market), changes, HET colour, alerts."""
    db = get_session()
    markets = services.list_markets(db)
    market_code = request.args.get("market", "")
    market = next((m for m in markets if m.code == market_code), None)
    day, rows = services.price_board(
        db, _day_arg("day", None), market_id=market.id if market else None
    )
    return render_template(
        "sipaw/prices.html",
        day=day,
        rows=rows,
        markets=markets,
        market=market,
        alerts=services.alerts_on(db, day) if day else [],
    )


@bp.route("/commodities/<code>")
@public_rate_limited
def commodity(code: str) -> Any:
    """A commodity's history chart (week, month, year, five years)."""
    db = get_session()
    item = services.get_commodity(db, code)
    span = request.args.get("range", "month")
    if span not in RANGES:
        span = "month"
    last = services.latest_day(db) or regency_today()
    first = last - timedelta(days=RANGES[span])
    points = services.series(db, code, first, last)
    ref = services.references_on(db, last).get(item.id)
    svg = charts.svg_chart(points, reference=ref.price_high if ref else None, title=item.name)
    by_market = services.market_prices(db, item.id, last)
    places = [
        (m.name, m.latitude, m.longitude, by_market.get(m.id)) for m in services.list_markets(db)
    ]
    return render_template(
        "sipaw/commodity.html",
        market_map=Markup(charts.svg_map(places, reference=ref.price_high if ref else None)),
        item=item,
        span=span,
        ranges=list(RANGES),
        chart=Markup(svg),
        points=points[-10:],
        reference=ref,
    )


@bp.route("/commodities/<code>/chart.svg")
@public_rate_limited
def chart_svg(code: str) -> Any:
    db = get_session()
    item = services.get_commodity(db, code)
    span = request.args.get("range", "month")
    last = services.latest_day(db) or regency_today()
    points = services.series(db, code, last - timedelta(days=RANGES.get(span, 31)), last)
    ref = services.references_on(db, last).get(item.id)
    svg = charts.svg_chart(points, reference=ref.price_high if ref else None, title=item.name)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=600"})


@bp.route("/widget")
@public_rate_limited
def widget() -> Any:
    """A small table for the regency portal (an iframe)."""
    day, rows = services.price_board(get_session())
    response = Response(render_template("sipaw/widget.html", day=day, rows=rows))
    # Framed by the regency portal: CSP frame-ancestors overrides X-Frame-Options.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *; base-uri 'none'"
    )
    return response


@bp.route("/open-data")
@public_rate_limited
def open_data_page() -> Any:
    return render_template(
        "sipaw/open_data.html", columns=opendata.COLUMNS, meta=opendata.metadata()
    )


@bp.route("/open-data/prices.csv")
@public_rate_limited
def open_data_csv() -> Any:
    """Prices per market and day as CSV (WFP/HDX columns); missing prices are empty, flagged."""
    db = get_session()
    last = _day_arg("to", None) or services.latest_day(db) or regency_today()
    first = _day_arg("from", None) or last
    opendata.check_range(first, last)
    meta = opendata.metadata()
    body = "".join(opendata.as_csv(opendata.rows(db, first, last)))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="sipaw-{first}-{last}.csv"',
            "Link": f'<{meta["licence"]["url"]}>; rel="license"',
        },
    )


@bp.route("/compare")
@public_rate_limited
def compare() -> Any:
    """A commodity across regions: table, chart, CV; stale peers marked."""
    db = get_session()
    items = services.list_commodities(db)
    if not items:
        abort(404)
    code = request.args.get("commodity") or items[0].code
    item = services.get_commodity(db, code)
    today = regency_today()
    regions, spread = peers.compare(db, code, today)
    last = services.latest_day(db) or today
    first = last - timedelta(days=366)
    lines = {
        p["name"]: peers.peer_series(db, p["code"], code, first, last)
        for p in peers.configured_peers(db)
    }
    here = _region_names()
    svg = charts.svg_chart(
        services.series(db, code, first, last),
        series=lines,
        title=item.name,
        label=next(iter(here.values())),
    )
    year = last.year
    return render_template(
        "sipaw/compare.html",
        items=items,
        item=item,
        regions=regions,
        spread=spread,
        chart=Markup(svg),
        yearly=peers.yearly_cv(db, year),
        year=year,
        peer_names={p["code"]: p["name"] for p in peers.configured_peers(db)} | _region_names(),
    )


def _signed_in_trader(db: Any) -> SipawTrader | None:
    """The registered trader signed in on this browser (its code confirmed), if any."""
    trader = traders.get(db, web_session.get("sipaw_trader_id"))
    return trader if trader is not None and trader.phone_verified_at else None


def _region_names() -> dict[str, str]:
    here = region_code()
    region = get_region(here)
    return {here: region.name if region else here}


@bp.route("/board")
@public_rate_limited
def board_page() -> Any:
    """Offers and requests; contacts for verified traders only; matches across regions."""
    db = get_session()
    trader = _signed_in_trader(db)
    is_trader = _can(perm.TRADER) or bool(trader and trader.verified)
    today = regency_today()
    own = board.posts(db, today=today)
    found = board.matches([board.public_post(p) for p in own], peers.peer_posts(db))
    shown = {}
    if is_trader:
        reader = _actor() if _can(perm.TRADER) else traders.trader_actor(trader)
        shown = board.contacts(db, reader, own)
        db.commit()
    items = services.list_commodities(db)
    return render_template(
        "sipaw/board.html",
        posts=own,
        matches=found,
        is_trader=is_trader,
        trader=trader,
        contacts=shown,
        commodities=items,
        names={c.code: f"{c.name} {c.variant}".strip() for c in items},
        own_posts={f"{p.region_code}:{p.id}": p.id for p in own},
        regions=_region_names(),
    )


@bp.route("/board/posts", methods=["POST"])
def board_post() -> Any:
    """A verified trader posts an offer or a request (it waits for moderation)."""
    db = get_session()
    trader = None if _can(perm.TRADER) else _signed_in_trader(db)
    if trader is None and not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not (_can(perm.TRADER) or (trader and trader.verified)):
        abort(403)
    data = _form(
        PostSchema,
        {
            "price": _int_or_raw(request.form.get("price")),
            "quantity_kg": _int_or_raw(request.form.get("quantity_kg")),
        },
    )
    actor = traders.trader_actor(trader) if trader else _actor()
    board.add_post(db, actor, trader=trader, **data)
    db.commit()
    flash(_("Posted: it appears after moderation."), "info")
    return redirect(url_for("sipaw.board_page"))


@bp.route("/traders/register", methods=["GET", "POST"])
@public_rate_limited
def trader_register() -> Any:
    """A trader, cooperative or BUMDes registers itself; a code goes to its phone."""
    if request.method == "POST":
        db = get_session()
        data = _form(TraderRegisterSchema)
        data["region"] = data.pop("region_code")
        trader = traders.register(db, **data)
        db.commit()
        web_session["sipaw_trader_phone"] = trader.phone
        flash(_("A code was sent to your phone: enter it to confirm."), "info")
        return redirect(url_for("sipaw.trader_sign_in"))
    return render_template("sipaw/trader_register.html")


@bp.route("/traders/sign-in", methods=["GET", "POST"])
@public_rate_limited
def trader_sign_in() -> Any:
    """Step 1: the phone (a code is sent); step 2: the code (confirms and signs in)."""
    db = get_session()
    if request.method == "POST" and request.form.get("what") == "phone":
        phone = request.form.get("phone", "")
        traders.request_code(db, phone)
        db.commit()
        web_session["sipaw_trader_phone"] = phone
        flash(_("If this phone is registered, a code was sent to it."), "info")
        return redirect(url_for("sipaw.trader_sign_in"))
    if request.method == "POST":
        try:
            trader = traders.confirm(
                db, web_session.get("sipaw_trader_phone", ""), request.form.get("code", "")
            )
        finally:
            db.commit()  # a wrong try counts
        web_session.pop("sipaw_trader_phone", None)
        web_session["sipaw_trader_id"] = trader.id
        if trader.verified:
            flash(_("Signed in as %(name)s.", name=trader.name), "info")
        else:
            flash(_("Phone confirmed: the trade office will verify your registration."), "info")
        return redirect(url_for("sipaw.board_page"))
    return render_template(
        "sipaw/trader_sign_in.html",
        waiting=bool(web_session.get("sipaw_trader_phone")),
        trader=_signed_in_trader(db),
    )


@bp.route("/traders/sign-out", methods=["POST"])
def trader_sign_out() -> Any:
    web_session.pop("sipaw_trader_id", None)
    web_session.pop("sipaw_trader_phone", None)
    return redirect(url_for("sipaw.board_page"))


@bp.route("/entry.js")
def entry_script() -> Any:
    """The entry page's script (a file: the pages' policy allows no inline scripts)."""
    return Response(
        render_template("sipaw/entry.js"),
        mimetype="application/javascript",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@bp.route("/sw.js")
def service_worker() -> Any:
    """The entry page's service worker (served here so its scope is /sipaw/)."""
    return Response(
        render_template("sipaw/sw.js"),
        mimetype="application/javascript",
        headers={"Cache-Control": "no-cache"},
    )


# -- staff --------------------------------------------------------------------------------


@bp.route("/entry", methods=["GET", "POST"])
@login_required
def entry() -> Any:
    """The enumerator's phone page: three traders per commodity; queued offline, sent later."""
    if not _actor().can(perm.ENUMERATOR):
        abort(403)
    db = get_session()
    markets = services.entry_markets(db, _actor())
    if request.method == "POST" and request.is_json:
        try:
            return _entry_json(db)
        except PamongError as error:
            db.rollback()
            return Response(
                json.dumps(error.to_problem()),
                status=error.status,
                mimetype="application/problem+json",
            )
    if request.method == "POST":
        market_code = request.form.get("market", "")
        try:
            day = check_query_date(date.fromisoformat(request.form.get("day", "")))
        except ValueError:
            raise InvalidInput(_("The day is not a date (YYYY-MM-DD).")) from None
        made = services.record_observations(
            db, _actor(), market_code=market_code, day=day, entries=_form_entries()
        )
        db.commit()
        flash(_("%(count)s prices saved.", count=len(made)), "info")
        return redirect(url_for("sipaw.entry", market=market_code))
    if not markets:
        return render_template("sipaw/entry.html", markets=[], market=None)
    market_code = request.args.get("market") or markets[0].code
    market = next((m for m in markets if m.code == market_code), markets[0])
    items = services.list_commodities(db)
    previous = {
        c.id: services.previous_price(db, market.id, c.id, regency_today() + timedelta(days=1))
        for c in items
    }
    return render_template(
        "sipaw/entry.html",
        markets=markets,
        market=market,
        items=items,
        previous=previous,
        today=regency_today(),
        limit=settings()["confirm_change_percent"],
    )


def _entry_json(db: Any) -> Any:
    """The phone's queued batch (JSON, session cookie and CSRF header)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise InvalidInput(_("The body is not a JSON object."))
    entries = payload.get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidInput(_("entries is a list of objects."))
    try:
        day = check_query_date(date.fromisoformat(str(payload.get("day") or "")))
    except ValueError:
        raise InvalidInput(_("The day is not a date (YYYY-MM-DD).")) from None
    made = services.record_observations(
        db, _actor(), market_code=str(payload.get("market") or ""), day=day, entries=entries
    )
    db.commit()
    return {"saved": len(made)}, 201


def _form_entries() -> list[dict[str, Any]]:
    entries = []
    for item in request.form.getlist("commodity"):
        for n in range(1, 4):
            price = request.form.get(f"price-{item}-{n}", "").strip()
            if not price:
                continue
            entries.append(
                {
                    "commodity": item,
                    "price": price,
                    "trader": f"{n}",
                    "note": request.form.get(f"note-{item}", ""),
                    "confirmed": request.form.get(f"confirm-{item}") == "1",
                }
            )
    if not entries:
        raise InvalidInput(_("No price was entered."), slug="empty-entry")
    return entries


@bp.route("/import", methods=["POST"])
@login_required
def import_page() -> Any:
    """A CSV of observations (any bad line refuses the file, each line reported)."""
    if not _actor().can(perm.ENUMERATOR):
        abort(403)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(_("Choose a CSV file."), slug="no-file")
    try:
        text = upload.read(5_000_000).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text."), slug="invalid-csv") from None
    db = get_session()
    try:
        saved = services.import_csv(db, _actor(), text)
    except InvalidInput as exc:
        db.rollback()
        for error in (exc.extra.get("errors") or [])[:50]:
            flash(
                _("Line %(row)s: %(message)s", row=error["row"], message=error["message"]), "error"
            )
        flash(exc.detail, "error")
        return redirect(url_for("sipaw.entry"))
    db.commit()
    flash(_("%(count)s prices imported.", count=saved), "info")
    return redirect(url_for("sipaw.entry"))


@bp.route("/review", methods=["GET", "POST"])
@login_required
def review() -> Any:
    """The coordinator's day: entries per market, medians, publish."""
    if not _actor().can(perm.COORDINATOR):
        abort(403)
    db = get_session()
    day = _day_arg("day", regency_today()) or regency_today()
    if request.method == "POST":
        try:
            day = check_query_date(date.fromisoformat(request.form.get("day", "")))
        except ValueError:
            raise InvalidInput(_("The day is not a date (YYYY-MM-DD).")) from None
        result = services.publish_day(db, _actor(), day, note=request.form.get("note", ""))
        db.commit()
        flash(
            _(
                "Published %(published)s prices, corrected %(corrected)s; %(alerts)s alerts.",
                published=result.published,
                corrected=result.corrected,
                alerts=result.alerts,
            ),
            "info",
        )
        return redirect(url_for("sipaw.review", day=day.isoformat()))
    return render_template(
        "sipaw/review.html",
        day=day,
        markets=services.review_day(db, _actor(), day),
        items=services.list_commodities(db),
    )


@bp.route("/manage", methods=["GET", "POST"])
@login_required
def manage() -> Any:
    """Markets, HET/HAP and trade-board moderation for the trade office."""
    if not _actor().can(perm.ADMIN):
        abort(403)
    db = get_session()
    if request.method == "POST":
        what = request.form.get("what")
        if what == "market":
            data = _form(MarketCreateSchema)
            services.add_market(db, _actor(), **data)
            flash(_("Market added."), "info")
        elif what == "reference":
            data = _form(
                ReferencePriceSchema,
                {
                    "price_low": _int_or_raw(request.form.get("price_low")),
                    "price_high": _int_or_raw(request.form.get("price_high")),
                },
            )
            services.add_reference_price(db, _actor(), **data)
            flash(_("Reference price saved."), "info")
        elif what in ("close", "open"):
            services.set_market_open(db, _actor(), request.form.get("market", ""), what == "open")
            flash(_("Market updated."), "info")
        elif what == "peer":
            peers.add_peer(
                db,
                _actor(),
                code=request.form.get("code", ""),
                name=request.form.get("name", ""),
                url=request.form.get("url", ""),
                region_code=request.form.get("region_code", ""),
            )
            flash(_("Peer saved."), "info")
        elif what == "commodity":
            data = _form(CommoditySaveSchema, {"active": request.form.get("active") == "1"})
            services.save_commodity(db, _actor(), **data)
            flash(_("Commodity saved."), "info")
        elif what == "trader":
            trader_id = _int_or_raw(request.form.get("trader"))
            if not isinstance(trader_id, int):
                raise InvalidInput(_("Which trader?"))
            traders.decide(
                db,
                _actor(),
                trader_id,
                request.form.get("status", ""),
                request.form.get("note", ""),
            )
            flash(_("Trader decided."), "info")
        elif what == "moderate":
            post_id = _int_or_raw(request.form.get("post"))
            if not isinstance(post_id, int):
                raise InvalidInput(_("Which post?"))
            board.moderate(db, _actor(), post_id, request.form.get("status", ""))
            flash(_("Post moderated."), "info")
        else:
            raise InvalidInput(_("Unknown action."))
        db.commit()
        return redirect(url_for("sipaw.manage"))
    waiting_traders = traders.queue(db, _actor())
    db.commit()  # the audit of the phones shown
    return render_template(
        "sipaw/manage.html",
        markets=services.list_markets(db),
        items=services.list_commodities(db, active_only=False),
        references=services.list_references(db),
        pending=board.posts(db, status="pending"),
        waiting_traders=waiting_traders,
        peers=peers.configured_peers(db),
        statuses=peers.statuses(db),
        names={
            c.id: f"{c.name} {c.variant}" for c in services.list_commodities(db, active_only=False)
        },
    )

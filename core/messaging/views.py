"""Inbox pages: list, read, reply, archive, compose; the outbox for admins."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from pamong.db import get_session
from pamong.errors import PamongError
from pamong.i18n import gettext as _
from pamong.messaging import services
from pamong.messaging.models import MessageKind
from pamong.orgunits.models import OrgUnit, OrgUnitKind

bp = Blueprint("messaging", __name__, url_prefix="/messages")


def _uploads() -> list[services.Upload]:
    return [
        services.Upload(f.filename or "attachment", f.read(services.MAX_ATTACHMENT_BYTES + 1))
        for f in request.files.getlist("attachments")
        if f and f.filename
    ]


@bp.route("/")
@login_required
def inbox() -> Any:
    archived = request.args.get("archived") == "1"
    db = get_session()
    entries = db.scalars(services.inbox_query(current_user.id, archived=archived).limit(200)).all()
    return render_template(
        "messaging/inbox.html",
        entries=entries,
        archived=archived,
        unread=services.unread_count(db, current_user.id),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def compose() -> Any:
    actor = current_user.actor
    db = get_session()
    units = [
        db.get(OrgUnit, grant.unit_id) for grant in actor.grants if grant.allows(services.SEND)
    ]
    if not units:
        abort(403)
    if request.method == "POST":
        form = request.form
        sender = next((u for u in units if u and u.code == form.get("sender_unit")), None)
        try:
            if sender is None:
                raise PamongError(_("Choose the unit you write for."))
            message = services.send_message(
                db,
                actor,
                sender_unit=sender,
                kind=form.get("kind", "letter"),
                subject=form.get("subject", "")[:200],
                body=form.get("body", "")[:20_000],
                to_users=[u.strip() for u in form.get("to_users", "").split(",") if u.strip()],
                to_units=form.getlist("to_units"),
                to_kind=form.get("to_kind") or None,
                attachments=_uploads(),
            )
            db.commit()
        except PamongError as error:
            db.rollback()
            flash(error.detail, "error")
            return render_template(
                "messaging/compose.html", units=units, form=form, **_choices(db)
            ), 422
        flash(_("Sent to %(who)s.", who=message.recipients_label), "info")
        return redirect(url_for("messaging.inbox"))
    return render_template("messaging/compose.html", units=units, form={}, **_choices(db))


def _choices(db: Any) -> dict[str, Any]:
    kecamatan_and_offices = db.scalars(
        select(OrgUnit)
        .where(OrgUnit.kind.not_in([OrgUnitKind.DESA.value, OrgUnitKind.KELURAHAN.value]))
        .order_by(OrgUnit.kind, OrgUnit.name)
    ).all()
    return {
        "kinds": [k.value for k in MessageKind],
        "recipient_units": kecamatan_and_offices,
        "unit_kinds": [
            OrgUnitKind.KECAMATAN.value,
            OrgUnitKind.DESA.value,
            OrgUnitKind.KELURAHAN.value,
            OrgUnitKind.SKPD.value,
        ],
    }


@bp.route("/<id:message_id>")
@login_required
def read(message_id: int) -> Any:
    db = get_session()
    try:
        entry = services.open_entry(db, current_user.actor, message_id)
    except PamongError:
        abort(404)
    db.commit()
    return render_template("messaging/read.html", entry=entry, message=entry.message)


@bp.route("/<id:message_id>/reply", methods=["POST"])
@login_required
def reply(message_id: int) -> Any:
    db = get_session()
    try:
        services.reply(
            db, current_user.actor, message_id, request.form.get("body", "")[:20_000], _uploads()
        )
        db.commit()
    except PamongError as error:
        db.rollback()
        flash(error.detail, "error")
        return redirect(url_for("messaging.read", message_id=message_id))
    flash(_("Reply sent."), "info")
    return redirect(url_for("messaging.inbox"))


@bp.route("/<id:message_id>/archive", methods=["POST"])
@login_required
def archive(message_id: int) -> Any:
    db = get_session()
    try:
        services.archive(db, current_user.actor, message_id)
    except PamongError:
        abort(404)
    db.commit()
    flash(_("Archived."), "info")
    return redirect(url_for("messaging.inbox"))


@bp.route("/attachments/<id:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Any:
    try:
        item = services.attachment_for(get_session(), current_user.actor, attachment_id)
    except PamongError:
        abort(404)
    return send_file(
        io.BytesIO(item.data),
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.filename,
    )


@bp.route("/outbox")
@login_required
def outbox() -> Any:
    if not current_user.can(services.MANAGE_DELIVERIES):
        abort(403)
    dead = get_session().scalars(services.dead_deliveries(current_user.actor).limit(200)).all()
    return render_template("messaging/outbox.html", deliveries=dead)


@bp.route("/outbox/<id:delivery_id>/retry", methods=["POST"])
@login_required
def retry(delivery_id: int) -> Any:
    db = get_session()
    try:
        services.retry_delivery(db, current_user.actor, delivery_id)
    except PamongError:
        abort(404)
    db.commit()
    flash(_("Queued again."), "info")
    return redirect(url_for("messaging.outbox"))

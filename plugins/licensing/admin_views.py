"""Catalogue administration pages beyond the service form: signing officials, ending
delegations. Registered on the licensing blueprint (imported by the hooks).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from pamong.plugin import InvalidInput, NotFound, OrgUnit, _, get_session
from pamong_plugins.licensing import permissions as perm
from pamong_plugins.licensing import services
from pamong_plugins.licensing.models import Delegation
from pamong_plugins.licensing.views import bp


def _admin() -> Any:
    if not current_user.can(perm.ADMIN):
        abort(403)
    return current_user.actor


@bp.route("/admin/signatories", methods=["GET", "POST"])
@login_required
def signatories() -> Any:
    """Who signs permits, per unit and optionally per service."""
    actor = _admin()
    db = get_session()
    if request.method == "POST" and request.form.get("delete"):
        try:
            signatory_id = int(request.form["delete"])
        except ValueError:
            raise NotFound(_("No such signing official."), slug="signatory-not-found") from None
        services.delete_signatory(db, actor, signatory_id)
        db.commit()
        flash(_("Signing official removed."), "info")
        return redirect(url_for("licensing.signatories"))
    status = 200
    if request.method == "POST":
        code = request.form.get("service", "")
        try:
            service_type = services.get_service_type(db, code) if code else None
            saved = services.save_signatory(
                db, actor, request.form.get("unit", ""), request.form, service_type
            )
        except (InvalidInput, NotFound) as error:  # keep what was typed, say what is wrong
            db.rollback()
            flash(error.detail, "error")
            status = 422
        else:
            db.commit()
            flash(_("Signing official %(name)s saved.", name=saved.name), "info")
            return redirect(url_for("licensing.signatories"))
    units = [
        unit
        for unit in db.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind.in_(("regency", "kecamatan", "skpd", "service_point")))
            .order_by(OrgUnit.path)
        )
        if actor.can(perm.ADMIN, unit)
    ]
    return render_template(
        "licensing/signatories.html",
        rows=services.signatories(db, actor),
        units=units,
        types=services.service_types(db, active_only=True),
        form=request.form if status != 200 else {},
    ), status


@bp.route("/admin/delegations/<id:delegation_id>/end", methods=["POST"])
@login_required
def end_delegation(delegation_id: int) -> Any:
    actor = _admin()
    db = get_session()
    delegation = db.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound(_("No such delegation."), slug="delegation-not-found")
    try:
        ended_on = date.fromisoformat(request.form.get("ended_on", ""))
    except ValueError:
        raise InvalidInput(
            _("Give the date the delegation ends."), slug="invalid-date", field="ended_on"
        ) from None
    services.end_delegation(db, actor, delegation, ended_on)
    db.commit()
    flash(_("Delegation ended."), "info")
    return redirect(url_for("licensing.edit_type", type_id=delegation.service_type_id))

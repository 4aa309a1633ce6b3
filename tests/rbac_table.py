"""Who may call what: the declared access rule of every endpoint and page.

``tests/test_rbac_matrix.py`` enumerates the app's URL map (the core and
every installed plugin, all enabled) and its OpenAPI document, and checks
each row below against every role, with a target inside and one outside
the role's grant where the rule is scoped to the target's unit. A route
without a row fails the matrix: add one when you add an endpoint.

A row is keyed ``"METHOD /rule"`` exactly as in the URL map. Its rule says:

- ``realm``: ``public`` (anyone), ``staff`` (a logged-in staff user: pages
  redirect others to ``/login``, the API answers 401), or ``applicant``
  (the licensing portal's own login: everybody else is sent to
  ``/licensing/portal/login``).
- ``need``: the permissions of which the caller needs one (:data:`ANY`:
  any grant), at the target's unit when ``scoped`` (else anywhere).
- ``denied``: the answer without any of ``need`` anywhere; ``out``: with
  one of them, but not at the target's unit (default: ``denied``).
- ``see``: permissions of which one is needed at the target's unit to learn
  that it exists; without them the answer is ``hidden`` (404).
- ``target``: what fills the URL and the body (built by the matrix: a
  resident, an application, a message… inside or outside the grant).
- ``body``: the minimal valid body of a write, so that the call reaches
  the permission check instead of failing validation.

An allowed call may answer anything but a refusal (401, 403, a login
redirect, the row's ``denied``/``out``/``hidden`` answers) or a 5xx; ``ok``
pins the exact statuses instead. ``REFUSED`` is a page that redirects with
an error message instead of answering 403/404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

#: Any staff grant (at the target's unit, when scoped).
ANY = "<any grant>"
#: A page that refuses by redirecting with an error message (flash).
REFUSED = "refused"

Outcome = int | str
Body = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    realm: str = "staff"
    need: tuple[str, ...] = (ANY,)
    scoped: bool = False
    target: str | None = None
    denied: Outcome = 403
    out: Outcome | None = None
    see: tuple[str, ...] = ()
    hidden: Outcome = 404
    body: Body | None = None
    ok: tuple[int, ...] | None = None


def public(target: str | None = None, **kw: Any) -> Rule:
    return Rule(realm="public", need=(), target=target, **kw)


def staff(**kw: Any) -> Rule:
    """Any logged-in staff user."""
    return Rule(**kw)


def anywhere(*need: str, **kw: Any) -> Rule:
    """One of ``need`` at any unit."""
    return Rule(need=need, **kw)


def at_target(*need: str, target: str, **kw: Any) -> Rule:
    """One of ``need`` at the target's unit (or above)."""
    return Rule(need=need, scoped=True, target=target, **kw)


def own(target: str, **kw: Any) -> Rule:
    """Only for whom the target is addressed (an inbox message): others get 404."""
    return Rule(need=(ANY,), scoped=True, target=target, out=404, **kw)


def applicant(target: str | None = None, *, own: bool = False) -> Rule:
    """The licensing portal; with ``own``, the applicant's own files only (others: 404)."""
    return Rule(realm="applicant", need=(), scoped=own, target=target, out=404 if own else None)


# -- permissions ---------------------------------------------------------------

VIEW = "core.residents.view"
PERSONAL = "core.residents.personal"
REGISTER = "core.residents.register"
REVIEW = "core.duplicates.review"
ORGUNITS = "core.orgunits.manage"
USERS = "core.users.manage"
AUDIT = "core.audit.view"
JOBS = "core.jobs.manage"
SEND = "core.messages.send"
DELIVERIES = "core.deliveries.manage"
SURVEYS = "core.surveys.manage"

KTP_APPLY = "ktp.apply"
KTP_PRINT = "ktp.print"
KTP_HANDOVER = "ktp.handover"
KTP_REPORT = "ktp.report"
KTP_ADMIN = "ktp.admin"
KTP_READ = (KTP_APPLY, KTP_PRINT, KTP_HANDOVER, KTP_REPORT)

LIC_INTAKE = "licensing.intake"
LIC_VERIFY = "licensing.verify"
LIC_VIEW = "licensing.view"
LIC_REPORT = "licensing.report"
LIC_ADMIN = "licensing.admin"

BILL_CASHIER = "billing.cashier"
BILL_SUPERVISOR = "billing.supervisor"
BILL_TREASURER = "billing.treasurer"
BILL_REPORT = "billing.report"
#: Any of these at an invoice's unit shows it (else 404).
BILL_READ = (BILL_CASHIER, BILL_SUPERVISOR, BILL_TREASURER, BILL_REPORT)

PORTAL_PUBLISH = "portal.publish"
PORTAL_COMPLAINTS = "portal.complaints"
PORTAL_LEGAL = "portal.legal"


# -- bodies ----------------------------------------------------------------------


def _resident(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "nik": ctx["new_nik"],
        "name": "Sri Lestari",
        "birth_place": "Sragen",
        "birth_date": "1991-02-03",
        "sex": "F",
        "domicile_code": ctx["desa_code"],
    }


def _arrival(ctx: dict[str, Any]) -> dict[str, Any]:
    return {**_resident(ctx), "day": "2026-01-06", "from_place": "Kabupaten Karanganyar"}


def _org_unit(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": f"{ctx['unit_code']}-UJI{ctx['serial']}",
        "name": f"Loket Uji {ctx['serial']}",
        "kind": "service_point",
        "parent_code": ctx["unit_code"],
    }


def _message(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "sender_unit": ctx["unit_code"],
        "subject": "Undangan rapat",
        "body": "Rapat koordinasi hari Senin.",
        "to_units": [ctx["unit_code"]],
    }


def _new_user(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"username": f"matrix-user-{ctx['serial']}", "password": "correct horse battery"}


def _grant(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"role": "viewer", "org_unit": ctx["unit_code"]}


def _grant_form(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"role": "viewer", "unit": ctx["unit_code"]}


def _new_grant(ctx: dict[str, Any]) -> dict[str, Any]:
    """A role the target account (a viewer) does not hold yet."""
    return {"role": "auditor", "org_unit": ctx["unit_code"]}


def _new_grant_form(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"role": "auditor", "unit": ctx["unit_code"]}


_NEW_PASSWORD = "correct horse battery"


def _ktp_apply(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"nik": ctx["nik"], "kecamatan_code": ctx["unit_code"], "reason": "new"}


def _ktp_fee(ctx: dict[str, Any]) -> dict[str, Any]:
    # One day per call: the serial runs into the thousands with every plugin
    # installed, which as a year would leave the calendar.
    day = (date(2040, 1, 1) + timedelta(days=ctx["serial"])).isoformat()
    return {"amount": 0, "valid_from": day, "valid_until": day}


def _fixed(**values: Any) -> Body:
    return lambda _ctx: dict(values)


def _bill_invoice(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "unit_code": ctx["unit_code"],
        "payer": {"kind": "other", "name": "Matrix"},
        "lines": [{"description": "Sewa", "amount": 1000}],
    }


def _bill_invoice_form(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "unit_code": ctx["unit_code"],
        "payer_name": "Matrix",
        "payer_kind": "other",
        "line1_description": "Sewa",
        "line1_amount": "1000",
    }


def _bill_unit(**extra: Any) -> Body:
    return lambda ctx: {"unit_code": ctx["unit_code"], **extra}


# -- kantaya (issue 17) ----------------------------------------------------------------

KAN_REPORT = "kantaya.report"
KAN_APPROVE = "kantaya.approve"
KAN_MONITOR = "kantaya.monitor"
KAN_LETTERS = "kantaya.letters"
KAN_DISPOSE = "kantaya.dispose"
KAN_PROJECTS = "kantaya.projects"
KAN_PROJECT_READ = (KAN_PROJECTS, "kantaya.monitor")
KAN_READ = (KAN_REPORT, KAN_APPROVE, KAN_MONITOR)
KAN_STAFF = (KAN_DISPOSE, KAN_LETTERS, KAN_APPROVE, KAN_REPORT)


def _kan_draft(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"unit_code": ctx["unit_code"], "day": "2026-01-06"}


def _kan_incoming(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "unit_code": ctx["unit_code"],
        "sender": "Gubernur",
        "number": "005/1",
        "letter_date": "2026-01-05",
        "subject": "Undangan",
    }


def _kan_step(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"to_unit_code": ctx["to_unit_code"], "instruction": "Hadiri"}


def _kan_project(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "unit_code": ctx["unit_code"],
        "name": "Jalan desa",
        "pagu": 100_000_000,
        "contract_value": 90_000_000,
        "start_on": "2026-01-05",
        "end_on": "2026-03-02",
    }


KAN_AGENDA = "kantaya.agenda"
KAN_MODERATE = "kantaya.forum_moderate"
#: Any Kantaya permission at a unit opens its forum.
KAN_ANY = (*KAN_STAFF, KAN_MONITOR, KAN_PROJECTS, KAN_AGENDA, KAN_MODERATE)


def _kan_event(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "unit_code": ctx["unit_code"],
        "title": "Rapat",
        "starts_at": "2026-12-10T09:00:00+07:00",
        "ends_at": "2026-12-10T10:00:00+07:00",
    }


def _kan_thread(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"unit_code": ctx["unit_code"], "title": "Rapat", "body": "Isi"}


_KAN_PROGRESS = {"week_on": "2026-01-12", "physical_pct": 10, "financial": 0}


def _kan_letter(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"unit_code": ctx["unit_code"], "classification": "000.1.2", "subject": "Undangan"}


def _kan_unit(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"unit_code": ctx["unit_code"]}


def _kan_draft_json(ctx: dict[str, Any]) -> dict[str, Any]:
    return {**_kan_letter(ctx), "chain": [ctx["signer"]]}


def _kan_draft_form(ctx: dict[str, Any]) -> dict[str, Any]:
    return {**_kan_letter(ctx), "chain": ctx["signer"]}


#: Those who see a unit's meeting follow-up tasks.
KAN_FOLLOW = (KAN_REPORT, KAN_APPROVE, "kantaya.agenda")


# -- the table -----------------------------------------------------------------


def _sipaw_market(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": f"{ctx['kecamatan']}-PSR-T{ctx['serial']}",
        "name": "Pasar Uji",
        "kecamatan_code": ctx["kecamatan"],
    }


def _sipaw_reference(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "commodity_code": "minyakita",
        "kind": "HET",
        "price_low": 15_700,
        "valid_from": f"2024-{1 + ctx['serial'] % 12:02d}-{1 + ctx['serial'] % 28:02d}",
    }


def _sipaw_observations(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "market": ctx["market"],
        "day": "2026-01-05",
        "entries": [{"commodity": "beras_medium_1", "price": 12_500}],
    }


def _sipaw_trader(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"name": "UD Matrix", "kind": "trader", "phone": "081200008888"}


def _sipaw_post(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "request",
        "commodity_code": "beras_medium_1",
        "quantity_kg": 100,
        "price": 12_500,
        "place": "Pasar",
        "period_from": "2026-01-01",
        "period_until": "2026-01-31",
        "organisation": "BUMDes",
        "contact": "0812",
    }


TABLE: dict[str, Rule] = {
    # The public site: home, org-unit tree, tracker, document verification.
    "GET /": public(),
    "GET /static/<path:filename>": public("static_file"),
    "GET /ktp/static/<path:filename>": public("ktp_static_file"),
    "GET /org-units": public(),
    "GET /org-units/<code>": public("org_unit"),
    "GET /track/": public(),
    "GET /track/<number>": public("tracking_number"),
    "GET /verify/<code>": public("document_code"),
    "GET /api/v1/openapi.json": public(),
    "GET /api/v1/docs/": public(),
    "GET /api/v1/docs/assets/<name>": public("swagger_asset"),
    "GET /api/v1/org-units": public(),
    "GET /api/v1/org-units/<code>": public("org_unit"),
    "GET /api/v1/track/<number>": public("tracking_number"),
    # The satisfaction survey: public results; a link answers once (then 409).
    "GET /survey/results": public(),
    "GET|POST /survey/<token>": public("survey"),
    "GET /api/v1/surveys/results": public(),
    "GET /api/v1/surveys/links/<token>": public("survey"),
    "POST /api/v1/surveys/links/<token>": public(
        "survey", ok=(201, 409), body=_fixed(answers=[4, 3, 3, 4, 3, 3, 4, 3, 3])
    ),
    "GET /api/v1/verify/<code>": public("document_code"),
    # Login, logout and the language switch.
    "GET /login": public(),
    "POST /login": public(ok=(302, 401)),  # 401: wrong password; 302: already logged in
    "POST /logout": public(ok=(302,)),
    "POST /lang": public(),
    # A forgotten password: the same answer whether or not the account exists.
    "GET /password/forgot": public(),
    "POST /password/forgot": public(ok=(302,), body=_fixed(login="nobody")),
    # An unknown reset link: 404 (a valid one is only in the user's e-mail).
    "GET /password/reset/<token>": public("reset_token", ok=(404,)),
    "POST /password/reset/<token>": public(
        "reset_token", ok=(404,), body=_fixed(password=_NEW_PASSWORD, confirm=_NEW_PASSWORD)
    ),
    "POST /api/v1/password-reset": public(ok=(202,), body=_fixed(login="nobody")),
    "POST /api/v1/password-reset/confirm": public(
        "reset_token",
        ok=(422,),
        body=lambda ctx: {"token": ctx["token"], "password": _NEW_PASSWORD},
    ),
    # One's own password (a mismatched repeat: 422, nothing changes).
    "GET /account/password": staff(),
    "POST /account/password": staff(
        ok=(422,), body=_fixed(current_password="x", new_password="a", repeat_password="b")
    ),
    # Staff pages of the core.
    "GET /dashboard": staff(),
    "GET /residents": anywhere(VIEW),
    "GET /residents/<id:resident_id>": at_target(VIEW, target="resident", denied=404, out=404),
    "GET|POST /residents/new": anywhere(REGISTER),
    "GET|POST /residents/<id:resident_id>/edit": at_target(
        REGISTER, target="resident", denied=404, out=404
    ),
    "POST /residents/<id:resident_id>/death": at_target(
        REGISTER, target="mortal_resident", denied=404, out=404, body=_fixed(day="2026-01-05")
    ),
    "POST /residents/<id:resident_id>/move": at_target(
        REGISTER,
        target="mortal_resident",
        denied=404,
        out=404,
        body=_fixed(day="2026-01-04", to_place="Kota Surakarta"),
    ),
    "GET /reports/mutations": anywhere(VIEW),
    "GET /families/<kk_number>": at_target(PERSONAL, target="family", denied=404, out=404),
    "POST /families/<kk_number>/move": at_target(
        REGISTER,
        target="mortal_family",
        denied=404,
        out=404,
        body=_fixed(day="2026-01-04", to_place="Kota Surakarta"),
    ),
    "GET /duplicates": anywhere(REVIEW),
    "POST /duplicates/<id:candidate_id>": at_target(
        REVIEW, target="duplicate", denied=404, out=404, body=_fixed(status="distinct")
    ),
    # User administration is scoped: a manager (core.users.manage, else 403)
    # sees only accounts whose grants lie in their subtrees; any other
    # account answers 404 like an unknown one. Refused actions on an account
    # in scope are flashed on its page.
    "GET /staff/users": anywhere(USERS),
    "POST /staff/users": anywhere(USERS, denied=REFUSED, body=_new_user),
    "GET /staff/users/<username>": at_target(USERS, target="account", out=404),
    "POST /staff/users/<username>/grants": at_target(
        USERS, target="account", out=404, body=_new_grant_form
    ),
    "POST /staff/users/<username>/grants/revoke": at_target(
        USERS, target="account", out=404, body=_grant_form
    ),
    "POST /staff/users/<username>/deactivate": at_target(USERS, target="account", out=404),
    "POST /staff/users/<username>/reactivate": at_target(USERS, target="account", out=404),
    "POST /staff/users/<username>/password": at_target(
        USERS,
        target="account",
        out=404,
        body=_fixed(password=_NEW_PASSWORD, confirm=_NEW_PASSWORD),
    ),
    "POST /staff/users/<username>/tokens/<id:token_id>/revoke": at_target(
        USERS, target="account", out=404
    ),
    # The auditor's pages (core.audit.view anywhere; entries are filtered to its units).
    "GET /staff/audit": anywhere(AUDIT),
    "GET /staff/audit/export.csv": anywhere(AUDIT),
    "GET /staff/audit/person": anywhere(AUDIT),
    # Scheduled jobs work for the whole regency: core.jobs.manage at its root.
    "GET /staff/jobs/": at_target(JOBS, target="regency"),
    "POST /staff/jobs/<name>/run": at_target(JOBS, target="regency"),
    "GET /messages/": staff(),
    "GET /messages/new": anywhere(SEND),
    "POST /messages/new": at_target(SEND, target="unit", out=422, body=_message),
    "GET /messages/<id:message_id>": own("message"),
    "POST /messages/<id:message_id>/archive": own("message"),
    "POST /messages/<id:message_id>/reply": at_target(
        SEND, target="message", denied=REFUSED, out=REFUSED, body=_fixed(body="Siap, hadir.")
    ),
    "GET /messages/attachments/<id:attachment_id>": own("attachment"),
    "GET /messages/outbox": anywhere(DELIVERIES),
    "POST /messages/outbox/<id:delivery_id>/retry": anywhere(
        DELIVERIES, target="delivery", denied=404
    ),
    # The core's REST API.
    "GET /api/v1/residents": anywhere(VIEW),
    "POST /api/v1/residents": at_target(REGISTER, target="new_resident", body=_resident),
    "GET /api/v1/residents/<nik>": at_target(PERSONAL, target="resident", denied=404, out=404),
    "PATCH /api/v1/residents/<nik>": at_target(
        REGISTER, target="resident", denied=404, out=404, body=_fixed(address="Dukuh Baru")
    ),
    "GET /api/v1/residents/<nik>/life-events": at_target(
        PERSONAL, target="resident", denied=404, out=404
    ),
    "POST /api/v1/residents/<nik>/death": at_target(
        REGISTER, target="mortal_resident", denied=404, out=404, body=_fixed(day="2026-01-05")
    ),
    "POST /api/v1/residents/<nik>/move": at_target(
        REGISTER,
        target="mortal_resident",
        denied=404,
        out=404,
        body=_fixed(day="2026-01-04", to_place="Kota Surakarta"),
    ),
    # No SIAK adapter in the matrix: an allowed caller learns that (404, no-civil-registry).
    "GET /api/v1/civil-registry/<nik>": anywhere(REGISTER, target="resident", ok=(404,)),
    "GET /api/v1/families/<kk_number>": at_target(PERSONAL, target="family", denied=404, out=404),
    "POST /api/v1/families/<kk_number>/move": at_target(
        REGISTER,
        target="mortal_family",
        denied=404,
        out=404,
        body=_fixed(day="2026-01-04", to_place="Kota Surakarta"),
    ),
    "POST /api/v1/births": at_target(REGISTER, target="new_resident", body=_resident),
    "POST /api/v1/arrivals": at_target(REGISTER, target="new_resident", body=_arrival),
    "GET /api/v1/reports/population-mutations": at_target(VIEW, target="mutation_unit", out=404),
    "GET /api/v1/duplicates": anywhere(REVIEW),
    "POST /api/v1/duplicates/<id:candidate_id>": at_target(
        REVIEW, target="duplicate", denied=404, out=404, body=_fixed(status="distinct", note="")
    ),
    "POST /api/v1/org-units": at_target(ORGUNITS, target="unit", body=_org_unit),
    "GET /api/v1/users": anywhere(USERS),
    "POST /api/v1/users": anywhere(USERS, body=_new_user),
    # Scoped like the pages: 403 without core.users.manage, 404 for an account
    # outside the manager's subtrees; reading an account or its tokens
    # answers 404 to a non-manager too (only one's own account is visible).
    "GET /api/v1/users/<username>": at_target(USERS, target="account", denied=404, out=404),
    "POST /api/v1/users/<username>/grants": at_target(
        USERS, target="account", out=404, body=_new_grant
    ),
    "DELETE /api/v1/users/<username>/grants/<role>/<org_unit>": at_target(
        USERS, target="account", out=404
    ),
    "POST /api/v1/users/<username>/deactivate": at_target(USERS, target="account", out=404),
    "POST /api/v1/users/<username>/reactivate": at_target(USERS, target="account", out=404),
    "PUT /api/v1/users/<username>/password": at_target(
        USERS, target="account", out=404, body=_fixed(password=_NEW_PASSWORD)
    ),
    "GET /api/v1/users/<username>/tokens": at_target(USERS, target="account", denied=404, out=404),
    "GET /api/v1/roles": staff(),
    "GET /api/v1/tokens": staff(),
    "POST /api/v1/tokens": staff(body=_fixed(name="matrix")),
    # Somebody else's token: only their manager (in scope) may revoke it; 404 to others.
    "DELETE /api/v1/tokens/<id:token_id>": at_target(USERS, target="account", denied=404, out=404),
    "GET /api/v1/audit": anywhere(AUDIT),
    "GET /api/v1/audit/export": anywhere(AUDIT),
    "GET /api/v1/audit/people/<nik>": anywhere(AUDIT, target="resident"),
    "GET /api/v1/jobs": at_target(JOBS, target="regency"),
    "GET /api/v1/jobs/runs": at_target(JOBS, target="regency"),
    "POST /api/v1/jobs/<name>/run": at_target(JOBS, target="regency"),
    # Closing a survey period stores the figures of the caller's units only.
    "GET /survey/admin": anywhere(SURVEYS),
    "POST /survey/admin/close": anywhere(SURVEYS, body=_fixed(period="2020-H1")),
    "POST /api/v1/surveys/periods/<period>/close": anywhere(SURVEYS, target="survey_period"),
    "GET /api/v1/messages": staff(),
    "POST /api/v1/messages": at_target(SEND, target="unit", body=_message),
    "GET /api/v1/messages/<id:message_id>": own("message"),
    "POST /api/v1/messages/<id:message_id>/archive": own("message"),
    "POST /api/v1/messages/<id:message_id>/reply": at_target(
        SEND, target="message", see=(ANY,), body=_fixed(body="Siap, hadir.")
    ),
    "GET /api/v1/deliveries/dead": anywhere(DELIVERIES),
    "POST /api/v1/deliveries/<id:delivery_id>/retry": anywhere(DELIVERIES, target="delivery"),
    # A gateway's signed delivery report: no user, no signature in the matrix -> 401.
    "POST /api/v1/deliveries/receipts": public(
        ok=(401,), body=_fixed(reference="x", status="delivered")
    ),
    # KTP pages: applications are visible (else 404) with any KTP permission at
    # their kecamatan; each step needs its own permission there (else 403).
    "GET /ktp/": anywhere(KTP_APPLY, KTP_PRINT, KTP_REPORT),
    "POST /ktp/applications": at_target(KTP_APPLY, target="ktp_resident", body=_ktp_apply),
    "GET /ktp/applications/<id:application_id>": at_target(
        *KTP_READ, target="ktp_application", denied=404, out=404
    ),
    "GET /ktp/applications/<id:application_id>/receipt": at_target(
        *KTP_READ, target="ktp_application", denied=404, out=404
    ),
    "POST /ktp/applications/<id:application_id>/check": at_target(
        KTP_APPLY, target="ktp_application", see=KTP_READ
    ),
    "POST /ktp/applications/<id:application_id>/capture": at_target(
        KTP_APPLY,
        target="ktp_application",
        see=KTP_READ,
        body=_fixed(photo_data="not a photo", signature_data="not a signature"),
    ),
    "POST /ktp/applications/<id:application_id>/print": at_target(
        KTP_PRINT, target="ktp_application", see=KTP_READ
    ),
    "POST /ktp/applications/<id:application_id>/handover": at_target(
        KTP_HANDOVER, target="ktp_application", see=KTP_READ, body=_fixed(collected_by="Budi")
    ),
    "POST /ktp/applications/<id:application_id>/cancel": at_target(
        KTP_APPLY, target="ktp_application", see=KTP_READ, body=_fixed(reason="Salah input")
    ),
    "GET /ktp/cards/<id:card_id>/card.pdf": at_target(KTP_PRINT, target="ktp_card", see=KTP_READ),
    "GET /ktp/stats": anywhere(KTP_REPORT),
    "GET /ktp/fees": anywhere(KTP_ADMIN, KTP_REPORT),
    "POST /ktp/fees": anywhere(KTP_ADMIN, body=_ktp_fee),
    # KTP API.
    "GET /api/v1/ktp/applications": staff(),
    "POST /api/v1/ktp/applications": at_target(KTP_APPLY, target="ktp_resident", body=_ktp_apply),
    "GET /api/v1/ktp/applications/<id:application_id>": at_target(
        *KTP_READ, target="ktp_application", denied=404, out=404
    ),
    "POST /api/v1/ktp/applications/<id:application_id>/check": at_target(
        KTP_APPLY, target="ktp_application", see=KTP_READ
    ),
    "POST /api/v1/ktp/applications/<id:application_id>/capture": at_target(
        KTP_APPLY,
        target="ktp_application",
        see=KTP_READ,
        body=_fixed(photo="bm90IGEgcGhvdG8=", signature="bm90IGEgc2lnbmF0dXJl"),
    ),
    "POST /api/v1/ktp/applications/<id:application_id>/print": at_target(
        KTP_PRINT, target="ktp_application", see=KTP_READ
    ),
    "POST /api/v1/ktp/applications/<id:application_id>/handover": at_target(
        KTP_HANDOVER, target="ktp_application", see=KTP_READ, body=_fixed(collected_by="Budi")
    ),
    "POST /api/v1/ktp/applications/<id:application_id>/cancel": at_target(
        KTP_APPLY, target="ktp_application", see=KTP_READ, body=_fixed(reason="Salah input")
    ),
    "GET /api/v1/ktp/cards/<id:card_id>": at_target(
        *KTP_READ, target="ktp_card", denied=404, out=404
    ),
    "GET /api/v1/ktp/cards/<id:card_id>/pdf": at_target(KTP_PRINT, target="ktp_card", see=KTP_READ),
    "GET /api/v1/ktp/fees": anywhere(KTP_REPORT),
    "POST /api/v1/ktp/fees": anywhere(KTP_ADMIN, body=_ktp_fee),
    "GET /api/v1/ktp/stats": anywhere(KTP_REPORT, target="stats_period"),
    # Licensing: the public catalogue and survey, staff pages, the applicant
    # portal. A file is visible (else 404) with licensing.view at its unit;
    # the pages first need licensing.view somewhere (else 403).
    "GET /licensing/catalogue": public(),
    "GET|POST /licensing/survey/<token>": public("survey"),
    "GET /licensing/": anywhere(LIC_VIEW),
    "GET|POST /licensing/new": anywhere(LIC_INTAKE),
    "GET /licensing/files/<id:application_id>": at_target(
        LIC_VIEW, target="lic_application", out=404
    ),
    "GET /licensing/files/<id:application_id>/receipt": at_target(
        LIC_VIEW, target="lic_application", out=404
    ),
    "GET /licensing/files/<id:application_id>/permit.pdf": at_target(
        LIC_VIEW, target="lic_application", out=404
    ),
    "POST /licensing/files/<id:application_id>/<action>": at_target(
        LIC_VERIFY, target="lic_step", see=(LIC_VIEW,)
    ),
    "GET /licensing/uploads/<id:upload_id>": at_target(LIC_VIEW, target="lic_upload", out=404),
    "GET /licensing/statistics": anywhere(LIC_REPORT),
    "GET /licensing/ikm": anywhere(LIC_REPORT),
    "GET|POST /licensing/admin/types/new": anywhere(LIC_ADMIN),
    "GET|POST /licensing/admin/types/<id:type_id>": anywhere(LIC_ADMIN, target="lic_type"),
    "POST /licensing/admin/types/<id:type_id>/delegations": anywhere(LIC_ADMIN, target="lic_type"),
    "POST /licensing/admin/import": anywhere(LIC_ADMIN),
    "GET|POST /licensing/admin/signatories": anywhere(LIC_ADMIN),
    "POST /licensing/admin/delegations/<id:delegation_id>/end": anywhere(
        LIC_ADMIN, target="lic_delegation"
    ),
    "GET|POST /licensing/portal/verify": applicant(),
    "GET /licensing/portal/verify/<token>": public("lic_token", ok=(422,)),
    "GET|POST /licensing/portal/forgot": public(),
    "GET|POST /licensing/portal/reset": public(),
    "GET|POST /licensing/portal/reset/<token>": public("lic_token"),
    "GET|POST /licensing/portal/register": public(),
    "GET /licensing/portal/login": public(),
    "POST /licensing/portal/login": public(ok=(401,)),  # no such applicant
    "POST /licensing/portal/logout": public(ok=(302,)),
    "GET /licensing/portal/": applicant(),
    "GET|POST /licensing/portal/apply": applicant("lic_type_code"),
    "GET /licensing/portal/files/<number>": applicant("portal_file", own=True),
    "POST /licensing/portal/files/<number>/resume": applicant("portal_file", own=True),
    "GET /licensing/portal/files/<number>/permit.pdf": applicant("portal_file", own=True),
    # Licensing API.
    "GET /api/v1/licensing/service-types": staff(),
    "GET /api/v1/licensing/applications": anywhere(LIC_VIEW),
    "GET /api/v1/licensing/applications/<number>": at_target(
        LIC_VIEW, target="lic_application", out=404
    ),
    "GET /api/v1/licensing/permits": anywhere(LIC_VIEW),
    "GET /api/v1/licensing/permits/<id:permit_id>": at_target(
        LIC_VIEW, target="lic_permit", out=404
    ),
    "GET /api/v1/licensing/ikm": anywhere(LIC_REPORT),
    "POST /api/v1/licensing/applications/<number>/assign": at_target(
        LIC_VERIFY, target="lic_application", see=(LIC_VIEW,), body=_fixed(username="nobody")
    ),
    "POST /api/v1/licensing/applications/<number>/forward": at_target(
        LIC_VERIFY,
        target="lic_application",
        see=(LIC_VIEW,),
        body=_fixed(unit="33.14.01", reason="Salah loket"),
    ),
    "PUT /api/v1/licensing/applications/<number>/oss-reference": at_target(
        LIC_VERIFY, target="lic_application", see=(LIC_VIEW,), body=_fixed(reference="OSS-1")
    ),
    "POST /api/v1/licensing/delegations": anywhere(
        LIC_ADMIN,
        body=_fixed(service_type="IMB", decree_number="Perbup 9/2026", effective_on="2026-01-02"),
    ),
    "GET /api/v1/licensing/signatories": anywhere(LIC_ADMIN),
    "PUT /api/v1/licensing/signatories": at_target(
        LIC_ADMIN,
        target="unit",
        body=lambda ctx: {
            "unit": ctx["unit_code"],
            "name": "Drs. Matriks",
            "nip": "197001012000031001",
            "position": "Camat",
        },
    ),
    "POST /api/v1/licensing/applicants/password-reset": public(
        ok=(202,), body=_fixed(login="nobody@example.id")
    ),
    "POST /api/v1/licensing/applicants/password-reset/confirm": public(
        ok=(422,), body=_fixed(code="wrong", password="0123456789")
    ),
    "POST /api/v1/licensing/applicants/verify": public(ok=(422,), body=_fixed(code="wrong")),
    # Billing pages: invoices, payments, closings are visible (else 404) with any
    # billing permission at their unit; each action needs its own permission there.
    "GET /billing/": anywhere(BILL_CASHIER),
    "POST /billing/sessions": at_target(
        BILL_CASHIER, target="billing_unit", body=_bill_unit(opening_float="0")
    ),
    "POST /billing/sessions/close": staff(body=_fixed(counted_cash="0")),
    "POST /billing/payments": anywhere(
        BILL_CASHIER, body=_fixed(invoice_number="INV-2000-000001", amount="1000")
    ),
    "GET /billing/payments/<string:number>/receipt.pdf": at_target(
        *BILL_READ, target="billing_payment", denied=404, out=404
    ),
    "GET /billing/invoices": anywhere(*BILL_READ),
    "GET /billing/invoices/new": anywhere(BILL_CASHIER),
    "POST /billing/invoices/new": at_target(
        BILL_CASHIER, target="billing_unit", body=_bill_invoice_form
    ),
    "GET /billing/invoices/<string:number>": at_target(
        *BILL_READ, target="billing_invoice", denied=404, out=404
    ),
    "GET /billing/invoices/<string:number>/bill": at_target(
        *BILL_READ, target="billing_invoice", denied=404, out=404
    ),
    "POST /billing/invoices/<string:number>/channel-bills": at_target(
        *BILL_READ, target="billing_invoice", denied=404, out=404
    ),
    "POST /billing/invoices/<string:number>/requests": at_target(
        BILL_CASHIER,
        BILL_SUPERVISOR,
        target="billing_invoice",
        see=BILL_READ,
        body=_fixed(kind="cancel", reason="Salah input"),
    ),
    "GET /billing/approvals": anywhere(BILL_SUPERVISOR, BILL_CASHIER),
    "POST /billing/approvals/<id:request_id>": at_target(
        BILL_SUPERVISOR, target="billing_request", see=BILL_READ, body=_fixed(decision="reject")
    ),
    "POST /billing/held/<string:number>": at_target(
        BILL_SUPERVISOR, target="billing_held", see=BILL_READ, body=_fixed(decision="refund")
    ),
    "GET /billing/closing": anywhere(BILL_TREASURER, BILL_REPORT),
    "POST /billing/closing": at_target(
        BILL_TREASURER, target="billing_unit", body=_bill_unit(day="2026-01-06")
    ),
    "GET /billing/closings/<id:closing_id>/sts.pdf": at_target(
        *BILL_READ, target="billing_closing", denied=404, out=404
    ),
    "GET /billing/cash-book": at_target(BILL_TREASURER, BILL_REPORT, target="billing_unit"),
    "GET /billing/ledger": anywhere(BILL_TREASURER),
    "GET|POST /billing/reconcile": anywhere(BILL_TREASURER),
    "GET /billing/reports": anywhere(BILL_REPORT),
    "GET|POST /billing/demo-bank": anywhere(*BILL_READ, body=_fixed(code="0000")),
    "GET|POST /billing/check": public("billing_check"),
    # Billing API.
    "GET /api/v1/billing/invoices": staff(),
    "POST /api/v1/billing/invoices": at_target(
        BILL_CASHIER, target="billing_unit", body=_bill_invoice
    ),
    "GET /api/v1/billing/invoices/<string:number>": at_target(
        *BILL_READ, target="billing_invoice", denied=404, out=404
    ),
    "GET /api/v1/billing/invoices/<string:number>/payments": at_target(
        *BILL_READ, target="billing_invoice", denied=404, out=404
    ),
    "POST /api/v1/billing/invoices/<string:number>/channel-bills": at_target(
        *BILL_READ, target="billing_invoice", denied=404, out=404
    ),
    "POST /api/v1/billing/invoices/<string:number>/lines": at_target(
        BILL_CASHIER,
        target="billing_invoice",
        see=BILL_READ,
        body=_fixed(lines=[{"description": "Denda", "amount": 500}]),
    ),
    "POST /api/v1/billing/invoices/<string:number>/requests": at_target(
        BILL_CASHIER,
        BILL_SUPERVISOR,
        target="billing_invoice",
        see=BILL_READ,
        body=_fixed(kind="cancel", reason="Salah input"),
    ),
    "GET /api/v1/billing/requests": staff(),
    "POST /api/v1/billing/requests/<id:request_id>/decision": at_target(
        BILL_SUPERVISOR, target="billing_request", see=BILL_READ, body=_fixed(approve=False)
    ),
    "POST /api/v1/billing/sessions": at_target(
        BILL_CASHIER, target="billing_unit", body=_bill_unit(opening_float=0)
    ),
    "GET /api/v1/billing/sessions/current": staff(),
    "POST /api/v1/billing/sessions/current/close": staff(body=_fixed(counted_cash=0)),
    "POST /api/v1/billing/payments": anywhere(
        BILL_CASHIER, body=_fixed(invoice_number="INV-2000-000001", amount=1000)
    ),
    "GET /api/v1/billing/payments/<string:number>": at_target(
        *BILL_READ, target="billing_payment", denied=404, out=404
    ),
    "GET /api/v1/billing/payments/<string:number>/receipt.pdf": at_target(
        *BILL_READ, target="billing_payment", denied=404, out=404
    ),
    "GET /api/v1/billing/payments/held": anywhere(BILL_SUPERVISOR),
    "POST /api/v1/billing/payments/<string:number>/release": at_target(
        BILL_SUPERVISOR, target="billing_held", see=BILL_READ, body=_fixed(apply=False)
    ),
    "GET /api/v1/billing/channels": staff(),
    # The bank's callback is authenticated by its signature, not by a login.
    "POST /api/v1/billing/channels/<string:name>/callback": public("billing_callback", ok=(401,)),
    "POST /api/v1/billing/demo-bank/payments": anywhere(BILL_REPORT, body=_fixed(code="0000")),
    "GET /api/v1/billing/closings": staff(),
    "POST /api/v1/billing/closings": at_target(
        BILL_TREASURER, target="billing_unit", body=_bill_unit(day="2026-01-05")
    ),
    "GET /api/v1/billing/closings/<id:closing_id>/sts.pdf": at_target(
        *BILL_READ, target="billing_closing", denied=404, out=404
    ),
    "GET /api/v1/billing/cash-book": at_target(BILL_TREASURER, BILL_REPORT, target="billing_unit"),
    "GET /api/v1/billing/ledger/verify": anywhere(BILL_TREASURER),
    "POST /api/v1/billing/reconciliations": anywhere(BILL_TREASURER),
    "GET /api/v1/billing/reports/revenue": anywhere(BILL_REPORT, target="stats_period"),
    "GET /api/v1/billing/reports/collection": anywhere(BILL_REPORT, target="stats_period"),
    "GET /api/v1/billing/reports/arrears": anywhere(BILL_REPORT),
    "GET /api/v1/billing/public/invoices/<string:number>": public("billing_public"),
    "POST /api/v1/billing/public/invoices/<string:number>/channel-bills": public("billing_public"),
    # The PDAM plugin (water billing): connections, readings, bill runs, reports, public check.
    "GET /api/v1/pdam/connections": staff(),
    "POST /api/v1/pdam/connections": at_target(
        "pdam.admin",
        target="pdam_desa",
        body=lambda c: {"holder_name": "Sri", "desa_code": c["desa_code"], "group_code": "R1"},
    ),
    "GET /api/v1/pdam/connections/<string:number>": at_target(
        "pdam.reader",
        "pdam.billing",
        "pdam.admin",
        "pdam.report",
        target="pdam_connection",
        denied=404,
        out=404,
    ),
    "POST /api/v1/pdam/connections/<string:number>/status": at_target(
        "pdam.billing",
        "pdam.admin",
        target="pdam_connection",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
        body=_fixed(status="sealed", reason="Menunggak"),
    ),
    "POST /api/v1/pdam/connections/<string:number>/reconnection": at_target(
        "pdam.billing",
        target="pdam_connection",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
    ),
    "GET /api/v1/pdam/tariffs": staff(),
    "POST /api/v1/pdam/tariffs": anywhere(
        "pdam.admin", body=_fixed(group_code="R1", valid_from="2009-07-01", blocks=[[None, 5]])
    ),
    "POST /api/v1/pdam/readings": at_target(
        "pdam.reader",
        target="pdam_connection",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
        body=lambda c: {"customer_number": c["number"], "period": "2026-01", "value": 5},
    ),
    "POST /api/v1/pdam/readings/import": anywhere(
        "pdam.reader", body=_fixed(csv="customer_number,period,reading\n")
    ),
    "GET /api/v1/pdam/readings/held": staff(),
    "POST /api/v1/pdam/readings/<id:reading_id>/review": at_target(
        "pdam.billing",
        target="pdam_reading",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
        body=_fixed(accept=True),
    ),
    "POST /api/v1/pdam/bill-runs": anywhere(
        "pdam.billing", body=_fixed(period="2026-01", estimate=True)
    ),
    "GET /api/v1/pdam/arrears": anywhere("pdam.billing", "pdam.report"),
    "POST /api/v1/pdam/sealing-orders": anywhere("pdam.billing", body=_fixed()),
    "GET /api/v1/pdam/work-orders": staff(),
    "POST /api/v1/pdam/work-orders/<id:order_id>/done": at_target(
        "pdam.billing",
        target="pdam_order",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
    ),
    "POST /api/v1/pdam/zone-inputs": anywhere(
        "pdam.admin", body=_fixed(zone="33.14.01", period="2026-01", m3=1000)
    ),
    "GET /api/v1/pdam/reports/nrw": anywhere("pdam.report", target="pdam_months"),
    "GET /api/v1/pdam/reports/collection": anywhere("pdam.report", target="pdam_months"),
    "GET /api/v1/pdam/reports/arrears-ageing": anywhere("pdam.billing", "pdam.report"),
    "GET /api/v1/pdam/reports/per-capita": anywhere("pdam.report", target="pdam_period"),
    "GET /api/v1/pdam/public/bills/<string:number>": public("pdam_public"),
    "GET /api/v1/pdam/applications": staff(),
    "POST /api/v1/pdam/applications": at_target(
        "pdam.admin",
        target="pdam_desa",
        body=lambda c: {
            "applicant_name": "Sri",
            "address": "RT 1",
            "desa_code": c["desa_code"],
            "group_code": "R1",
        },
    ),
    "GET /api/v1/pdam/applications/<id:application_id>": at_target(
        "pdam.reader",
        "pdam.billing",
        "pdam.admin",
        "pdam.report",
        target="pdam_application",
        denied=404,
        out=404,
    ),
    "POST /api/v1/pdam/applications/<id:application_id>/survey": at_target(
        "pdam.admin",
        target="pdam_application",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
        body=_fixed(feasible=True),
    ),
    "POST /api/v1/pdam/applications/<id:application_id>/estimate": at_target(
        "pdam.admin",
        target="pdam_application",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
        body=_fixed(amount=1_000_000),
    ),
    "POST /api/v1/pdam/applications/<id:application_id>/install": at_target(
        "pdam.admin",
        target="pdam_application",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
        body=_fixed(meter_serial="M-1"),
    ),
    "POST /api/v1/pdam/applications/<id:application_id>/reject": at_target(
        "pdam.admin",
        target="pdam_application",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
        body=_fixed(reason="Jaringan belum ada"),
    ),
    "POST /api/v1/pdam/public/applications": public(
        "pdam_desa",
        body=lambda c: {
            "applicant_name": "Sri",
            "phone": "081234567890",
            "address": "RT 1",
            "desa_code": c["desa_code"],
            "group_code": "R1",
        },
    ),
    "GET /pdam/applications": anywhere("pdam.admin"),
    "POST /pdam/applications": at_target(
        "pdam.admin",
        target="pdam_desa",
        body=lambda c: {
            "applicant_name": "Sri",
            "address": "RT 1",
            "desa_code": c["desa_code"],
            "group_code": "R1",
        },
    ),
    "GET /pdam/applications/<id:application_id>": at_target(
        "pdam.reader",
        "pdam.billing",
        "pdam.admin",
        "pdam.report",
        target="pdam_application",
        denied=404,
        out=404,
    ),
    "POST /pdam/applications/<id:application_id>/<any(survey,estimate,install,reject):action>": (
        at_target(
            "pdam.admin",
            target="pdam_application",
            see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
            body=_fixed(feasible="1"),
        )
    ),
    "GET|POST /pdam/apply": public(
        "pdam_desa",
        body=lambda c: {
            "applicant_name": "Sri",
            "phone": "081234567890",
            "address": "RT 1",
            "desa_code": c["desa_code"],
            "group_code": "R1",
        },
    ),
    "GET /api/v1/pdam/routes": anywhere("pdam.billing", target="pdam_period"),
    "POST /api/v1/pdam/routes": anywhere(
        "pdam.billing", body=_fixed(reader="nobody", period="2026-01", numbers=["1"])
    ),
    "POST /api/v1/pdam/routes/copy": anywhere("pdam.billing", body=_fixed(period="2026-01")),
    "GET /api/v1/pdam/routes/mine": staff(target="pdam_period"),
    "GET /pdam/routes": anywhere("pdam.billing"),
    "POST /pdam/routes": anywhere("pdam.billing", body=_fixed(reader="nobody", numbers="1")),
    "POST /pdam/routes/copy": anywhere("pdam.billing", body=_fixed(period="2026-01")),
    "GET /api/v1/pdam/readings/<id:reading_id>/photo": at_target(
        "pdam.reader",
        "pdam.billing",
        "pdam.admin",
        "pdam.report",
        target="pdam_reading",
        denied=404,
        out=404,
    ),
    "GET /pdam/readings/<id:reading_id>/photo": at_target(
        "pdam.reader",
        "pdam.billing",
        "pdam.admin",
        "pdam.report",
        target="pdam_reading",
        denied=404,
        out=404,
    ),
    "POST /api/v1/pdam/bank-settlements": anywhere(
        "pdam.billing", body=_fixed(bank="bri", csv="bill_number,amount,paid_at,bank_reference\n")
    ),
    "GET /pdam/bank-settlement": anywhere("pdam.billing"),
    "POST /pdam/bank-settlement": anywhere("pdam.billing"),
    "GET|POST /pdam/read": anywhere(
        "pdam.reader",
        target="pdam_connection",
        body=lambda c: {"customer_number": c["number"], "period": "2026-02", "value": "6"},
    ),
    "GET /pdam/": anywhere("pdam.billing", "pdam.admin", "pdam.report"),
    "GET /pdam/connections/<string:number>": at_target(
        "pdam.reader",
        "pdam.billing",
        "pdam.admin",
        "pdam.report",
        target="pdam_connection",
        denied=404,
        out=404,
    ),
    "POST /pdam/bill-run": anywhere("pdam.billing", body=_fixed(period="2026-01", estimate="on")),
    "POST /pdam/readings/<id:reading_id>/review": at_target(
        "pdam.billing",
        target="pdam_reading",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
        body=_fixed(accept="1"),
    ),
    "POST /pdam/sealing-orders": anywhere("pdam.billing"),
    "POST /pdam/work-orders/<id:order_id>/done": at_target(
        "pdam.billing",
        target="pdam_order",
        see=("pdam.reader", "pdam.billing", "pdam.admin", "pdam.report"),
    ),
    "GET /pdam/reports": anywhere("pdam.report"),
    "GET /pdam/check": public("pdam_check"),
    "GET /pdam/static/<path:filename>": public("pdam_static_file"),
    # The example plugin of the test suite publishes its page and count.
    "GET /example/": public(),
    "GET /api/v1/example/notes/count": public(),
    # -- portal (issue 19): the public website, complaints, JDIH ------------------------
    "GET /portal/": public(),
    "GET /portal/static/<path:filename>": public("portal_static_file"),
    "GET /portal/news": public(),
    "GET /portal/news/<slug>": public("portal_news"),
    "GET /portal/profile/<slug>": public("portal_page"),
    "GET /portal/areas": public(),
    "GET /portal/areas/<code>": public("portal_area"),
    "GET /portal/services": public(),
    "GET|POST /portal/complaints/new": public(),
    "GET|POST /portal/complaints/mine": public(),
    "GET /portal/answers": public(),
    "GET /portal/complaints/statistics": public(),
    "GET /portal/jdih": public(),
    "GET /portal/jdih/<id:doc_id>": public("portal_legal"),
    "GET /portal/jdih/<id:doc_id>/download": public("portal_legal"),
    "GET /portal/staff/complaints": anywhere(PORTAL_COMPLAINTS),
    "GET /portal/staff/complaints/<number>": at_target(
        PORTAL_COMPLAINTS, target="portal_complaint", denied=404, out=404
    ),
    "POST /portal/staff/complaints/<number>": at_target(
        PORTAL_COMPLAINTS,
        target="portal_complaint",
        denied=404,
        out=404,
        body=_fixed(action="hide", reason="matrix"),
    ),
    "GET /portal/staff/complaints/<number>/photos/<id:photo_id>": at_target(
        PORTAL_COMPLAINTS, target="portal_photo", denied=404, out=404
    ),
    "GET|POST /portal/staff/news": anywhere(PORTAL_PUBLISH, body=_fixed(title="Matrix")),
    "GET|POST /portal/staff/pages": anywhere(
        PORTAL_PUBLISH, body=_fixed(slug="matriks", title="Matrix")
    ),
    "GET|POST /portal/staff/legal": anywhere(
        PORTAL_LEGAL,
        body=lambda ctx: {
            "doc_type": "perda",
            "number": str(ctx["serial"]),
            "year": "2026",
            "title": "Matrix",
        },
    ),
    "GET /api/v1/portal/services": public(),
    "GET /api/v1/portal/news": public(),
    "POST /api/v1/portal/news": anywhere(PORTAL_PUBLISH, body=_fixed(title="Matrix")),
    "POST /api/v1/portal/complaints": public(
        body=_fixed(kind="complaint", category="other", title="Matrix", body="Uji")
    ),
    "POST /api/v1/portal/complaints/<string:number>/rating": public(
        "portal_rating", body=lambda ctx: {"access_code": ctx["access_code"], "rating": 4}
    ),
    "GET /api/v1/portal/complaints": anywhere(PORTAL_COMPLAINTS),
    "POST /api/v1/portal/complaints/<string:number>/actions": at_target(
        PORTAL_COMPLAINTS,
        target="portal_complaint",
        denied=404,
        out=404,
        body=_fixed(action="hide", reason="matrix"),
    ),
    "GET /api/v1/portal/answers": public(),
    "GET /api/v1/portal/complaints/statistics": public(),
    "GET /api/v1/portal/legal": public(),
    "POST /api/v1/portal/legal": anywhere(
        PORTAL_LEGAL,
        body=lambda ctx: {
            "doc_type": "perda",
            "number": str(ctx["serial"]),
            "year": 2026,
            "title": "Matrix",
        },
    ),
    "GET /api/v1/portal/legal/jdihn": public(),
    "PUT /api/v1/portal/legal/<id:doc_id>": anywhere(
        PORTAL_LEGAL,
        target="portal_legal",
        body=lambda ctx: {
            "doc_type": "perda",
            "number": str(ctx["serial"]),
            "year": 2026,
            "title": "Matriks",
        },
    ),
    "PUT /api/v1/portal/legal/<id:doc_id>/pdf": anywhere(
        PORTAL_LEGAL, target="portal_legal", body=_fixed(content_base64="JVBERi0xLjQKJSVFT0YK")
    ),
    "GET /api/v1/portal/pages": public(),
    "PUT /api/v1/portal/pages/<string:slug>": anywhere(
        PORTAL_PUBLISH, target="portal_page", body=_fixed(title="Sejarah")
    ),
    # -- sipaw (staple-food prices): public prices and open data, staff entry and publication
    "GET /sipaw/": public(),
    "GET /sipaw/commodities/<code>": public("sipaw_commodity"),
    "GET /sipaw/commodities/<code>/chart.svg": public("sipaw_commodity"),
    "GET /sipaw/widget": public(),
    "GET /sipaw/open-data": public(),
    "GET /sipaw/open-data/prices.csv": public(),
    "GET /sipaw/compare": public(),
    "GET /sipaw/board": public(),
    "GET /sipaw/sw.js": public(),
    "GET /sipaw/entry.js": public(),
    "POST /sipaw/board/posts": anywhere("sipaw.trader"),
    # Self-registered traders (a code to their phone, then the trade office verifies them).
    "GET|POST /sipaw/traders/register": public(),
    "GET|POST /sipaw/traders/sign-in": public(),
    "POST /sipaw/traders/sign-out": public(ok=(302,)),
    "POST /api/v1/sipaw/traders": public(ok=(201, 422), body=_sipaw_trader),
    "POST /api/v1/sipaw/traders/confirmation": public(
        ok=(422,), body=_fixed(phone="081200009999", code="000000x")
    ),
    "GET /api/v1/sipaw/traders": anywhere("sipaw.admin"),
    "POST /api/v1/sipaw/traders/<id:trader_id>/decision": anywhere(
        "sipaw.admin", target="sipaw_trader", body=_fixed(status="verified")
    ),
    "GET|POST /sipaw/entry": anywhere("sipaw.enumerator"),
    "POST /sipaw/import": anywhere("sipaw.enumerator"),
    "GET|POST /sipaw/review": anywhere("sipaw.coordinator"),
    "GET|POST /sipaw/manage": anywhere("sipaw.admin"),
    "GET /api/v1/sipaw/markets": public(),
    "POST /api/v1/sipaw/markets": at_target(
        "sipaw.admin", target="sipaw_kecamatan", body=_sipaw_market
    ),
    "GET /api/v1/sipaw/commodities": public(),
    "POST /api/v1/sipaw/commodities": anywhere(
        "sipaw.admin",
        body=_fixed(code="lokal_uji", name="Uji", category="miscellaneous food", unit="kg"),
    ),
    "POST /api/v1/sipaw/reference-prices": anywhere("sipaw.admin", body=_sipaw_reference),
    "POST /api/v1/sipaw/observations": at_target(
        "sipaw.enumerator", target="sipaw_market", body=_sipaw_observations
    ),
    "POST /api/v1/sipaw/publications": anywhere("sipaw.coordinator", body=_fixed(day="2026-01-05")),
    "GET /api/v1/sipaw/open-data": public(),
    "GET /api/v1/sipaw/open-data/summary": public(),
    "GET /api/v1/sipaw/open-data/board": public(),
    "POST /api/v1/sipaw/board/posts": anywhere("sipaw.trader", body=_sipaw_post),
    "POST /api/v1/sipaw/board/posts/<id:post_id>/moderation": anywhere(
        "sipaw.admin", target="sipaw_post", body=_fixed(status="approved")
    ),
    # --- kantaya (issue 17): daily reports, tasks, the controlling grid, letter numbers ---
    "GET /kantaya/": anywhere(*KAN_READ),
    "POST /kantaya/reports": at_target(KAN_REPORT, target="kantaya_unit", body=_kan_draft),
    "GET /kantaya/reports/<id:report_id>": at_target(
        *KAN_READ, target="kantaya_report", denied=404, out=404
    ),
    "POST /kantaya/reports/<id:report_id>": at_target(
        KAN_REPORT, target="kantaya_report", see=KAN_READ, body=_fixed(results="Lancar")
    ),
    "POST /kantaya/reports/<id:report_id>/decision": at_target(
        KAN_APPROVE, target="kantaya_report", see=KAN_READ, body=_fixed(approve="0", reason="x")
    ),
    "POST /kantaya/reports/<id:report_id>/comments": at_target(
        KAN_MONITOR, target="kantaya_report", see=KAN_READ, body=_fixed(body="Bagus")
    ),
    "POST /kantaya/reports/<id:report_id>/attachments": at_target(
        KAN_REPORT, target="kantaya_report", see=KAN_READ
    ),
    "GET /kantaya/attachments/<id:attachment_id>": at_target(
        *KAN_READ, target="kantaya_attachment", denied=404, out=404
    ),
    "POST /kantaya/tasks/<id:task_id>/done": at_target(
        KAN_REPORT, target="kantaya_task", see=KAN_READ, body=_fixed(note="Selesai")
    ),
    "GET /kantaya/grid": anywhere(*KAN_READ),
    "GET /kantaya/letters": anywhere(KAN_LETTERS),
    "POST /kantaya/letters": at_target(KAN_LETTERS, target="kantaya_unit", body=_kan_letter),
    "GET /api/v1/kantaya/reports": staff(),
    "POST /api/v1/kantaya/reports": at_target(KAN_REPORT, target="kantaya_unit", body=_kan_draft),
    "GET /api/v1/kantaya/reports/<id:report_id>": at_target(
        *KAN_READ, target="kantaya_report", denied=404, out=404
    ),
    "PATCH /api/v1/kantaya/reports/<id:report_id>": at_target(
        KAN_REPORT, target="kantaya_report", see=KAN_READ, body=_fixed(results="Lancar")
    ),
    "POST /api/v1/kantaya/reports/<id:report_id>/submit": at_target(
        KAN_REPORT, target="kantaya_report", see=KAN_READ
    ),
    "POST /api/v1/kantaya/reports/<id:report_id>/approve": at_target(
        KAN_APPROVE, target="kantaya_report", see=KAN_READ
    ),
    "POST /api/v1/kantaya/reports/<id:report_id>/return": at_target(
        KAN_APPROVE, target="kantaya_report", see=KAN_READ, body=_fixed(reason="Lengkapi")
    ),
    "POST /api/v1/kantaya/reports/<id:report_id>/comments": at_target(
        KAN_MONITOR, target="kantaya_report", see=KAN_READ, body=_fixed(body="Bagus")
    ),
    "GET /api/v1/kantaya/tasks": staff(),
    "POST /api/v1/kantaya/tasks/<id:task_id>/done": at_target(
        KAN_REPORT, target="kantaya_task", see=KAN_READ, body=_fixed()
    ),
    "GET /api/v1/kantaya/grid": anywhere(*KAN_READ, target="kantaya_month"),
    "GET /api/v1/kantaya/letters": staff(),
    "POST /api/v1/kantaya/letters": at_target(KAN_LETTERS, target="kantaya_unit", body=_kan_letter),
    "POST /api/v1/kantaya/letters/<id:letter_id>/fill": at_target(
        KAN_LETTERS, target="kantaya_letter", denied=404, out=404, body=_fixed(subject="Surat")
    ),
    "GET /kantaya/incoming": anywhere(*KAN_STAFF),
    "POST /kantaya/incoming": at_target(KAN_LETTERS, target="kantaya_unit", body=_kan_incoming),
    "GET /kantaya/incoming/<id:incoming_id>": at_target(
        *KAN_STAFF, target="kantaya_incoming", denied=404, out=404
    ),
    "GET /kantaya/incoming/<id:incoming_id>/scan": at_target(
        *KAN_STAFF, target="kantaya_incoming", denied=404, out=404
    ),
    "POST /kantaya/incoming/<id:incoming_id>/dispositions": at_target(
        KAN_DISPOSE, target="kantaya_incoming", see=KAN_STAFF, body=_kan_step
    ),
    "GET /kantaya/dispositions/<id:step_id>": at_target(
        *KAN_STAFF, target="kantaya_step", denied=404, out=404
    ),
    "POST /kantaya/dispositions/<id:step_id>/forward": at_target(
        KAN_DISPOSE, target="kantaya_step", see=KAN_STAFF, body=_kan_step
    ),
    # Only the sender recalls; the matrix's steps are sent by the system: 404 for everybody.
    "POST /kantaya/dispositions/<id:step_id>/recall": staff(
        need=(), target="kantaya_step", denied=404
    ),
    "POST /kantaya/dispositions/<id:step_id>/done": at_target(
        *KAN_STAFF, target="kantaya_step", denied=404, out=404
    ),
    "GET /api/v1/kantaya/incoming": staff(),
    "POST /api/v1/kantaya/incoming": at_target(
        KAN_LETTERS, target="kantaya_unit", body=_kan_incoming
    ),
    "GET /api/v1/kantaya/incoming/<id:incoming_id>": at_target(
        *KAN_STAFF, target="kantaya_incoming", denied=404, out=404
    ),
    "POST /api/v1/kantaya/incoming/<id:incoming_id>/dispositions": at_target(
        KAN_DISPOSE, target="kantaya_incoming", see=KAN_STAFF, body=_kan_step
    ),
    "GET /api/v1/kantaya/dispositions": staff(),
    "GET /api/v1/kantaya/dispositions/<id:step_id>": at_target(
        *KAN_STAFF, target="kantaya_step", denied=404, out=404
    ),
    "POST /api/v1/kantaya/dispositions/<id:step_id>/forward": at_target(
        KAN_DISPOSE, target="kantaya_step", see=KAN_STAFF, body=_kan_step
    ),
    "POST /api/v1/kantaya/dispositions/<id:step_id>/recall": staff(
        need=(), target="kantaya_step", denied=404
    ),
    "POST /api/v1/kantaya/dispositions/<id:step_id>/done": at_target(
        *KAN_STAFF, target="kantaya_step", denied=404, out=404, body=_fixed()
    ),
    "GET /kantaya/projects": anywhere(*KAN_PROJECT_READ),
    "GET /kantaya/projects/<id:project_id>": at_target(
        *KAN_PROJECT_READ, target="kantaya_project", denied=404, out=404
    ),
    "POST /kantaya/projects/<id:project_id>/progress": at_target(
        KAN_PROJECTS, target="kantaya_project", see=KAN_PROJECT_READ, body=_fixed(**_KAN_PROGRESS)
    ),
    "POST /kantaya/projects/<id:project_id>/steps": at_target(
        KAN_PROJECTS,
        target="kantaya_project",
        see=KAN_PROJECT_READ,
        body=_fixed(kind="show_cause", on="2026-01-12"),
    ),
    "GET /api/v1/kantaya/projects": staff(),
    "POST /api/v1/kantaya/projects": at_target(
        KAN_PROJECTS, target="kantaya_unit", body=_kan_project
    ),
    "GET /api/v1/kantaya/projects/<id:project_id>": at_target(
        *KAN_PROJECT_READ, target="kantaya_project", denied=404, out=404
    ),
    "POST /api/v1/kantaya/projects/<id:project_id>/progress": at_target(
        KAN_PROJECTS, target="kantaya_project", see=KAN_PROJECT_READ, body=_fixed(**_KAN_PROGRESS)
    ),
    "POST /api/v1/kantaya/projects/<id:project_id>/steps": at_target(
        KAN_PROJECTS,
        target="kantaya_project",
        see=KAN_PROJECT_READ,
        body=_fixed(kind="show_cause", on="2026-01-12"),
    ),
    "GET /kantaya/agenda": staff(),
    # Only the invited answer; the matrix's event invites nobody among its roles.
    "POST /kantaya/agenda/<id:event_id>/rsvp": staff(
        need=(), target="kantaya_event", denied=404, body=_fixed(answer="yes")
    ),
    "POST /kantaya/agenda/feed": staff(),
    # The feed is authenticated by its unguessable token, not by a login.
    "GET /kantaya/calendar/<string:token>.ics": public("kantaya_feed", ok=(404,)),
    "GET /api/v1/kantaya/events": staff(),
    "POST /api/v1/kantaya/events": at_target(KAN_AGENDA, target="kantaya_unit", body=_kan_event),
    "POST /api/v1/kantaya/events/<id:event_id>/confirm": at_target(
        KAN_AGENDA, target="kantaya_event", denied=404, out=404
    ),
    "POST /api/v1/kantaya/events/<id:event_id>/rsvp": staff(
        need=(), target="kantaya_event", denied=404, body=_fixed(answer="yes")
    ),
    "POST /api/v1/kantaya/calendar-feed": staff(),
    "DELETE /api/v1/kantaya/calendar-feed": staff(),
    "GET /kantaya/dashboard": anywhere(KAN_MONITOR),
    "GET /api/v1/kantaya/dashboard": anywhere(KAN_MONITOR),
    "GET /kantaya/forum": anywhere(*KAN_ANY),
    "POST /kantaya/forum": at_target(*KAN_ANY, target="kantaya_unit", body=_kan_thread),
    "GET /kantaya/forum/<id:thread_id>": at_target(
        *KAN_ANY, target="kantaya_thread", denied=404, out=404
    ),
    "POST /kantaya/forum/<id:thread_id>/reply": at_target(
        *KAN_ANY, target="kantaya_thread", denied=404, out=404, body=_fixed(body="Setuju")
    ),
    "POST /kantaya/forum/<id:thread_id>/moderation": at_target(
        KAN_MODERATE, target="kantaya_thread", see=KAN_ANY, body=_fixed(locked="0")
    ),
    "GET /api/v1/kantaya/forum/threads": staff(),
    "POST /api/v1/kantaya/forum/threads": at_target(
        *KAN_ANY, target="kantaya_unit", body=_kan_thread
    ),
    "GET /api/v1/kantaya/forum/threads/<id:thread_id>": at_target(
        *KAN_ANY, target="kantaya_thread", denied=404, out=404
    ),
    "POST /api/v1/kantaya/forum/threads/<id:thread_id>/posts": at_target(
        *KAN_ANY, target="kantaya_thread", denied=404, out=404, body=_fixed(body="Setuju")
    ),
    "POST /api/v1/kantaya/forum/threads/<id:thread_id>/moderation": at_target(
        KAN_MODERATE, target="kantaya_thread", see=KAN_ANY, body=_fixed(locked=False)
    ),
    "POST /api/v1/kantaya/forum/posts/<id:post_id>/hide": at_target(
        KAN_MODERATE, target="kantaya_post", see=KAN_ANY, body=_fixed(hidden=False)
    ),
    "GET /api/v1/kantaya/forum/search": staff(target="kantaya_search"),
    "GET /kantaya/letters/check": public("kantaya_check"),
    # --- kantaya: drafts (paraf and signature in order), SRIKANDI, minutes, unit feeds, map ---
    "GET /kantaya/drafts": staff(),
    "POST /kantaya/drafts": at_target(KAN_LETTERS, target="kantaya_unit", body=_kan_draft_form),
    "GET /kantaya/drafts/<id:draft_id>": at_target(
        KAN_LETTERS, target="kantaya_draft", denied=404, out=404
    ),
    "POST /kantaya/drafts/<id:draft_id>": at_target(
        KAN_LETTERS, target="kantaya_draft", denied=404, out=404, body=_fixed(subject="Undangan")
    ),
    # Only the officials of the chain act; the matrix's roles are not in it.
    "POST /kantaya/drafts/<id:draft_id>/endorse": at_target(
        target="kantaya_draft", see=(KAN_LETTERS,), body=_fixed(kind="paraf")
    ),
    "POST /kantaya/drafts/<id:draft_id>/return": at_target(
        target="kantaya_draft", see=(KAN_LETTERS,), body=_fixed(note="Perbaiki")
    ),
    "POST /kantaya/drafts/<id:draft_id>/send": at_target(
        KAN_LETTERS, target="kantaya_draft", denied=404, out=404
    ),
    "POST /kantaya/incoming/srikandi": at_target(
        KAN_LETTERS, target="kantaya_unit", body=_kan_unit
    ),
    "GET /kantaya/projects/map": anywhere(*KAN_PROJECT_READ),
    "GET /kantaya/progress/<id:progress_id>/photo": at_target(
        *KAN_PROJECT_READ, target="kantaya_progress", denied=404, out=404
    ),
    "GET /kantaya/agenda/<id:event_id>": at_target(
        KAN_AGENDA, target="kantaya_event", denied=404, out=404
    ),
    "POST /kantaya/agenda/<id:event_id>/attendance": at_target(
        KAN_AGENDA,
        target="kantaya_held_event",
        denied=404,
        out=404,
        body=_fixed(username="nobody", attendance="present"),
    ),
    "POST /kantaya/agenda/<id:event_id>/minutes": at_target(
        KAN_AGENDA, target="kantaya_held_event", denied=404, out=404, body=_fixed(body="Notulen")
    ),
    "POST /kantaya/agenda/unit-feed": at_target(KAN_AGENDA, target="kantaya_unit", body=_kan_unit),
    "POST /kantaya/follow-ups/<id:follow_up_id>/done": at_target(
        *KAN_FOLLOW, target="kantaya_follow_up", denied=404, out=404
    ),
    "GET /api/v1/kantaya/drafts": staff(),
    "POST /api/v1/kantaya/drafts": at_target(
        KAN_LETTERS, target="kantaya_unit", body=_kan_draft_json
    ),
    "GET /api/v1/kantaya/drafts/<id:draft_id>": at_target(
        KAN_LETTERS, target="kantaya_draft", denied=404, out=404
    ),
    "PATCH /api/v1/kantaya/drafts/<id:draft_id>": at_target(
        KAN_LETTERS, target="kantaya_draft", denied=404, out=404, body=_fixed(subject="Undangan")
    ),
    "POST /api/v1/kantaya/drafts/<id:draft_id>/paraf": at_target(
        target="kantaya_draft", see=(KAN_LETTERS,), body=_fixed()
    ),
    "POST /api/v1/kantaya/drafts/<id:draft_id>/sign": at_target(
        target="kantaya_draft", see=(KAN_LETTERS,), body=_fixed()
    ),
    "POST /api/v1/kantaya/drafts/<id:draft_id>/return": at_target(
        target="kantaya_draft", see=(KAN_LETTERS,), body=_fixed(note="Perbaiki")
    ),
    "POST /api/v1/kantaya/drafts/<id:draft_id>/send": at_target(
        KAN_LETTERS, target="kantaya_draft", denied=404, out=404
    ),
    "POST /api/v1/kantaya/srikandi/import": at_target(
        KAN_LETTERS, target="kantaya_unit", body=_kan_unit
    ),
    "POST /api/v1/kantaya/reports/<id:report_id>/attachments": at_target(
        KAN_REPORT,
        target="kantaya_report",
        see=KAN_READ,
        body=_fixed(filename="foto.jpg", data_base64="/9j/4AAQ"),
    ),
    "POST /api/v1/kantaya/unit-calendar-feed": at_target(
        KAN_AGENDA, target="kantaya_unit", body=_kan_unit
    ),
    "POST /api/v1/kantaya/unit-calendar-feed/revoke": at_target(
        KAN_AGENDA, target="kantaya_unit", body=_kan_unit
    ),
    "POST /api/v1/kantaya/events/<id:event_id>/attendance": at_target(
        KAN_AGENDA,
        target="kantaya_held_event",
        denied=404,
        out=404,
        body=_fixed(username="nobody", attendance="present"),
    ),
    "GET /api/v1/kantaya/events/<id:event_id>/minutes": at_target(
        KAN_AGENDA, target="kantaya_held_event", denied=404, out=404
    ),
    "PUT /api/v1/kantaya/events/<id:event_id>/minutes": at_target(
        KAN_AGENDA, target="kantaya_held_event", denied=404, out=404, body=_fixed(body="Notulen")
    ),
    "GET /api/v1/kantaya/follow-ups": staff(),
    "POST /api/v1/kantaya/follow-ups/<id:follow_up_id>/done": at_target(
        *KAN_FOLLOW, target="kantaya_follow_up", denied=404, out=404, body=_fixed()
    ),
    "GET /api/v1/kantaya/projects/map": staff(),
}


# -- rsud (hospital billing): one block, appended to the table ------------------

RSUD_REG = "rsud.registration"
RSUD_CHARGE = "rsud.charge"
RSUD_CASHIER = "rsud.cashier"
RSUD_CASEMIX = "rsud.casemix"
RSUD_MEDICAL = "rsud.medical_data"
RSUD_REPORT = "rsud.report"
RSUD_ADMIN = "rsud.admin"
#: Any of these at the hospital shows its patients and encounters (else 404).
RSUD_READ = (RSUD_REG, RSUD_CHARGE, RSUD_CASHIER, RSUD_CASEMIX, RSUD_REPORT, RSUD_ADMIN)


def _rsud_patient(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"hospital_code": ctx["unit_code"], "name": "Pasien Matriks", "sex": "F"}


def _rsud_at(need: tuple[str, ...] | str, target: str = "rsud_encounter", **kw: Any) -> Rule:
    """Scoped to the hospital; without any rsud grant there the record is hidden (404)."""
    needs = (need,) if isinstance(need, str) else need
    return at_target(*needs, target=target, see=RSUD_READ, **kw)


def _rsud_bed_ready(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"hospital": ctx["query"]["hospital"], "bed": "W|W-09"}


_RSUD_CHARGE = _fixed(service_code="LAB-DL", unit="lab")
_RSUD_MOVE = _fixed(ward_code="W", bed_code="W-02")
_RSUD_OUT = _fixed(status="home")
_RSUD_CLAIM = _fixed(sep_number="0301R0010126V000001")


def _rsud_decree(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "hospital_code": ctx["query"]["hospital"],
        "number": "Perda matriks",
        "basis": "perda",
        "valid_from": "2031-01-01",
    }


def _rsud_prices(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "hospital_code": ctx["query"]["hospital"],
        "jasa_sarana": 1_000,
        "jasa_medis": 0,
        "jasa_paramedis": 0,
    }


def _rsud_item(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        **_rsud_prices(ctx),
        "service_code": "USG",
        "name": "USG",
        "unit": "radiology",
        "klass": "III",
    }


def _rsud_form(body: Body) -> Body:
    """A page form: the hospital's field is ``hospital``."""

    def form(ctx: dict[str, Any]) -> dict[str, Any]:
        data = body(ctx)
        data["hospital"] = data.pop("hospital_code")
        return data

    return form


TABLE.update(
    {
        "POST /api/v1/rsud/patients": at_target(RSUD_REG, target="unit", body=_rsud_patient),
        "GET /api/v1/rsud/patients/<string:mrn>": at_target(
            *RSUD_READ, target="rsud_patient", denied=404, out=404
        ),
        "POST /api/v1/rsud/encounters": _rsud_at(
            RSUD_REG, "rsud_patient", body=lambda ctx: {"mrn": ctx["mrn"], "kind": "emergency"}
        ),
        "GET /api/v1/rsud/encounters/<string:number>": at_target(
            *RSUD_READ, target="rsud_encounter", denied=404, out=404
        ),
        "GET /api/v1/rsud/encounters/<string:number>/bill": at_target(
            *RSUD_READ, target="rsud_encounter", denied=404, out=404
        ),
        "POST /api/v1/rsud/encounters/<string:number>/transfer": _rsud_at(
            RSUD_REG, body=_RSUD_MOVE
        ),
        "POST /api/v1/rsud/encounters/<string:number>/discharge": _rsud_at(
            RSUD_REG, body=_RSUD_OUT
        ),
        "POST /api/v1/rsud/encounters/<string:number>/charges": _rsud_at(
            RSUD_CHARGE, body=_RSUD_CHARGE
        ),
        "POST /api/v1/rsud/charges/<id:charge_id>/reverse": _rsud_at(
            RSUD_CHARGE, "rsud_charge", body=_fixed(reason="Salah input")
        ),
        "POST /api/v1/rsud/encounters/<string:number>/settle": _rsud_at(RSUD_CASHIER),
        "POST /api/v1/rsud/encounters/<string:number>/refunds": _rsud_at(
            RSUD_CASHIER, body=_fixed(reason="Sisa uang muka")
        ),
        "POST /api/v1/rsud/encounters/<string:number>/deposits": _rsud_at(
            RSUD_CASHIER, body=_fixed(amount=500_000)
        ),
        "PUT /api/v1/rsud/encounters/<string:number>/claim": _rsud_at(
            RSUD_CASEMIX, body=_RSUD_CLAIM
        ),
        "GET|PUT /api/v1/rsud/encounters/<string:number>/diagnoses": _rsud_at(
            RSUD_MEDICAL, body=_fixed(codes=["A09"])
        ),
        "GET /api/v1/rsud/encounters/<string:number>/fhir": _rsud_at((RSUD_CASEMIX, RSUD_MEDICAL)),
        "GET /api/v1/rsud/beds": at_target(*RSUD_READ, target="rsud_unit", denied=404, out=404),
        "GET /api/v1/rsud/reports/indicators": at_target(RSUD_REPORT, target="rsud_month"),
        "GET /api/v1/rsud/reports/revenue": at_target(RSUD_REPORT, target="rsud_year"),
        "GET /api/v1/rsud/decrees": at_target(RSUD_ADMIN, target="rsud_unit"),
        "POST /api/v1/rsud/decrees": at_target(RSUD_ADMIN, target="rsud_unit", body=_rsud_decree),
        "GET /api/v1/rsud/decrees/<id:decree_id>": at_target(RSUD_ADMIN, target="rsud_decree"),
        "POST /api/v1/rsud/decrees/<id:decree_id>/tariffs": at_target(
            RSUD_ADMIN, target="rsud_decree", body=_rsud_item
        ),
        "PUT /api/v1/rsud/tariffs/<id:tariff_id>": at_target(
            RSUD_ADMIN, target="rsud_decree", body=_rsud_prices
        ),
        "GET /rsud/": anywhere(*RSUD_READ),
        "POST /rsud/patients": at_target(RSUD_REG, target="unit", body=_rsud_patient),
        "GET /rsud/patients/<string:mrn>": at_target(
            *RSUD_READ, target="rsud_patient", denied=404, out=404
        ),
        "POST /rsud/encounters": _rsud_at(
            RSUD_REG, "rsud_patient", body=lambda ctx: {"mrn": ctx["mrn"], "kind": "emergency"}
        ),
        "GET /rsud/encounters/<string:number>": at_target(
            *RSUD_READ, target="rsud_encounter", denied=404, out=404
        ),
        "POST /rsud/encounters/<string:number>/charges": _rsud_at(RSUD_CHARGE, body=_RSUD_CHARGE),
        "POST /rsud/charges/<id:charge_id>/reverse": _rsud_at(
            RSUD_CHARGE, "rsud_charge", body=_fixed(reason="Salah input")
        ),
        "POST /rsud/encounters/<string:number>/transfer": _rsud_at(
            RSUD_REG, body=_fixed(bed="W|W-03")
        ),
        "POST /rsud/encounters/<string:number>/discharge": _rsud_at(RSUD_REG, body=_RSUD_OUT),
        "POST /rsud/encounters/<string:number>/claim": _rsud_at(RSUD_CASEMIX, body=_RSUD_CLAIM),
        "POST /rsud/encounters/<string:number>/diagnoses": _rsud_at(
            RSUD_MEDICAL, body=_fixed(codes="A09")
        ),
        "POST /rsud/encounters/<string:number>/deposits": _rsud_at(
            RSUD_CASHIER, body=_fixed(amount="500000")
        ),
        "POST /rsud/encounters/<string:number>/settle": _rsud_at(RSUD_CASHIER),
        "POST /rsud/encounters/<string:number>/refunds": _rsud_at(
            RSUD_CASHIER, body=_fixed(reason="Sisa uang muka")
        ),
        "GET /rsud/beds": at_target(*RSUD_READ, target="rsud_unit", out=404),
        "GET /rsud/cashier": anywhere(RSUD_CASHIER),
        "GET /rsud/indicators": at_target(RSUD_REPORT, target="rsud_month"),
        "GET /rsud/decrees": at_target(RSUD_ADMIN, target="rsud_unit"),
        "POST /rsud/decrees": at_target(
            RSUD_ADMIN, target="rsud_unit", body=_rsud_form(_rsud_decree)
        ),
        "GET /rsud/decrees/<id:decree_id>": at_target(RSUD_ADMIN, target="rsud_decree"),
        "POST /rsud/decrees/<id:decree_id>/tariffs": at_target(
            RSUD_ADMIN, target="rsud_decree", body=_rsud_form(_rsud_item)
        ),
        "POST /rsud/tariffs/<id:tariff_id>": at_target(
            RSUD_ADMIN, target="rsud_decree", body=_rsud_form(_rsud_prices)
        ),
        "POST /rsud/beds/ready": at_target(
            RSUD_REG, RSUD_ADMIN, target="rsud_unit", body=_rsud_bed_ready
        ),
    }
)


def rows() -> dict[tuple[str, str], Rule]:
    """``(METHOD, rule)`` -> Rule, with ``GET|POST`` rows split per method."""
    found: dict[tuple[str, str], Rule] = {}
    for key, rule in TABLE.items():
        methods, path = key.split(" ", 1)
        for method in methods.split("|"):
            found[(method, path)] = rule
    return found

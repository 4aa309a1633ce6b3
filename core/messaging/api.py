"""REST: ``/api/v1/messages`` (inbox, send, reply, archive) and the outbox."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from marshmallow import Schema, fields, validate

from pamong.auth import api_actor, token_required
from pamong.db import get_session, paginate
from pamong.errors import InvalidInput, Unauthorized
from pamong.i18n import gettext as _
from pamong.messaging import services
from pamong.messaging.gateway import SIGNATURE_HEADER, verify_signature
from pamong.messaging.models import MessageKind
from pamong.orgunits.models import OrgUnitKind
from pamong.orgunits.services import get_unit
from pamong.rest import API_PREFIX, BEARER, Blueprint, QueryArgs

blp = Blueprint(
    "messaging_api",
    __name__,
    url_prefix=API_PREFIX,
    description="Letters, invitations and notices between units; the delivery outbox",
)


class AttachmentInSchema(Schema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content_base64 = fields.String(required=True, validate=validate.Length(max=7_000_000))


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class MessageInSchema(Schema):
    sender_unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    kind = fields.String(
        load_default=MessageKind.LETTER.value,
        validate=validate.OneOf([k.value for k in MessageKind]),
    )
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20_000))
    to_users = fields.List(
        fields.String(validate=validate.Length(max=64)),
        load_default=list,
        validate=validate.Length(max=500),
    )
    to_units = fields.List(
        fields.String(validate=validate.Length(max=40)),
        load_default=list,
        validate=validate.Length(max=500),
    )
    to_kind = fields.String(validate=validate.OneOf([k.value for k in OrgUnitKind]))
    attachments = fields.List(
        fields.Nested(AttachmentInSchema),
        load_default=list,
        validate=validate.Length(max=services.MAX_ATTACHMENTS),
    )


class ReplyInSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=20_000))


class MessageHeaderSchema(Schema):
    """A message as listed in the inbox (without its text)."""

    id = fields.Integer()
    kind = fields.String()
    subject = fields.String()
    sender = fields.String(attribute="sender.username", allow_none=True)
    sender_unit = fields.String(attribute="sender_unit.name")
    recipients = fields.String(attribute="recipients_label")
    reply_to_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    attachments = fields.List(fields.Nested(AttachmentSchema))


class MessageSchema(MessageHeaderSchema):
    body = fields.String()


class InboxItemSchema(Schema):
    message = fields.Nested(MessageHeaderSchema)
    read_at = fields.DateTime(allow_none=True)
    archived_at = fields.DateTime(allow_none=True)


class InboxArgs(QueryArgs):
    archived = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class InboxSchema(Schema):
    items = fields.List(fields.Nested(InboxItemSchema))
    unread = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class DeliverySchema(Schema):
    id = fields.Integer()
    channel = fields.String()
    address = fields.String()
    subject = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String()
    created_at = fields.DateTime()
    next_attempt_at = fields.DateTime()
    receipt_status = fields.String()
    receipt_at = fields.DateTime(allow_none=True)


class ReceiptInSchema(Schema):
    """A gateway's delivery report: the reference it was given and what became of it."""

    reference = fields.String(required=True, validate=validate.Length(min=1, max=80))
    status = fields.String(required=True, validate=validate.OneOf(services.RECEIPT_STATUSES))
    detail = fields.String(load_default="", validate=validate.Length(max=200))


class ReceiptSchema(Schema):
    reference = fields.String(attribute="idempotency_key")
    receipt_status = fields.String()


def _uploads(items: list[dict[str, str]]) -> list[services.Upload]:
    uploads = []
    for item in items:
        try:
            data = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(
                _("%(filename)s: content_base64 is not base64.", filename=item["filename"]),
                slug="attachment-type",
            ) from None
        uploads.append(services.Upload(item["filename"], data))
    return uploads


@blp.route("/messages", methods=["POST"])
@token_required
@blp.arguments(MessageInSchema)
@blp.response(201, MessageSchema)
@blp.doc(security=BEARER)
def send_message(data: dict[str, Any]):
    """Send a letter, invitation or notice to users, units, or all units of a kind."""
    actor = api_actor()
    session = get_session()
    message = services.send_message(
        session,
        actor,
        sender_unit=get_unit(session, data["sender_unit"]),
        kind=data["kind"],
        subject=data["subject"],
        body=data["body"],
        to_users=data["to_users"],
        to_units=data["to_units"],
        to_kind=data.get("to_kind"),
        attachments=_uploads(data["attachments"]),
    )
    session.commit()
    return message


@blp.route("/messages")
@token_required
@blp.arguments(InboxArgs, location="query")
@blp.response(200, InboxSchema)
@blp.doc(security=BEARER)
def inbox(args: dict[str, Any]):
    """The caller's inbox (or archive), newest first, with the unread count."""
    actor = api_actor()
    session = get_session()
    stmt = services.inbox_query(actor.user_id, archived=args["archived"])
    page, per_page = args["page"], args["per_page"]
    items, total = paginate(session, stmt, page, per_page)
    return {
        "items": items,
        "unread": services.unread_count(session, actor.user_id),
        "page": page,
        "per_page": per_page,
        "total": total,
    }


@blp.route("/messages/<id:message_id>")
@token_required
@blp.response(200, MessageSchema)
@blp.doc(security=BEARER)
def read_message(message_id: int):
    """One message of the caller's inbox; reading it marks it read."""
    session = get_session()
    entry = services.open_entry(session, api_actor(), message_id)
    session.commit()
    return entry.message


@blp.route("/messages/<id:message_id>/reply", methods=["POST"])
@token_required
@blp.arguments(ReplyInSchema)
@blp.response(201, MessageSchema)
@blp.doc(security=BEARER)
def reply(data: dict[str, Any], message_id: int):
    """Answer the sender of a message in the caller's inbox."""
    session = get_session()
    message = services.reply(session, api_actor(), message_id, data["body"])
    session.commit()
    return message


@blp.route("/messages/<id:message_id>/archive", methods=["POST"])
@token_required
@blp.response(204)
@blp.doc(security=BEARER)
def archive(message_id: int):
    """Move a message out of the inbox into the archive."""
    session = get_session()
    services.archive(session, api_actor(), message_id)
    session.commit()


@blp.route("/deliveries/dead")
@token_required
@blp.response(200, DeliverySchema(many=True))
@blp.doc(security=BEARER)
def dead_deliveries():
    """Deliveries that failed every attempt (needs ``core.deliveries.manage``)."""
    return list(get_session().scalars(services.dead_deliveries(api_actor()).limit(500)))


@blp.route("/deliveries/<id:delivery_id>/retry", methods=["POST"])
@token_required
@blp.response(200, DeliverySchema)
@blp.doc(security=BEARER)
def retry_delivery(delivery_id: int):
    """Queue a dead delivery again."""
    session = get_session()
    delivery = services.retry_delivery(session, api_actor(), delivery_id)
    session.commit()
    return delivery


@blp.route("/deliveries/receipts", methods=["POST"])
@blp.arguments(ReceiptInSchema)
@blp.response(200, ReceiptSchema)
@blp.alt_response(401, description="The body is not signed with the gateway callback secret")
def delivery_receipt(data: dict[str, Any]):
    """An SMS or WhatsApp gateway reports delivery of a message it was given.

    Not a user's call: the gateway signs the raw body with the shared
    ``gateway_callback_secret`` and sends ``X-Pamong-Signature:
    sha256=<hex HMAC-SHA256>``. No secret configured: every receipt is refused.
    """
    from flask import current_app, request

    secret = current_app.extensions["pamong"].settings.gateway_callback_secret
    if not verify_signature(
        secret, request.get_data(cache=True), request.headers.get(SIGNATURE_HEADER)
    ):
        raise Unauthorized(_("The receipt is not signed by the gateway."), slug="bad-signature")
    session = get_session()
    delivery = services.record_receipt(
        session, reference=data["reference"], status=data["status"], detail=data["detail"]
    )
    session.commit()
    return delivery

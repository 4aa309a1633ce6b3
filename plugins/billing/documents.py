"""The printed papers: receipt (A5 and 80 mm thermal), deposit slip (STS), cash book (BKU).

Official documents in Indonesian whatever the page language, rendered by
the core's WeasyPrint helper; receipts and deposit slips carry a QR code to
the core's public verification page. Every print after the first is marked
as a copy (``SALINAN``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from pamong.plugin import (
    Actor,
    IssuedDocument,
    User,
    amount_in_words,
    get_region,
    qr_svg,
    region_code,
    render_pdf,
    verify_url,
)
from pamong_plugins.billing import services
from pamong_plugins.billing.models import BillingDayClosing, BillingPayment

LAYOUTS = ("a5", "80mm")
METHODS = {"cash": "Tunai"}


def regency_name() -> str:
    region = get_region(region_code())
    return region.name if region else region_code()


def _verification(session: Session, document_id: int | None) -> tuple[str, str]:
    document = session.get(IssuedDocument, document_id) if document_id else None
    if document is None:
        return "", ""
    url = verify_url(document)
    return url, qr_svg(url, scale=3)


def receipt_context(session: Session, payment: BillingPayment) -> dict[str, Any]:
    """Everything printed on a receipt."""
    invoice = payment.invoice
    names = services.account_names(session)
    cashier = session.get(User, payment.received_by_id) if payment.received_by_id else None
    if payment.method == "cash":
        method = "Tunai"
    else:
        titles = {c.name: c.title for c in services.channel_infos(session)}
        method = f"{titles.get(payment.channel, payment.channel)} ({payment.external_ref})"
    url, qr = _verification(session, payment.receipt_document_id)
    return {
        "p": payment,
        "invoice": invoice,
        "lines": [
            {
                "code": a.line.account_code,
                "name": names.get(a.line.account_code, ""),
                "description": a.line.description,
                "amount": a.amount,
            }
            for a in payment.allocations
        ],
        "words": amount_in_words(payment.amount).capitalize(),
        "lunas": services.paid_in_full_by(session, payment),
        "outstanding_after": max(invoice.total - _paid_upto(session, payment), 0),
        "cashier": cashier.full_name if cashier else "",
        "method": method,
        "regency": regency_name(),
        "url": url,
        "qr": qr,
    }


def _paid_upto(session: Session, payment: BillingPayment) -> int:
    return sum(
        p.amount
        for p in services.payments_of(session, payment.invoice)
        if p.id <= payment.id and p.status in ("confirmed", "refunded")
    )


def receipt_pdf(
    session: Session, actor: Actor, payment: BillingPayment, layout: str = "a5"
) -> bytes:
    """Print the receipt; the first print is the original, later ones say SALINAN (copy)."""
    if layout not in LAYOUTS:
        layout = "a5"
    prints = services.receipt_printed(session, actor, payment)
    context = receipt_context(session, payment)
    height = 150 + 9 * len(context["lines"])
    return render_pdf(
        "billing/receipt_pdf.html",
        layout=layout,
        height=height,
        copy=prints > 1,
        copy_number=prints - 1,
        **context,
    )


def sts_pdf(session: Session, closing: BillingDayClosing) -> bytes:
    """The deposit slip (Surat Tanda Setoran) of a closed day."""
    url, qr = _verification(session, closing.sts_document_id)
    closer = session.get(User, closing.closed_by_id) if closing.closed_by_id else None
    return render_pdf(
        "billing/sts_pdf.html",
        c=closing,
        regency=regency_name(),
        words=amount_in_words(closing.cash_total).capitalize(),
        treasurer=closer.full_name if closer else "",
        url=url,
        qr=qr,
    )


def cash_book_pdf(book: dict[str, Any]) -> bytes:
    """A month of the Buku Kas Umum penerimaan."""
    return render_pdf("billing/cash_book_pdf.html", book=book, regency=regency_name())


def month_of(text: str) -> date:
    """``2026-11`` -> 1 November 2026."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)

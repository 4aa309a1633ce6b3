"""The hooks the billing plugin declares, for the plugins around it.

Plugins that bill (KTP, licensing, water, hospital) listen to
``pamong_on_invoice_paid`` and ``pamong_on_invoice_cancelled``; plugins
that connect a bank or a QRIS acquirer provide a payment channel through
``pamong_register_payment_channels`` and ``pamong_billing_channel``.
Implement them with ``@hookimpl(optionalhook=True)`` so your plugin also
loads where billing is not enabled. The records and the channel base class
are imported from :mod:`pamong_plugins.billing.services`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pamong.plugin import hookspec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pamong_plugins.billing.records import ChannelInfo, InvoiceInfo, PaymentChannel


@hookspec(since="0.1", when="transaction")
def pamong_on_invoice_paid(invoice: InvoiceInfo, session: Session) -> None:
    """An invoice is paid in full (cash at a counter, or a confirmed channel payment).

    Mark your file paid here (``invoice.source`` is your plugin id and
    ``invoice.reference`` your record, as you announced them). Called once
    per invoice: a later excess payment goes to the refund queue instead.

    Args:
        invoice: The invoice after the payment (status ``paid``).
        session: The paying transaction's session.
    """


@hookspec(since="0.1", when="transaction")
def pamong_on_invoice_cancelled(invoice: InvoiceInfo, reason: str, session: Session) -> None:
    """An invoice was cancelled (approved by a supervisor) or refunded in full.

    Args:
        invoice: The invoice after the change (status ``cancelled`` or ``refunded``).
        reason: Why, as the requester wrote it.
        session: The transaction that cancelled it.
    """


@hookspec(since="0.1", when="on demand")
def pamong_register_payment_channels() -> Iterable[ChannelInfo]:
    """Return the payment channels the plugin provides (a bank's virtual accounts, QRIS).

    A channel is used only when its name is listed in ``[plugins.billing]
    channels``; its callback address is ``/api/v1/billing/channels/<name>/callback``.

    Returns:
        Channel descriptions with unique names.
    """


@hookspec(since="0.1", when="on demand", firstresult=True)
def pamong_billing_channel(name: str) -> PaymentChannel | None:
    """Return the implementation of payment channel ``name``, or None if it is not yours.

    Args:
        name: The channel's name, as registered.

    Returns:
        An object implementing :class:`PaymentChannel`, or None.
    """

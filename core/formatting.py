"""How money, dates and amounts in words are written on pages and receipts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency
from flask import Flask, current_app
from flask_babel import get_locale

__all__ = ["amount_in_words", "long_date", "month_name", "register_template_filters", "rupiah"]


def rupiah(amount: int) -> str:
    """``1500000`` -> ``Rp1.500.000`` (money is whole rupiah, never a float)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amounts are whole rupiah (int)")
    text = format_currency(
        abs(amount), "IDR", locale="id_ID", format="¤#,##0", currency_digits=False
    )
    return f"-{text}" if amount < 0 else text


def long_date(value: date | datetime, locale: str = "id", tz: str | None = None) -> str:
    """``22 November 2026``, in Indonesian or English month names.

    An aware datetime is first converted to ``tz`` (the regency's zone).
    """
    if isinstance(value, datetime):
        if tz and value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(tz))
        value = value.date()
    return format_date(value, "d MMMM y", locale=locale)


def month_name(period: str, locale: str = "id") -> str:
    """A month written ``2026-11`` as its name: ``November 2026``.

    Anything that is not a month (``"*"``, an empty value) is returned as it is.
    """
    try:
        first = date.fromisoformat(f"{str(period)[:7]}-01")
    except ValueError:
        return str(period)
    return format_date(first, "MMMM y", locale=locale)


def amount_in_words(amount: int) -> str:
    """Terbilang for receipts: ``1500000`` -> ``satu juta lima ratus ribu rupiah``."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amounts are whole rupiah (int)")
    from num2words import num2words  # imported on use: its language tables load slowly

    words = num2words(abs(amount), lang="id")
    prefix = "minus " if amount < 0 else ""
    return f"{prefix}{words} rupiah"


def register_template_filters(app: Flask) -> None:
    """Jinja filters ``rupiah``, ``long_date``, ``month`` and ``terbilang``."""

    def _long_date(value: date | datetime) -> str:
        locale = str(get_locale() or "id")
        return long_date(value, locale, current_app.extensions["pamong"].settings.time_zone)

    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["long_date"] = _long_date
    app.jinja_env.filters["month"] = lambda period: month_name(period, str(get_locale() or "id"))
    app.jinja_env.filters["terbilang"] = amount_in_words

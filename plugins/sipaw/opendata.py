"""Open data: published prices in the WFP/HDX food-price columns plus Kemendagri codes.

The schema is stable (documented in ``docs/sipaw/open-data.md``): a missing
price is a row with an empty ``price`` and ``priceflag`` ``missing``, never
zero; no enumerator or trader appears in it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pamong.plugin import InvalidInput, _, get_region, is_working_day, region_code
from pamong_plugins.sipaw import services
from pamong_plugins.sipaw.models import SipawPrice
from pamong_plugins.sipaw.settings import settings

SCHEMA_VERSION = "1.0"
COLUMNS = (
    "date",
    "admin1",
    "admin2",
    "market",
    "market_id",
    "latitude",
    "longitude",
    "category",
    "commodity",
    "commodity_id",
    "unit",
    "priceflag",
    "pricetype",
    "currency",
    "price",
    "observations",
    "admin1_code",
    "admin2_code",
    "admin3_code",
    "market_type",
)
MAX_DAYS = 366 * 5 + 2


def check_range(first: date, last: date) -> None:
    if last < first:
        raise InvalidInput(_("The range ends before it starts."), slug="invalid-range")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(_("A range is at most five years."), slug="range-too-long")


def rows(session: Session, first: date, last: date) -> Iterator[dict[str, Any]]:
    """One row per market, commodity and working day in ``first..last`` (missing ones too)."""
    check_range(first, last)
    code = region_code()
    province = get_region(code.split(".")[0])
    regency = get_region(code)
    admin1 = province.name if province else ""
    admin2 = regency.name if regency else ""
    markets = services.list_markets(session)
    commodities = services.list_commodities(session)
    prices: dict[tuple[date, int, int], tuple[int, int]] = {}
    for day, market_id, commodity_id, price, count in session.execute(
        select(
            SipawPrice.day,
            SipawPrice.market_id,
            SipawPrice.commodity_id,
            SipawPrice.price,
            SipawPrice.observations,
        ).where(SipawPrice.current.is_(True), SipawPrice.day >= first, SipawPrice.day <= last)
    ):
        prices[(day, market_id, commodity_id)] = (price, count)
    published_days = {k[0] for k in prices}
    day = first
    while day <= last:
        if day in published_days or is_working_day(day):
            for market in markets:
                for commodity in commodities:
                    found = prices.get((day, market.id, commodity.id))
                    if found is None and not market.active:
                        continue
                    yield {
                        "date": day.isoformat(),
                        "admin1": admin1,
                        "admin2": admin2,
                        "market": market.name,
                        "market_id": market.code,
                        "latitude": market.latitude,
                        "longitude": market.longitude,
                        "category": commodity.category,
                        "commodity": f"{commodity.name} ({commodity.variant})"
                        if commodity.variant
                        else commodity.name,
                        "commodity_id": commodity.code,
                        "unit": commodity.unit,
                        "priceflag": "actual" if found else "missing",
                        "pricetype": "Retail",
                        "currency": "IDR",
                        "price": found[0] if found else None,
                        "observations": found[1] if found else 0,
                        "admin1_code": code.split(".")[0],
                        "admin2_code": code,
                        "admin3_code": market.kecamatan.code if market.kecamatan else "",
                        "market_type": market.kind,
                    }
        day += timedelta(days=1)


def metadata() -> dict[str, Any]:
    conf = settings()
    return {
        "schema": "pamong-sipaw-prices",
        "schema_version": SCHEMA_VERSION,
        "columns": list(COLUMNS),
        "region_code": region_code(),
        "licence": {"name": conf["licence_name"], "url": conf["licence_url"]},
        "source": "SIPAW (Pamong), Dinas Perdagangan",
    }


def as_csv(rows_: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV text in chunks (header first); a missing price is an empty cell."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for n, row in enumerate(rows_, 1):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
        if n % 2000 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()

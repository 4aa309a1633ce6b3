"""Between regions: pull peers' published prices, compare, measure disparity.

A peer is any source serving SIPAW's summary feed
(``/api/v1/sipaw/open-data/summary``). Pulls retry, fetch only days not yet
held, and check every row: a peer feed that is down, slow, malformed or
lying (absurd prices, wrong schema) leaves a marked gap and an error on
the peer's status, never a crash and never a stored wrong figure.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pamong.plugin import _, utcnow
from pamong_plugins.sipaw import services
from pamong_plugins.sipaw.models import SipawPeerPrice, SipawPeerStatus, SipawPrice
from pamong_plugins.sipaw.settings import settings

SUMMARY_SCHEMA = "pamong-sipaw-summary"
#: A peer's price more than this many times ours (or below ours divided by it) is refused.
PLAUSIBLE_FACTOR = 5
FIRST_PULL_DAYS = 400
#: The demo peers: code -> (name, region code, price level against ours, phase of chili season).
DEMO_PEERS = {
    "klaten": ("Kabupaten Klaten", "33.10", 1.04, 11),
    "boyolali": ("Kabupaten Boyolali", "33.09", 0.96, -17),
}


class FeedError(Exception):
    """A peer's feed could not be used (down, slow, not JSON, wrong schema)."""


#: A peer's feed larger than this is refused (a year of a regency's summary is ~1 MB).
MAX_FEED_BYTES = 8_000_000


@dataclass(frozen=True)
class Answer:
    """A fetched feed: its JSON, the ETag it came with, or ``not_modified`` (HTTP 304)."""

    body: Any = None
    etag: str = ""
    not_modified: bool = False


#: ``fetch(url, timeout, etag)``: an :class:`Answer` (or the bare JSON), FeedError on failure.
Fetcher = Callable[[str, float, str], Any]


def http_fetch(url: str, timeout: float, etag: str = "") -> Answer:
    """GET a peer's JSON feed: conditional on ``etag``, refused above :data:`MAX_FEED_BYTES`."""
    headers = {"Accept": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            declared = answer.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > MAX_FEED_BYTES:
                raise FeedError(_("the feed is too large"))
            body = answer.read(MAX_FEED_BYTES + 1)
            new_etag = answer.headers.get("ETag") or ""
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Answer(etag=etag, not_modified=True)
        raise FeedError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FeedError(str(exc)[:200]) from exc
    if len(body) > MAX_FEED_BYTES:
        raise FeedError(_("the feed is too large"))
    try:
        return Answer(json.loads(body), new_etag[:200])
    except ValueError as exc:
        raise FeedError(_("not JSON")) from exc


def summary(session: Session, first: date, last: date) -> dict[str, Any]:
    """Our own summary feed: the regency price per commodity and published day."""
    from pamong_plugins.sipaw.opendata import check_range, metadata

    check_range(first, last)
    codes = {c.id: c.code for c in services.list_commodities(session, active_only=False)}
    grouped: dict[tuple[date, int], list[int]] = defaultdict(list)
    for day, commodity_id, price in session.execute(
        select(SipawPrice.day, SipawPrice.commodity_id, SipawPrice.price).where(
            SipawPrice.current.is_(True), SipawPrice.day >= first, SipawPrice.day <= last
        )
    ):
        grouped[(day, commodity_id)].append(price)
    meta = metadata()
    meta["schema"] = SUMMARY_SCHEMA
    meta["rows"] = [
        {
            "date": day.isoformat(),
            "commodity_id": codes[cid],
            "price": services.median_price(prices),
            "markets": len(prices),
            "priceflag": "aggregate",
        }
        for (day, cid), prices in sorted(grouped.items())
    ]
    return meta


def demo_feed(session: Session, code: str, first: date, last: date) -> dict[str, Any]:
    """A demo peer's feed, made from our prices with its own level and season phase."""
    name, region, level, phase = DEMO_PEERS[code]
    ours = summary(session, first - timedelta(days=abs(phase)), last)
    by_key = {(r["date"], r["commodity_id"]): r for r in ours["rows"]}
    rows = []
    for row in ours["rows"]:
        day = date.fromisoformat(row["date"])
        if not first <= day <= last:
            continue
        source = by_key.get(((day - timedelta(days=phase)).isoformat(), row["commodity_id"]), row)
        wobble = 1 + 0.02 * math.sin(day.toordinal() / 7 + len(code))
        rows.append({**row, "price": round(source["price"] * level * wobble / 50) * 50})
    return {**ours, "region_code": region, "source": f"{name} (demo)", "rows": rows}


@dataclass
class PullResult:
    peer: str
    stored: int
    rejected: int
    error: str
    #: The peer's open trade-board posts kept after this pull.
    posts: int = 0


def pull_peer(
    session: Session,
    peer: dict[str, Any],
    today: date,
    *,
    fetch: Fetcher = http_fetch,
    sleep: Callable[[float], None] = time.sleep,
) -> PullResult:
    """Pull the days a peer published since we last looked; store the plausible rows."""
    conf = settings()
    status = session.get(SipawPeerStatus, peer["code"])
    if status is None:
        status = SipawPeerStatus(code=peer["code"], rejected_rows=0, last_error="")
        session.add(status)
    status.last_attempt_at = utcnow()
    first = (
        status.newest_day - timedelta(days=7)  # late corrections of the last week
        if status.newest_day
        else today - timedelta(days=FIRST_PULL_DAYS)
    )
    etags = _etags(status)
    try:
        answer = _summary(session, peer, first, today, fetch, sleep, conf, etags)
        rows = [] if answer.not_modified else _valid_rows(answer.body)
    except FeedError as exc:
        # A peer that is down is not asked again for its board: the last good one stays.
        status.last_error = status.board_error = str(exc)[:300]
        session.flush()
        return PullResult(peer["code"], 0, 0, status.last_error)
    _pull_board(session, status, peer, today, fetch, sleep, conf, etags)
    if answer.not_modified:
        status.last_success_at = utcnow()
        status.last_error = ""
        session.flush()
        return PullResult(peer["code"], 0, 0, "", _board_size(status))
    ours = _our_prices(session, first, today)
    known = {c.code for c in services.list_commodities(session, active_only=False)}
    keep, rejected = [], 0
    for row in rows:
        day, code, price = row
        mine = ours.get((day, code))
        if code not in known or day > today or day < first:
            rejected += 1
            continue
        if mine and not mine / PLAUSIBLE_FACTOR <= price <= mine * PLAUSIBLE_FACTOR:
            rejected += 1
            continue
        keep.append(row)
    session.execute(
        delete(SipawPeerPrice).where(
            SipawPeerPrice.peer_code == peer["code"], SipawPeerPrice.day >= first
        )
    )
    session.add_all(
        SipawPeerPrice(peer_code=peer["code"], commodity_code=c, day=d, price=p) for d, c, p in keep
    )
    newest = max((r[0] for r in keep), default=None)
    if newest and (status.newest_day is None or newest > status.newest_day):
        status.newest_day = newest
    status.last_success_at = utcnow()
    status.rejected_rows = rejected
    status.last_error = (
        _("%(count)s implausible or unknown rows were refused.", count=rejected) if rejected else ""
    )
    session.flush()
    return PullResult(peer["code"], len(keep), rejected, status.last_error, _board_size(status))


def _board_size(status: SipawPeerStatus) -> int:
    try:
        return len(json.loads(status.board or "[]"))
    except ValueError:
        return 0


def _etags(status: SipawPeerStatus) -> dict[str, str]:
    try:
        found = json.loads(status.etags or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _get(
    url: str,
    fetch: Fetcher,
    sleep: Callable[[float], None],
    conf: dict[str, Any],
    etags: dict[str, str],
    key: str,
) -> Answer:
    """Fetch with retries (1 s, 2 s, 4 s...) and the ETag of the last answer under ``key``."""
    error: FeedError | None = None
    for attempt in range(conf["peer_attempts"]):
        try:
            got = fetch(url, conf["peer_timeout_seconds"], etags.get(key, ""))
        except FeedError as exc:
            error = exc
            if attempt + 1 < conf["peer_attempts"]:
                sleep(2**attempt)
            continue
        answer = got if isinstance(got, Answer) else Answer(got)
        if answer.etag and not answer.not_modified:
            etags[key] = answer.etag
        return answer
    raise FeedError(
        _("unreachable after %(n)s attempts: %(error)s", n=conf["peer_attempts"], error=error)
    )


def _summary(
    session: Session,
    peer: dict[str, Any],
    first: date,
    last: date,
    fetch: Fetcher,
    sleep: Callable[[float], None],
    conf: dict[str, Any],
    etags: dict[str, str],
) -> Answer:
    url = peer["url"]
    if url.startswith("demo:"):
        code = url.removeprefix("demo:")
        if code not in DEMO_PEERS:
            raise FeedError(f"no demo peer {code!r}")
        return Answer(demo_feed(session, code, first, last))
    full = f"{url.rstrip('/')}/api/v1/sipaw/open-data/summary?from={first}&to={last}"
    # The ETag is kept per range: the same range asked again (a retry within the day) is 304.
    return _get(full, fetch, sleep, conf, etags, f"summary {first} {last}")


def _pull_board(
    session: Session,
    status: SipawPeerStatus,
    peer: dict[str, Any],
    today: date,
    fetch: Fetcher,
    sleep: Callable[[float], None],
    conf: dict[str, Any],
    etags: dict[str, str],
) -> None:
    """Store the peer's open trade-board posts; a failed pull keeps the last good board."""
    from pamong_plugins.sipaw.board import BOARD_SCHEMA, demo_peer_posts, valid_peer_posts

    url = peer["url"]
    try:
        if url.startswith("demo:"):
            region = DEMO_PEERS[url.removeprefix("demo:")][1]
            answer = Answer({"schema": BOARD_SCHEMA, "posts": demo_peer_posts(today, region)})
        else:
            board_url = f"{url.rstrip('/')}/api/v1/sipaw/open-data/board"
            answer = _get(board_url, fetch, sleep, conf, etags, "board")
        if not answer.not_modified:
            posts, refused = valid_peer_posts(answer.body, peer, today)
            status.board = json.dumps(posts)
            status.board_error = (
                _("%(count)s malformed posts were refused.", count=refused) if refused else ""
            )
        else:
            status.board_error = ""
    except (FeedError, KeyError) as exc:
        status.board_error = str(exc)[:300]
    status.etags = json.dumps(dict(list(etags.items())[-10:]))


def peer_posts(session: Session) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for status in session.scalars(select(SipawPeerStatus)):
        try:
            out.extend(json.loads(status.board or "[]"))
        except ValueError:
            continue
    return out


def _valid_rows(feed: Any) -> list[tuple[date, str, int]]:
    if not isinstance(feed, dict) or feed.get("schema") != SUMMARY_SCHEMA:
        raise FeedError(_("not a SIPAW summary feed (wrong schema)"))
    if not str(feed.get("schema_version", "")).startswith("1."):
        raise FeedError(_("unsupported schema version %(v)s", v=feed.get("schema_version")))
    raw = feed.get("rows")
    if not isinstance(raw, list):
        raise FeedError(_("the feed has no rows"))
    out = []
    for row in raw:
        try:
            day = date.fromisoformat(row["date"])
            code = str(row["commodity_id"])
            price = row["price"]
            if (
                isinstance(price, bool)
                or not isinstance(price, int)
                or not 0 < price <= services.MAX_PRICE
            ):
                continue
        except (KeyError, TypeError, ValueError):
            continue
        out.append((day, code, price))
    return out


def _our_prices(session: Session, first: date, last: date) -> dict[tuple[date, str], int]:
    return {
        (date.fromisoformat(r["date"]), r["commodity_id"]): r["price"]
        for r in summary(session, first, last)["rows"]
    }


# -- comparison ----------------------------------------------------------------------------


def cv(values: list[int]) -> float | None:
    """Coefficient of variation in % (population standard deviation / mean x 100)."""
    if len(values) < 2:
        return None
    mean = statistics.fmean(values)
    return round(statistics.pstdev(values) / mean * 100, 2) if mean else None


@dataclass
class RegionPrice:
    code: str
    name: str
    day: date | None
    price: int | None
    stale: bool
    above_reference_percent: float | None


def configured_peers(session: Session) -> list[dict[str, Any]]:
    """The peers of ``[plugins.sipaw] peers`` plus those registered in the database."""
    found = {p["code"]: dict(p) for p in settings()["peers"]}
    for status in session.scalars(select(SipawPeerStatus).where(SipawPeerStatus.url != "")):
        found.setdefault(
            status.code,
            {
                "code": status.code,
                "name": status.name,
                "url": status.url,
                "region_code": status.region_code,
            },
        )
    return sorted(found.values(), key=lambda p: p["code"])


def register_peer(
    session: Session, *, code: str, name: str, url: str, region_code: str = ""
) -> SipawPeerStatus:
    """Register a peer in the database (the demo's peers, or one added by the trade office)."""
    status = session.get(SipawPeerStatus, code) or SipawPeerStatus(
        code=code, rejected_rows=0, last_error="", board="[]"
    )
    status.name, status.url, status.region_code = name, url, region_code
    session.add(status)
    session.flush()
    return status


def add_peer(
    session: Session, actor: Any, *, code: str, name: str, url: str, region_code: str = ""
) -> SipawPeerStatus:
    """The trade office registers a peer (any source serving the summary feed)."""
    from pamong.plugin import Forbidden, InvalidInput, audit
    from pamong_plugins.sipaw import permissions as perm

    if not actor.can(perm.ADMIN):
        raise Forbidden(_("You may not manage SIPAW's markets and commodities."))
    code, name, url = code.strip().lower(), name.strip(), url.strip()
    if not re.match(r"^[a-z0-9_-]{2,30}$", code) or not name:
        raise InvalidInput(_("A peer needs a code (2-30 letters, digits, - or _) and a name."))
    if not (url.startswith(("https://", "http://")) or url.startswith("demo:")):
        raise InvalidInput(_("A peer's address starts with https://."))
    status = register_peer(
        session, code=code, name=name[:100], url=url[:300], region_code=region_code.strip()[:20]
    )
    audit(session, actor, "sipaw.peer.save", "sipaw_peer", code)
    return status


def statuses(session: Session) -> dict[str, SipawPeerStatus]:
    return {s.code: s for s in session.scalars(select(SipawPeerStatus))}


def is_stale(status: SipawPeerStatus | None, today: date) -> bool:
    if status is None or status.newest_day is None:
        return True
    return (today - status.newest_day).days > settings()["peer_max_age_days"]


def compare(
    session: Session, commodity_code: str, today: date
) -> tuple[list[RegionPrice], float | None]:
    """Each region's newest price of a commodity, % above the reference, CV across regions."""
    from pamong.plugin import get_region, region_code

    commodity = services.get_commodity(session, commodity_code)
    ref = services.references_on(session, today).get(commodity.id)
    day = services.latest_day(session)
    own = services.regency_prices(session, day).get(commodity.id, (None, 0))[0] if day else None
    region = get_region(region_code())
    out = [
        RegionPrice(region_code(), region.name if region else region_code(), day, own, False, None)
    ]
    known = statuses(session)
    for peer in configured_peers(session):
        newest = session.execute(
            select(SipawPeerPrice.day, SipawPeerPrice.price)
            .where(
                SipawPeerPrice.peer_code == peer["code"],
                SipawPeerPrice.commodity_code == commodity.code,
            )
            .order_by(SipawPeerPrice.day.desc())
            .limit(1)
        ).first()
        out.append(
            RegionPrice(
                peer["code"],
                peer["name"],
                newest[0] if newest else None,
                newest[1] if newest else None,
                is_stale(known.get(peer["code"]), today),
                None,
            )
        )
    if ref:
        for r in out:
            if r.price is not None:
                r.above_reference_percent = round(
                    (r.price - ref.price_high) * 100 / ref.price_high, 1
                )
    fresh = [r.price for r in out if r.price is not None and not r.stale]
    return out, cv(fresh)


def peer_series(
    session: Session, peer_code: str, commodity_code: str, first: date, last: date
) -> list[tuple[date, int]]:
    return list(
        session.execute(
            select(SipawPeerPrice.day, SipawPeerPrice.price)
            .where(
                SipawPeerPrice.peer_code == peer_code,
                SipawPeerPrice.commodity_code == commodity_code,
                SipawPeerPrice.day >= first,
                SipawPeerPrice.day <= last,
            )
            .order_by(SipawPeerPrice.day)
        )
    )


def yearly_cv(session: Session, year: int) -> dict[str, float | None]:
    """Permendag 5/2024: per region, each commodity's yearly CV, averaged over commodities."""
    from pamong.plugin import region_code

    first, last = date(year, 1, 1), date(year, 12, 31)
    by_region: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in summary(session, first, last)["rows"]:
        by_region[region_code()][row["commodity_id"]].append(row["price"])
    for code, commodity, price in session.execute(
        select(SipawPeerPrice.peer_code, SipawPeerPrice.commodity_code, SipawPeerPrice.price).where(
            SipawPeerPrice.day >= first, SipawPeerPrice.day <= last
        )
    ):
        by_region[code][commodity].append(price)
    out: dict[str, float | None] = {}
    for code, commodities in by_region.items():
        values = [v for v in (cv(p) for p in commodities.values()) if v is not None]
        out[code] = round(statistics.fmean(values), 2) if values else None
    return out

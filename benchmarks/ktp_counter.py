"""How much time the software adds per KTP card at the counter; print the figures.

    python benchmarks/ktp_counter.py [--cards 1000] [--residents 20000]

1. A temporary SQLite instance of Sragen (33.14) with the KTP plugin, a
   counter officer per kecamatan and N synthetic residents (not timed).
2. ``--cards`` residents served apply -> biodata check -> photo and
   signature -> print, each step its own transaction as at the counter
   (timed per card), without rendering the card.
3. The same number of other residents again, this time rendering each
   card's PDF (WeasyPrint) after the print.

Sragen's counter took "two minutes" per KTP; the software must add well
under a second of that. The last line is ``ms_per_card_with_pdf=<p50>``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from pamong.accounts import services as accounts
from pamong.accounts.permissions import Actor
from pamong.demo import villages, write_residents_csv
from pamong.identity.importer import import_residents
from pamong.identity.models import DuplicateCandidate, Resident
from pamong.orgunits.models import OrgUnit
from pamong.testing import build_app


def _image(colour: tuple[int, int, int], fmt: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def _officers(app) -> dict[int, Actor]:
    """A ``ktp_officer`` per kecamatan, keyed by the kecamatan's id."""
    system = Actor.system("benchmark")
    found = {}
    with app.extensions["pamong"].db.transaction() as session:
        role = accounts.get_role(session, "ktp_officer")
        units = session.scalars(select(OrgUnit).where(OrgUnit.kind == "kecamatan")).all()
        for unit in units:
            user = accounts.create_user(
                session,
                system,
                username=f"ktp.{unit.code}",
                password="benchmark-password",
                full_name=unit.name,
            )
            accounts.assign_role(session, system, user, role, unit)
            session.flush()
            found[unit.id] = accounts.actor_for(accounts.load_user(session, user.id))
    return found


def serve(app, people, officers, render: bool) -> list[float]:
    """Milliseconds per card for ``people`` (resident, kecamatan id, kecamatan code)."""
    from pamong_plugins.ktp import services
    from pamong_plugins.ktp.card import card_pdf

    db = app.extensions["pamong"].db
    photo = {
        1: _image((200, 20, 30), "JPEG", (600, 800)),
        0: _image((20, 60, 200), "JPEG", (600, 800)),
    }
    signature = _image((255, 255, 255), "PNG", (400, 160))
    timings = []
    with app.test_request_context("/", base_url="http://127.0.0.1"):
        for nik, year, kecamatan_id, code in people:
            officer = officers[kecamatan_id]
            started = time.perf_counter()
            with db.transaction() as session:
                app_id = services.apply(
                    session, officer, nik=nik, kecamatan_code=code, reason="new"
                ).id
            with db.transaction() as session:
                services.check_biodata(session, officer, app_id)
            with db.transaction() as session:
                services.capture(
                    session, officer, app_id, photo=photo[year % 2], signature=signature
                )
            with db.transaction() as session:
                card = services.print_card(session, officer, app_id)
                if render:
                    pdf = card_pdf(session, card)
                    assert pdf.startswith(b"%PDF")
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(label: str, timings: list[float]) -> float:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    total = sum(ordered) / 1000
    print(
        f"{label}: {len(ordered)} cards in {total:.1f} s; per card "
        f"mean {statistics.fmean(ordered):.1f} ms, p50 {p50:.1f} ms, p90 {p90:.1f} ms, "
        f"max {ordered[-1]:.1f} ms"
    )
    return p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="a small run for CI")
    args = parser.parse_args()
    if args.quick:
        args.cards, args.residents = 50, 1_000
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp) / "instance", ["ktp"])
        with app.extensions["pamong"].db.transaction() as session:
            village_list = villages(session)
        csv_path = Path(tmp) / "residents.csv"
        write_residents_csv(csv_path, village_list, args.residents)
        import_residents(app.extensions["pamong"].db, csv_path, Actor.system("benchmark"))
        officers = _officers(app)
        with app.extensions["pamong"].db.transaction() as session:
            rows = session.execute(
                select(Resident.nik, Resident.birth_date, OrgUnit.parent_id)
                .join(OrgUnit, Resident.domicile_unit_id == OrgUnit.id)
                .where(
                    Resident.birth_date <= "2008-01-01",
                    # synthetic names repeat: leave possible duplicates out (they would be held)
                    Resident.id.not_in(select(DuplicateCandidate.resident_id)),
                    Resident.id.not_in(select(DuplicateCandidate.other_resident_id)),
                )
                .order_by(Resident.id)
                .limit(2 * args.cards)
            ).all()
            codes = dict(session.execute(select(OrgUnit.id, OrgUnit.code)).all())
        people = [(nik, born.year, kid, codes[kid]) for nik, born, kid in rows]
        if len(people) < 2 * args.cards:
            sys.exit(f"only {len(people)} adult residents: raise --residents")
        print(f"SQLite, {args.residents} residents, Python {sys.version.split()[0]}")
        report("without PDF", serve(app, people[: args.cards], officers, render=False))
        p50 = report("with PDF", serve(app, people[args.cards :], officers, render=True))
        app.extensions["pamong"].db.dispose()
    print(f"ms_per_card_with_pdf={p50:.1f}")


if __name__ == "__main__":
    main()

"""Family cards (KK): one head per card, the members' view, moving a family together."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from pamong.accounts.permissions import Actor
from pamong.accounts.services import actor_for, get_user
from pamong.audit.models import AuditEntry
from pamong.errors import Conflict, Forbidden, NotFound
from pamong.identity import families, services
from pamong.identity.importer import import_residents
from pamong.identity.models import LifeEvent, Resident
from pamong.identity.synthetic import synthetic_residents

SYSTEM = Actor.system("test")
KK = "3314010101200001"
KEDEN = "33.14.01.2001"  # Kalijambe
PLUPUH_DESA = "33.14.02.2001"


@pytest.fixture
def family(app, make_resident):
    with app.app_context():
        head = make_resident(
            desa=KEDEN, name="Slamet Riyadi", kk_number=KK, family_relation="kepala_keluarga"
        )
        child = make_resident(
            desa=KEDEN,
            name="Ayu Riyadi",
            sex="F",
            birth_date=date(2004, 5, 1),
            kk_number=KK,
            family_relation="anak",
            blood_type="O+",
        )
        wife = make_resident(
            desa=KEDEN,
            name="Sri Wahyuni",
            sex="F",
            birth_date=date(1982, 2, 3),
            kk_number=KK,
            family_relation="istri",
        )
        yield {"head": head, "wife": wife, "child": child}


def test_a_family_card_lists_its_members_head_first_and_audits_each_read(app, db_session, family):
    with app.app_context():
        found = families.get_family(db_session, SYSTEM, KK)
        db_session.commit()
    assert [m.name for m in found.members] == ["Slamet Riyadi", "Sri Wahyuni", "Ayu Riyadi"]
    assert found.head.name == "Slamet Riyadi"
    read = [
        entry.subject_nik
        for entry in db_session.scalars(select(AuditEntry))
        if entry.detail.get("purpose") == "core.family"
    ]
    assert sorted(read) == sorted(m.nik for m in found.members)


def test_a_second_head_of_the_family_is_refused(app, db_session, family, make_resident):
    with app.app_context(), pytest.raises(Conflict) as refused:
        make_resident(desa=KEDEN, kk_number=KK, family_relation="kepala_keluarga")
    assert refused.value.slug == "kk-two-heads"
    db_session.rollback()
    with app.app_context(), pytest.raises(Conflict):
        services.update_resident(
            db_session, SYSTEM, family["wife"].nik, {"family_relation": "kepala_keluarga"}
        )


def test_the_api_gives_the_family_and_hides_it_from_viewers_and_other_kecamatan(
    client, bearer, family
):
    answer = client.get(f"/api/v1/families/{KK}", headers=bearer("registrar", "33.14.01"))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["members"][0]["family_relation"] == "kepala_keluarga"
    assert body["members"][2]["blood_type"] == "O+"
    for role, unit in (("viewer", "33.14"), ("registrar", "33.14.02")):
        refused = client.get(f"/api/v1/families/{KK}", headers=bearer(role, unit))
        assert refused.status_code == 404
        assert refused.content_type == "application/problem+json"
    bad = client.get("/api/v1/families/12345", headers=bearer())
    assert bad.status_code == 422


def test_a_two_heads_patch_is_a_409_problem(client, bearer, family):
    answer = client.patch(
        f"/api/v1/residents/{family['child'].nik}",
        json={"family_relation": "kepala_keluarga"},
        headers=bearer(),
    )
    assert answer.status_code == 409
    assert answer.get_json()["field"] == "family_relation"


def test_moving_a_family_moves_every_member_or_none(app, db_session, family, make_user):
    registrar = make_user("registrar", "33.14.01")  # Kalijambe only: cannot reach Plupuh
    with app.app_context():
        officer = actor_for(get_user(db_session, registrar.username))
        with pytest.raises(Forbidden):
            families.move_family(
                db_session, officer, KK, day=date(2026, 11, 20), to_desa_code=PLUPUH_DESA
            )
        db_session.rollback()
        assert db_session.scalar(select(LifeEvent.id)) is None
        moved = families.move_family(
            db_session, SYSTEM, KK, day=date(2026, 11, 20), to_desa_code=PLUPUH_DESA
        )
        db_session.commit()
    assert len(moved) == 3
    homes = {r.domicile.code for r in db_session.scalars(select(Resident))}
    assert homes == {PLUPUH_DESA}
    with app.app_context(), pytest.raises(NotFound):
        families.get_family(db_session, officer, KK)  # no longer in Kalijambe


def test_the_family_page_shows_relations_in_indonesian_and_moves_the_family(
    client, login_as, family
):
    login_as("admin")
    page = client.get(f"/families/{KK}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Kepala keluarga" in text and "Istri" in text and "Anak" in text
    assert client.get("/families/0000000000000000").status_code == 404
    csrf = text.split('name="csrf_token" value="')[1].split('"')[0]
    moved = client.post(
        f"/families/{KK}/move",
        data={"csrf_token": csrf, "day": "2026-11-20", "to_desa_code": PLUPUH_DESA},
        follow_redirects=True,
    )
    assert "Anggota dipindahkan: 3." in moved.get_data(as_text=True)


def test_the_resident_form_keeps_what_was_typed_when_a_second_head_is_refused(
    client, login_as, family
):
    login_as("admin")
    form = client.get("/residents/new").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post(
        "/residents/new",
        data={
            "csrf_token": csrf,
            "nik": "3314011506900007",
            "kk_number": KK,
            "family_relation": "kepala_keluarga",
            "name": "Joko Susilo",
            "birth_place": "Sragen",
            "birth_date": "1990-06-15",
            "sex": "M",
            "domicile_code": KEDEN,
        },
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "sudah mempunyai kepala keluarga" in text and "Joko Susilo" in text


def test_an_import_reads_relation_and_blood_type_and_names_a_bad_row(app, db_session, tmp_path):
    path = tmp_path / "residents.csv"
    path.write_text(
        "nik;name;birth_place;birth_date;sex;desa_code;kk_number;family_relation;blood_type\n"
        f"3314011506900001;Joko;Sragen;1990-06-15;L;{KEDEN};{KK};kepala_keluarga;ab+\n"
        f"3314015506920001;Rini;Sragen;1992-06-15;P;{KEDEN};{KK};istri;Z\n",
        encoding="utf-8",
    )
    with app.app_context():
        summary = import_residents(app.extensions["pamong"].db, path, SYSTEM)
    assert summary.imported == 1
    joko = db_session.scalar(select(Resident).where(Resident.name == "Joko"))
    assert (joko.family_relation, joko.blood_type) == ("kepala_keluarga", "AB+")
    rejects = path.with_name("residents.rejects.csv").read_text(encoding="utf-8")
    assert "blood_type 'Z'" in rejects


def test_synthetic_households_have_one_head_per_family_card():
    people = list(synthetic_residents([(KEDEN, "Keden"), (PLUPUH_DESA, "Plupuh")], 3000))
    heads = Counter(p.kk_number for p in people if p.family_relation == "kepala_keluarga")
    assert len(people) == 3000 and len({p.nik for p in people}) == 3000
    assert set(heads.values()) == {1}
    assert set(heads) == {p.kk_number for p in people}

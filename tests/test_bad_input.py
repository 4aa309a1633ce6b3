"""No input gives a 500: each input that once did is refused with a reason, or served.

Hostile bodies, extreme dates, broken files and images: every one gets a 4xx
(or its right answer) and the database stays as it was.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from datetime import date

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import func, select

from pamong.accounts.permissions import Actor
from pamong.accounts.services import actor_for, load_user
from pamong.errors import InvalidInput
from pamong.identity.importer import import_residents
from pamong.identity.models import Resident
from pamong.identity.synthetic import make_nik
from pamong.inputs import clean_filename

pytestmark = pytest.mark.pamong_plugins("ktp", "licensing")
SYSTEM = Actor.system("test")
KALIJAMBE = "33.14.01"
EXTREME_DATES = ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"]


def _csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _count(app, model) -> int:
    with app.extensions["pamong"].db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


# --- the REST API -----------------------------------------------------------------


@pytest.fixture
def ktp_application(app, make_user, make_resident) -> int:
    from pamong_plugins.ktp import services

    user = make_user("ktp_officer", KALIJAMBE)
    resident = make_resident()
    with app.extensions["pamong"].db.transaction() as session:
        officer = actor_for(load_user(session, user.id))
        application = services.apply(
            session, officer, nik=resident.nik, kecamatan_code=KALIJAMBE, reason="new"
        )
        return application.id


def test_one_ktp_application_is_served_by_the_api(client, bearer, ktp_application):
    response = client.get(
        f"/api/v1/ktp/applications/{ktp_application}", headers=bearer("ktp_officer", KALIJAMBE)
    )
    assert response.status_code == 200
    assert (response.json["id"], response.json["step"]) == (ktp_application, "applied")


@pytest.mark.parametrize("depth", [40, 100_000])
def test_a_deeply_nested_json_body_is_a_400(client, bearer, depth):
    body = "[" * depth + "]" * depth
    response = client.post(
        "/api/v1/ktp/applications",
        data=body,
        content_type="application/json",
        headers=bearer(),
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "nested" in response.json["detail"]


def test_an_ordinary_json_body_still_passes_the_depth_check(client, bearer, make_resident):
    resident = make_resident()
    response = client.post(
        "/api/v1/ktp/applications",
        json={"nik": resident.nik, "kecamatan_code": KALIJAMBE, "reason": "new"},
        headers=bearer("ktp_officer", KALIJAMBE),
    )
    assert response.status_code == 201


@pytest.mark.parametrize("day", EXTREME_DATES)
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/ktp/applications?since={day}",
        "/api/v1/ktp/applications?until={day}",
        "/api/v1/ktp/stats?since={day}&until=2026-01-01",
        "/api/v1/ktp/stats?since=2026-01-01&until={day}",
        "/api/v1/licensing/applications?received_from={day}",
        "/api/v1/licensing/applications?received_to={day}",
        "/api/v1/licensing/permits?issued_from={day}",
        "/api/v1/licensing/permits?issued_to={day}",
    ],
)
def test_an_extreme_date_filter_is_a_422(client, bearer, url, day):
    response = client.get(url.format(day=day), headers=bearer())
    assert response.status_code == 422
    assert "errors" in response.json


@pytest.mark.parametrize("day", EXTREME_DATES)
def test_the_ktp_statistics_page_refuses_an_extreme_date(client, login_as, day):
    login_as("ktp_supervisor")
    assert client.get(f"/ktp/stats?since={day}&until={day}").status_code == 422


@pytest.mark.parametrize("day", EXTREME_DATES)
def test_the_licensing_statistics_page_ignores_an_extreme_date(client, login_as, day):
    login_as("licensing_head")
    assert client.get(f"/licensing/statistics?from={day}&to={day}").status_code == 200


def test_a_resident_born_before_1900_is_refused(client, bearer):
    response = client.post(
        "/api/v1/residents",
        json={
            "nik": make_nik(KALIJAMBE, date(1990, 8, 12), "M", 1),
            "name": "Mbah Darmo",
            "birth_place": "Sragen",
            "birth_date": "1899-12-31",
            "sex": "M",
            "domicile_code": "33.14.01.2001",
        },
        headers=bearer(),
    )
    assert response.status_code == 422
    assert "1900" in response.json["detail"]


# --- the licensing catalogue import --------------------------------------------------

DEEP = b"[" * 5000 + b"]" * 5000


def _import_catalogue(client, login_as, name: str, data: bytes):
    login_as("licensing_admin")
    token = _csrf(client, "/licensing/catalogue")
    return client.post(
        "/licensing/admin/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("nul.csv", b"code,name\nOK1,Satu\nNUL,Du\x00a\n", "Baris 3 berisi karakter NUL"),
        ("nul.json", b'[{"code": "NUL", "name": "Du\x00a"}]', "Baris 1 berisi karakter NUL"),
        ("escaped.json", b'[{"code": "NUL", "name": "Du\\u0000a"}]', "berisi karakter NUL"),
        ("deep.json", b'[{"code": "D", "name": ' + DEEP + b"}]", "terlalu dalam"),
        ("latin1.csv", "code,name\nOK1,Dédé\n".encode("latin-1"), "bukan teks UTF-8 (baris 2)"),
    ],
)
def test_a_broken_catalogue_file_is_refused_whole(app, client, login_as, name, data, reason):
    from pamong_plugins.licensing.models import ServiceType

    page = _import_catalogue(client, login_as, name, data).get_data(as_text=True)
    assert reason in page  # flashed (in Indonesian, the default) on the page of the form
    assert _count(app, ServiceType) == 0


# --- file names of uploads ----------------------------------------------------------


def test_control_characters_leave_an_uploaded_file_name():
    assert clean_filename("surat\r\nSet-Cookie: x.pdf") == "surat Set-Cookie: x.pdf"
    assert clean_filename("C:\\Users\\sari\\ktp\x00.jpg") == "ktp .jpg"
    assert clean_filename("\r\n") == "document"


def test_an_attachment_named_with_cr_lf_is_stored_clean(app, client, make_org_unit):
    from pamong_plugins.licensing import services
    from pamong_plugins.licensing.catalogue import typical_rows
    from pamong_plugins.licensing.models import Applicant, Upload

    make_org_unit("33.14-BPT", "Badan Pelayanan Terpadu", "skpd", "33.14")
    with app.extensions["pamong"].db.transaction() as session:
        services.import_catalogue(session, SYSTEM, typical_rows())
    token = _csrf(client, "/licensing/portal/register")
    client.post(
        "/licensing/portal/register",
        data={
            "csrf_token": token,
            "kind": "person",
            "name": "Sari Lestari",
            "id_number": "3314015208900001",
            "email": "sari@example.id",
            "password": "rahasia-sekali-2026",
        },
    )
    with app.extensions["pamong"].db.transaction() as session:
        applicant = session.scalar(select(Applicant).where(Applicant.email == "sari@example.id"))
        applicant.verified_at = applicant.created_at  # confirmed: may apply online
    token = _csrf(client, "/licensing/portal/apply?type=SIUP")
    fields = {"csrf_token": token, "type": "SIUP", "description": "Toko"}
    parts = [f'Content-Disposition: form-data; name="{k}"\r\n\r\n{v}' for k, v in fields.items()]
    for index in range(4):  # RFC 5987 lets a client put CR/LF into the decoded file name
        parts.append(
            f'Content-Disposition: form-data; name="doc_{index}"; '
            f"filename*=UTF-8''scan%0D%0A{index}%0B.pdf\r\n"
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%\n"
        )
    body = "".join(f"--xyz\r\n{part}\r\n" for part in parts) + "--xyz--\r\n"
    response = client.post(
        "/licensing/portal/apply",
        data=body.encode(),
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code == 302
    with app.extensions["pamong"].db.session() as session:
        names = sorted(session.scalars(select(Upload.filename)))
    assert names == [f"scan {index} .pdf" for index in range(4)]


# --- the resident CSV import ----------------------------------------------------------

HEADER = b"nik,name,birth_place,birth_date,sex,desa_code\n"


def _row(serial: int, born: str = "1990-08-12") -> bytes:
    nik = make_nik(KALIJAMBE, date(1990, 8, 12), "M", serial)
    return f"{nik},Warga {serial},Sragen,{born},L,33.14.01.2001\n".encode()


def _import(app, tmp_path, data: bytes, **kwargs):
    path = tmp_path / "penduduk.csv"
    path.write_bytes(data)
    return import_residents(app.extensions["pamong"].db, path, SYSTEM, **kwargs)


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        (b"3314010000000009,Du\x00a,Sragen,1990-08-12,L,33.14.01.2001\n", "line 5 holds a NUL"),
        ("3314010000000009,Dédé,Sragen,1990-08-12,L,33.14.01.2001\n".encode("latin-1"), "line 5"),
    ],
)
def test_a_broken_line_refuses_the_whole_csv_file(app, tmp_path, bad_line, message):
    data = HEADER + _row(1) + _row(2) + _row(3) + bad_line + _row(5)
    with pytest.raises(InvalidInput, match=message):
        _import(app, tmp_path, data, batch_size=1)
    assert _count(app, Resident) == 0
    assert not (tmp_path / "penduduk.rejects.csv").exists()


def test_a_csv_field_over_the_size_limit_refuses_the_whole_file(app, tmp_path):
    huge = b'"' + b"x" * 200_000 + b'"'
    data = HEADER + _row(1) + b"3314010000000009," + huge + b",Sragen,1990-08-12,L,33.14\n"
    with pytest.raises(InvalidInput, match="line 3: not valid CSV"):
        _import(app, tmp_path, data, batch_size=1)
    assert _count(app, Resident) == 0


def _rejects(summary) -> list[tuple[str, str]]:
    lines = summary.reject_path.read_text("utf-8").splitlines()[1:]
    return [tuple(line.split(",", 2)[:2]) for line in lines]


def test_a_nik_repeated_in_the_file_is_rejected_as_such(app, tmp_path):
    nik = _row(1).split(b",")[0].decode()
    data = HEADER + _row(1) + _row(2) + _row(1) + _row(3) + _row(1)
    summary = _import(app, tmp_path, data, batch_size=2)
    assert (summary.imported, summary.skipped_existing, summary.duplicates_in_file) == (3, 0, 2)
    assert _rejects(summary) == [
        ("4", f"NIK {nik} is already on an earlier line of this file"),
        ("6", f"NIK {nik} is already on an earlier line of this file"),
    ]


def test_a_nik_repeated_within_one_batch_names_the_first_line(app, tmp_path):
    nik = _row(1).split(b",")[0].decode()
    summary = _import(app, tmp_path, HEADER + _row(1) + _row(1))
    assert _rejects(summary) == [("3", f"NIK {nik} is already on line 2 of this file")]


@pytest.mark.parametrize(
    ("born", "reason"),
    [("1899-12-31", "lies before 1900"), ("2999-01-01", "lies in the future")],
)
def test_an_impossible_birth_date_is_rejected(app, tmp_path, born, reason):
    summary = _import(app, tmp_path, HEADER + _row(1, born))
    assert summary.imported == 0
    assert _rejects(summary) == [("2", f"birth_date {born} {reason}")]


# --- KTP photos ---------------------------------------------------------------------


def _png(size: tuple[int, int], mode: str = "1", info=None) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _giant_png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels in a few dozen bytes (a bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(idat))
        + b"IDAT"
        + idat
        + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    )


def _text_bomb() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "a" * 5_000_000, zip=True)  # compresses to a few KB
    return _png((300, 400), "RGB", info)


@pytest.mark.parametrize(
    ("image", "slug"),
    [
        (lambda: _giant_png_header(100_000, 100_000), "image-too-large"),
        (lambda: _giant_png_header(10_000, 10_000), "image-too-large"),
        (lambda: _png((5000, 4200)), "image-too-large"),  # 21 megapixels
        (_text_bomb, "invalid-image"),
        (lambda: _png((300, 400), "RGB")[:200], "invalid-image"),  # truncated
    ],
    ids=["bomb-10-gigapixels", "bomb-100-megapixels", "21-megapixels", "text-bomb", "truncated"],
)
def test_a_hostile_photo_is_refused(image, slug):
    from pamong_plugins.ktp.photo import decode_upload

    with pytest.raises(InvalidInput) as refused:
        decode_upload(image(), "photo")
    assert refused.value.slug == slug


def test_a_photo_just_under_20_megapixels_is_accepted():
    from pamong_plugins.ktp.photo import decode_upload

    assert decode_upload(_png((5000, 4000)), "photo").size == (5000, 4000)


@pytest.mark.parametrize("image", [_text_bomb, lambda: _png((300, 400), "RGB")[:200]])
def test_photos_stay_strict_after_weasyprint_relaxed_pillow(monkeypatch, image):
    from PIL import ImageFile

    from pamong_plugins.ktp.photo import decode_upload

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing WeasyPrint does
    with pytest.raises(InvalidInput):
        decode_upload(image(), "photo")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # PDFs keep their leniency

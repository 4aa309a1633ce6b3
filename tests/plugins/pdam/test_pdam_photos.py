"""Meter photos with readings: JPEG/PNG by their bytes, size limit, shown to the reviewer."""

from __future__ import annotations

import base64
import io
import re

import pytest
from pdam_testing import KALIJAMBE, REGENCY

pytestmark = pytest.mark.pamong_plugins("billing", "pdam")
API = "/api/v1/pdam"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _data_url(data: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def test_only_jpeg_and_png_by_their_bytes_and_size(db, connection, read, person):
    from pamong_plugins.pdam import photos, services
    from pamong_plugins.pdam.models import PdamReading

    number = connection()
    read(number, "2026-09", 10)
    reader = person("pdam_reader", KALIJAMBE)
    with db.transaction() as session:
        reading = session.query(PdamReading).one()
        for bad, slug in (
            (b"GIF89a" + b"\x00" * 10, "photo-type"),
            (b"", "invalid-photo"),
            ("not base64!", "invalid-photo"),
            (b"\xff\xd8\xff" + b"\x00" * photos.MAX_PHOTO_BYTES, "photo-too-large"),
            (_data_url(b"%PDF-1.4 pretending", "image/png"), "photo-type"),
        ):
            with pytest.raises(services.InvalidInput) as refused:
                photos.attach(session, reader, reading, bad)
            assert refused.value.slug == slug
        assert photos.attach(session, reader, reading, JPEG).content_type == "image/jpeg"
        again = photos.attach(session, reader, reading, _data_url(PNG))
        assert again.content_type == "image/png" and again.size == len(PNG)
        assert photos.with_photo(session, [reading.id]) == {reading.id}


def test_the_phone_page_the_api_and_the_reviewer(client, login_as, connection, read, bearer):
    number = connection()
    read(number, "2026-08", 100)
    login_as("pdam_reader", KALIJAMBE)
    html = client.get("/pdam/read").get_data(as_text=True)
    assert 'name="photo"' in html and "dilewati" in html  # the page says large photos are skipped
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    bad = client.post(
        "/pdam/read",
        json={"customer_number": number, "period": "2026-09", "value": "110", "photo": "R0lGOA=="},
        headers={"X-CSRFToken": token},
    )
    assert bad.status_code == 422 and bad.json["type"].endswith("photo-type")
    held = client.post(  # below the previous reading: held, with its photo
        "/pdam/read",
        json={
            "customer_number": number,
            "period": "2026-09",
            "value": "50",
            "photo": _data_url(PNG),
        },
        headers={"X-CSRFToken": token},
    )
    assert held.status_code == 200 and held.json["status"] == "held"
    form = client.post(
        "/pdam/read",
        data={
            "csrf_token": token,
            "customer_number": number,
            "period": "2026-07",
            "value": "90",
            "photo": (io.BytesIO(JPEG), "meter.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert form.status_code == 302
    login_as("pdam_billing", KALIJAMBE)
    listing = client.get("/pdam/").get_data(as_text=True)
    link = re.search(r'href="(/pdam/readings/(\d+)/photo)"', listing)
    assert link, "the reviewer sees the photo of the held reading"
    photo = client.get(link.group(1))
    assert photo.mimetype == "image/png" and photo.data == PNG
    reading_id = link.group(2)
    api = client.get(f"{API}/readings/{reading_id}/photo", headers=bearer("pdam_billing", REGENCY))
    assert api.status_code == 200 and api.data == PNG
    outsider = bearer("pdam_billing", "33.14.02")
    assert client.get(f"{API}/readings/{reading_id}/photo", headers=outsider).status_code == 404
    made = client.post(
        f"{API}/readings",
        json={"customer_number": number, "period": "2026-10", "value": "60", "photo": "%%%"},
        headers=bearer("pdam_reader", KALIJAMBE),
    )
    assert made.status_code == 422 and made.json["type"].endswith("invalid-photo")

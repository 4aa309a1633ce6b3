"""Security headers, the request id, trusted proxies, no inline script, the CSRF page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from pamong.audit.models import AuditEntry
from pamong.config import ConfigError, load_settings

ROOT = Path(__file__).parent.parent
TEMPLATES = sorted(
    path
    for folder in (ROOT / "core", ROOT / "plugins")
    for path in folder.rglob("templates/**/*.html")
)
PROXY = "10.0.0.5"


def test_pages_forbid_inline_script_and_framing(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_response_says_nosniff_and_limits_the_referrer(client):
    for path in ("/", "/api/v1/openapi.json", "/static/pamong.css", "/no-such-page"):
        with client.get(path) as response:
            headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://pamong.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_with_personal_data_are_not_stored(client, login_as, make_resident):
    resident = make_resident()
    login_as("registrar", "33.14.01")
    assert client.get(f"/residents/{resident.id}").headers["Cache-Control"] == "no-store"


def test_api_answers_to_a_token_are_not_stored(client, bearer):
    response = client.get("/api/v1/residents", headers=bearer("registrar"))
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_for_anonymous_visitors_may_be_cached(client):
    assert "no-store" not in client.get("/org-units").headers.get("Cache-Control", "")


def test_no_template_carries_inline_script_or_event_handlers():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
    offenders = [
        str(path.relative_to(ROOT))
        for path in TEMPLATES
        if inline.search(text := path.read_text("utf-8")) or handler.search(text)
    ]
    assert TEMPLATES and offenders == []


# --- the request id -------------------------------------------------------------------


def test_each_response_carries_a_fresh_request_id(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_a_client_cannot_choose_its_request_id(client):
    response = client.get("/", headers={"X-Request-ID": "chosen-by-me"})
    assert response.headers["X-Request-ID"] != "chosen-by-me"


@pytest.fixture
def behind_proxy(enable_plugins):
    """An app that trusts the reverse proxies of 10.0.0.0/8."""
    app = enable_plugins(trusted_proxies=["10.0.0.0/8"])
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    return app, client


def test_a_trusted_proxys_request_id_is_kept(behind_proxy):
    _app, client = behind_proxy
    response = client.get("/", headers={"X-Request-ID": "nginx-7f3a9c"})
    assert response.headers["X-Request-ID"] == "nginx-7f3a9c"


# --- trusted proxies -------------------------------------------------------------------


def _audited_ip(app, response) -> str:
    with app.extensions["pamong"].db.transaction() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.request_id == response.headers["X-Request-ID"])
        ).one()
        return entry.ip


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address(behind_proxy):
    app, client = behind_proxy
    response = client.get(
        "/api/v1/residents",
        headers={
            "Authorization": "Bearer pmg_wrong",
            "X-Forwarded-For": "198.51.100.9, 10.0.0.7",  # client, then an inner proxy
        },
    )
    assert _audited_ip(app, response) == "198.51.100.9"


def test_a_forged_forwarded_address_from_outside_is_ignored(behind_proxy):
    app, _client = behind_proxy
    outsider = app.test_client()
    outsider.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    response = outsider.get(
        "/api/v1/residents",
        headers={"Authorization": "Bearer pmg_wrong", "X-Forwarded-For": "198.51.100.9"},
    )
    assert _audited_ip(app, response) == "192.0.2.44"


def test_a_client_prepending_a_fake_hop_does_not_hide_behind_it(behind_proxy):
    app, client = behind_proxy
    response = client.get(
        "/api/v1/residents",
        headers={"Authorization": "Bearer pmg_wrong", "X-Forwarded-For": "1.2.3.4, 192.0.2.44"},
    )
    assert _audited_ip(app, response) == "192.0.2.44"


def test_the_proxys_https_turns_on_hsts(behind_proxy):
    _app, client = behind_proxy
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_a_proxy_nobody_declared_is_warned_about_once(client, caplog):
    for _ in range(2):
        client.get("/", headers={"X-Forwarded-For": "198.51.100.9"})
    assert caplog.text.count("trusted_proxies is empty") == 1


def test_an_invalid_trusted_proxy_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="trusted_proxies"):
        load_settings(tmp_path, {"trusted_proxies": ["10.0.0.0/8", "the-proxy"]})


def test_trusted_proxies_come_from_the_environment(tmp_path):
    settings = load_settings(tmp_path, environ={"PAMONG_TRUSTED_PROXIES": "127.0.0.1,10.1.0.0/16"})
    assert [str(n) for n in settings.trusted_proxies] == ["127.0.0.1/32", "10.1.0.0/16"]


# --- the CSRF failure page ---------------------------------------------------------------


def test_a_stale_form_gets_a_translated_page_and_an_audit_entry(app, client, login_as):
    login_as("viewer")
    response = client.post("/logout", data={"csrf_token": "stale"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Formulir sudah kedaluwarsa" in html and "Content-Security-Policy" in response.headers
    assert _audited_action(app, response) == ("auth.invalid_token", "csrf")


def _audited_action(app, response) -> tuple[str, str]:
    with app.extensions["pamong"].db.transaction() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.request_id == response.headers["X-Request-ID"])
        ).one()
        return entry.action, entry.detail["kind"]


def test_the_csrf_page_links_back_only_to_this_site(client):
    page = client.post(
        "/lang", data={"lang": "en"}, headers={"Referer": "https://evil.example/form"}
    ).get_data(as_text=True)
    assert "evil.example" not in page
    back = client.post(
        "/lang", data={"lang": "en"}, headers={"Referer": "http://localhost/tracking/?x=1"}
    ).get_data(as_text=True)
    assert 'href="/tracking/?x=1"' in back

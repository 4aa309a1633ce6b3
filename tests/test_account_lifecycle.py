"""Account lifecycle (issue 12, item 8): deactivate, reactivate, revoke, reset a password.

Every step works through the pages, the API and the CLI, and is audited.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
from datetime import timedelta

import pytest
from accounts_testing import (
    KALIJAMBE,
    SRAGEN,
    account,
    bearer_of,
    csrf,
    log_in,
    page_token,
)
from click.testing import CliRunner
from sqlalchemy import select, update

from pamong.accounts import services
from pamong.accounts.models import PasswordResetToken
from pamong.audit.models import AuditEntry
from pamong.cli import main
from pamong.db import utcnow
from pamong.messaging.outbox import drain
from pamong.testing import TEST_PASSWORD, build_app

PUBLIC_URL = "https://pamong.sragenkab.test"
NEW_PASSWORD = "kopi tubruk gula aren"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(envelope)
        return "250 OK"


@pytest.fixture(scope="module")
def smtp_port():
    return _free_port()


@pytest.fixture(scope="module")
def mailbox(smtp_port):
    from aiosmtpd.controller import Controller

    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory, smtp_port):
    application = build_app(
        tmp_path_factory.mktemp("instance"),
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_from="pamong@sragenkab.test",
        embedded_delivery=False,
        public_url=PUBLIC_URL,
    )
    yield application
    application.extensions["pamong"].db.dispose()


@pytest.fixture(scope="module")
def admin(app):
    return account(app, f"admin@{SRAGEN}", prefix="admin")


def deliver(app):
    state = app.extensions["pamong"]
    drain(state.db, state.settings, state.host.pm.hook)


def mails_to(mailbox, address):
    return [m for m in mailbox.mails if m.rcpt_tos == [address]]


def body_of(mail) -> str:
    return email.message_from_bytes(mail.content, policy=email.policy.default).get_content()


def reset_link(mail) -> str:
    body = body_of(mail)
    return re.search(re.escape(PUBLIC_URL) + r"(/password/reset/[A-Za-z0-9_\-]+)", body).group(1)


def actions_on(app, username):
    with app.extensions["pamong"].db.session() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.object_type == "user", AuditEntry.object_id == username)
                .order_by(AuditEntry.id)
            )
        )


def is_active(app, username):
    with app.extensions["pamong"].db.session() as session:
        return services.get_user(session, username).is_active


# --- deactivation ---------------------------------------------------------------------------


def test_deactivation_ends_a_copied_session_cookie_at_once(app, admin):
    officer = account(app, f"registrar@{KALIJAMBE}")
    browser, thief = app.test_client(), app.test_client()
    assert log_in(browser, officer).status_code == 302
    thief.set_cookie("session", browser.get_cookie("session").value)
    assert thief.get("/dashboard").status_code == 200

    response = app.test_client().post(
        f"/api/v1/users/{officer.username}/deactivate", headers=bearer_of(app, admin)
    )
    assert response.status_code == 200 and response.json["is_active"] is False
    for client in (browser, thief):
        assert client.get("/dashboard").status_code == 302


def test_a_deactivated_account_cannot_log_in_until_reactivated(client, app, admin):
    officer = account(app, f"viewer@{KALIJAMBE}")
    headers = bearer_of(app, admin)
    client.post(f"/api/v1/users/{officer.username}/deactivate", headers=headers)
    assert log_in(client, officer).status_code == 401
    client.post(f"/api/v1/users/{officer.username}/reactivate", headers=headers)
    assert log_in(client, officer).status_code == 302


def test_deactivation_revokes_api_tokens_for_good(client, app, admin):
    officer = account(app, f"viewer@{KALIJAMBE}")
    own = bearer_of(app, officer)
    headers = bearer_of(app, admin)
    client.post(f"/api/v1/users/{officer.username}/deactivate", headers=headers)
    assert client.get("/api/v1/tokens", headers=own).status_code == 401
    client.post(f"/api/v1/users/{officer.username}/reactivate", headers=headers)
    assert client.get("/api/v1/tokens", headers=own).status_code == 401


def test_nobody_deactivates_their_own_account(client, app, admin):
    response = client.post(
        f"/api/v1/users/{admin.username}/deactivate", headers=bearer_of(app, admin)
    )
    assert response.status_code == 403
    assert is_active(app, admin.username)


def test_an_admin_deactivates_and_reactivates_on_the_account_page(client, app, admin):
    officer = account(app, f"viewer@{KALIJAMBE}")
    log_in(client, admin)
    page = f"/staff/users/{officer.username}"
    client.post(f"{page}/deactivate", data={"csrf_token": page_token(client, page)})
    assert not is_active(app, officer.username)
    client.post(f"{page}/reactivate", data={"csrf_token": page_token(client, page)})
    assert is_active(app, officer.username)


# --- roles ----------------------------------------------------------------------------------


def test_revoking_a_role_takes_its_permissions_away(client, app, admin):
    officer = account(app, f"registrar@{KALIJAMBE}")
    own = bearer_of(app, officer)
    assert client.get("/api/v1/residents", headers=own).status_code == 200
    response = client.delete(
        f"/api/v1/users/{officer.username}/grants/registrar/{KALIJAMBE}",
        headers=bearer_of(app, admin),
    )
    assert response.status_code == 200 and response.json["grants"] == []
    assert client.get("/api/v1/residents", headers=own).status_code == 403


def test_revoking_a_role_that_was_not_granted_is_not_found(client, app, admin):
    officer = account(app, f"viewer@{KALIJAMBE}")
    response = client.delete(
        f"/api/v1/users/{officer.username}/grants/registrar/{KALIJAMBE}",
        headers=bearer_of(app, admin),
    )
    assert response.status_code == 404
    assert response.json["type"] == "urn:pamong:problem:grant-not-found"


def test_an_admin_revokes_a_role_on_the_account_page(client, app, admin):
    officer = account(app, f"registrar@{KALIJAMBE}")
    log_in(client, admin)
    page = f"/staff/users/{officer.username}"
    client.post(
        f"{page}/grants/revoke",
        data={"role": "registrar", "unit": KALIJAMBE, "csrf_token": page_token(client, page)},
    )
    with app.extensions["pamong"].db.session() as session:
        assert services.get_user(session, officer.username).assignments == []


def test_the_grant_form_makes_the_admin_choose_a_role(client, app, admin):
    officer = account(app, f"viewer@{KALIJAMBE}")
    log_in(client, admin)
    page = client.get(f"/staff/users/{officer.username}").get_data(as_text=True)
    options = re.search(r'<select name="role" required>(.*?)</select>', page, re.S).group(1)
    assert re.search(r'<option value="" selected disabled>', options)
    assert options.count("selected") == 1


# --- passwords ------------------------------------------------------------------------------


def test_an_admin_sets_a_password_and_the_old_one_stops_working(client, app, admin):
    officer = account(app, f"viewer@{KALIJAMBE}")
    response = client.put(
        f"/api/v1/users/{officer.username}/password",
        json={"password": NEW_PASSWORD},
        headers=bearer_of(app, admin),
    )
    assert response.status_code == 204
    assert log_in(app.test_client(), officer).status_code == 401
    assert log_in(app.test_client(), officer, NEW_PASSWORD).status_code == 302


def test_an_admin_sets_a_password_on_the_account_page(client, app, admin):
    officer = account(app, f"viewer@{KALIJAMBE}")
    log_in(client, admin)
    page = f"/staff/users/{officer.username}"
    client.post(
        f"{page}/password",
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": page_token(client, page),
        },
    )
    assert log_in(app.test_client(), officer, NEW_PASSWORD).status_code == 302


def test_the_forgot_form_answers_the_same_whether_or_not_the_account_exists(client, app):
    officer = account(app, f"viewer@{KALIJAMBE}", email="petugas.sama@sragenkab.test")
    answers = []
    for login in (officer.username, "nobody-at-all"):
        token = csrf(client.get("/password/forgot").get_data(as_text=True))
        response = client.post("/password/forgot", data={"login": login, "csrf_token": token})
        answers.append((response.status_code, response.headers["Location"]))
        # The CSRF token is signed with the second it was made in: blank every copy of it.
        page = client.get("/login").get_data(as_text=True)
        answers.append(re.sub(r'name="csrf_token" value="[^"]*"', "", page))
    assert answers[:2] == answers[2:]
    api = [
        client.post("/api/v1/password-reset", json={"login": login})
        for login in (officer.username, "nobody-at-all")
    ]
    assert [r.status_code for r in api] == [202, 202]
    assert api[0].get_data() == api[1].get_data()


def test_a_reset_link_arrives_by_email_and_works_once(client, app, mailbox):
    address = "petugas.lupa@sragenkab.test"
    officer = account(app, f"viewer@{KALIJAMBE}", email=address)
    token = csrf(client.get("/password/forgot").get_data(as_text=True))
    client.post("/password/forgot", data={"login": address, "csrf_token": token})
    deliver(app)
    (mail,) = mails_to(mailbox, address)
    link = reset_link(mail)

    form = client.get(link)
    assert form.status_code == 200 and form.headers["Referrer-Policy"] == "no-referrer"
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    done = client.post(link, data={**data, "csrf_token": csrf(form.get_data(as_text=True))})
    assert done.status_code == 302
    assert log_in(app.test_client(), officer, NEW_PASSWORD).status_code == 302
    assert client.get(link).status_code == 404


def test_the_reset_link_points_at_the_configured_site_not_the_request_host(client, app, mailbox):
    address = "petugas.host@sragenkab.test"
    officer = account(app, f"viewer@{KALIJAMBE}", email=address)
    client.post(
        "/api/v1/password-reset", json={"login": officer.username}, headers={"Host": "evil.test"}
    )
    deliver(app)
    (mail,) = mails_to(mailbox, address)
    assert f"{PUBLIC_URL}/password/reset/" in body_of(mail)
    assert "evil.test" not in body_of(mail)


def test_a_reset_link_is_stored_only_as_a_hash(client, app, mailbox):
    address = "petugas.hash@sragenkab.test"
    officer = account(app, f"viewer@{KALIJAMBE}", email=address)
    client.post("/api/v1/password-reset", json={"login": officer.username})
    deliver(app)
    plain = reset_link(mails_to(mailbox, address)[0]).rsplit("/", 1)[1]
    with app.extensions["pamong"].db.session() as session:
        stored = session.scalars(
            select(PasswordResetToken.token_hash).where(PasswordResetToken.user_id == officer.id)
        ).all()
    assert len(stored) == 1 and plain not in stored[0]


def test_a_reset_link_expires(client, app, mailbox):
    address = "petugas.kedaluwarsa@sragenkab.test"
    officer = account(app, f"viewer@{KALIJAMBE}", email=address)
    client.post("/api/v1/password-reset", json={"login": officer.username})
    deliver(app)
    plain = reset_link(mails_to(mailbox, address)[0]).rsplit("/", 1)[1]
    with app.extensions["pamong"].db.transaction() as session:
        session.execute(
            update(PasswordResetToken)
            .where(PasswordResetToken.user_id == officer.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    response = client.post(
        "/api/v1/password-reset/confirm", json={"token": plain, "password": NEW_PASSWORD}
    )
    assert response.status_code == 422
    assert response.json["type"] == "urn:pamong:problem:reset-link-invalid"


def test_a_deactivated_account_gets_no_reset_link(client, app, admin, mailbox):
    address = "petugas.nonaktif@sragenkab.test"
    officer = account(app, f"viewer@{KALIJAMBE}", email=address)
    client.post(f"/api/v1/users/{officer.username}/deactivate", headers=bearer_of(app, admin))
    client.post("/api/v1/password-reset", json={"login": address})
    deliver(app)
    assert mails_to(mailbox, address) == []


# --- the record -----------------------------------------------------------------------------


def test_every_lifecycle_step_is_audited(client, app, admin, mailbox):
    address = "petugas.audit@sragenkab.test"
    officer = account(app, f"registrar@{KALIJAMBE}", email=address)
    headers = bearer_of(app, admin)
    base = f"/api/v1/users/{officer.username}"
    client.delete(f"{base}/grants/registrar/{KALIJAMBE}", headers=headers)
    client.post(f"{base}/deactivate", headers=headers)
    client.post(f"{base}/reactivate", headers=headers)
    client.put(f"{base}/password", json={"password": NEW_PASSWORD}, headers=headers)
    client.post("/api/v1/password-reset", json={"login": address})
    deliver(app)
    plain = reset_link(mails_to(mailbox, address)[0]).rsplit("/", 1)[1]
    client.post("/api/v1/password-reset/confirm", json={"token": plain, "password": TEST_PASSWORD})
    assert actions_on(app, officer.username)[1:] == [
        "user.grant_role",
        "user.revoke_role",
        "user.deactivate",
        "user.reactivate",
        "user.set_password",
        "user.password_reset_requested",
        "user.set_password",
        "user.password_reset",
    ]


# --- the CLI --------------------------------------------------------------------------------


def pamong(app, *args):
    env = {}
    if os.environ.get("PAMONG_TEST_DATABASE_URL"):
        env["PAMONG_DATABASE_URL"] = os.environ["PAMONG_TEST_DATABASE_URL"]
    result = CliRunner().invoke(main, ["--instance", app.instance_path, *args], env=env)
    return result


def test_the_cli_lists_accounts_with_their_roles(app):
    officer = account(app, f"registrar@{KALIJAMBE}")
    result = pamong(app, "users", "list")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith(officer.username))
    assert line.split()[1:3] == ["active", f"registrar@{KALIJAMBE}"]


def test_the_cli_deactivates_and_reactivates(app):
    officer = account(app, f"viewer@{KALIJAMBE}")
    assert pamong(app, "users", "deactivate", officer.username).exit_code == 0
    assert not is_active(app, officer.username)
    inactive = pamong(app, "users", "list", "--inactive").output
    assert officer.username in inactive
    assert pamong(app, "users", "reactivate", officer.username).exit_code == 0
    assert is_active(app, officer.username)


def test_the_cli_grants_and_revokes_roles(app):
    officer = account(app)
    granted = pamong(app, "users", "grant", officer.username, f"registrar@{KALIJAMBE}")
    assert granted.exit_code == 0, granted.output
    revoked = pamong(app, "users", "revoke", officer.username, f"registrar@{KALIJAMBE}")
    assert revoked.exit_code == 0, revoked.output
    again = pamong(app, "users", "revoke", officer.username, f"registrar@{KALIJAMBE}")
    assert again.exit_code == 1 and "tidak memegang peran registrar" in again.output
    assert actions_on(app, officer.username)[-2:] == ["user.grant_role", "user.revoke_role"]


def test_the_cli_sets_a_password(app, tmp_path):
    officer = account(app, f"viewer@{KALIJAMBE}")
    password_file = tmp_path / "pw"
    password_file.write_text(NEW_PASSWORD + "\n")
    result = pamong(
        app, "users", "set-password", officer.username, "--password-file", str(password_file)
    )
    assert result.exit_code == 0, result.output
    assert log_in(app.test_client(), officer, NEW_PASSWORD).status_code == 302

"""Login, logout and password change: server-side sessions and the login back-off."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from pamong.accounts import services as accounts
from pamong.accounts.models import User
from pamong.accounts.permissions import Actor
from pamong.db import utcnow
from pamong.ratelimit import ACCOUNT_MAX_DELAY_SECONDS, LoginThrottle
from pamong.testing import TEST_PASSWORD

NEW_PASSWORD = "kata sandi baru 2026"


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def form_login(client, username, password=TEST_PASSWORD):
    token = csrf(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def with_cookie(app, cookie: str):
    """Another browser holding a copy of ``cookie``."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def logout(client):
    token = csrf(client.get("/dashboard").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def change_password(client, current=TEST_PASSWORD, new=NEW_PASSWORD, repeat=None):
    token = csrf(client.get("/account/password").get_data(as_text=True))
    return client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "repeat_password": new if repeat is None else repeat,
        },
    )


# --- server-side sessions -----------------------------------------------------------


def test_a_copied_cookie_stops_working_after_logout(app, client, make_user):
    form_login(client, make_user("viewer").username)
    copy = with_cookie(app, session_cookie(client))
    assert copy.get("/dashboard").status_code == 200
    assert logout(client).status_code == 302
    assert copy.get("/dashboard").status_code == 302  # back to the login page


def test_changing_the_password_ends_every_other_session(app, client, make_user):
    user = make_user("viewer")
    form_login(client, user.username)
    elsewhere = app.test_client()
    form_login(elsewhere, user.username)
    copy = with_cookie(app, session_cookie(client))
    response = change_password(client)
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this browser got a new session
    assert elsewhere.get("/dashboard").status_code == 302
    assert copy.get("/dashboard").status_code == 302
    assert form_login(app.test_client(), user.username, NEW_PASSWORD).status_code == 302


def test_an_administrator_setting_a_password_ends_the_users_sessions(app, client, make_user):
    user = make_user("viewer")
    form_login(client, user.username)
    with app.extensions["pamong"].db.transaction() as session:
        target = session.get(User, user.id)
        accounts.set_password(session, Actor.system("admin"), target, NEW_PASSWORD)
    assert client.get("/dashboard").status_code == 302


def test_a_disabled_account_loses_its_session(app, client, make_user):
    user = make_user("viewer")
    form_login(client, user.username)
    with app.extensions["pamong"].db.transaction() as session:
        session.get(User, user.id).is_active = False
    assert client.get("/dashboard").status_code == 302


def test_a_cookie_naming_a_user_id_is_not_a_session(app, make_user):
    user = make_user("admin")
    forged = app.test_client()
    with forged.session_transaction() as flask_session:
        flask_session["_user_id"] = str(user.id)  # what Flask-Login stores by default
    assert forged.get("/dashboard").status_code == 302


def test_the_password_change_needs_the_current_password(client, make_user):
    form_login(client, make_user("viewer").username)
    response = change_password(client, current="not my password")
    assert response.status_code == 422
    assert "Kata sandi saat ini salah." in response.get_data(as_text=True)


def test_the_two_new_passwords_must_match(client, make_user):
    form_login(client, make_user("viewer").username)
    response = change_password(client, repeat="something else entirely")
    assert response.status_code == 422
    assert "Kedua kata sandi baru berbeda." in response.get_data(as_text=True)


def test_login_and_logout_are_audited(app, client, make_user, db_session):
    from pamong.audit.models import AuditEntry

    user = make_user("viewer", "33.14.01")
    form_login(client, user.username)
    logout(client)
    actions = db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor == user.username)
    ).all()
    assert {"auth.login", "auth.logout"} <= set(actions)


# --- no username enumeration ---------------------------------------------------------


def _normalised(response) -> tuple[int, str]:
    body = re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))
    return response.status_code, body


@pytest.fixture
def refusals(app, make_user):
    """The login page's answer to four kinds of wrong login, each from a fresh browser."""
    wrong = make_user("viewer", username="salah.sandi")
    disabled = make_user("viewer", username="nonaktif")
    locked = make_user("viewer", username="terkunci")
    with app.extensions["pamong"].db.transaction() as session:
        session.get(User, disabled.id).is_active = False
        session.get(User, locked.id).locked_until = utcnow().replace(year=2999)

    def answer(username: str, password: str):
        return _normalised(form_login(app.test_client(), username, password))

    return {
        "unknown user": answer("tidak.ada", TEST_PASSWORD),
        "wrong password": answer(wrong.username, "not the password"),
        "disabled account": answer(disabled.username, TEST_PASSWORD),
        "locked account": answer(locked.username, TEST_PASSWORD),
    }


def test_every_refused_login_gets_the_same_answer(refusals):
    answers = set(refusals.values())
    assert len(answers) == 1
    status, body = answers.pop()
    assert status == 401 and "Nama pengguna atau kata sandi salah." in body


def test_an_unknown_user_costs_an_argon2_verification(app, client, monkeypatch):
    checked = []

    class Recording(PasswordHasher):
        def verify(self, hash, password):
            checked.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(accounts, "_hasher", Recording())
    assert form_login(client, "nobody.here", "a guess at it").status_code == 401
    assert checked == [accounts._dummy_hash()]


# --- back-off instead of lockout --------------------------------------------------------


def test_five_failures_do_not_lock_the_account(client, make_user):
    user = make_user("admin")
    for _ in range(5):
        assert form_login(client, user.username, "wrong password!").status_code == 401
    assert form_login(client, user.username).status_code == 302


def test_beyond_the_free_attempts_a_login_must_wait(client, make_user):
    user = make_user("viewer")
    for _ in range(6):
        form_login(client, user.username, "wrong password!")
    response = form_login(client, user.username)  # even the right password waits
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "Terlalu banyak percobaan gagal" in response.get_data(as_text=True)


def test_an_unknown_username_is_held_back_the_same_way(client):
    for _ in range(6):
        form_login(client, "tidak.ada", "wrong password!")
    assert form_login(client, "tidak.ada").status_code == 429


def test_a_held_back_attempt_is_audited(client, db_session):
    from pamong.audit.models import AuditEntry

    for _ in range(7):
        form_login(client, "tidak.ada", "wrong password!")
    reasons = db_session.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "auth.login_failed")
    ).all()
    assert [r["reason"] for r in reasons].count("throttled") == 1


def test_the_wait_doubles_with_each_failure_up_to_the_cap():
    throttle = LoginThrottle(None, free_attempts=5, backoff_seconds=2, max_delay_seconds=60)
    delays = [throttle.delay_for(n, 5, 60) for n in range(4, 12)]
    assert delays == [0, 0, 2, 4, 8, 16, 32, 60]


def test_strangers_can_slow_an_account_only_briefly(app):
    """Failures from many addresses hold the account back at most a minute."""
    throttle = app.extensions["pamong"].login_throttle
    for n in range(40):
        throttle.failed("admin", f"198.51.100.{n}")
    assert 0 < throttle.wait_seconds("admin", "192.0.2.1") <= ACCOUNT_MAX_DELAY_SECONDS


def test_a_success_clears_the_accounts_failures(app):
    throttle = app.extensions["pamong"].login_throttle
    for _ in range(6):
        throttle.failed("operator", "192.0.2.5")
    throttle.succeeded("operator", "192.0.2.5")
    assert throttle.wait_seconds("operator", "192.0.2.5") == 0


def test_a_login_checks_the_password_without_holding_the_write_lock(
    app, client, make_user, monkeypatch
):
    """SQLite: the argon2 check runs before the login's write transaction begins,
    so a morning's logins do not queue every writer behind their hashing."""
    import sqlite3

    from sqlalchemy.engine import make_url

    db = app.extensions["pamong"].db
    if not db.is_sqlite:
        pytest.skip("PostgreSQL has no database-wide write lock")
    user = make_user("admin")
    seen: list[bool] = []
    hasher = accounts._hasher

    class WhileAnotherWrites:
        def verify(self, hash_: str, password: str) -> bool:
            other = sqlite3.connect(make_url(db.url).database, isolation_level=None)
            try:
                other.execute("PRAGMA busy_timeout=0")
                other.execute("BEGIN IMMEDIATE")  # fails at once if the login held the lock
                other.execute("ROLLBACK")
                seen.append(True)
            finally:
                other.close()
            return hasher.verify(hash_, password)

        def __getattr__(self, name: str):
            return getattr(hasher, name)

    monkeypatch.setattr(accounts, "_hasher", WhileAnotherWrites())
    response = form_login(client, user.username)
    assert response.status_code == 302
    assert seen == [True]
    assert client.get("/dashboard").status_code == 200

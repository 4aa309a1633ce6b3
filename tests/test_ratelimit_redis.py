"""Rate limits shared through Redis: several app processes count together.

A real ``redis-server`` is started for these tests (Debian's package);
without the binary or the ``redis`` client they are skipped, saying why.
Two apps on one Redis stand for two gunicorn workers or two hosts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from pamong.config import ConfigError

REDIS_PORT = int(os.environ.get("PAMONG_TEST_REDIS_PORT", "6391"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
PROXY = "10.0.0.5"

pytestmark = [
    pytest.mark.skipif(
        not os.path.exists(REDIS_SERVER),
        reason="redis-server is not installed (Debian: apt-get install redis-server)",
    ),
]
redis = pytest.importorskip("redis", reason="the redis client is not installed: pip install redis")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A throwaway redis-server on :data:`REDIS_PORT`, without persistence."""
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        for _ in range(100):
            try:
                connection.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail(f"redis-server did not answer on port {REDIS_PORT}")
        yield connection
    finally:
        connection.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def workers(redis_server, enable_plugins):
    """Two app processes sharing one Redis, behind a trusted proxy, 3 public requests/minute."""
    redis_server.flushdb()
    settings = {
        "rate_limit_storage": REDIS_URL,
        "public_rate_limit": "3/minute",
        "trusted_proxies": ["10.0.0.0/8"],
        "login_free_attempts": 2,
    }
    return enable_plugins(**settings), enable_plugins(**settings)


def client_of(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return client


def test_two_workers_share_the_public_limit(workers):
    first, second = workers
    a, b = client_of(first, "198.51.100.1"), client_of(second, "198.51.100.1")
    assert [a.get("/track/").status_code for _ in range(2)] == [200, 200]
    assert b.get("/track/").status_code == 200
    assert b.get("/track/").status_code == 429
    assert a.get("/track/").status_code == 429


def test_clients_behind_the_proxy_have_their_own_limits(workers):
    first, _second = workers
    busy, other = client_of(first, "198.51.100.1"), client_of(first, "198.51.100.2")
    for _ in range(3):
        busy.get("/track/")
    assert busy.get("/track/").status_code == 429
    assert other.get("/track/").status_code == 200


def test_a_forwarded_address_from_an_untrusted_peer_is_not_a_new_client(workers):
    first, _second = workers
    statuses = []
    for n in range(4):  # a client inventing a new X-Forwarded-For each time
        client = first.test_client()
        client.environ_base["REMOTE_ADDR"] = "192.0.2.50"
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}"
        statuses.append(client.get("/track/").status_code)
    assert statuses == [200, 200, 200, 429]


def test_the_login_back_off_holds_on_every_worker(workers, redis_server):
    first, second = workers
    throttle = first.extensions["pamong"].login_throttle
    for _ in range(3):
        throttle.failed("admin", "198.51.100.1")
    other = second.extensions["pamong"].login_throttle
    assert other.wait_seconds("admin", "198.51.100.1") > 0
    assert list(redis_server.scan_iter("LIMITS:pamong/login/*"))


def test_an_unusable_storage_stops_the_start(enable_plugins):
    with pytest.raises(ConfigError, match="rate_limit_storage"):
        enable_plugins(rate_limit_storage="nosuchstore://localhost")


def test_a_store_outage_never_keeps_staff_out(caplog):
    from limits.storage import storage_from_string

    from pamong.ratelimit import LoginThrottle

    throttle = LoginThrottle(storage_from_string("redis://127.0.0.1:1/0"))  # nobody listens
    throttle.failed("admin", "198.51.100.1")
    assert throttle.wait_seconds("admin", "198.51.100.1") == 0
    assert "rate-limit store is not answering" in caplog.text

"""Static files carry their version in the URL and are then cached a year; old links revalidate."""

from __future__ import annotations

import re

import pytest

from pamong.web.static_files import VERSIONED_MAX_AGE, file_version


def test_the_pages_link_versioned_files_that_are_cached_a_year(client):
    html = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/pamong\.css\?v=[0-9a-f]{10})"', html).group(1)
    script = re.search(r'src="(/static/pamong\.js\?v=[0-9a-f]{10})"', html).group(1)
    for url in (css, script):
        with client.get(url) as answer:
            assert answer.status_code == 200
            assert answer.cache_control.max_age == VERSIONED_MAX_AGE
            assert answer.cache_control.public
    with client.get("/static/pamong.css") as old_link:
        assert old_link.status_code == 200 and old_link.cache_control.max_age is None
        assert old_link.headers.get("ETag")  # the browser revalidates it


def test_the_version_is_the_files_content(app, tmp_path):
    one = tmp_path / "a.css"
    one.write_text("body{color:red}")
    first = file_version(str(tmp_path), "a.css")
    one.write_text("body{color:blue}")
    assert first != file_version(str(tmp_path), "a.css")
    assert file_version(str(tmp_path), "missing.css") is None


@pytest.mark.pamong_plugins("billing", "pdam")
def test_a_plugins_static_files_are_versioned_too(app, client, login_as):
    from flask import url_for

    with app.test_request_context():
        url = url_for("pdam.static", filename="read.js")
        assert re.search(r"\?v=[0-9a-f]{10}$", url), url
        assert "v=" not in url_for("pdam.static", filename="no-such-file.js")
    login_as("pdam_reader")  # a logged-in reader's phone keeps the script too
    with client.get(url) as answer:
        assert answer.status_code == 200
        assert answer.cache_control.max_age == VERSIONED_MAX_AGE
        assert not answer.cache_control.no_store

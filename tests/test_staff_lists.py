"""Every long staff list paginates, and the lists staff print download as CSV and Excel.

The test walks the URL map: every staff page without URL arguments is opened
as the regency's administrator, and a page whose template gets a ``total``
(a count of rows) or ``pages`` is a list, so it must get ``page`` and
``pages``. The
lists declared in :data:`LISTS` must be among them, and those staff print
(:data:`PRINTED`) must answer ``?format=csv`` and ``?format=xlsx`` with the
core's ``table_download``, its header first, and link both from the page.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest
from flask import template_rendered
from openpyxl import load_workbook

from pamong.web.export import XLSX_MIME

PLUGINS = ("ktp", "licensing", "billing", "pdam", "rsud", "kantaya", "sipaw", "portal")
pytestmark = pytest.mark.pamong_plugins(*PLUGINS)

#: The long lists (endpoint: query arguments): they must paginate.
LISTS = {
    "web.residents": {},
    "audit.log": {},
    "jobs.index": {},
    "ktp.counter": {},
    "licensing.worklist": {},
    "billing.invoices": {},
    "pdam.connections": {},
    "pdam.applications": {},
    "kantaya.letters": {},
    "kantaya.reports": {},
    "kantaya.drafts": {},
    "kantaya.incoming": {},
    "kantaya.projects": {},
    "kantaya.forum": {},
    "portal.staff_complaints": {},
    "rsud.index": {},
}
#: Summary tables (a row per desa, source or age bucket), shown whole: no pages.
REPORTS = {"billing.reports_page": {}, "pdam.reports": {}, "registry.mutations": {}}
#: Pages whose ``pages`` are not page numbers (the portal's content pages).
NOT_LISTS = {"portal.staff_pages"}
#: The lists and reports staff print: CSV and Excel downloads.
PRINTED = (
    "billing.reports_page",
    "pdam.reports",
    "registry.mutations",
    "web.residents",
    "audit.log",
    "ktp.counter",
    "licensing.worklist",
    "billing.invoices",
    "pdam.connections",
    "kantaya.letters",
    "rsud.index",
)


@pytest.fixture
def rendered(app):
    """The context of the last template each request rendered."""
    seen: list[dict] = []

    def record(_sender, template, context, **_extra):
        seen.append(context)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def _path(app, endpoint, **args):
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **args)


def _staff_pages(app):
    """Endpoints of argument-free GET pages behind the staff login (not the API)."""
    client = app.test_client()
    found = []
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        answer = client.get(rule.rule)
        if answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/login":
            found.append(rule.endpoint)
    return found


def test_every_staff_list_paginates(app, client, login_as, rendered):
    staff = _staff_pages(app)
    assert set(LISTS) <= set(staff), sorted(set(LISTS) - set(staff))
    login_as("admin", "33.14")
    lists = {}
    for endpoint in staff:
        rendered.clear()
        answer = client.get(_path(app, endpoint, **LISTS.get(endpoint, {})))
        assert answer.status_code in (200, 403), (endpoint, answer.status_code)
        if endpoint in NOT_LISTS or endpoint in REPORTS:
            continue
        if rendered and {"total", "pages"} & set(rendered[-1]):
            lists[endpoint] = rendered[-1]
    assert set(LISTS) <= set(lists), f"unpaginated lists: {sorted(set(LISTS) - set(lists))}"
    unpaginated = sorted(e for e, ctx in lists.items() if "pages" not in ctx or "page" not in ctx)
    assert unpaginated == [], unpaginated
    undeclared = sorted(set(lists) - set(LISTS))
    assert undeclared == [], "declare these lists in LISTS (and PRINTED if staff print them)"
    for endpoint, args in LISTS.items():
        rendered.clear()
        answer = client.get(_path(app, endpoint, page=2, **args))
        assert answer.status_code == 200, endpoint
        assert rendered[-1]["page"] == 2, endpoint


def _download(endpoint: str, fmt: str) -> dict[str, str]:
    """The query of a download: ``format``, but the PDAM reports choose a table and ``fmt``."""
    if endpoint == "pdam.reports":
        return {"export": "nrw", "fmt": fmt}
    return {"format": fmt}


@pytest.mark.parametrize("endpoint", PRINTED)
def test_printed_lists_download_as_csv_and_excel(app, client, login_as, endpoint):
    login_as("admin", "33.14")
    args = {**LISTS, **REPORTS}[endpoint]
    page = client.get(_path(app, endpoint, **args)).get_data(as_text=True)
    assert all(f"{k}={v}" in page for k, v in _download(endpoint, "xlsx").items())

    as_csv = client.get(_path(app, endpoint, **_download(endpoint, "csv"), **args))
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert as_csv.headers["Content-Disposition"].startswith("attachment;")
    text = as_csv.get_data(as_text=True)
    assert text.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))

    as_xlsx = client.get(_path(app, endpoint, **_download(endpoint, "xlsx"), **args))
    assert as_xlsx.status_code == 200 and as_xlsx.mimetype == XLSX_MIME
    sheet = load_workbook(io.BytesIO(as_xlsx.data), read_only=True).active
    assert [cell.value for cell in next(sheet.iter_rows())] == header
    assert all(header), header

"""The web dashboard through HTTP (FastAPI's TestClient): sessions, CSRF, pages, search, imports, languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from fastapi.testclient import TestClient

from tradecredit.bootstrap import App
from tradecredit.server import create_server
from tradecredit.services import reports, users
from tradecredit.services.buyers import search_buyers
from tradecredit.services.demo import load_demo
from tradecredit.services.imports import import_file
from tradecredit.services.ledger_reads import import_history
from tradecredit.web import i18n
from tradecredit.web.pages import safe_next

TODAY = date(2026, 11, 28)
PASSWORD = "correct horse battery staple"
WEB = Path(i18n.__file__).parent
REF_CELL = re.compile(r'<td class="ref"><a href="/buyers/([^"]+)">')
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with TestClient(create_server(app), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def demo(app: App) -> App:
    load_demo(app.uow(), buyers=12, seed=7, today=TODAY, base_currency="EUR", actor="test")
    return app


def add(app: App, username: str, role: str, language: str = "en") -> None:
    users.add_user(app.uow(), username=username, password=PASSWORD, role=role, actor="test", language=language)


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    found = CSRF.search(page.text)
    assert found, "the login form has a CSRF field"
    return found.group(1)


def log_in(client: TestClient, app: App, username: str = "anna", role: str = "analyst") -> str:
    """Create the user, log in; returns the session's CSRF token (as the pages carry it)."""
    add(app, username, role)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": login_token(client), "next": "/buyers"})
    assert response.status_code == 303
    assert response.headers["location"] == "/buyers"
    found = CSRF.search(client.get("/buyers").text)
    assert found
    return found.group(1)


def language_of(app: App, username: str) -> str:
    return next(user.language for user in users.list_users(app.uow()) if user.username == username)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Sessions and logins


def test_pages_send_visitors_without_a_session_to_the_login_page(client: TestClient) -> None:
    for path, target in (("/", "/login?next=%2F"), ("/buyers?q=a&page=2", "/login?next=%2Fbuyers%3Fq%3Da%26page%3D2"),
                         ("/buyers/B00001", "/login?next=%2Fbuyers%2FB00001"), ("/import", "/login?next=%2Fimport")):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == target
    htmx = client.get("/buyers?q=a", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")


def test_a_wrong_password_shows_an_error_and_opens_no_session(client: TestClient, app: App) -> None:
    add(app, "anna", "analyst")
    response = client.post("/login", data={"username": "anna", "password": "not the password",
                                           "csrf_token": login_token(client)})
    assert response.status_code == 200
    assert "Wrong user name or password." in response.text
    assert users.SESSION_COOKIE not in response.cookies
    assert client.get("/").status_code == 303


def test_repeated_failures_lock_the_login_with_a_message(client: TestClient, app: App) -> None:
    add(app, "anna", "analyst")
    token = login_token(client)
    for _ in range(5):
        client.post("/login", data={"username": "anna", "password": "wrong password!", "csrf_token": token})
    response = client.post("/login", data={"username": "anna", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert users.SESSION_COOKIE not in response.cookies


def test_the_login_form_needs_its_double_submit_token(client: TestClient, app: App) -> None:
    add(app, "anna", "analyst")
    token = login_token(client)
    credentials = {"username": "anna", "password": PASSWORD}
    missing_field = client.post("/login", data=credentials)
    wrong_field = client.post("/login", data={**credentials, "csrf_token": token + "x"})
    client.cookies.delete("tc_login_csrf", path="/login")
    missing_cookie = client.post("/login", data={**credentials, "csrf_token": token})
    for response in (missing_field, wrong_field, missing_cookie):
        assert response.status_code == 403
        assert users.SESSION_COOKIE not in response.cookies
    assert client.get("/").status_code == 303


def test_the_login_cookies_are_httponly_and_samesite(app: App) -> None:
    add(app, "anna", "analyst")
    with TestClient(create_server(app), base_url="https://testserver", follow_redirects=False) as client:
        form = client.get("/login")
        login_cookie = form.headers["set-cookie"]
        assert "HttpOnly" in login_cookie and "SameSite=strict" in login_cookie and "Secure" in login_cookie
        response = client.post("/login", data={"username": "anna", "password": PASSWORD,
                                               "csrf_token": CSRF.search(form.text).group(1)})  # type: ignore[union-attr]
        session_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("tc_session="))
        for attribute in ("HttpOnly", "SameSite=lax", "Path=/", "Secure"):
            assert attribute in session_cookie


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/\t/evil.example",
                                    "javascript:alert(1)", "buyers"])
def test_only_local_paths_are_followed_after_login(target: str) -> None:
    assert safe_next(target) == "/"


def test_a_login_with_a_foreign_next_lands_on_the_overview(client: TestClient, app: App) -> None:
    add(app, "anna", "analyst")
    response = client.post("/login", data={"username": "anna", "password": PASSWORD, "csrf_token": login_token(client),
                                           "next": "https://evil.example/"})
    assert response.headers["location"] == "/"
    assert safe_next("/buyers?q=x") == "/buyers?q=x"


def test_logging_out_ends_the_session(client: TestClient, app: App) -> None:
    token = log_in(client, app)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get("/").status_code == 303


# CSRF


def test_posts_without_the_sessions_csrf_token_are_refused_and_change_nothing(
        client: TestClient, app: App, tmp_path: Path) -> None:
    token = log_in(client, app)
    buyers_file = b"buyer_ref,name,country\nB1,Alpha GmbH,DE\n"
    attempts = [
        client.post("/language", data={"language": "zh"}),
        client.post("/language", data={"language": "zh", "csrf_token": "forged"}),
        client.post("/language", data={"language": "zh"}, headers={"X-CSRF-Token": "forged"}),
        client.post("/logout", data={}),
        client.post("/import", data={"kind": "buyers"}, files={"file": ("buyers.csv", buyers_file, "text/csv")}),
        client.post("/import", data={"kind": "buyers", "csrf_token": token[:-1]},
                    files={"file": ("buyers.csv", buyers_file, "text/csv")}),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert "did not come from this site" in response.text
    assert language_of(app, "anna") == "en"
    assert search_buyers(app.uow()).total == 0
    assert client.get("/").status_code == 200  # still logged in


def test_htmx_posts_may_send_the_token_in_a_header(client: TestClient, app: App) -> None:
    token = log_in(client, app)
    response = client.post("/language", data={"language": "zh"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 303
    assert language_of(app, "anna") == "zh"


# Overview


def test_the_overview_shows_the_portfolio_figures(client: TestClient, demo: App) -> None:
    log_in(client, demo, role="viewer")
    snap = reports.snapshot(demo.uow(), as_of=TODAY, base_currency="EUR")
    aging = reports.aging_report(snap, edges=demo.settings.aging_edges)
    top = reports.exposure_report(snap, limit=demo.settings.top_n)
    page = client.get("/").text
    assert format_currency(aging.total, "EUR", locale="en_GB") in page
    assert format_currency(aging.overdue, "EUR", locale="en_GB") in page
    assert f'href="/buyers/{top.lines[0].ref}"' in page
    assert 'data-chart="chart-data-dso"' in page and 'data-chart="chart-data-aging"' in page


def test_the_overview_can_be_read_as_of_a_past_date(client: TestClient, demo: App) -> None:
    log_in(client, demo)
    day = date(2026, 6, 30)
    snap = reports.snapshot(demo.uow(), as_of=day, base_currency="EUR")
    total = reports.aging_report(snap, edges=demo.settings.aging_edges).total
    page = client.get("/?as_of=2026-06-30").text
    assert "30 Jun 2026" in page
    assert format_currency(total, "EUR", locale="en_GB") in page
    assert "The date was not understood" in client.get("/?as_of=30.06.2026").text


def test_an_empty_ledger_shows_the_way_to_the_import_page(client: TestClient, app: App) -> None:
    log_in(client, app)
    page = client.get("/").text
    assert "No buyers yet" in page
    assert 'href="/import"' in page


def test_a_missing_fx_rate_is_a_message_not_a_server_error(client: TestClient, app: App, tmp_path: Path) -> None:
    for kind, text in (("buyers", "buyer_ref,name,country,currency\nB1,Acme Inc,US,USD\n"),
                       ("invoices", "invoice_ref,buyer_ref,issue_date,due_date,currency,amount\n"
                                    "I1,B1,2026-10-01,2026-10-31,USD,100.00\n")):
        import_file(app.uow(), kind=kind, path=write(tmp_path, f"{kind}.csv", text), base_currency="EUR", actor="t")
    log_in(client, app)
    response = client.get("/")
    assert response.status_code == 200
    assert "The figures cannot be computed." in response.text
    assert "no FX rate for USD" in response.text


# Buyers


def test_the_buyer_list_sorts_and_filters(client: TestClient, demo: App) -> None:
    log_in(client, demo)
    everyone = search_buyers(demo.uow(), size=100).items
    page = client.get("/buyers?sort=-ref").text
    refs = REF_CELL.findall(page)
    assert refs == sorted((b.ref for b in everyone), reverse=True)
    german = {b.ref for b in everyone if b.country == "DE"}
    page = client.get("/buyers?country=de").text
    assert set(REF_CELL.findall(page)) == german


def test_the_search_answers_htmx_with_the_results_only(client: TestClient, demo: App) -> None:
    log_in(client, demo)
    response = client.get("/buyers?q=GmbH", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="buyer-table"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert "HX-Request" in response.headers["vary"]


def test_the_search_takes_sql_metacharacters_literally(client: TestClient, demo: App, tmp_path: Path) -> None:
    import_file(demo.uow(), kind="buyers", path=write(tmp_path, "odd.csv", "buyer_ref,name,country\n"
                                                      "ODD1,100% Tools_Ltd,GB\n"), base_currency="EUR", actor="t")
    log_in(client, demo)
    for query, expected in (("' OR 1=1 --", set()), ("%", {"ODD1"}), ("_", {"ODD1"}), ("100%", {"ODD1"}),
                            ("'; DROP TABLE buyers; --", set())):
        response = client.get("/buyers", params={"q": query})
        assert response.status_code == 200, query
        assert set(REF_CELL.findall(response.text)) == expected, query
    assert search_buyers(demo.uow()).total == 13


def test_the_page_of_a_chinese_named_buyer_shows_its_name(client: TestClient, demo: App) -> None:
    log_in(client, demo)
    buyer = next(b for b in search_buyers(demo.uow(), country="CN").items)
    assert re.search(r"[\u4e00-\u9fff]", buyer.name)
    page = client.get(f"/buyers/{buyer.ref}")
    assert page.status_code == 200
    assert f"<h1 class=\"buyer-name\">{buyer.name}</h1>" in page.text
    assert buyer.registration_id and buyer.registration_id in page.text
    found = client.get("/buyers", params={"q": buyer.name[2:6]}).text
    assert f'href="/buyers/{buyer.ref}"' in found


def test_a_buyer_page_shows_identity_group_ledger_and_statements(client: TestClient, demo: App) -> None:
    log_in(client, demo)
    child = next(b for b in search_buyers(demo.uow(), size=100).items if b.parent_ref)
    page = client.get(f"/buyers/{child.ref}?invoices=all").text
    for section in ("Identity", "Exposure", "Group", "Aging", "Invoices", "Payments", "Financial statements"):
        assert f"<h2>{section}</h2>" in page
    assert f'href="/buyers/{child.parent_ref}"' in page
    assert "Revenue" in page and "Paid" in page


def test_an_unknown_buyer_gets_the_not_found_page(client: TestClient, app: App) -> None:
    log_in(client, app)
    response = client.get("/buyers/NO-SUCH-BUYER")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no buyer with the reference NO-SUCH-BUYER." in response.text
    hostile = client.get("/buyers/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert hostile.status_code == 404
    assert "<script>alert(1)" not in hostile.text
    assert "&lt;script&gt;alert(1)" in hostile.text


def test_odd_input_gets_a_page_not_a_server_error(client: TestClient, demo: App) -> None:
    token = log_in(client, demo)
    for path in ("/?as_of=0001-01-01", "/?as_of=9999-12-31", "/buyers?page=99999999999999999999999",
                 "/buyers?page=-3", "/buyers?sort=drop", "/buyers?q=%00", "/buyers?country=%00", "/buyers/%00"):
        assert client.get(path).status_code in (200, 404), path
    upload = client.post("/import", data={"kind": "buyers", "csrf_token": token},
                         files={"file": ("odd\x00.csv", b"buyer_ref,name,country\nB1,Alpha GmbH,DE\n", "text/csv")})
    assert upload.status_code == 200
    client.cookies.delete(users.SESSION_COOKIE)
    login = client.post("/login", data={"username": "an\x00na", "password": PASSWORD,
                                        "csrf_token": login_token(client)})
    assert login.status_code in (200, 303)


# Imports


def test_a_bad_csv_lists_every_error_and_writes_nothing(client: TestClient, demo: App) -> None:
    token = log_in(client, demo)
    before = (search_buyers(demo.uow()).total, import_history(demo.uow())[1])
    bad = b"buyer_ref,name,country\nNEW1,Fine GmbH,DE\nNEW2,,DE\nNEW3,Nowhere Ltd,XX\n"
    response = client.post("/import", data={"kind": "buyers", "csrf_token": token},
                           files={"file": ("C:\\Users\\anna\\new buyers.csv", bad, "text/csv")})
    assert response.status_code == 422
    rows = re.findall(r"<tr><td class=\"mono\">([^<]*)</td><td class=\"num\">(\d+)</td>"
                      r"<td class=\"mono\">([^<]*)</td><td>([^<]*)</td></tr>", response.text)
    assert [(file, line, column) for file, line, column, _ in rows] == [("new buyers.csv", "3", "name"),
                                                                         ("new buyers.csv", "4", "country")]
    assert all(reason for *_, reason in rows)
    assert (search_buyers(demo.uow()).total, import_history(demo.uow())[1]) == before


def test_a_good_csv_is_imported_and_summarised(client: TestClient, app: App) -> None:
    token = log_in(client, app)
    good = "buyer_ref,name,country\nB1,Alpha GmbH,DE\nB2,上海恒达机械有限公司,CN\n".encode()
    dry = client.post("/import", data={"kind": "buyers", "csrf_token": token, "dry_run": "true"},
                      files={"file": ("buyers.csv", good, "text/csv")})
    assert dry.status_code == 200
    assert "Checked, nothing written (dry run)" in dry.text
    assert search_buyers(app.uow()).total == 0
    done = client.post("/import", data={"kind": "buyers", "csrf_token": token},
                       files={"file": ("buyers.csv", good, "text/csv")})
    assert done.status_code == 200
    assert re.search(r"New</div><div class=\"kpi-value\">2<", done.text)
    assert search_buyers(app.uow()).total == 2


def test_a_viewer_cannot_open_the_import_page(client: TestClient, app: App) -> None:
    token = log_in(client, app, username="vera", role="viewer")
    assert 'href="/import"' not in client.get("/buyers").text
    page = client.get("/import")
    assert page.status_code == 403
    assert "Your role does not give access to this page." in page.text
    upload = client.post("/import", data={"kind": "buyers", "csrf_token": token},
                         files={"file": ("buyers.csv", b"buyer_ref,name,country\nB1,Alpha GmbH,DE\n", "text/csv")})
    assert upload.status_code == 403
    assert search_buyers(app.uow()).total == 0


# Languages


def test_switching_to_chinese_translates_the_pages_and_formats_for_china(client: TestClient, demo: App) -> None:
    token = log_in(client, demo)
    response = client.post("/language", data={"language": "zh", "csrf_token": token, "next": "/"})
    assert response.status_code == 303 and response.headers["location"] == "/"
    page = client.get("/").text
    assert '<html lang="zh-Hans">' in page
    for text in ("概览", "买方", "导入", "总风险敞口", "退出登录"):
        assert text in page
    assert format_date(TODAY, format="medium", locale="zh_Hans_CN") == "2026年11月28日"
    assert "2026年11月28日" in page
    snap = reports.snapshot(demo.uow(), as_of=TODAY, base_currency="EUR")
    total = reports.aging_report(snap, edges=demo.settings.aging_edges).total
    assert format_currency(total, "EUR", locale="zh_Hans_CN") in page
    chinese_buyer = search_buyers(demo.uow(), country="CN").items[0]
    buyer_page = client.get(f"/buyers/{chinese_buyer.ref}").text
    assert "中国" in buyer_page and "付款期限" in buyer_page


def test_visitors_get_the_language_their_browser_asks_for(client: TestClient) -> None:
    assert "用户名" in client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}).text
    assert "User name" in client.get("/login", headers={"Accept-Language": "fr-FR, en;q=0.5, zh;q=0.1"}).text
    assert "User name" in client.get("/login").text
    assert i18n.negotiate("de, zh-Hant-TW;q=0.7") == "zh"


def _messages_in_templates() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for path in sorted((WEB / "templates").glob("*.html")):
        options = {"extensions": "jinja2.ext.i18n"}
        found |= {message for _, message, _, _ in extract_from_file("jinja2", str(path), options=options) if message}
        text = path.read_text(encoding="utf-8")  # the plain scan agrees with the extractor on simple calls
        assert set(re.findall(r"""(?<![\w.])_\('([^'\\]+)'""", text)) <= found
    for path in sorted(WEB.glob("*.py")):
        keywords = {"N_": None}
        found |= {message for _, message, _, _ in extract_from_file("python", str(path), keywords=keywords) if message}
    return found


def test_every_message_of_the_pages_has_a_chinese_translation() -> None:
    with i18n.po_path("zh").open("rb") as file:
        catalogue = read_po(file)
    with i18n.po_path("en").open("rb") as file:
        english = read_po(file)
    messages = _messages_in_templates()
    assert len(messages) > 100
    untranslated = []
    for message in messages:
        key = message if isinstance(message, str) else message[0]
        entry = catalogue.get(key)
        string = entry.string if entry is not None else None
        strings = [string] if isinstance(string, str) else list(string or ())
        if not strings or not all(strings):
            untranslated.append(message)
        assert english.get(key) is not None, f"{message!r} is missing from the English catalogue"
    assert untranslated == []
    assert i18n.translations("zh").gettext("Overview") == "概览"


# Composition


def test_the_api_docs_and_static_files_still_answer_beside_the_pages(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    api = client.get("/api/v1/buyers")
    assert api.status_code == 401 and api.headers["content-type"].startswith("application/problem+json")
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    page = client.get("/login")
    assert "script-src 'self'" in page.headers["content-security-policy"]

"""The digest through the CLI and the API, against a local SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from tests.e2e.api_support import make_clients
from tests.integration.test_digest import SENDER, TODAY, Inbox, book, free_port, start_server  # noqa: F401
from tradecredit.bootstrap import App, build
from tradecredit.cli import common
from tradecredit.cli.main import app as cli
from tradecredit.domain.users import Role


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich sizes tables to the terminal, and CI's is narrow: the log's columns would wrap the addresses."""
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 200)


@pytest.fixture
def mail_server() -> Iterator[tuple[int, Inbox]]:
    port = free_port()
    controller, inbox = start_server(port)
    yield port, inbox
    controller.stop()


def test_the_cli_prints_a_dry_run_sends_once_and_shows_the_log(book: App, cli_env: dict[str, str],  # noqa: F811
                                                               mail_server: tuple[int, Inbox]) -> None:
    port, inbox = mail_server
    env = {"TRADECREDIT_SMTP_HOST": "127.0.0.1", "TRADECREDIT_SMTP_PORT": str(port),
           "TRADECREDIT_SMTP_STARTTLS": "false", "TRADECREDIT_SMTP_FROM": SENDER}
    runner = CliRunner()
    dry = runner.invoke(cli, ["digest", "--as-of", "2026-11-28", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "Subject: TradeCredit alerts 28 Nov 2026: 2 critical, 1 info" in dry.output and inbox.received == []
    sent = runner.invoke(cli, ["digest", "--as-of", "2026-11-28"], env=env)
    assert sent.exit_code == 0, sent.output
    assert "anna@example.com (en) sent, 3 alerts" in sent.output and len(inbox.received) == 2
    again = runner.invoke(cli, ["digest", "--as-of", "2026-11-28"], env=env)
    assert "already sent" in again.output and len(inbox.received) == 2
    log = runner.invoke(cli, ["digest", "log"], env={**env, "COLUMNS": "200"})
    assert log.exit_code == 0 and "li@example.cn" in log.output and "sent" in log.output
    missing = runner.invoke(cli, ["digest"], env={"TRADECREDIT_SMTP_HOST": "127.0.0.1"})
    assert missing.exit_code == 3 and "smtp_from" in missing.output


def test_an_admin_sends_the_digest_and_reads_the_log_through_the_api(book: App,  # noqa: F811
                                                                      mail_server: tuple[int, Inbox]) -> None:
    port, inbox = mail_server
    settings = book.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False,
                                                "smtp_from": SENDER, "webhook_dispatcher": False})
    tc = build(settings, clock=book.clock)
    try:
        clients = make_clients(tc)
        assert clients[Role.CREDIT_MANAGER].post("/api/v1/digest/send").status_code == 403
        response = clients[Role.ADMIN].post("/api/v1/digest/send", json={"as_of": "2026-11-28"})
        assert response.status_code == 200, response.text
        assert (response.json()["sent"], response.json()["failed"]) == (2, 0)
        log = clients[Role.ADMIN].get("/api/v1/digest/log", params={"day": "2026-11-28"}).json()
        assert {(row["recipient"], row["status"], row["alerts"]) for row in log} == {
            ("anna@example.com", "sent", 3), ("li@example.cn", "sent", 3)}
        patched = clients[Role.ADMIN].patch("/api/v1/users/anna", json={"email": None})
        assert patched.status_code == 200 and patched.json()["email"] is None
    finally:
        tc.close()
    assert len(inbox.received) == 2

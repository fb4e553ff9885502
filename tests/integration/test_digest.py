"""The daily alert digest, sent through a real SMTP server (aiosmtpd) on a local port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pydantic
import pytest
from aiosmtpd.controller import Controller

from tradecredit.bootstrap import App
from tradecredit.config import Settings
from tradecredit.domain.errors import ValidationError
from tradecredit.services import users
from tradecredit.services.digest import DigestConfig, build_digest, digest_log, send_daily_digest, send_digest
from tradecredit.services.mailer import SmtpConfig

TODAY = date(2026, 11, 28)
PASSWORD = "correct horse battery staple"
SENDER = "TradeCredit <credit@example.com>"


@dataclass
class Inbox:
    """What the SMTP server accepted: (envelope sender, envelope recipients, parsed message)."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> EmailMessage:
        found = [mail for _, rcpt, mail in self.received if rcpt == [address]]
        assert len(found) == 1, f"{len(found)} messages to {address}"
        return found[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    port = free_port()
    controller, inbox = start_server(port)
    yield port, inbox
    controller.stop()


def config(port: int, *, timeout: float = 5.0) -> DigestConfig:
    return DigestConfig(SmtpConfig("127.0.0.1", port, SENDER, starttls=False, timeout=timeout),
                        "https://credit.example.com")


def add_buyer(app: App, ref: str, name: str, country: str) -> int:
    now = app.clock.now()
    with app.uow() as uow:
        buyer = uow.buyers.add(ref=ref, name=name, country=country, currency="EUR", payment_terms_days=30,
                               created_at=now, updated_at=now)
        uow.commit()
        return buyer.id


def add_alert(app: App, buyer_id: int, code: str, severity: str, opened_on: date, *, status: str = "new",
              evidence: dict[str, str] | None = None, actions: list[dict[str, Any]] | None = None,
              text_en: str = "", text_zh: str = "") -> int:
    with app.uow() as uow:
        alert = uow.alerts.add(buyer_id=buyer_id, code=code, severity=severity, status=status, opened_on=opened_on,
                               last_seen_on=TODAY, evidence=evidence or {}, actions=actions or [],
                               text_en=text_en or f"{code} en", text_zh=text_zh or f"{code} zh",
                               updated_by="monitor", updated_at=app.clock.now(), version=1)
        uow.commit()
        return alert.id


def add_event(app: App, alert_id: int, at: datetime, action: str, data: dict[str, Any]) -> None:
    with app.uow() as uow:
        uow.alert_events.add(alert_id=alert_id, at=at, actor="monitor", action=action, data=data)
        uow.commit()


def add_user(app: App, username: str, language: str, email: str | None, *, digest: bool = True) -> None:
    users.add_user(app.uow(), username=username, password=PASSWORD, role="analyst", actor="test", language=language,
                   email=email)
    if not digest:
        users.update_user(app.uow(), username=username, daily_digest=False, actor="test")


@pytest.fixture
def book(app: App) -> App:
    """Two buyers, five alerts; three opened or escalated on 28 Nov, one older, one resolved.

    Open alerts: critical 2 (over_limit of B-100, overdue_30 of B-200 escalated today), warning 1 (the older
    dbt_rising), info 1 (stale_statement) — 4 in all. The digest lists 3: two critical, one info."""
    mueller = add_buyer(app, "B-100", "Müller Maschinenbau GmbH", "DE")
    shanghai = add_buyer(app, "B-200", "上海远航贸易有限公司", "CN")
    add_alert(app, mueller, "over_limit", "critical", TODAY,
              evidence={"exposure": "120000.00", "limit": "100000.00", "currency": "EUR"},
              actions=[{"code": "stop_shipments", "text_en": "Stop shipments on credit (exposure 120000.00 EUR)",
                        "text_zh": "停止赊销发货（当前敞口 120000.00 EUR）", "figures": {"exposure": "120000.00"}}],
              text_en="Exposure 120,000.00 EUR is 20.0% over the limit of 100,000.00 EUR",
              text_zh="敞口 120,000.00 EUR 超出额度 100,000.00 EUR 的 20.0%")
    escalated = add_alert(app, shanghai, "overdue_30", "critical", date(2026, 11, 20),
                          evidence={"days_overdue": "95", "oldest_due": "2026-08-25"})
    add_event(app, escalated, datetime(2026, 11, 28, 6, tzinfo=UTC), "updated",
              {"from_severity": "warning", "severity": "critical"})
    add_alert(app, shanghai, "stale_statement", "info", TODAY, evidence={"months": "19"})
    old = add_alert(app, mueller, "dbt_rising", "warning", date(2026, 11, 10))
    add_event(app, old, datetime(2026, 11, 28, 6, tzinfo=UTC), "updated", {"evidence": {"trend": "12"}})
    add_alert(app, mueller, "broken_promise", "warning", TODAY, status="resolved")
    add_user(app, "anna", "en", "anna@example.com")
    add_user(app, "li", "zh", "li@example.cn")
    add_user(app, "bob", "en", None)
    add_user(app, "carl", "en", "carl@example.com", digest=False)
    return app


def test_the_digest_lists_what_was_opened_or_escalated_critical_first_with_the_open_counts(book: App) -> None:
    digest = build_digest(book.uow(), as_of=TODAY, language="en", public_url="https://credit.example.com")
    assert [(i.buyer_ref, i.code, i.severity, i.change) for i in digest.items] == [
        ("B-100", "over_limit", "critical", "new"), ("B-200", "overdue_30", "critical", "escalated"),
        ("B-200", "stale_statement", "info", "new")]
    assert digest.open_counts == {"critical": 2, "warning": 1, "info": 1}
    assert digest.since == date(2026, 11, 27)
    assert digest.subject == "TradeCredit alerts 28 Nov 2026: 2 critical, 1 info"
    text = digest.text
    assert text.index("CRITICAL (2)") < text.index("INFO (1)")
    assert "Exposure 120,000.00 EUR is 20.0% over the limit of 100,000.00 EUR" in text
    assert "exposure 120,000.00; limit 100,000.00; currency EUR" in text
    assert "- Stop shipments on credit (exposure 120000.00 EUR)" in text
    assert "escalated from Warning" in text and "oldest due 25 Aug 2026" in text
    assert "Critical 2 · Warning 1 · Info 1 · Total 4" in text
    assert "https://credit.example.com/alerts" in text and "https://credit.example.com/buyers/B-100" in text
    assert "broken_promise" not in text and "dbt_rising" not in text


def test_each_recipient_gets_one_message_in_their_language(book: App, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    result = send_digest(book.uow, as_of=TODAY, config=config(port))
    assert [(o.recipient, o.status, o.alerts) for o in result.outcomes] == [
        ("anna@example.com", "sent", 3), ("li@example.cn", "sent", 3)]
    assert sorted(rcpt[0] for _, rcpt, _ in inbox.received) == ["anna@example.com", "li@example.cn"]
    assert {sender for sender, _, _ in inbox.received} == {"credit@example.com"}
    english = inbox.to("anna@example.com")
    assert english["Subject"] == "TradeCredit alerts 28 Nov 2026: 2 critical, 1 info"
    assert english["To"] == "anna@example.com" and english["From"] == SENDER
    assert english["Auto-Submitted"] == "auto-generated"
    plain = english.get_body(("plain",))
    html = english.get_body(("html",))
    assert plain is not None and html is not None
    assert "Müller Maschinenbau GmbH" in plain.get_content()
    assert "<strong>120,000.00</strong>" in html.get_content()
    chinese = inbox.to("li@example.cn")
    assert chinese["Subject"] == "TradeCredit 预警 2026年11月28日：严重 2 条，提示 1 条"
    body = chinese.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "敞口 120,000.00 EUR 超出额度 100,000.00 EUR 的 20.0%" in text
    assert "停止赊销发货（当前敞口 120000.00 EUR）" in text and "由警告升级" in text
    assert "严重 2 · 警告 1 · 提示 1 · 合计 4" in text and "上海远航贸易有限公司" in text


def test_the_same_day_again_sends_nothing_and_the_next_day_starts_after_the_last_digest(
        book: App, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    send_digest(book.uow, as_of=TODAY, config=config(port))
    again = send_digest(book.uow, as_of=TODAY, config=config(port))
    assert [o.status for o in again.outcomes] == ["already sent", "already sent"]
    assert len(inbox.received) == 2
    tomorrow = send_digest(book.uow, as_of=date(2026, 11, 29), config=config(port))
    assert [o.status for o in tomorrow.outcomes] == ["skipped", "skipped"]
    assert len(inbox.received) == 2
    log = digest_log(book.uow())
    assert [(line.day, line.recipient, line.status, line.since) for line in log] == [
        (date(2026, 11, 29), "anna@example.com", "skipped", TODAY),
        (date(2026, 11, 29), "li@example.cn", "skipped", TODAY),
        (TODAY, "anna@example.com", "sent", date(2026, 11, 27)),
        (TODAY, "li@example.cn", "sent", date(2026, 11, 27))]


def test_an_empty_digest_is_skipped_and_logged(app: App, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    add_user(app, "anna", "en", "anna@example.com")
    buyer = add_buyer(app, "B-1", "Old Alerts Ltd", "GB")
    add_alert(app, buyer, "dbt_rising", "warning", date(2026, 10, 1))
    result = send_digest(app.uow, as_of=TODAY, config=config(port))
    assert [(o.status, o.alerts) for o in result.outcomes] == [("skipped", 0)]
    assert inbox.received == []
    assert [(line.status, line.attempts) for line in digest_log(app.uow())] == [("skipped", 0)]


def test_a_server_that_is_down_is_logged_and_the_next_call_sends(book: App) -> None:
    port = free_port()  # nothing listens there yet
    down = send_digest(book.uow, as_of=TODAY, config=config(port))
    assert [o.status for o in down.outcomes] == ["failed", "failed"]
    assert all(o.error and "Connection" in o.error for o in down.outcomes)
    log = digest_log(book.uow())
    assert {(line.status, line.attempts) for line in log} == {("failed", 1)}
    assert all(line.error for line in log)
    controller, inbox = start_server(port)
    try:
        up = send_digest(book.uow, as_of=TODAY, config=config(port))
    finally:
        controller.stop()
    assert [o.status for o in up.outcomes] == ["sent", "sent"]
    assert len(inbox.received) == 2
    assert {(line.status, line.attempts, line.error) for line in digest_log(book.uow())} == {("sent", 2, None)}


def test_a_server_that_never_answers_times_out_once_per_run(book: App) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete in the backlog, but no greeting ever comes
        port = silent.getsockname()[1]
        started = datetime.now(UTC)
        result = send_digest(book.uow, as_of=TODAY, config=config(port, timeout=0.5))
        elapsed = (datetime.now(UTC) - started).total_seconds()
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert result.outcomes[0].error == "SMTP server timed out (no answer within 0.5 s)"
    assert result.outcomes[1].error == "not tried: SMTP server timed out (no answer within 0.5 s)"
    assert elapsed < 3


def test_send_daily_digest_reads_the_settings(book: App, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    settings = Settings(database_url=book.settings.database_url, smtp_host="127.0.0.1", smtp_port=port,
                        smtp_starttls=False, smtp_from=SENDER, public_url="https://credit.example.com/")
    result = send_daily_digest(book.uow, settings, as_of=TODAY)
    assert result.count("sent") == 2
    assert "https://credit.example.com/alerts" in inbox.to("anna@example.com").get_body(("plain",)).get_content()


def test_a_single_address_gets_the_digest_in_the_language_asked(book: App, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    result = send_digest(book.uow, as_of=TODAY, config=config(port), to="desk@example.com", language="zh")
    assert [(o.recipient, o.status) for o in result.outcomes] == [("desk@example.com", "sent")]
    assert inbox.to("desk@example.com")["Subject"].startswith("TradeCredit 预警")


def test_a_dry_run_sends_and_logs_nothing(book: App, smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    shown: list[str] = []
    result = send_digest(book.uow, as_of=TODAY, config=config(port), dry_run=True,
                         preview=lambda address, digest: shown.append(f"{address}: {digest.subject}"))
    assert [o.status for o in result.outcomes] == ["dry run", "dry run"]
    assert shown[0] == "anna@example.com: TradeCredit alerts 28 Nov 2026: 2 critical, 1 info"
    assert inbox.received == [] and digest_log(book.uow()) == []


def test_bad_smtp_settings_are_refused_with_the_setting_named(tmp_path: Any) -> None:
    with pytest.raises(pydantic.ValidationError, match="smtp_port"):
        Settings(smtp_port=70000)
    with pytest.raises(pydantic.ValidationError, match="expected an e-mail address"):
        Settings(smtp_from="credit desk")
    with pytest.raises(pydantic.ValidationError, match="exclude each other"):
        Settings(smtp_ssl=True)
    with pytest.raises(pydantic.ValidationError, match="public_url"):
        Settings(public_url="credit.example.com")
    with pytest.raises(ValidationError, match="smtp_from: no sender address"):
        DigestConfig.from_settings(Settings(smtp_host="mail.example.com"))
    with pytest.raises(ValidationError, match="smtp_host: no SMTP server"):
        DigestConfig.from_settings(Settings(smtp_from=SENDER))
    secret = SmtpConfig.from_settings(Settings(smtp_host="mail.example.com", smtp_from=SENDER,
                                               smtp_username="u", smtp_password="hunter2-secret"))
    assert "hunter2" not in repr(secret) and secret.password == "hunter2-secret"


def test_user_addresses_are_checked_and_can_be_removed(app: App) -> None:
    add_user(app, "anna", "en", "anna@example.com")
    with pytest.raises(ValidationError, match="email"):
        users.update_user(app.uow(), username="anna", email="anna at example", actor="test")
    view = users.update_user(app.uow(), username="anna", clear_email=True, language="zh", actor="test")
    assert (view.email, view.language, view.daily_digest) == (None, "zh", True)

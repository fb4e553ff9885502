"""`tradecredit webhooks` end to end on each backend, sending to a real HTTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from tests.receiver import Receiver, running_receiver
from tradecredit.bootstrap import App
from tradecredit.cli import common
from tradecredit.cli.main import app as cli

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (common.console, common.errors):
        monkeypatch.setattr(console, "width", 200)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def tc(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.output


def test_add_test_deliver_and_read_the_log(app: App, cli_env: dict[str, str], receiver: Receiver) -> None:
    receiver.answers["/erp"] = [503, 200]
    code, out = tc("webhooks", "add", receiver.url("/erp"), "--event", "order.held", "--event", "order.released",
                   "--description", "ERP")
    assert code == 0, out
    assert f"webhook 1 → {receiver.url('/erp')} (active, version 1): order.held, order.released" in out
    secret = re.search(r"^(whsec_\S+)$", out, re.MULTILINE)
    assert secret is not None
    code, out = tc("webhooks", "list")
    assert code == 0 and receiver.url("/erp") in out and secret.group(1) not in out
    code, out = tc("webhooks", "test", "1")
    assert code == 0 and "delivery 1: ping" in out and "(pending, 0 attempt(s))" in out
    code, out = tc("webhooks", "deliver")
    assert code == 0 and "0 delivered, 1 to retry, 0 failed, 0 deferred" in out
    code, out = tc("webhooks", "deliveries", "--status", "pending")
    assert code == 0 and "1 deliveries" in out and "HTTP 503 Service Unavailable" in out
    assert len(receiver.received) == 1


def test_disable_enable_and_redeliver(app: App, cli_env: dict[str, str], receiver: Receiver) -> None:
    receiver.answers["/erp"] = [404]
    assert tc("webhooks", "add", receiver.url("/erp"), "--event", "order.held")[0] == 0
    assert tc("webhooks", "test", "1")[0] == 0
    code, out = tc("webhooks", "deliver")
    assert code == 0 and "0 delivered, 0 to retry, 1 failed" in out
    code, out = tc("webhooks", "redeliver", "1")
    assert code == 0 and "(pending, 0 attempt(s))" in out
    code, out = tc("webhooks", "disable", "1", "--version", "1")
    assert code == 0 and "(disabled, version 2)" in out
    code, out = tc("webhooks", "enable", "1", "--version", "1")
    assert code == 5 and "you sent version 1, it is now at 2" in out
    code, out = tc("webhooks", "enable", "1")
    assert code == 0 and "(active, version 3)" in out


def test_errors_are_clear_and_exit_non_zero(app: App, cli_env: dict[str, str]) -> None:
    code, out = tc("webhooks", "add", "ftp://erp.example.com/in", "--event", "order.held")
    assert code == 3 and "url: expected an http:// or https:// URL; got scheme 'ftp'" in out
    code, out = tc("webhooks", "add", "https://erp.example.com/in", "--event", "order.lost")
    assert code == 3 and "event_types: unknown event type 'order.lost'" in out
    code, out = tc("webhooks", "disable", "7")
    assert code == 4 and "webhook endpoint 7 not found" in out
    code, out = tc("webhooks", "deliveries", "--status", "sent")
    assert code == 3 and "status: expected one of pending, delivered, failed" in out
    code, out = tc("webhooks", "redeliver", "3")
    assert code == 4 and "webhook delivery 3 not found" in out
    assert tc("webhooks", "list")[1].count("http") == 0

"""Webhook rules with no database: the signature, the retry schedule, what an answer means, URLs and events."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError as PydanticError

from tradecredit.config import Settings
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.webhooks import (
    EVENT_TYPES,
    Attempt,
    RetryPolicy,
    check_event_types,
    check_url,
    classify,
    encode_event,
    json_data,
    sign,
    verify,
)

SECRET = "whsec_test"
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def test_the_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body() -> None:
    body = b'{"id":"e1","type":"order.held"}'
    expected = hmac.new(SECRET.encode(), b"1795867200." + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, body, 1795867200) == f"t=1795867200,v1={expected}"


def test_a_receiver_accepts_a_fresh_signature_and_refuses_a_replay_a_forgery_or_garbage() -> None:
    body = b'{"id":"e1"}'
    header = sign(SECRET, body, 1000)
    assert verify(SECRET, body, header, now=1100)
    assert not verify(SECRET, body, header, now=1000 + 301)  # replayed more than five minutes later
    assert not verify("another secret", body, header, now=1000)
    assert not verify(SECRET, b'{"id":"e2"}', header, now=1000)
    assert not verify(SECRET, body, "v1=abc", now=1000)
    assert not verify(SECRET, body, "t=soon,v1=abc", now=1000)


def test_the_event_document_is_compact_json_with_id_type_created_at_and_data() -> None:
    body = encode_event(event_id="e1", event_type="order.held", created_at=NOW, data={"amount": "12.50"})
    assert body == b'{"id":"e1","type":"order.held","created_at":"2026-11-28T12:00:00+00:00","data":{"amount":"12.50"}}'


def test_the_backoff_grows_to_its_cap_and_stops_after_the_last_attempt() -> None:
    policy = RetryPolicy(max_attempts=8)
    waits = [policy.delay(n) for n in range(1, 8)]
    assert [w.total_seconds() for w in waits] == [30, 120, 600, 3600, 21600, 21600, 21600]
    assert policy.next_attempt(1, NOW) == NOW + timedelta(seconds=30)
    assert policy.next_attempt(7, NOW) == NOW + timedelta(hours=6)
    assert policy.next_attempt(8, NOW) is None
    assert RetryPolicy(max_attempts=1).next_attempt(1, NOW) is None


def test_a_retry_schedule_must_grow_and_attempts_be_bounded() -> None:
    with pytest.raises(ValidationError, match=r"retry_delays: expected increasing delays > 0 s; got \[60, 30\]"):
        RetryPolicy(delays=(60, 30))
    with pytest.raises(ValidationError, match="max_attempts: expected 1–100 attempts; got 0"):
        RetryPolicy(max_attempts=0)


@pytest.mark.parametrize(("status", "verdict"), [
    (200, Attempt.DELIVERED), (204, Attempt.DELIVERED), (299, Attempt.DELIVERED),
    (None, Attempt.RETRY), (500, Attempt.RETRY), (503, Attempt.RETRY), (429, Attempt.RETRY), (408, Attempt.RETRY),
    (400, Attempt.FAILED), (401, Attempt.FAILED), (404, Attempt.FAILED), (410, Attempt.FAILED),
    (301, Attempt.FAILED),
])
def test_2xx_is_delivered_no_answer_5xx_and_429_are_retried_and_other_answers_fail_for_good(
        status: int | None, verdict: Attempt) -> None:
    assert classify(status) is verdict


@pytest.mark.parametrize("url", ["https://erp.example.com/hooks/tc", "http://10.0.0.5:8080/in",
                                 "https://[::1]:9000/x?a=1"])
def test_http_and_https_urls_with_a_host_are_accepted(url: str) -> None:
    assert check_url(f"  {url} ") == url


@pytest.mark.parametrize(("url", "reason"), [
    ("ftp://files.example.com/in", "expected an http:// or https:// URL; got scheme 'ftp'"),
    ("erp.example.com/hooks", "expected an http:// or https:// URL; got scheme 'none'"),
    ("javascript:alert(1)", "got scheme 'javascript'"),
    ("https:///path-only", "expected a URL with a host"),
    ("http://[::1/x", "is not a valid URL"),
    ("http://example.com:99999/", "is not a valid URL"),
    ("https://example.com/a b", "without spaces or control characters"),
    ("", "expected an http or https URL of 1–2000 characters"),
    ("https://example.com/#top", "cannot have a #fragment"),
])
def test_other_urls_are_refused_naming_the_field(url: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=f"^url: .*{reason}") as raised:
        check_url(url)
    assert raised.value.field == "url"


def test_event_types_come_from_the_registry() -> None:
    assert {"order.held", "order.released", "order.rejected"} <= {e.name for e in EVENT_TYPES}
    assert check_event_types(["order.held", "order.rejected", "order.held"]) == ["order.held", "order.rejected"]
    with pytest.raises(ValidationError, match=r"event_types: unknown event type 'order\.shipped'; expected one of "
                                              r"order\.held, order\.released, order\.rejected"):
        check_event_types(["order.held", "order.shipped"])
    with pytest.raises(ValidationError, match="event_types: expected at least one event type"):
        check_event_types([])
    with pytest.raises(ValidationError, match=r"unknown event type 'ping'"):
        check_event_types(["ping"])


def test_payloads_keep_decimals_exact_as_strings_and_dates_in_iso_8601() -> None:
    data = json_data({"amount": Decimal("1250.10"), "ship": date(2026, 12, 1), "at": NOW, "n": [1, None]})
    assert data == {"amount": "1250.10", "ship": "2026-12-01", "at": "2026-11-28T12:00:00+00:00", "n": [1, None]}
    assert json.loads(json.dumps(data)) == data
    with pytest.raises(ValidationError, match="payload: cannot send a set in a webhook"):
        json_data({"tags": {"a"}})


def test_the_receiver_example_in_the_documentation_accepts_our_signature_and_refuses_others() -> None:
    document = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", document, re.DOTALL)
    assert example is not None
    namespace: dict[str, Any] = {}
    exec(example.group(1), namespace)
    verify_signature = namespace["verify_signature"]
    body = encode_event(event_id="e1", event_type="order.held", created_at=NOW, data={})
    fresh = sign(SECRET, body, int(time.time()))
    assert verify_signature(SECRET, body, fresh)
    assert not verify_signature("whsec_other", body, fresh)
    assert not verify_signature(SECRET, body, sign(SECRET, body, int(time.time()) - 3600))


def test_the_retry_settings_are_checked_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADECREDIT_SETTINGS_FILE", "/nonexistent.toml")
    monkeypatch.setenv("TRADECREDIT_WEBHOOK_RETRY_DELAYS", "[60, 30]")
    with pytest.raises(PydanticError, match=r"expected increasing delays > 0 s; got \[60, 30\]"):
        Settings()
    monkeypatch.setenv("TRADECREDIT_WEBHOOK_RETRY_DELAYS", "[10, 20]")
    monkeypatch.setenv("TRADECREDIT_WEBHOOK_MAX_ATTEMPTS", "3")
    assert Settings().webhook_policy() == RetryPolicy(delays=(10, 20), max_attempts=3)

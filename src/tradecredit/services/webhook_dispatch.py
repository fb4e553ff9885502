"""Sending queued webhook deliveries: one run (``deliver_pending``, for `tradecredit webhooks deliver` and cron)
and the background loop `tradecredit serve` runs (``Dispatcher``).

Each delivery goes through three short steps, none holding a transaction while a receiver is slow: claim it (a
conditional UPDATE; a delivery claimed by another dispatcher is skipped, so two dispatchers never send one row at
once), POST it with the signature, record the outcome and the next attempt. A receiver that times out or refuses
connections costs one timeout per run: its other deliveries wait for the next run rather than each timing out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from tradecredit import __version__
from tradecredit.config import Settings
from tradecredit.domain.clock import Clock
from tradecredit.domain.webhooks import SIGNATURE_HEADER, Attempt, RetryPolicy, classify, encode_event, sign
from tradecredit.store.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

# How long a claim holds a delivery: longer than any send can take (connect, write and read each time out within
# the 60 s the settings allow), so a live dispatcher never loses its claim; a crashed one's claims lapse after it.
CLAIM = timedelta(minutes=5)
MAX_ERROR = 500
UowFactory = Callable[[], SqlUnitOfWork]


@dataclass(frozen=True)
class DeliveryConfig:
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 5.0  # seconds, per connect / write / read
    batch_size: int = 100  # deliveries per run at most
    interval: float = 5.0  # seconds between the background dispatcher's runs

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryConfig:
        return cls(settings.webhook_policy(), settings.webhook_timeout_seconds, settings.webhook_batch_size,
                   settings.webhook_interval_seconds)

    def client(self) -> httpx.Client:
        """An HTTP client that never follows redirects (a redirect is a failed delivery: fix the URL)."""
        return httpx.Client(timeout=self.timeout, follow_redirects=False,
                            headers={"User-Agent": f"TradeCredit-Webhooks/{__version__}"})


@dataclass
class DispatchResult:
    delivered: int = 0
    retrying: int = 0  # failed this time, scheduled again
    failed: int = 0  # given up: a permanent error, or the last attempt
    deferred: int = 0  # not tried this run: claimed by another dispatcher, or its endpoint just timed out

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


@dataclass(frozen=True)
class _Sent:
    status_code: int | None  # None: no answer (timeout, connection error)
    error: str | None


def _send(client: httpx.Client, row: Any, sent_at: datetime) -> _Sent:
    body = encode_event(event_id=row.event_id, event_type=row.event_type, created_at=row.created_at,
                        data=row.payload)
    signature = sign(row.secret, body, int(sent_at.timestamp()))
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature,
               "X-TradeCredit-Event": row.event_type, "X-TradeCredit-Delivery": str(row.id)}
    try:
        with client.stream("POST", row.url, content=body, headers=headers) as response:
            code = response.status_code
    except httpx.TimeoutException:
        return _Sent(None, f"timed out (no answer within {client.timeout.read} s)")
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return _Sent(None, f"{type(error).__name__}: {error}"[:MAX_ERROR])
    return _Sent(code, None if 200 <= code < 300 else f"HTTP {code} {response.reason_phrase}"[:MAX_ERROR])


def _outcome(sent: _Sent, attempts: int, now: datetime, policy: RetryPolicy) -> tuple[Attempt, dict[str, Any]]:
    """The attempt's verdict and the row's new values."""
    verdict = classify(sent.status_code)
    values: dict[str, Any] = {"attempts": attempts, "last_attempt_at": now, "last_status_code": sent.status_code,
                              "last_error": sent.error, "next_attempt_at": None}
    if verdict is Attempt.DELIVERED:
        return verdict, {**values, "status": "delivered", "delivered_at": now}
    retry_at = policy.next_attempt(attempts, now) if verdict is Attempt.RETRY else None
    if retry_at is None:
        return Attempt.FAILED, {**values, "status": "failed"}
    return Attempt.RETRY, {**values, "status": "pending", "next_attempt_at": retry_at}


def _deliver_one(uow_factory: UowFactory, delivery_id: int, *, now: datetime, at: Callable[[], datetime],
                 client: httpx.Client, policy: RetryPolicy) -> tuple[Attempt, _Sent] | None:
    """Claim, send, record; None when another dispatcher has the delivery."""
    until = at() + CLAIM
    with uow_factory() as uow:
        if not uow.webhook_deliveries.claim(delivery_id, now=now, until=until):
            return None
        row = uow.webhook_deliveries.claimed(delivery_id)
        uow.commit()
    sent = _send(client, row, at())
    verdict, values = _outcome(sent, row.attempts + 1, now, policy)
    with uow_factory() as uow:
        recorded = uow.webhook_deliveries.record(delivery_id, claimed_until=until, **values)
        uow.commit()
    if not recorded:
        log.warning("webhook delivery %s: claim lapsed before the outcome was recorded", delivery_id)
    if verdict is not Attempt.DELIVERED:
        log.warning("webhook delivery %s to %s (%s, attempt %s): %s → %s", delivery_id, row.url, row.event_type,
                    row.attempts + 1, sent.error, verdict.value)
    return verdict, sent


def deliver_pending(uow_factory: UowFactory, *, now: datetime, client: httpx.Client, limit: int = 100,
                    policy: RetryPolicy | None = None, stopping: threading.Event | None = None) -> DispatchResult:
    """Send up to ``limit`` deliveries due at ``now`` and record each outcome; never raises for a receiver's
    failure. ``stopping`` ends the run between deliveries (server shutdown).

    Outcomes are recorded at ``now`` (the run's time, so the schedule is exact for a clock that stands still);
    claims and signatures use ``now`` plus the time the run has taken, so a long run neither lets its claims
    lapse early nor signs with a stale timestamp that a receiver would refuse as a replay."""
    policy = policy or RetryPolicy()
    started = time.monotonic()

    def at() -> datetime:
        return now + timedelta(seconds=time.monotonic() - started)

    with uow_factory() as uow:
        due = uow.webhook_deliveries.due(now, limit)
    result = DispatchResult()
    unreachable: set[int] = set()
    for delivery_id, endpoint_id in due:
        if stopping is not None and stopping.is_set():
            break
        done = None if endpoint_id in unreachable else _deliver_one(uow_factory, delivery_id, now=now, at=at,
                                                                     client=client, policy=policy)
        if done is None:
            result.deferred += 1
            continue
        verdict, sent = done
        if sent.status_code is None:
            unreachable.add(endpoint_id)
        result.delivered += verdict is Attempt.DELIVERED
        result.retrying += verdict is Attempt.RETRY
        result.failed += verdict is Attempt.FAILED
    return result


class Dispatcher:
    """The background loop of `tradecredit serve`: a run every ``interval`` seconds in a worker thread, so the
    event loop never waits for a receiver; ``stop()`` ends it between deliveries."""

    def __init__(self, uow_factory: UowFactory, clock: Clock, config: DeliveryConfig) -> None:
        self._uow_factory, self._clock, self._config = uow_factory, clock, config
        self._stopping = threading.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.Client | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="webhook-dispatcher")

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task
        if self._client is not None:
            self._client.close()

    def run_once(self) -> DispatchResult:
        """One batch of deliveries, on the dispatcher's one HTTP client. The client is made once, not per run:
        making one loads the CA certificates, about 30 ms holding the GIL every 5 s, which delayed the order
        checks the same worker was answering (the HTTP p99)."""
        if self._client is None:
            self._client = self._config.client()
        return deliver_pending(self._uow_factory, now=self._clock.now(), client=self._client,
                               limit=self._config.batch_size, policy=self._config.policy, stopping=self._stopping)

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):  # the interval passed: time for a run
                await asyncio.wait_for(self._wake.wait(), timeout=self._config.interval)
            if self._stopping.is_set():
                return
            try:
                await asyncio.to_thread(self.run_once)
            except Exception:  # a database outage must not end the loop: log it and try again next time
                log.exception("webhook dispatcher run failed; trying again in %s s", self._config.interval)

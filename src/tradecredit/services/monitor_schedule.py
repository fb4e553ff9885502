"""The daily monitoring run inside `tradecredit serve`: after ``monitor_daily_at`` (UTC) each day, once.

Every server worker runs this loop; :func:`~tradecredit.services.monitoring.run_if_due` makes sure only one of them
runs the day (the monitoring lock, then "is there a run for today already?"), and a worker that finds the day done
does not ask again until the next one. The run happens in a worker thread, so requests keep being answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import date, datetime, time

from tradecredit.domain.clock import Clock
from tradecredit.domain.signals import SignalPolicy
from tradecredit.services.monitoring import run_if_due
from tradecredit.store.monitor_run import has_run
from tradecredit.store.uow import SqlUnitOfWork

log = logging.getLogger(__name__)
CHECK_SECONDS = 60.0
SCHEDULER_ACTOR = "scheduler"


def is_due(now: datetime, daily_at: time, done_on: date | None) -> bool:
    """Whether to try today's run: the time of day has come (UTC) and this worker has not seen today done."""
    return now.time().replace(tzinfo=None) >= daily_at and done_on != now.date()


class MonitorScheduler:
    """``start()`` in a running event loop; ``await stop()`` waits for a run in progress to finish."""

    def __init__(self, new_uow: Callable[[], SqlUnitOfWork], clock: Clock, *, daily_at: time, policy: SignalPolicy,
                 base_currency: str, check_seconds: float = CHECK_SECONDS,
                 after_run: Callable[[date], object] | None = None) -> None:
        self._new_uow, self._clock, self._daily_at = new_uow, clock, daily_at
        self._after_run = after_run
        self._policy, self._base_currency, self._check_seconds = policy, base_currency, check_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.done_on: date | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="monitor-scheduler")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    def run_once(self) -> None:
        """Today's run unless done or running elsewhere; the day counts as done when a run for it exists."""
        summary = run_if_due(self._new_uow, actor=SCHEDULER_ACTOR, policy=self._policy,
                             base_currency=self._base_currency)
        if summary is not None:
            log.info("monitoring run %s for %s: %s opened, %s updated, %s closed", summary.id, summary.as_of,
                     summary.opened, summary.updated, summary.closed)
            self.done_on = summary.as_of
            self._follow_up(summary.as_of)
        else:
            self.done_on = self._done_elsewhere()

    def _follow_up(self, day: date) -> None:
        """What comes after the day's run (the e-mail digest); its failure never undoes or repeats the run."""
        if self._after_run is None:
            return
        try:
            self._after_run(day)
        except Exception:
            log.exception("the follow-up of the monitoring run for %s failed", day)

    def _done_elsewhere(self) -> date | None:
        today = self._clock.today()
        with self._new_uow() as uow:
            return today if has_run(uow.session, as_of=today) else None

    async def _loop(self) -> None:
        """Check every ``check_seconds``, the first time one interval after start (the server warms up first)."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._check_seconds)
            if self._stopping.is_set() or not is_due(self._clock.now(), self._daily_at, self.done_on):
                continue
            try:
                await asyncio.to_thread(self.run_once)
            except Exception:  # a database outage must not end the loop: log it and try at the next check
                log.exception("monitoring run failed; trying again in %s s", self._check_seconds)

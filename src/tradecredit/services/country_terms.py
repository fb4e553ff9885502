"""The payment terms a country allows, cached per process for the order credit check's hot path.

Reading them costs two queries (the latest imported rating and the saved settings); an ERP checking hundreds of
orders a second would repeat them for the same few countries. An entry is trusted for ``seconds`` (5 by default)
and dropped at once when a country change commits in this process (:data:`services.country.CHANGES`); another
server process sees a change within ``seconds``.
"""

from __future__ import annotations

import threading
import time
from datetime import date

from tradecredit.domain.country import PaymentTerms, TermsPolicy
from tradecredit.services.country import CHANGES, allowed_terms, country_grade_in, settings_in
from tradecredit.store.uow import SqlUnitOfWork

CACHE_SECONDS = 5.0


class CountryTerms:
    """The least secure terms allowed per (country, day), one instance per application."""

    def __init__(self, policy: TermsPolicy, seconds: float = CACHE_SECONDS) -> None:
        self.policy = policy
        self.seconds = seconds
        self._entries: dict[tuple[str, date], tuple[PaymentTerms | None, float, int]] = {}
        self._lock = threading.Lock()

    def terms(self, uow: SqlUnitOfWork, country: str, day: date) -> PaymentTerms | None:
        """Inside an open unit of work (read only on a miss)."""
        entry = self._entries.get((country, day))
        if entry is not None and entry[1] > time.monotonic() and entry[2] == CHANGES.value:
            return entry[0]
        generation = CHANGES.value
        value = allowed_terms(country_grade_in(uow, country=country, on=day), settings_in(uow, country), self.policy)
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[(country, day)] = (value, time.monotonic() + self.seconds, generation)
        return value

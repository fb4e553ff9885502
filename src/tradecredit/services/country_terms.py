"""The payment terms a country allows, cached per process for the order credit check's hot path.

Reading them costs two queries (the latest imported rating and the saved settings); an ERP checking hundreds of
orders a second would repeat them for the same few countries. An entry is trusted for ``seconds`` (5 by default)
and dropped at once when a country change commits in this process (:data:`services.country.CHANGES`); another
server process sees a change within ``seconds``.
"""

from __future__ import annotations

from datetime import date

from tradecredit.domain.country import PaymentTerms, TermsPolicy
from tradecredit.services.country import CHANGES, allowed_terms, country_grade_in, settings_in
from tradecredit.services.ttl_cache import TtlCache
from tradecredit.store.uow import SqlUnitOfWork

CACHE_SECONDS = 5.0


class CountryTerms:
    """The least secure terms allowed per (country, day), one instance per application."""

    def __init__(self, policy: TermsPolicy, seconds: float = CACHE_SECONDS) -> None:
        self.policy = policy
        # The value in a 1-tuple: "no rule" (None) is an answer worth caching too.
        self._cache: TtlCache[tuple[str, date], tuple[PaymentTerms | None]] = TtlCache(seconds)

    def cached(self, country: str, day: date) -> tuple[PaymentTerms | None] | None:
        """The terms in a 1-tuple while they are cached; None on a miss (then :meth:`terms` reads them)."""
        return self._cache.get((country, day), CHANGES.value)

    def terms(self, uow: SqlUnitOfWork, country: str, day: date) -> PaymentTerms | None:
        """Inside an open unit of work (read only on a miss)."""
        generation = CHANGES.value
        cached = self.cached(country, day)
        if cached is not None:
            return cached[0]
        value = allowed_terms(country_grade_in(uow, country=country, on=day), settings_in(uow, country), self.policy)
        self._cache.put((country, day), (value,), generation)
        return value

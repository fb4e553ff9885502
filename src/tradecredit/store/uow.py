"""The unit of work: one transaction per service call; only ``commit()`` commits."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from tradecredit.domain.clock import Clock
from tradecredit.store.accounts import AuditRepository, TokenRepository, UserRepository, WebSessionRepository
from tradecredit.store.assessments import AssessmentRepository
from tradecredit.store.countries import (
    CountryEventRepository,
    CountryRatingRepository,
    CountrySettingsRepository,
)
from tradecredit.store.digests import DigestRepository
from tradecredit.store.events import BuyerEventRepository
from tradecredit.store.limits import (
    AuthorityRepository,
    CreditLimitRepository,
    LimitRequestRepository,
    OrderCheckRepository,
)
from tradecredit.store.monitoring import (
    AlertEventRepository,
    AlertRepository,
    CreditBlockRepository,
    MonitorRunRepository,
    WatchListRepository,
)
from tradecredit.store.promises import PaymentPromiseRepository
from tradecredit.store.repositories import (
    AdjustmentRepository,
    AllocationRepository,
    BuyerRepository,
    FxRateRepository,
    ImportBatchRepository,
    InvoiceRepository,
    PaymentRepository,
    StatementRepository,
)
from tradecredit.store.webhooks import WebhookDeliveryRepository, WebhookEndpointRepository
from tradecredit.store.write_gate import WriteGate


class SqlUnitOfWork:
    """``with uow:`` opens a session; leaving the block without ``commit()`` rolls everything back."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 gate: WriteGate | None = None) -> None:
        self._session_factory = session_factory
        self.clock = clock
        self.gate = gate or WriteGate(None)
        self._session: Session | None = None

    def __enter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("unit of work already in use; open a new one per service call")
        session = self._session_factory()
        self._session = session
        self.buyers = BuyerRepository(session)
        self.statements = StatementRepository(session)
        self.invoices = InvoiceRepository(session)
        self.payments = PaymentRepository(session)
        self.allocations = AllocationRepository(session)
        self.adjustments = AdjustmentRepository(session)
        self.fx = FxRateRepository(session)
        self.imports = ImportBatchRepository(session)
        self.users = UserRepository(session)
        self.tokens = TokenRepository(session)
        self.web_sessions = WebSessionRepository(session)
        self.audit = AuditRepository(session)
        self.country_ratings = CountryRatingRepository(session)
        self.country_settings = CountrySettingsRepository(session)
        self.country_events = CountryEventRepository(session)
        self.assessments = AssessmentRepository(session)
        self.authorities = AuthorityRepository(session)
        self.limit_requests = LimitRequestRepository(session)
        self.limits = CreditLimitRepository(session)
        self.orders = OrderCheckRepository(session)
        self.webhook_endpoints = WebhookEndpointRepository(session)
        self.webhook_deliveries = WebhookDeliveryRepository(session)
        self.buyer_events = BuyerEventRepository(session)
        self.alerts = AlertRepository(session)
        self.alert_events = AlertEventRepository(session)
        self.monitor_runs = MonitorRunRepository(session)
        self.watch_list = WatchListRepository(session)
        self.credit_blocks = CreditBlockRepository(session)
        self.digests = DigestRepository(session)
        self.promises = PaymentPromiseRepository(session)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        session = self._session
        self._session = None
        if session is not None:
            session.rollback()
            session.close()

    @property
    def is_open(self) -> bool:
        return self._session is not None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work is not open; use `with uow:`")
        return self._session

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

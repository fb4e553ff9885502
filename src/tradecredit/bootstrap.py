"""Wiring: build(settings) -> App with the engine, session factory, units of work and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tradecredit.config import Settings
from tradecredit.domain.clock import Clock, SystemClock
from tradecredit.store.db import ensure_current, make_engine, migrate
from tradecredit.store.uow import SqlUnitOfWork
from tradecredit.store.write_gate import WriteGate, write_gate

if TYPE_CHECKING:
    from tradecredit.services.orders import OrderCheckConfig


@dataclass
class App:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work: one per service call."""
        return SqlUnitOfWork(self.session_factory, self.clock, self.write_gate)

    @cached_property
    def write_gate(self) -> WriteGate:
        """Queues the order check's writers on a SQLite file (:mod:`store.write_gate`)."""
        return write_gate(self.engine)

    @cached_property
    def order_check_config(self) -> OrderCheckConfig:
        """One per application: it holds the per-process cache of country terms the order check reads."""
        from tradecredit.services.orders import OrderCheckConfig  # the CLI's other commands don't load it
        from tradecredit.store.order_checks import OrderCheckStore

        return OrderCheckConfig.from_settings(self.settings, OrderCheckStore(self.engine))

    def ensure_ready(self) -> None:
        """Raise DatabaseNotReady unless the schema is at the latest migration."""
        ensure_current(self.engine)

    def migrate(self) -> tuple[str | None, str]:
        """Create the schema or bring it to the latest migration; returns (revision before, after)."""
        return migrate(self.engine)

    def close(self) -> None:
        self.write_gate.close()
        self.engine.dispose()


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    return App(settings, engine, factory, clock or SystemClock())

"""Wiring: build(settings) -> App with the engine, session factory, units of work and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tradecredit.config import Settings
from tradecredit.domain.clock import Clock, SystemClock
from tradecredit.store.db import ensure_current, make_engine, migrate
from tradecredit.store.uow import SqlUnitOfWork


@dataclass
class App:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work: one per service call."""
        return SqlUnitOfWork(self.session_factory, self.clock)

    def ensure_ready(self) -> None:
        """Raise DatabaseNotReady unless the schema is at the latest migration."""
        ensure_current(self.engine)

    def migrate(self) -> tuple[str | None, str]:
        """Create the schema or bring it to the latest migration; returns (revision before, after)."""
        return migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    return App(settings, engine, factory, clock or SystemClock())

"""Wiring: build(settings) -> App with the engine, session factory, units of work and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tradecredit.config import Settings
from tradecredit.domain.clock import Clock, SystemClock
from tradecredit.store.db import ensure_current, make_engine, migrate, sqlite_file
from tradecredit.store.uow import SqlUnitOfWork
from tradecredit.store.wal_checkpoint import WalCheckpointer
from tradecredit.store.write_gate import WriteGate, write_gate

if TYPE_CHECKING:
    from tradecredit.services.orders import OrderCheckConfig


@dataclass
class App:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock = field(default_factory=SystemClock)
    background_checkpoints: bool = False  # the engine leaves the SQLite log's checkpoints to ``checkpointer``

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work: one per service call."""
        return SqlUnitOfWork(self.session_factory, self.clock, self.write_gate)

    @cached_property
    def write_gate(self) -> WriteGate:
        """Queues the order check's writers on a SQLite file (:mod:`store.write_gate`)."""
        return write_gate(self.engine)

    @cached_property
    def checkpointer(self) -> WalCheckpointer | None:
        """The thread that checkpoints the SQLite log when the engine's commits do not (:mod:`store.wal_checkpoint`);
        whoever builds such an app starts it (the server's lifespan does). None on other databases."""
        database = sqlite_file(self.engine)
        return WalCheckpointer(database) if self.background_checkpoints and database is not None else None

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
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.write_gate.close()
        if "order_check_config" in self.__dict__:  # built: its store keeps connections
            self.order_check_config.store.close()
        self.engine.dispose()


def build(settings: Settings | None = None, *, clock: Clock | None = None,
          background_checkpoints: bool = False) -> App:
    """``background_checkpoints`` for a long-running writer (the server): its commits then skip SQLite's
    checkpoints, and the app's ``checkpointer`` must be started to do them."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url, background_checkpoints=background_checkpoints)
    factory = sessionmaker(engine, expire_on_commit=False)
    return App(settings, engine, factory, clock or SystemClock(), background_checkpoints)

"""The migrations build exactly the schema the table models describe, and stale databases are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tradecredit.bootstrap import App, build
from tradecredit.config import Settings
from tradecredit.domain.errors import DatabaseNotReady
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.store.db import head_revision, make_engine
from tradecredit.store.tables import Base, StatementRecord


def test_the_migrations_and_the_table_models_agree(app: App) -> None:
    with app.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_a_database_without_the_schema_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    app = build(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    with pytest.raises(DatabaseNotReady, match=r"has no TradeCredit schema; run `tradecredit init`"):
        app.ensure_ready()
    head = head_revision(app.engine)
    before, after = app.migrate()
    assert (before, after) == (None, head)
    app.ensure_ready()
    assert app.migrate() == (head, head)


def test_a_database_behind_the_latest_migration_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.exec_driver_sql("INSERT INTO alembic_version VALUES ('0000')")
    with pytest.raises(DatabaseNotReady, match=f"is at migration 0000, not {head_revision(engine)}"):
        build(Settings(database_url=url)).ensure_ready()


def test_every_statement_line_item_has_a_column() -> None:
    columns = set(StatementRecord.__table__.columns.keys())
    assert set(LINE_ITEMS) <= columns


def test_a_sqlite_connection_waits_a_minute_for_another_writer_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    """A write waits for another up to 60 s: the daily monitoring run writes for longer than the driver's default
    5 s at 100,000 buyers, and order checks arriving meanwhile must wait, not fail with "database is locked"."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("busy_timeout", "journal_mode", "synchronous", "foreign_keys")}
    engine.dispose()
    assert pragmas == {"busy_timeout": 60_000, "journal_mode": "wal", "synchronous": 1, "foreign_keys": 1}

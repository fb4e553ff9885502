"""Database engine creation and schema migration (Alembic, shipped inside the package)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url

from tradecredit.domain.errors import DatabaseNotReady
from tradecredit.store.wal_checkpoint import SAFETY_NET_PAGES

MIGRATIONS = Path(__file__).parent / "migrations"
# How long a SQLite write waits for another one to finish. The driver's default, 5 s, is shorter than the daily
# monitoring run's write (about 12 s when it opens 167,000 alerts at 100,000 buyers), so order checks arriving
# meanwhile failed with "database is locked"; now they wait.
SQLITE_BUSY_SECONDS = 60.0


def make_engine(url: str, *, background_checkpoints: bool = False, **options: Any) -> Engine:
    """Create the engine; on SQLite turn on foreign keys and WAL so readers never block the importer, and let a
    write wait up to ``SQLITE_BUSY_SECONDS`` for another.

    The pool holds as many connections as the server's thread pool runs requests (40), so a busy server does
    not open and close connections per request. ``background_checkpoints``: the commits leave the log's
    checkpoints to a :class:`~tradecredit.store.wal_checkpoint.WalCheckpointer` (the server's); without one
    running, the log would grow to ``SAFETY_NET_PAGES`` before a commit checkpoints it.
    """
    if url.startswith("sqlite") and make_url(url).database not in (None, "", ":memory:"):
        options = {"pool_size": 40, "max_overflow": 10, "connect_args": {"timeout": SQLITE_BUSY_SECONDS}, **options}
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        pages = SAFETY_NET_PAGES if background_checkpoints else None
        event.listen(engine, "connect", lambda connection, _record: _sqlite_pragmas(connection, pages))
    return engine


def _sqlite_pragmas(connection: Any, autocheckpoint_pages: int | None) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    if autocheckpoint_pages is not None:
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint_pages)}")
    cursor.close()


def sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine; None for another database, an in-memory one or a ``file:`` URI."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the latest migration; return (revision before, revision after)."""
    before = current_revision(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision(engine)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    if head is None:
        raise DatabaseNotReady("no migrations are shipped with this installation")
    return head


def ensure_current(engine: Engine) -> None:
    """Stop with a clear message when the database is missing or behind the code."""
    current = current_revision(engine)
    head = head_revision(engine)
    if current != head:
        state = "has no TradeCredit schema" if current is None else f"is at migration {current}, not {head}"
        raise DatabaseNotReady(f"the database {engine.url.render_as_string()} {state}; run `tradecredit init` "
                               "to create or migrate it")

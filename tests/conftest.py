"""Fixtures: a migrated database per backend (SQLite always, PostgreSQL when configured), app, runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tradecredit.bootstrap import App, build
from tradecredit.config import Settings
from tradecredit.domain.clock import FixedClock
from tradecredit.store.db import make_engine, migrate
from tradecredit.store.tables import Base

TODAY = date(2026, 11, 28)
PG_URL = os.environ.get("TRADECREDIT_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


def _fresh_schema(engine: Engine) -> None:
    """Drop everything TradeCredit owns so the migrations themselves build the schema under test."""
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrate(engine)


def _empty_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


def _private_schema(url: str) -> str:
    """A PostgreSQL schema of this test run's own, so parallel runs on one server never see each other's rows."""
    name = f"tc_test_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {name}"))
    admin.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{name}"


def _drop_private_schema(url: str) -> None:
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS tc_test_{os.getpid()} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session")
def _engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, Engine]]]:
    engines: dict[str, tuple[str, Engine]] = {}
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    engines["sqlite"] = (sqlite_url, make_engine(sqlite_url))
    if PG_URL:
        private = _private_schema(PG_URL)
        engines["postgresql"] = (private, make_engine(private))
    for _, engine in engines.values():
        _fresh_schema(engine)
    yield engines
    for _, engine in engines.values():
        engine.dispose()
    if PG_URL:
        _drop_private_schema(PG_URL)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, _engines: dict[str, tuple[str, Engine]]) -> str:
    """A migrated, empty database on each backend; PostgreSQL runs when TRADECREDIT_TEST_DATABASE_URL is set."""
    backend = request.param
    if backend not in _engines:
        pytest.skip("PostgreSQL: set TRADECREDIT_TEST_DATABASE_URL to run these tests on it")
    url, engine = _engines[backend]
    _empty_tables(engine)
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, base_currency="EUR")


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    tc = build(settings, clock=FixedClock.on(TODAY))
    yield tc
    tc.close()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Environment for CLI runs against the test database (and no stray settings file). Commands run in process
    (CliRunner) see the fixtures' day, ``TODAY``, as the API's ``app`` does, not the machine's."""
    from tradecredit.cli import common

    monkeypatch.setattr(common, "build", lambda settings=None: build(settings, clock=FixedClock.on(TODAY)))
    monkeypatch.setenv("TRADECREDIT_DATABASE_URL", database_url)
    monkeypatch.setenv("TRADECREDIT_SETTINGS_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("TRADECREDIT_BASE_CURRENCY", raising=False)
    return {"TRADECREDIT_DATABASE_URL": database_url}


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Production argon2 parameters cost ~50 ms a hash; tests create many users, so they use cheap ones."""
    from argon2 import PasswordHasher

    from tradecredit.services import users

    production = users._hasher
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    users._hasher = production

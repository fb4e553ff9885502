"""Users, logins, sessions and tokens on each backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tradecredit.bootstrap import App
from tradecredit.domain.clock import FixedClock
from tradecredit.domain.errors import AuthenticationRequired, TooManyAttempts, ValidationError
from tradecredit.domain.users import Role, Throttle
from tradecredit.services import users
from tradecredit.services.audit import audit_trail

PASSWORD = "a long enough password"


@pytest.fixture
def analyst(app: App) -> str:
    users.add_user(app.uow(), username="Li.Wei", password=PASSWORD, role="analyst", actor="admin")
    return "li.wei"


def test_a_login_opens_a_session_that_identifies_the_user(app: App, analyst: str) -> None:
    session = users.login(app.uow(), username="LI.WEI", password=PASSWORD, throttle=Throttle())
    again = users.session_principal(app.uow(), session.session_id)
    assert (again.principal.username, again.principal.role, again.csrf_token) == (analyst, Role.ANALYST,
                                                                                  session.csrf_token)
    users.logout(app.uow(), session_id=session.session_id)
    with pytest.raises(AuthenticationRequired, match="session has ended"):
        users.session_principal(app.uow(), session.session_id)


def test_passwords_are_stored_as_argon2_hashes(app: App, analyst: str) -> None:
    with app.uow() as uow:
        stored = uow.users.get(analyst).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_repeated_failures_lock_the_account_for_the_lockout_period(app: App, analyst: str) -> None:
    throttle = Throttle(max_failures=3, lockout=timedelta(minutes=15))
    for _ in range(3):
        with pytest.raises(AuthenticationRequired, match="wrong user name or password"):
            users.login(app.uow(), username=analyst, password="wrong password!", throttle=throttle)
    with pytest.raises(TooManyAttempts, match="try again after 12:15 UTC"):
        users.login(app.uow(), username=analyst, password=PASSWORD, throttle=throttle)
    assert isinstance(app.clock, FixedClock)
    app.clock.instant += timedelta(minutes=16)
    assert users.login(app.uow(), username=analyst, password=PASSWORD, throttle=throttle).principal.username == analyst


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(app: App) -> None:
    with pytest.raises(AuthenticationRequired, match=r"^wrong user name or password$"):
        users.login(app.uow(), username="nobody", password=PASSWORD, throttle=Throttle())


def test_tokens_are_shown_once_stored_hashed_and_revoked_with_the_user(app: App, analyst: str) -> None:
    issued = users.issue_token(app.uow(), username=analyst, name="erp", actor="admin")
    assert users.token_principal(app.uow(), issued.token).via == "token"
    with app.uow() as uow:
        stored = uow.tokens.for_user(uow.users.get(analyst).id)[0]
        token_hash, prefix = stored.token_hash, stored.prefix
    assert issued.token not in (token_hash, prefix) and len(token_hash) == 64
    users.disable_user(app.uow(), username=analyst, actor="admin")
    with pytest.raises(AuthenticationRequired, match="invalid or revoked API token"):
        users.token_principal(app.uow(), issued.token)


def test_user_changes_are_audited(app: App, analyst: str) -> None:
    users.disable_user(app.uow(), username=analyst, actor="admin")
    events, total = audit_trail(app.uow(), entity="user", key=analyst)
    assert total == 2
    assert [(e.action, e.actor, e.after) for e in events] == [
        ("disable", "admin", {"active": False}),
        ("create", "admin", {"role": "analyst", "display_name": "li.wei", "language": "en"})]


@pytest.mark.parametrize(("field", "kwargs"), [("password", {"password": "short"}), ("role", {"role": "boss"}),
                                               ("username", {"username": "no spaces"})])
def test_bad_user_input_is_refused_naming_the_field(app: App, field: str, kwargs: dict[str, str]) -> None:
    values = {"username": "ok.user", "password": PASSWORD, "role": "viewer", **kwargs}
    with pytest.raises(ValidationError) as caught:
        users.add_user(app.uow(), actor="admin", **values)
    assert caught.value.field == field
    assert users.list_users(app.uow()) == []

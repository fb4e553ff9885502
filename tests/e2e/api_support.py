"""Helpers for API tests: an API client per role, each with its own token."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from tradecredit.api.app import create_app
from tradecredit.bootstrap import App
from tradecredit.domain.users import Role
from tradecredit.services.users import add_user, issue_token

PASSWORD = "correct horse battery staple"


@dataclass
class Clients:
    anonymous: TestClient
    by_role: dict[Role, TestClient]

    def __getitem__(self, role: Role) -> TestClient:
        return self.by_role[role]


def make_clients(app: App) -> Clients:
    api = create_app(app)
    by_role = {}
    for role in Role:
        add_user(app.uow(), username=f"{role.value.replace('_', '-')}-user", password=PASSWORD, role=role.value,
                 actor="test")
        token = issue_token(app.uow(), username=f"{role.value.replace('_', '-')}-user", name="tests", actor="test")
        by_role[role] = TestClient(api, headers={"Authorization": f"Bearer {token.token}"})
    return Clients(TestClient(api), by_role)

"""`tradecredit users`: add, list, disable users and issue API tokens."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from tradecredit.cli.common import actor, console, handled, open_app
from tradecredit.services import users as service

app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
ROLES = "viewer, collector, analyst, credit_manager or admin"


@app.command()
def add(
    username: str,
    role: str = typer.Option(..., help=ROLES),
    name: str | None = typer.Option(None, help="display name"),
    language: str = typer.Option("en", help="en or zh"),
    email: str | None = typer.Option(None, help="address for the daily alert digest"),
    password: str | None = typer.Option(None, envvar="TRADECREDIT_NEW_PASSWORD",
                                           help="at least 12 characters; asked for when not given"),
) -> None:
    """Add a user (the password is stored as an argon2 hash)."""
    with handled():
        secret = password or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        view = service.add_user(open_app().uow(), username=username, password=secret, role=role, display_name=name,
                                language=language, email=email, actor=actor())
        console.print(f"User {view.username} added with role {view.role.value}.")


@app.command("list")
def list_users() -> None:
    """List users with their roles."""
    with handled():
        table = Table("user", "name", "role", "language", "e-mail", "digest", "active", "since")
        for user in service.list_users(open_app().uow()):
            table.add_row(user.username, user.display_name, user.role.value, user.language, user.email or "-",
                          "yes" if user.daily_digest and user.email else "no", "yes" if user.active else "no",
                          f"{user.created_at:%Y-%m-%d}")
        console.print(table)


@app.command()
def update(
    username: str,
    email: str | None = typer.Option(None, help="address for the daily alert digest"),
    no_email: bool = typer.Option(False, "--no-email", help="remove the address (no more digests)"),
    digest: bool | None = typer.Option(None, "--digest/--no-digest", help="receive the daily alert digest"),
    language: str | None = typer.Option(None, help="en or zh (the dashboard's and the digest's language)"),
    name: str | None = typer.Option(None, help="display name"),
) -> None:
    """Change a user's e-mail address, daily digest, language or display name."""
    with handled():
        view = service.update_user(open_app().uow(), username=username, email=email, clear_email=no_email,
                                   daily_digest=digest, language=language, display_name=name, actor=actor())
        receives = "receives" if view.email and view.daily_digest else "does not receive"
        console.print(f"User {view.username} updated: e-mail {view.email or '-'}, language {view.language}; "
                      f"{receives} the daily digest.", highlight=False)


@app.command()
def disable(username: str) -> None:
    """Disable a user: their sessions end and their API tokens are revoked."""
    with handled():
        service.disable_user(open_app().uow(), username=username, actor=actor())
        console.print(f"User {username} disabled.")


@app.command()
def token(username: str, name: str = typer.Option("integration", help="what the token is for")) -> None:
    """Issue an API token for a user; it is shown once and only its hash is stored."""
    with handled():
        issued = service.issue_token(open_app().uow(), username=username, name=name, actor=actor())
        console.print(f"API token for {issued.username} ({issued.name}); store it now, it is not shown again:")
        console.print(issued.token, markup=False, highlight=False, soft_wrap=True)


@app.command("ensure-admin")
def ensure_admin() -> None:
    """Create the first admin when there are no users (password from TRADECREDIT_ADMIN_PASSWORD or random)."""
    with handled():
        generated = service.ensure_first_admin(open_app().uow(),
                                               password=os.environ.get("TRADECREDIT_ADMIN_PASSWORD") or None)
        if generated:
            console.print(f"Created user [bold]admin[/] with password [bold]{generated}[/] (shown once; change it "
                          "or add your own users with `tradecredit users add`).", highlight=False)
        else:
            console.print("Users exist already; log in with yours (the admin password was shown when it was made).")

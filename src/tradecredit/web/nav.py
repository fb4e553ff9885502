"""The navigation: one list of pages, each shown only to users whose role allows it.

A new page is added by appending one entry; ``endpoint`` is the route name of its page (``name=`` on the route).
"""

from __future__ import annotations

from typing import NamedTuple

from tradecredit.domain.users import Role, allows
from tradecredit.web.i18n import N_


class NavEntry(NamedTuple):
    endpoint: str
    label: str
    role: Role


NAV: list[NavEntry] = [
    NavEntry("overview", N_("Overview"), Role.VIEWER),
    NavEntry("alerts", N_("Alerts"), Role.VIEWER),
    NavEntry("buyers", N_("Buyers"), Role.VIEWER),
    NavEntry("countries", N_("Countries"), Role.VIEWER),
    NavEntry("heatmap", N_("Early warning"), Role.VIEWER),
    NavEntry("holds", N_("Hold queue"), Role.VIEWER),
    NavEntry("limit_requests", N_("Limit requests"), Role.VIEWER),
    NavEntry("import", N_("Import"), Role.ANALYST),
]


ROLE_LABELS: dict[Role, str] = {
    Role.VIEWER: N_("Viewer"),
    Role.COLLECTOR: N_("Collector"),
    Role.ANALYST: N_("Analyst"),
    Role.CREDIT_MANAGER: N_("Credit manager"),
    Role.ADMIN: N_("Administrator"),
}


def visible(role: Role) -> list[NavEntry]:
    return [entry for entry in NAV if allows(role, entry.role)]

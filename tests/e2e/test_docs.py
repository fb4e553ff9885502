"""The API documentation lists exactly the endpoints the application serves."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import APIRoute

from tradecredit.api.app import API_PREFIX, ROUTERS

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_docs_api_lists_every_endpoint_and_no_other() -> None:
    served = {f"{method} {API_PREFIX}{route.path}" for router in ROUTERS for route in router.routes
              if isinstance(route, APIRoute) for method in route.methods}
    documented = set(re.findall(r"^\| `([A-Z]+ /api/v1[^`]*)` \|", DOC.read_text(encoding="utf-8"), re.MULTILINE))
    assert documented == served

"""The import page: upload one file of a kind; see what it changed, or every error it has (nothing written)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PureWindowsPath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from tradecredit.domain.errors import ImportRejected, TradeCreditError
from tradecredit.services.demo import LOAD_ORDER
from tradecredit.services.import_kinds import KINDS
from tradecredit.services.imports import ImportSummary, import_file
from tradecredit.services.ledger_reads import import_history
from tradecredit.services.users import WebSession
from tradecredit.web.auth import Analyst, Posted
from tradecredit.web.i18n import N_, gettext
from tradecredit.web.pages import WebRoute, language_of, printable, render, tc_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
HISTORY = 10
KIND_LABELS = {
    "buyers": N_("Buyers"),
    "financials": N_("Financial statements"),
    "fx": N_("FX rates"),
    "invoices": N_("Invoices"),
    "adjustments": N_("Credit notes and write-offs"),
    "payments": N_("Payments"),
    "country_ratings": N_("Country ratings"),
}


def kinds() -> list[dict[str, Any]]:
    """The kinds in the order files should be loaded, with their columns (what the form explains)."""
    order = [*LOAD_ORDER, *sorted(set(KINDS) - set(LOAD_ORDER))]
    return [{"name": name, "label": KIND_LABELS.get(name, name), "required": KINDS[name].required,
             "optional": KINDS[name].optional} for name in order if name in KINDS]


def upload_name(filename: str | None, kind: str) -> str:
    """The uploaded file's base name (browsers on Windows may send a full path); never a path of ours."""
    name = PureWindowsPath(Path(printable(filename or "")).name).name.strip()
    return name if name not in ("", ".", "..") else f"{kind}.csv"


def _page(request: Request, session: WebSession, *, status: int = 200, **context: Any) -> HTMLResponse:
    history, _ = import_history(tc_of(request).uow(), page=1, size=HISTORY)
    values: dict[str, Any] = {"summary": None, "rejected": None, "problem": "", "chosen": LOAD_ORDER[0],
                              "dry_run": False, **context}
    return render(request, "import.html", session=session, status=status, kinds=kinds(), history=history,
                  **values)


@router.get("/import", name="import")
def import_form(request: Request, session: Analyst) -> HTMLResponse:
    return _page(request, session)


@router.post("/import")
def upload(request: Request, session: Analyst, _: Posted, kind: Annotated[str, Form()] = "",
           file: Annotated[UploadFile | None, File()] = None,
           dry_run: Annotated[bool, Form()] = False) -> HTMLResponse:
    tc = tc_of(request)
    code = language_of(request, session)
    chosen: dict[str, Any] = {"chosen": kind, "dry_run": dry_run}
    if kind not in KINDS:
        return _page(request, session, status=422, problem=gettext(code, N_("Choose what the file contains.")),
                     **chosen)
    if file is None or not file.filename:
        return _page(request, session, status=422, problem=gettext(code, N_("Choose a file to upload.")), **chosen)
    with tempfile.TemporaryDirectory(prefix="tradecredit-upload-") as folder:
        path = Path(folder) / upload_name(file.filename, kind)
        with path.open("wb") as target:
            shutil.copyfileobj(file.file, target)
        try:
            summary: ImportSummary = import_file(
                tc.uow(), kind=kind, path=path, base_currency=tc.settings.base_currency,
                actor=session.principal.actor, dry_run=dry_run, batch_size=tc.settings.import_batch_size)
        except ImportRejected as rejected:
            return _page(request, session, status=422, rejected=rejected, **chosen)
        except TradeCreditError as error:
            return _page(request, session, status=422, problem=str(error), **chosen)
    return _page(request, session, summary=summary, **chosen)

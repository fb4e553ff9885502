"""/api/v1/imports: upload a file and get the same validation as the CLI, with the full error list."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile

from tradecredit.api.deps import Analyst, AppDep
from tradecredit.api.schemas.common import PageRead
from tradecredit.api.schemas.ledger import ImportRead
from tradecredit.services.import_kinds import KINDS
from tradecredit.services.imports import import_file
from tradecredit.services.ledger_reads import import_history
from tradecredit.services.paging import MAX_PAGE, MAX_PAGE_SIZE

router = APIRouter(prefix="/imports", tags=["imports"])
Kind = StrEnum("Kind", {name: name for name in KINDS})  # type: ignore[misc]


@router.post("/{kind}", response_model=ImportRead)
def upload(kind: Kind, tc: AppDep, user: Analyst, file: Annotated[UploadFile, File(description="CSV or XLSX")],
           dry_run: Annotated[bool, Form()] = False, ignore_extra: Annotated[bool, Form()] = False) -> ImportRead:
    """Import one file in one transaction; a bad file gives 422 with every error (file, line, column, reason)."""
    name = Path(file.filename or f"{kind.value}.csv").name
    with tempfile.TemporaryDirectory(prefix="tradecredit-upload-") as folder:
        path = Path(folder) / name
        with path.open("wb") as target:
            shutil.copyfileobj(file.file, target)
        summary = import_file(tc.uow(), kind=kind.value, path=path, base_currency=tc.settings.base_currency,
                              actor=user.actor, dry_run=dry_run, ignore_extra=ignore_extra,
                              batch_size=tc.settings.import_batch_size)
    return ImportRead.model_validate(asdict(summary))


@router.get("", response_model=PageRead[dict[str, Any]])
def history(tc: AppDep, user: Analyst, page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
            size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50) -> PageRead[dict[str, Any]]:
    items, total = import_history(tc.uow(), page=page, size=size)
    return PageRead[dict[str, Any]](items=[asdict(i) for i in items], total=total, page=page, size=size)

"""/api/v1/invoices, /payments and /fx-rates: the receivables ledger."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from tradecredit.api.deps import Analyst, AppDep, Collector, Viewer
from tradecredit.api.schemas.common import PageRead
from tradecredit.api.schemas.ledger import (
    DisputeCreate,
    FxRateCreate,
    FxRateRead,
    InvoiceCreate,
    InvoiceDetailRead,
    PaymentCreate,
    PaymentRead,
)
from tradecredit.bootstrap import App
from tradecredit.domain.users import Principal
from tradecredit.services import ledger_reads as reads
from tradecredit.services.imports import import_records
from tradecredit.services.ledger import set_dispute
from tradecredit.services.paging import MAX_PAGE

router = APIRouter(tags=["ledger"])
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Size = Annotated[int, Query(ge=1, le=500)]


def _invoice(detail: reads.InvoiceDetail) -> InvoiceDetailRead:
    line = asdict(detail.line)
    return InvoiceDetailRead.model_validate({**line, "status": detail.line.status.value, "buyer_ref": detail.buyer_ref,
                                             "settlements": [asdict(s) for s in detail.settlements]})


def _payment(detail: reads.PaymentDetail) -> PaymentRead:
    return PaymentRead.model_validate({**asdict(detail.line), "buyer_ref": detail.buyer_ref,
                                       "allocations": [asdict(a) for a in detail.allocations]})


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if isinstance(value, date) else str(value)


def _import_one(tc: App, user: Principal, kind: str, body: BaseModel) -> None:
    """One record through exactly the checks of the ``kind`` import file (one transaction)."""
    record = {key: _text(value) for key, value in body.model_dump().items()}
    import_records(tc.uow(), kind=kind, records=[record], base_currency=tc.settings.base_currency,
                   actor=user.actor)


@router.get("/invoices", response_model=PageRead[InvoiceDetailRead])
def list_invoices(tc: AppDep, user: Viewer, buyer: Annotated[str | None, Query(max_length=64)] = None,
                  open_only: Annotated[bool, Query(alias="open")] = False,
                  overdue: bool = False, disputed: bool | None = None, as_of: date | None = None,
                  page: Page = 1, size: Size = 50) -> PageRead[InvoiceDetailRead]:
    """Newest first. ``open`` keeps invoices with an open amount, ``overdue`` those past due at ``as_of``."""
    items, total = reads.list_invoices(tc.uow(), buyer_ref=buyer, open_only=open_only, overdue_only=overdue,
                                       disputed=disputed, page=page, size=size, as_of=as_of)
    return PageRead[InvoiceDetailRead](items=[_invoice(i) for i in items], total=total, page=page, size=size)


@router.post("/invoices", status_code=status.HTTP_201_CREATED, response_model=InvoiceDetailRead)
def create_invoice(body: InvoiceCreate, tc: AppDep, user: Analyst, response: Response) -> InvoiceDetailRead:
    """Create or update one invoice, with the same checks as the invoices import."""
    _import_one(tc, user, "invoices", body)
    response.headers["Location"] = f"/api/v1/invoices/{body.invoice_ref}"
    return _invoice(reads.invoice_detail(tc.uow(), ref=body.invoice_ref))


@router.get("/invoices/{ref}", response_model=InvoiceDetailRead)
def read_invoice(ref: str, tc: AppDep, user: Viewer, as_of: date | None = None) -> InvoiceDetailRead:
    return _invoice(reads.invoice_detail(tc.uow(), ref=ref, as_of=as_of))


@router.post("/invoices/{ref}/dispute", response_model=InvoiceDetailRead)
def dispute_invoice(ref: str, body: DisputeCreate, tc: AppDep, user: Collector) -> InvoiceDetailRead:
    set_dispute(tc.uow(), invoice_ref=ref, disputed=True, reason=body.reason, actor=user.actor)
    return _invoice(reads.invoice_detail(tc.uow(), ref=ref))


@router.post("/invoices/{ref}/resolve", response_model=InvoiceDetailRead)
def resolve_dispute(ref: str, tc: AppDep, user: Collector) -> InvoiceDetailRead:
    set_dispute(tc.uow(), invoice_ref=ref, disputed=False, reason=None, actor=user.actor)
    return _invoice(reads.invoice_detail(tc.uow(), ref=ref))


@router.get("/payments", response_model=PageRead[PaymentRead])
def list_payments(tc: AppDep, user: Viewer, buyer: Annotated[str | None, Query(max_length=64)] = None,
                  page: Page = 1, size: Size = 50) -> PageRead[PaymentRead]:
    items, total = reads.list_payments(tc.uow(), buyer_ref=buyer, page=page, size=size)
    return PageRead[PaymentRead](items=[_payment(p) for p in items], total=total, page=page, size=size)


@router.post("/payments", status_code=status.HTTP_201_CREATED, response_model=PaymentRead)
def record_payment(body: PaymentCreate, tc: AppDep, user: Collector, response: Response) -> PaymentRead:
    """Record a payment; it is allocated to the named invoice or the oldest open ones, the rest kept on account."""
    _import_one(tc, user, "payments", body)
    response.headers["Location"] = f"/api/v1/payments/{body.payment_ref}"
    return _payment(reads.payment_detail(tc.uow(), ref=body.payment_ref))


@router.get("/payments/{ref}", response_model=PaymentRead)
def read_payment(ref: str, tc: AppDep, user: Viewer) -> PaymentRead:
    return _payment(reads.payment_detail(tc.uow(), ref=ref))


@router.get("/fx-rates", response_model=PageRead[FxRateRead])
def list_fx_rates(tc: AppDep, user: Viewer, currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
                  page: Page = 1, size: Size = 50) -> PageRead[FxRateRead]:
    items, total = reads.list_fx_rates(tc.uow(), currency=currency, page=page, size=size)
    return PageRead[FxRateRead](items=[FxRateRead.model_validate(asdict(i)) for i in items], total=total, page=page,
                                size=size)


@router.post("/fx-rates", status_code=status.HTTP_201_CREATED, response_model=FxRateRead)
def add_fx_rate(body: FxRateCreate, tc: AppDep, user: Analyst) -> FxRateRead:
    _import_one(tc, user, "fx", body)
    return FxRateRead(date=body.date, currency=body.currency.upper(), rate_to_base=body.rate_to_base)

"""Alerts for tests, written through the repositories the way the monitoring run stores them: the signal's
evidence, sentences and actions (``Action`` as ``{"code", "text_en", "text_zh", "figures"}``), an ``opened``
event, version 1."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal

from tradecredit.bootstrap import App
from tradecredit.domain import alert_actions as actions
from tradecredit.domain.alert_actions import Action

OPENED_ON = date(2026, 11, 28)
AT = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def stored(action: Action) -> dict[str, object]:
    document = asdict(action)
    document["code"] = action.code.value
    document["figures"] = dict(action.figures)
    return document


def overdue_actions() -> list[Action]:
    """What a critical ``overdue_30`` signal recommends (figures in EUR)."""
    return [actions.stop_shipments(exposure=Decimal("6500"), currency="EUR"),
            actions.collect_early(amount=Decimal("1000"), currency="EUR", invoices=("I1",)),
            actions.notify_insurer(by=date(2026, 12, 18), why_en="overdue 40 days", why_zh="逾期 40 天"),
            actions.reduce_limit(limit=Decimal("20000"), target=Decimal("12500"), step=Decimal(1000), currency="EUR",
                                 why_en="payments late", why_zh="付款逾期") or actions.reassess(why_en="", why_zh=""),
            actions.reassess(why_en="overdue invoices", why_zh="逾期发票"),
            actions.call_buyer(about_en="the overdue invoices", about_zh="逾期发票"),
            actions.ask_security(amount=Decimal("6500"), currency="EUR")]


def add_alert(app: App, ref: str, *, code: str = "overdue_30", severity: str = "critical",
              status: str = "new", action_list: list[Action] | None = None, opened_on: date = OPENED_ON,
              text_en: str = "Invoice I1 is 40 days overdue (1,000.00 EUR)",
              text_zh: str = "发票 I1 逾期 40 天（1,000.00 EUR）", evidence: dict[str, str] | None = None) -> int:
    """Store one alert for the buyer ``ref``; returns its id."""
    chosen = overdue_actions() if action_list is None else action_list
    with app.uow() as uow:
        buyer = uow.buyers.get(ref)
        record = uow.alerts.add(
            buyer_id=buyer.id, code=code, severity=severity, status=status, opened_on=opened_on,
            last_seen_on=opened_on, resolved_on=opened_on if status == "resolved" else None, snoozed_until=None,
            evidence=evidence if evidence is not None else {"invoices": "I1", "days_overdue": "40",
                                                            "amount": "1000.00"},
            actions=[stored(a) for a in chosen], text_en=text_en, text_zh=text_zh, updated_by="monitor",
            updated_at=AT, version=1)
        uow.alert_events.add(alert_id=record.id, at=AT, actor="monitor", action="opened", from_status=None,
                             to_status=status, comment=None, data={"severity": severity})
        uow.commit()
        return record.id

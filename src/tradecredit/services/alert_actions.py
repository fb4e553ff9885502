"""One-click actions from an alert: each recommended action (``domain/alert_actions.py``) done in one call and
recorded on the alert as an ``action_taken`` event with what it created.

* ``reduce_limit`` files a limit request (source ``alert``) for the figure ``reduce_to``, for a person with
  approval authority to decide; a target of 0 cancels the base limit in force from today. Records ``request_id``
  (or ``cancelled_limit_id``).
* ``stop_shipments`` sets a credit block (source ``alert``, the alert's id): every order of the buyer is held.
  Records ``block_id``.
* ``reassess`` runs the buyer's assessment now. Records ``assessment_id``, ``grade``, ``pd``.
* ``ask_security``, ``collect_early``, ``call_buyer``, ``notify_insurer`` record a task on the alert with its
  figures (collections and insurance are not built yet). Records ``task`` and ``due``.

``reduce_limit`` and ``stop_shipments`` need a credit manager, the others an analyst. An action is taken once per
alert, only while the alert is open, and only one the alert recommends. The limit request and the assessment are
stored by their own services (their own transaction) before the alert records them; the alert's version is
checked before and again when recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tradecredit.domain.alert_actions import ActionCode
from tradecredit.domain.errors import Conflict, PermissionDenied, ValidationError
from tradecredit.domain.users import Role, allows
from tradecredit.services import assessment, limits
from tradecredit.services.alerts import AlertView, comment_of, loaded_view, open_for_change, record_event
from tradecredit.services.credit_blocks import add_block
from tradecredit.store import limits as limit_queries
from tradecredit.store.tables import AlertRecord
from tradecredit.store.uow import SqlUnitOfWork

__all__ = ["ROLES", "TASKS", "ActionTaken", "required_role", "take_action"]

ROLES: dict[ActionCode, Role] = {ActionCode.REDUCE_LIMIT: Role.CREDIT_MANAGER,
                                 ActionCode.STOP_SHIPMENTS: Role.CREDIT_MANAGER}
"""Actions that need more than an analyst."""
TASKS = frozenset({ActionCode.ASK_SECURITY, ActionCode.COLLECT_EARLY, ActionCode.CALL_BUYER,
                   ActionCode.NOTIFY_INSURER})


@dataclass(frozen=True)
class ActionTaken:
    alert: AlertView
    action: str
    result: dict[str, Any]


def required_role(code: ActionCode) -> Role:
    return ROLES.get(code, Role.ANALYST)


def _code(action: str) -> ActionCode:
    try:
        return ActionCode(action)
    except ValueError:
        raise ValidationError("action", f"expected one of {', '.join(ActionCode)}; got {action!r}") from None


def _recommended(record: AlertRecord, code: ActionCode) -> dict[str, Any]:
    """The action as the alert stores it; ValidationError when the alert does not recommend it."""
    for item in record.actions or []:
        if isinstance(item, dict) and item.get("code") == code.value:
            return item
    offered = ", ".join(str(i.get("code")) for i in record.actions or [] if isinstance(i, dict)) or "none"
    raise ValidationError("action", f"alert {record.id} does not recommend {code.value} (it recommends {offered})")


def _check_takeable(uow: SqlUnitOfWork, record: AlertRecord, code: ActionCode) -> dict[str, Any]:
    stored = _recommended(record, code)
    if record.status == "resolved":
        raise Conflict(f"alert {record.id} is resolved; reopen it to act on it")
    taken = uow.alert_events.actions_taken([record.id]).get(record.id, [])
    if any((event.data or {}).get("code") == code.value for event in taken):
        raise Conflict(f"{code.value} was already taken on alert {record.id}")
    return stored


def take_action(uow: SqlUnitOfWork, *, alert_id: int, action: str, version: int, actor: str, role: Role,
                config: assessment.AssessmentConfig, comment: str | None = None) -> ActionTaken:
    """Do one recommended action of the alert (see the module's table) and record it on the alert."""
    code = _code(action)
    needed = required_role(code)
    if not allows(role, needed):
        raise PermissionDenied(f"{code.value} needs the {needed.value} role; {actor} is {role.value}")
    note = comment_of(comment, required=False)
    with uow:
        record = open_for_change(uow, alert_id, version)
        stored = _check_takeable(uow, record, code)
        ref = uow.buyers.ref_of(record.buyer_id) or ""
        why = f"alert {record.id} ({record.code}): {stored.get('text_en', code.value)}"
    figures = {str(k): str(v) for k, v in (stored.get("figures") or {}).items()}
    result: dict[str, Any] = {}
    if code is ActionCode.REDUCE_LIMIT:
        result = _reduce_limit(uow, ref=ref, figures=figures, why=why, note=note, actor=actor, config=config)
    elif code is ActionCode.REASSESS:
        view = assessment.assess_buyer(uow, ref=ref, actor=actor, config=config, trigger=why[:200])
        result = {"assessment_id": view.id, "grade": view.grade, "pd": view.pd}
    elif code in TASKS:
        result = {"task": str(stored.get("text_en", code.value)), **({"due": figures["by"]} if "by" in figures
                                                                     else {})}
    with uow:
        record = open_for_change(uow, alert_id, version)
        _check_takeable(uow, record, code)
        if code is ActionCode.STOP_SHIPMENTS:
            buyer = uow.buyers.get(ref)
            result = {"block_id": add_block(uow, buyer, reason=why[:1000], actor=actor, source="alert",
                                            alert_id=record.id).id}
        record_event(uow, record, actor=actor, action="action_taken", to_status=None, comment=note,
                     data={"code": code.value, "figures": figures, "result": result})
        uow.commit()
        return ActionTaken(loaded_view(uow, record), code.value, result)


def _reduce_limit(uow: SqlUnitOfWork, *, ref: str, figures: dict[str, str], why: str, note: str | None, actor: str,
                  config: assessment.AssessmentConfig) -> dict[str, Any]:
    """A limit request for the target; a target of 0 is a cancellation, decided at once (the caller is a credit
    manager, who may reduce and cancel limits)."""
    try:
        target = Decimal(figures["reduce_to"])
    except (KeyError, InvalidOperation):
        raise ValidationError("action", f"the alert's reduce_limit has no valid reduce_to figure: {figures}") from None
    currency = figures.get("currency") or config.base_currency
    reason = f"{why} — {note}" if note else why
    if target > 0:
        request = limits.request_limit(uow, ref=ref, amount=target, currency=currency, reason=reason[:1000],
                                       actor=actor, base_currency=config.base_currency, source="alert")
        return {"request_id": request.id, "amount": str(request.amount), "currency": request.currency}
    with uow:
        buyer = uow.buyers.get(ref)
        today = uow.clock.today()
        in_force = limit_queries.base_limits_in_force(uow.session, today).get(buyer.id)
    if in_force is None:
        return {"cancelled_limit_id": None}
    limits.change_limit(uow, limit_id=in_force[0], new_amount=None, effective=today, reason=reason[:1000],
                        actor=actor, base_currency=config.base_currency)
    return {"cancelled_limit_id": in_force[0]}

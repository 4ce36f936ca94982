"""Changing a formed contract: either party proposes an amendment (its clauses, or the application
scenario among those the product declares) or an early end of the buyer's access; the other party
agrees or rejects, the proposer may withdraw. One proposal is open at a time. An agreed change is
registered against the contract's TX certificate (a change registration that references it, so the
log holds the contract and every change to it) and applied: a new scenario on the order; an early
end closes the data (downloads, the gateway, queries) and stops any renewal. Money already cleared
stays cleared: a refund is an arbitrator's decision (settlement.disputes).
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from exchange import clock, lifecycle
from exchange.errors import ConflictError, DuplicateError, PermissionDeniedError, RuleViolation
from exchange.registry import services as registry
from exchange.registry.models import Action as RegistryAction
from settlement import permissions, services
from settlement.models import (
    ChangeKind,
    Contract,
    ContractChange,
    GatewayAccess,
    Order,
    Side,
)
from settlement.states import CHANGE_LIFECYCLE, CLEARED, RELEASED

SUBJECT = "settlement.contract_change"


def _side_of(actor, order: Order) -> str | None:
    if permissions.acts_for_buyer(actor, order.buyer):
        return Side.BUYER
    if permissions.acts_for_merchant(actor, order.merchant):
        return Side.MERCHANT
    return None


@transaction.atomic
def propose(
    order: Order,
    *,
    actor,
    kind: str,
    clauses: str,
    scenario=None,
    ends_at: datetime | None = None,
) -> ContractChange:
    """A party proposes ``kind`` (amend or end_early) to the order's contract.

    Raises:
        PermissionDeniedError ``not_a_party``; RuleViolation on ``kind``, ``clauses``,
        ``scenario``, ``ends_at``; ConflictError ``contract_closed`` / DuplicateError
        ``change_open`` (409).
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    contract = Contract.objects.select_for_update().get(order=order)
    side = _side_of(actor, order)
    if side is None:
        raise PermissionDeniedError(
            _("Only the contract's parties propose changes to it."), code="not_a_party"
        )
    if kind not in ChangeKind.values:
        raise RuleViolation(
            _("Propose an amendment (amend) or an early end (end_early)."),
            code="invalid_choice",
            field="kind",
        )
    if order.status in RELEASED or contract.ended_at is not None:
        raise ConflictError(
            _("This contract has ended: it cannot be changed."), code="contract_closed"
        )
    clauses = (clauses or "").strip()
    if not clauses:
        raise RuleViolation(
            _("Say what changes: the clauses as the parties will read them in the register."),
            code="required",
            field="clauses",
        )
    now = clock.now()
    if kind == ChangeKind.AMEND:
        ends_at = None
        if scenario is not None:
            declared = order.listing.product.registered_version.scenarios.all()
            if scenario not in declared or scenario == order.scenario:
                raise RuleViolation(
                    _("Choose another scenario that the product declares."),
                    code="scenario_not_declared",
                    field="scenario",
                )
    else:
        scenario = None
        if order.status not in CLEARED:
            raise RuleViolation(
                _(
                    "An early end ends access to data already cleared; before that, cancel the "
                    "order (before delivery) or dispute the delivery."
                ),
                code="not_cleared",
                field="kind",
            )
        if ends_at is not None and ends_at < now:
            raise RuleViolation(
                _("The access cannot end in the past."), code="in_the_past", field="ends_at"
            )
    change = ContractChange(
        contract=contract,
        kind=kind,
        clauses=clauses,
        scenario=scenario,
        ends_at=ends_at,
        proposed_side=side,
        proposed_by=actor,
        proposed_at=now,
    )
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError as error:
        raise DuplicateError(
            _("A change to this contract is already proposed: answer or withdraw it first."),
            code="change_open",
        ) from error
    lifecycle.record_event(change, kind="created", actor=actor)
    return change


@transaction.atomic
def agree(change: ContractChange, *, actor) -> ContractChange:
    """The other party agrees: the change is registered against the contract and applied."""
    change = ContractChange.objects.select_for_update().get(pk=change.pk)
    action = CHANGE_LIFECYCLE["agree"]
    lifecycle.check(change, action, actor=actor)
    contract = Contract.objects.select_for_update().get(pk=change.contract_id)
    original = services.contract_certificate(contract.order)
    order = Order.objects.select_for_update().get(pk=contract.order_id)
    now = clock.now()
    if change.kind == ChangeKind.END_EARLY and change.ends_at is None:
        change.ends_at = now  # "when agreed"
    content = {
        "contract": original.number,
        "order": order.pk,
        "change": change.kind,
        "clauses": change.clauses,
        "scenario": change.scenario.code if change.scenario else None,
        "ends_at": change.ends_at.isoformat() if change.ends_at else None,
        "proposed_by": change.proposed_side,
        "proposed_at": change.proposed_at.isoformat(),
        "agreed_at": now.isoformat(),
    }
    change.certificate = registry.amend_certificate(
        original=original,
        action=RegistryAction.CHANGE,
        reason=change.clauses[:500],
        actor=None,
        content=content,
        subject=(
            SUBJECT,
            change.pk,
            _("%(change)s of the contract of order %(order)s")
            % {"change": change.get_kind_display(), "order": order.pk},
        ),
    )
    change.save(update_fields=["certificate", "ends_at", "updated_at"])
    lifecycle.take(
        change, action, actor=actor, locked=True, data={"certificate": change.certificate.number}
    )
    if change.scenario is not None:
        order.scenario = change.scenario
        order.save(update_fields=["scenario", "updated_at"])
    if change.kind == ChangeKind.END_EARLY:
        contract.ended_at = change.ends_at
        contract.save(update_fields=["ended_at", "updated_at"])
        order.auto_renew = False
        if order.period_end is not None and order.period_end > change.ends_at:
            order.period_end = change.ends_at
        order.save(update_fields=["auto_renew", "period_end", "updated_at"])
        GatewayAccess.objects.filter(order=order, valid_until__gt=change.ends_at).update(
            valid_until=change.ends_at
        )
    lifecycle.record_event(
        order,
        kind="contract_changed",
        actor=actor,
        data={"change": change.kind, "certificate": change.certificate.number},
    )
    return change


@transaction.atomic
def reject(change: ContractChange, *, actor, reason: str) -> ContractChange:
    change = ContractChange.objects.select_for_update().get(pk=change.pk)
    action = CHANGE_LIFECYCLE["reject"]
    lifecycle.check(change, action, actor=actor)
    if not (reason or "").strip():
        raise RuleViolation(
            _("Say why you reject it: the other party reads it."),
            code="required",
            field="reason",
        )
    lifecycle.take(change, action, actor=actor, reason=reason.strip(), locked=True)
    return change


@transaction.atomic
def withdraw(change: ContractChange, *, actor) -> ContractChange:
    change = ContractChange.objects.select_for_update().get(pk=change.pk)
    lifecycle.take(change, CHANGE_LIFECYCLE["withdraw"], actor=actor, locked=True)
    return change


def take(change: ContractChange, name: str, *, actor, reason: str = "") -> ContractChange:
    """The page's and the API's one way in."""
    if name == "agree":
        return agree(change, actor=actor)
    if name == "reject":
        return reject(change, actor=actor, reason=reason)
    return withdraw(change, actor=actor)


def is_ended(order: Order) -> bool:
    """Whether the order's contract was ended early and its end has come."""
    contract = getattr(order, "contract", None)
    return bool(contract and contract.ended_at and contract.ended_at <= clock.now())

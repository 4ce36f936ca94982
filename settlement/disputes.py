"""Disputes and arbitration (争议与仲裁, DOMAIN.md §8a): the buyer disputes a delivery within the
acceptance window with a reason and evidence; the funds stay held in escrow; the merchant answers;
an arbitrator who is not a party decides, and the decision is registered in the certificate log:

- refund in full: the hold is released, the whole total back to the buyer;
- refund in part: an exact part of the trade value back to the buyer, the rest cleared as usual
  (fees and subsidies on what the merchant keeps), in the order's one linked chain;
- dismissed: the order clears as if accepted.

Each step is one transaction; the money moves only through the ledger.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange import clock, lifecycle
from exchange.errors import ConflictError, RuleViolation
from exchange.ledger import services as ledger
from exchange.money import Money
from exchange.registry import services as registry
from exchange.registry.models import CertificateKind
from exchange.uploads import check_upload
from settlement import services
from settlement.models import Dispute, DisputeOutcome, Order
from settlement.states import ORDER_LIFECYCLE

DECISION_SUBJECT = "settlement.dispute"
EVIDENCE_FIELD = "evidence"


@transaction.atomic
def open_dispute(order: Order, *, actor, reason: str, evidence) -> Dispute:
    """The buyer disputes the delivery, within the acceptance window; the funds stay held.

    Raises:
        PermissionDeniedError; InvalidTransition (409); ConflictError ``window_ended`` (409);
        RuleViolation on ``reason`` or ``evidence``.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    dispute = ORDER_LIFECYCLE["dispute"]
    lifecycle.check(order, dispute, actor=actor)
    due = services.acceptance_due_at(order)
    if due is not None and clock.now() >= due:
        raise ConflictError(
            _("The acceptance window ended at %(when)s: the order is accepted, not disputed."),
            code="window_ended",
            params={"when": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
        )
    reason = _required_text(reason, "reason")
    if evidence is None:
        raise RuleViolation(
            _("Attach the evidence: what in the delivery differs from the description sheet."),
            code="required",
            field=EVIDENCE_FIELD,
        )
    checked = check_upload(evidence, field=EVIDENCE_FIELD)
    now = clock.now()
    record = Dispute(
        order=order,
        reason=reason,
        evidence_name=checked.original_name,
        evidence_sha256=checked.sha256,
        opened_by=actor,
        opened_at=now,
        currency=order.currency,
    )
    evidence.seek(0)
    record.evidence.save(checked.original_name, evidence, save=False)
    record.save()
    lifecycle.take(
        order,
        dispute,
        actor=actor,
        reason=reason,
        locked=True,
        data={"evidence": record.evidence_name, "sha256": record.evidence_sha256},
    )
    return record


@transaction.atomic
def answer_dispute(order: Order, *, actor, answer: str, evidence=None) -> Dispute:
    """The merchant answers the dispute once, with its own evidence if it has any.

    Raises:
        PermissionDeniedError; InvalidTransition (409); ConflictError ``already_answered``;
        RuleViolation on ``answer`` or ``evidence``.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    action = ORDER_LIFECYCLE["answer"]
    lifecycle.check(order, action, actor=actor)
    record = Dispute.objects.select_for_update().get(order=order)
    if record.answered_at is not None:
        raise ConflictError(
            _("The merchant answered this dispute already; the arbitrator reads that answer."),
            code="already_answered",
        )
    record.answer = _required_text(answer, "answer")
    data = {}
    if evidence is not None:
        checked = check_upload(evidence, field=EVIDENCE_FIELD)
        evidence.seek(0)
        record.answer_evidence.save(checked.original_name, evidence, save=False)
        record.answer_evidence_name = checked.original_name
        record.answer_evidence_sha256 = checked.sha256
        data = {"evidence": checked.original_name, "sha256": checked.sha256}
    record.answered_by = actor
    record.answered_at = clock.now()
    record.save()
    lifecycle.take(order, action, actor=actor, reason=record.answer, locked=True, data=data)
    return record


def decide_dispute(
    order: Order, *, actor, outcome: str, reason: str, refund: str | Decimal | None = None
) -> Dispute:
    """The arbitrator decides; the ledger moves accordingly and the decision is registered.

    ``outcome`` is ``refund_in_full``, ``refund_in_part`` (with ``refund``: an exact amount of the
    trade value, more than 0 and less than it) or ``dismiss``. A refund in part or a dismissal
    clears the order once this commits (a worker, like an acceptance).

    Raises:
        PermissionDeniedError ``own_dispute``; InvalidTransition (409); RuleViolation on
        ``outcome``, ``refund`` or ``reason``.
    """
    if outcome not in DisputeOutcome.values:
        raise RuleViolation(
            _("The decision is one of: %(choices)s.")
            % {"choices": ", ".join(DisputeOutcome.values)},
            code="invalid_choice",
            field="outcome",
        )
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        action = ORDER_LIFECYCLE[outcome]
        lifecycle.check(order, action, actor=actor)
        record = Dispute.objects.select_for_update().get(order=order)
        reason = _required_text(reason, "reason")
        amount = Money.zero(order.currency)
        if outcome == DisputeOutcome.REFUND_IN_FULL:
            amount = order.total
        elif outcome == DisputeOutcome.REFUND_IN_PART:
            amount = _part_of(order, refund)
        now = clock.now()
        record.outcome = outcome
        record.refund_amount = amount.amount
        record.decision_reason = reason
        record.decided_by = actor
        record.decided_at = now
        (record.certificate,) = registry.issue_certificates([_registration(record, order)])
        record.save()
        if outcome == DisputeOutcome.REFUND_IN_FULL:
            ledger.void_pending(
                order.payment.hold, key=f"order:{order.pk}:arbitration", actor=actor
            )
        lifecycle.take(
            order,
            action,
            actor=actor,
            reason=reason,
            locked=True,
            data={"refund": amount.to_api(), "certificate": record.certificate.number},
        )
        if outcome != DisputeOutcome.REFUND_IN_FULL:
            services.clear_after_commit([order])
    return record


def _part_of(order: Order, refund) -> Money:
    try:
        amount = Money(Decimal(str(refund).strip()), order.currency)
    except (InvalidOperation, ValueError, TypeError, RuleViolation):
        amount = None  # not a number, or finer than a fen
    if (
        amount is None
        or amount.amount != amount.amount.quantize(Decimal("0.01"))
        or not 0 < amount.amount < order.value_amount
    ):
        raise RuleViolation(
            _(
                "A refund in part is an amount in yuan with at most two decimal places, more "
                "than 0 and less than the trade value %(value)s (refund in full for all of it)."
            ),
            code="refund_out_of_range",
            field="refund",
            params={"value": order.value},
        )
    return amount


def _registration(record: Dispute, order: Order) -> registry.Registration:
    return registry.Registration(
        kind=CertificateKind.TRADE,
        registrant_name=settings.EXCHANGE_NAME,
        registrant_credit_code=settings.EXCHANGE_CREDIT_CODE,
        subject_type=DECISION_SUBJECT,
        subject_id=record.pk,
        subject_label=_("Arbitration decision on order %(order)s") % {"order": order.pk},
        rights=[],
        content=decision_content(record, order),
    )


def decision_content(record: Dispute, order: Order) -> dict:
    """What the decision's certificate registers: the contract it decides on, the outcome, the
    exact split, the grounds and the digests of both sides' evidence."""
    return {
        "order": order.pk,
        "contract": services.contract_certificate(order).number,
        "outcome": record.outcome,
        "refund": record.refund.to_api(),
        # What clearing passes on to the merchant and its fees: nothing after a refund in full.
        "cleared_value": (order.value - record.refund).to_api()
        if record.outcome != DisputeOutcome.REFUND_IN_FULL
        else "0.00",
        "currency": order.currency,
        "reason": record.reason,
        "evidence_sha256": record.evidence_sha256,
        "answer": record.answer,
        "answer_evidence_sha256": record.answer_evidence_sha256,
        "grounds": record.decision_reason,
        "arbitrator": {
            "organisation": record.decided_by.organisation.name
            if record.decided_by.organisation
            else "",
        },
        "decided_at": record.decided_at.isoformat(),
    }


def _required_text(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RuleViolation(_("Say why: it is part of the record."), code="required", field=field)
    if len(text) > 2000:
        raise RuleViolation(_("At most 2,000 characters."), code="too_long", field=field)
    return text

"""Reconciliation of trading (registered with the ledger's ``reconcile``): every order's money is
where its state says, each buyer's escrow holds exactly what its paid orders hold, every cleared
order's lines are its hold, every payout equals its batch's lines, what waits in payout accounts is
what the unsettled cleared orders left there, every batch's log entry verifies, and every contract
has reached the certificate log."""

from collections import defaultdict
from datetime import timedelta

from exchange import clock
from exchange.ledger import reconcile as ledger_reconcile
from exchange.ledger.models import Account, AccountPurpose, Transfer, TransferKind
from exchange.money import Money
from settlement.models import Contract, Order, Payment
from settlement.states import CLEARED, HELD, RELEASED, OrderStatus

# The lines that take an order's hold out of escrow: together they are its total.
TAKEN_FROM_ESCROW = ("value", "buyer_fee", "refund")


def register_checks() -> None:
    ledger_reconcile.register("orders and escrow", check_orders)
    ledger_reconcile.register("clearing and payouts", check_payouts)
    ledger_reconcile.register("contracts in the log", check_contracts)


# A contract's registration waits for the log's integrator at most this long (it runs on commit
# and each minute).
INTEGRATION_GRACE = timedelta(minutes=5)


def check_contracts(report: ledger_reconcile.Report, say) -> None:
    """Every contract formed before the grace period carries its certificate in the log."""
    waiting = Contract.objects.filter(
        certificate__isnull=True, formed_at__lt=clock.now() - INTEGRATION_GRACE
    ).values_list("order_id", flat=True)
    for order_id in waiting.order_by("order_id")[:20]:
        report.problems.append(
            f"order {order_id}: its contract is still not in the certificate log "
            f"(is the registry.integrate task running?)"
        )


def check_orders(report: ledger_reconcile.Report, say) -> None:
    from exchange.ledger.services import balances

    payments = {p.order_id: p for p in Payment.objects.select_related("hold")}
    resolutions = dict(
        Transfer.objects.filter(pending_id__in=[p.hold_id for p in payments.values()]).values_list(
            "pending_id", "kind"
        )
    )
    held: dict[int, int] = defaultdict(int)  # minor units, by buyer organisation
    orders = Order.objects.order_by("id").values_list(
        "id", "status", "buyer_id", "total_amount", "currency"
    )
    count = 0
    for order_id, status, buyer_id, total_amount, currency in orders.iterator():
        count += 1
        payment = payments.get(order_id)
        total = Money(total_amount, currency)
        if status in HELD:
            held[buyer_id] += total.minor_units
        if payment is None:
            if status in HELD:
                report.problems.append(f"order {order_id} is {status} but has no payment")
            continue
        hold = payment.hold
        resolution = resolutions.get(hold.pk)
        if hold.kind != TransferKind.PENDING or hold.amount != total.minor_units:
            report.problems.append(
                f"order {order_id}: its payment {hold.key} does not hold its total {total}"
            )
        elif status in HELD and resolution is not None:
            report.problems.append(
                f"order {order_id} is {status} but its hold {hold.key} was resolved ({resolution})"
            )
        elif status in CLEARED and resolution != TransferKind.POST:
            report.problems.append(
                f"order {order_id} is {status} but its hold {hold.key} was not posted"
            )
        elif status in RELEASED and resolution != TransferKind.VOID:
            report.problems.append(
                f"order {order_id} is {status} but its hold {hold.key} was not released"
            )
    escrows = list(Account.objects.filter(purpose=AccountPurpose.ESCROW).order_by("id"))
    stored = balances(escrows)
    total_held = 0
    for account in escrows:
        incoming = stored[account.pk].credits_pending
        total_held += incoming
        if stored[account.pk].posted:
            report.problems.append(
                f"escrow account {account.pk} ({account}) keeps {stored[account.pk].posted} "
                "posted: clearing passes every posted yuan on"
            )
        if incoming != held.get(account.owner_id, 0):
            report.problems.append(
                f"escrow account {account.pk} ({account}) holds "
                f"{Money.from_minor(incoming, account.currency)}; its paid orders hold "
                f"{Money.from_minor(held.get(account.owner_id, 0), account.currency)}"
            )
    report.figures["orders"] = count
    report.figures["escrow held"] = f"{Money.from_minor(total_held, 'CNY').to_api()} CNY"


def check_payouts(report: ledger_reconcile.Report, say) -> None:
    from exchange.ledger.services import balances
    from exchange.registry.selectors import verify_certificate
    from exchange.registry.services import canonical_json
    from settlement import clearing
    from settlement.models import BatchStatus, ClearingLine, PayoutBatch, PayoutLine

    lines = defaultdict(list)
    for line in ClearingLine.objects.select_related("transfer").order_by("id").iterator():
        lines[line.order_id].append(line)
        if line.transfer.amount != line.money.minor_units:
            report.problems.append(
                f"order {line.order_id}: its {line.kind} line is not what its transfer moved"
            )
    # What waits in the payout accounts: the lines of cleared orders not yet paid out.
    waiting: dict[int, int] = defaultdict(int)
    count = 0
    for order in Order.objects.filter(status__in=sorted(CLEARED)).order_by("id").iterator():
        count += 1
        taken = sum(
            line.money.minor_units for line in lines[order.pk] if line.kind in TAKEN_FROM_ESCROW
        )
        if taken != order.total.minor_units:
            report.problems.append(
                f"order {order.pk} is {order.status} but its lines take "
                f"{Money.from_minor(taken, order.currency)} of its total {order.total}"
            )
    unpaid = Order.objects.filter(status=OrderStatus.CLEARED)
    for account_id, payout in clearing.payouts_of(unpaid).items():
        waiting[account_id] += payout.amount.minor_units
    batches = 0
    for batch in PayoutBatch.objects.order_by("business_date").select_related("certificate"):
        batches += 1
        day = batch.business_date
        paid = {line.account_id: line for line in PayoutLine.objects.filter(batch=batch)}
        for line in paid.values():
            if line.transfer.amount != line.money.minor_units:
                report.problems.append(
                    f"batch {day}: payout {line.pk} is not what its transfer paid"
                )
            if batch.status == BatchStatus.OPEN:
                waiting[line.account_id] -= line.money.minor_units  # paid before a restart
        if batch.status != BatchStatus.SETTLED:
            continue
        expected = {
            account_id: payout.amount
            for account_id, payout in clearing.payouts_of(batch.orders.all()).items()
        }
        if expected != {account_id: line.money for account_id, line in paid.items()}:
            report.problems.append(f"batch {day}: its payouts differ from its orders' lines")
        content = clearing.batch_content(batch)
        certificate = batch.certificate
        if content["digest"] != batch.digest:
            report.problems.append(f"batch {day}: its lines no longer hash to its digest")
        elif canonical_json(content) != certificate.content.encode():
            report.problems.append(
                f"batch {day}: certificate {certificate.number} registers other content"
            )
        elif not (verification := verify_certificate(certificate)).ok:
            report.problems.append(
                f"batch {day}: certificate {certificate.number} does not verify in the log: "
                + "; ".join(str(problem) for problem in verification.problems)
            )
    accounts = list(Account.objects.filter(purpose__in=clearing.PAYOUT_PURPOSES).order_by("id"))
    stored = balances(accounts)
    for account in accounts:
        held = stored[account.pk].credits_posted - stored[account.pk].debits_posted
        if held != waiting.get(account.pk, 0):
            report.problems.append(
                f"payout account {account.pk} ({account}) holds "
                f"{Money.from_minor(held, account.currency)}; its cleared orders not paid out "
                f"left {Money.from_minor(waiting.get(account.pk, 0), account.currency)}"
            )
    report.figures["cleared orders"] = count
    report.figures["batches"] = batches

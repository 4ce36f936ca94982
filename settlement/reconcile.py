"""Reconciliation of trading (registered with the ledger's ``reconcile``): every order's money is
where its state says, and each buyer's escrow holds exactly what its paid orders hold."""

from collections import defaultdict

from exchange.ledger import reconcile as ledger_reconcile
from exchange.ledger.models import Account, AccountPurpose, Transfer, TransferKind
from exchange.money import Money
from settlement.models import Order, Payment
from settlement.states import HELD, OrderStatus


def register_checks() -> None:
    ledger_reconcile.register("orders and escrow", check_orders)


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
        elif status == OrderStatus.CANCELLED and resolution != TransferKind.VOID:
            report.problems.append(
                f"order {order_id} is cancelled but its hold {hold.key} was not released"
            )
    escrows = list(Account.objects.filter(purpose=AccountPurpose.ESCROW).order_by("id"))
    stored = balances(escrows)
    total_held = 0
    for account in escrows:
        incoming = stored[account.pk].credits_pending
        total_held += incoming
        if incoming != held.get(account.owner_id, 0):
            report.problems.append(
                f"escrow account {account.pk} ({account}) holds "
                f"{Money.from_minor(incoming, account.currency)}; its paid orders hold "
                f"{Money.from_minor(held.get(account.owner_id, 0), account.currency)}"
            )
    report.figures["orders"] = count
    report.figures["escrow held"] = f"{Money.from_minor(total_held, 'CNY').to_api()} CNY"

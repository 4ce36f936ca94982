"""Proving the ledger: every figure recomputed from the transfers and compared with what is stored.

``reconcile()`` runs the checks in order and stops at none: the report lists every difference,
the first one first. The ledger's own checks:

1. every transfer's balances are its accounts' previous balances moved by it (one pass in id order);
2. every account's latest balances equal the sums of its transfers (an aggregate per account);
3. the trial balance is zero: posted and pending debits equal credits, per currency;
4. no account is past its limit;
5. every resolution resolves a pending transfer, each pending transfer at most once;
6. every sealed day's transfers hash to the root of its log entry, and the entry is in the log.

Other parts of the exchange add their own checks with ``register`` (settlement: orders, escrow,
payouts), and ``manage.py reconcile`` and the operator page run them all.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, Sum

from exchange.ledger.models import RESOLVING_KINDS, Account, Transfer, TransferKind
from exchange.money import Money

FETCH_ROWS = 2000
_COLUMNS = (
    "id",
    "key",
    "kind",
    "debit_account_id",
    "credit_account_id",
    "amount",
    "currency",
    "pending_id",
    "dr_debits_pending",
    "dr_debits_posted",
    "dr_credits_pending",
    "dr_credits_posted",
    "cr_debits_pending",
    "cr_debits_posted",
    "cr_credits_pending",
    "cr_credits_posted",
)


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    figures: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """The command's last line when nothing differs."""
        return "reconciled: " + ", ".join(f"{name} {value}" for name, value in self.figures.items())


Check = Callable[[Report, Callable[[str], None]], None]
_checks: list[tuple[str, Check]] = []


def register(name: str, check: Check) -> None:
    """Add a check that reads the database and appends to ``report.problems`` what differs."""
    if name not in [existing for existing, _ in _checks]:
        _checks.append((name, check))


def reconcile(say: Callable[[str], None] = lambda line: None) -> Report:
    report = Report()
    for name, check in _checks:
        say(f"checking {name}...")
        check(report, say)
    return report


# --- the ledger's own checks -----------------------------------------------------------------------


def check_running_balances(report: Report, say) -> None:
    """Replay every transfer in id order and compare each row's balances with the replay's."""
    balances: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    pending_amounts: dict[int, int] = {}
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(_COLUMNS)} FROM ledger_transfer ORDER BY id")
        while rows := cursor.fetchmany(FETCH_ROWS):
            for row in rows:
                (tid, key, kind, debit, credit, amount, _currency, pending_id, *stored) = row
                released = pending_amounts.get(pending_id, 0) if kind in RESOLVING_KINDS else 0
                pending_delta = amount if kind == TransferKind.PENDING else -released
                posted_delta = amount if kind in (TransferKind.POSTED, TransferKind.POST) else 0
                if kind == TransferKind.PENDING:
                    pending_amounts[tid] = amount
                d, c = balances[debit], balances[credit]
                d[0] += pending_delta
                d[1] += posted_delta
                c[2] += pending_delta
                c[3] += posted_delta
                if list(stored[:4]) != d or list(stored[4:]) != c:
                    side = debit if list(stored[:4]) != d else credit
                    report.problems.append(
                        f"transfer {key} (id {tid}): the balances it records for account {side} "
                        "are not the ones its transfers add up to"
                    )
                    d[:], c[:] = list(stored[:4]), list(stored[4:])  # go on from what is stored
            count += len(rows)
            if count % 100_000 < FETCH_ROWS:
                say(f"  {count:,} transfers replayed")
    report.figures["transfers"] = f"{count:,}"


def check_account_sums(report: Report, say) -> None:
    """Each account's latest balances against the sums of its transfers (SQL aggregates)."""
    from exchange.ledger.services import balances

    accounts = list(Account.objects.order_by("id"))
    stored = balances(accounts)
    open_holds = Q(kind=TransferKind.PENDING, resolutions__isnull=True)
    posted = Q(kind__in=[TransferKind.POSTED, TransferKind.POST])
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for side, pending_slot, posted_slot in (("debit_account", 0, 1), ("credit_account", 2, 3)):
        rows = (
            Transfer.objects.values(side)
            .annotate(
                pending=Sum("amount", filter=open_holds),
                posted=Sum("amount", filter=posted),
            )
            .values_list(side, "pending", "posted")
        )
        for account, pending, posted_sum in rows:
            sums[account][pending_slot] = pending or 0
            sums[account][posted_slot] = posted_sum or 0
    for account in accounts:
        have = stored[account.pk]
        recorded = [
            have.debits_pending,
            have.debits_posted,
            have.credits_pending,
            have.credits_posted,
        ]
        if recorded != sums[account.pk]:
            report.problems.append(
                f"account {account.pk} ({account}): its balances {recorded} differ from the sums "
                f"of its transfers {sums[account.pk]}"
            )
    report.figures["accounts"] = len(accounts)


def check_trial_balance(report: Report, say) -> None:
    """Debits equal credits, posted and pending, per currency: each transfer debits one account
    and credits another by the same amount, and the accounts' balances must show it."""
    from exchange.ledger.services import balances

    accounts = list(Account.objects.order_by("id"))
    stored = balances(accounts)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for account in accounts:
        have = stored[account.pk]
        totals[account.currency][0] += have.debits_posted - have.credits_posted
        totals[account.currency][1] += have.debits_pending - have.credits_pending
    off = {currency: sums for currency, sums in totals.items() if any(sums)}
    for currency, (posted, pending) in sorted(off.items()):
        report.problems.append(
            f"the trial balance in {currency} is off: posted "
            f"{Money.from_minor(posted, currency).to_api()}, pending "
            f"{Money.from_minor(pending, currency).to_api()}"
        )
    report.figures["trial balance"] = "OFF" if off else "0"
    moved = (
        Transfer.objects.filter(kind__in=[TransferKind.POSTED, TransferKind.POST])
        .values("currency")
        .annotate(total=Sum("amount"))
        .order_by("currency")
    )
    report.figures["posted"] = (
        " + ".join(
            f"{Money.from_minor(row['total'], row['currency']).to_api()} {row['currency']}"
            for row in moved
        )
        or "0"
    )


def check_limits(report: Report, say) -> None:
    from exchange.ledger.services import balances

    accounts = list(Account.objects.order_by("id"))
    stored = balances(accounts)
    for account in accounts:
        have = stored[account.pk]
        over = (
            account.debits_must_not_exceed_credits
            and have.debits_pending + have.debits_posted > have.credits_posted
        ) or (
            account.credits_must_not_exceed_debits
            and have.credits_pending + have.credits_posted > have.debits_posted
        )
        if over:
            report.problems.append(f"account {account.pk} ({account}) is past its limit")


def check_holds(report: Report, say) -> None:
    twice = (
        Transfer.objects.filter(kind__in=RESOLVING_KINDS)
        .values("pending")
        .annotate(times=Count("id"))
        .filter(times__gt=1)
    )
    for row in twice:
        report.problems.append(
            f"pending transfer {row['pending']} is resolved {row['times']} times"
        )
    wrong = Transfer.objects.filter(kind__in=RESOLVING_KINDS).exclude(
        pending__kind=TransferKind.PENDING
    )
    for transfer in wrong.only("key"):
        report.problems.append(f"transfer {transfer.key} resolves a transfer that is not pending")
    report.figures["open holds"] = Transfer.objects.filter(
        kind=TransferKind.PENDING, resolutions__isnull=True
    ).count()


def check_sealed_days(report: Report, say) -> None:
    from exchange.ledger.models import SealedDay
    from exchange.ledger.seals import check_sealed_day

    days = list(SealedDay.objects.select_related("certificate").order_by("business_date"))
    for sealed in days:
        report.problems.extend(check_sealed_day(sealed))
    report.figures["sealed days"] = len(days)


register("running balances", check_running_balances)
register("account balances", check_account_sums)
register("trial balance", check_trial_balance)
register("limits", check_limits)
register("holds", check_holds)
register("sealed days", check_sealed_days)

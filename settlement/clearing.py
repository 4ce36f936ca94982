"""Clearing and settlement (集中清算): an accepted order's escrow is posted to the merchant with its
fees and subsidies in one linked chain of ledger transfers; each working day's batch pays every
payee the net of the orders cleared before it (T+1 on China's working calendar) and is registered
in the certificate log with the digest of its lines.

The money's path, for an order of trade value V and buyer's fee B (the buyer's hold is V + B):

    buyer's escrow      → exchange fee income       B     buyer's service fee
    buyer's escrow      → buyer's available funds   R     refund in part (an arbitrator's decision)
    buyer's escrow      → merchant's payouts        V−R   trade value (less the refund)
    merchant's payouts  → exchange fee income       F     exchange service fee (rate × V)
    merchant's payouts  → assessor's fees payable   A     compliance assessment fee (rate × V)
    subsidy fund        → merchant's payouts        S     trading service-fee subsidy (share of F)
    subsidy fund        → buyer's available funds   Sb    trading service-fee subsidy (share of B)
    subsidy fund        → merchant's payouts        L     first registration and listing subsidy

A batch then pays each payouts-in-transit and fees-payable account its net to the bank.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange import bulk, clock, lifecycle
from exchange.accounts.models import Organisation
from exchange.accounts.roles import OrganisationKind
from exchange.errors import RuleViolation
from exchange.ledger import services as ledger
from exchange.ledger.errors import InsufficientFunds
from exchange.ledger.models import Account, AccountPurpose, Transfer
from exchange.money import Money
from exchange.registry import services as registry
from exchange.registry.models import CertificateKind
from listings.models import Listing, Review
from listings.states import ReviewStage
from merchants.models import Merchant
from merchants.states import MerchantStatus
from settlement.models import (
    BatchStatus,
    ClearingLine,
    Dispute,
    DisputeOutcome,
    LineKind,
    Order,
    Payment,
    PayoutBatch,
    PayoutLine,
)
from settlement.states import CLEARABLE, ORDER_LIFECYCLE, RELEASED, OrderStatus

BATCH_SUBJECT = "settlement.batch"
BATCH_VALID_DAYS = 365 * 30  # the exchange's record of its own payouts, like a sealed ledger day
PAYOUT_PURPOSES = (AccountPurpose.PAYOUTS_IN_TRANSIT, AccountPurpose.SERVICE_FEES_PAYABLE)

# --- fees and subsidies ------------------------------------------------------------------------------


def credit_code_of(organisation: Organisation) -> str:
    """The organisation's unified social credit code: from its buyer application, or its signed
    merchant record ("" when it has neither)."""
    buyer = getattr(organisation, "buyer", None)
    if buyer is not None and buyer.credit_code:
        return buyer.credit_code
    return (
        Merchant.objects.filter(organisation=organisation, status=MerchantStatus.ACTIVE)
        .values_list("credit_code", flat=True)
        .first()
        or ""
    )


def buyer_fee_due(organisation: Organisation, at: datetime, currency: str = "CNY") -> Money:
    """The buyer's service fee an order placed now carries: once per calendar year by default
    (``BUYER_SERVICE_FEE_PERIOD``), with the first order of the year that is not cancelled. The
    caller holds the organisation's row lock, so two orders cannot both carry it or both miss it.
    """
    period = settings.BUYER_SERVICE_FEE_PERIOD
    fee = Money(settings.BUYER_SERVICE_FEE, currency)
    if period == "none" or not fee:
        return Money.zero(currency)
    if period == "order":
        return fee
    if period != "year":
        raise ValueError(f"BUYER_SERVICE_FEE_PERIOD is year, order or none, not {period!r}")
    year = timezone.localtime(at).year
    carried = (
        Order.objects.filter(buyer=organisation, buyer_fee_amount__gt=0, placed_at__year=year)
        .exclude(status__in=RELEASED)
        .exists()
    )
    return Money.zero(currency) if carried else fee


def merchant_fee_rate(board_code: str) -> Decimal:
    """The exchange's service fee on the merchant's side for a product on ``board_code``."""
    rates = settings.MERCHANT_SERVICE_FEE_RATES_BY_BOARD
    return Decimal(str(rates.get(board_code, settings.MERCHANT_SERVICE_FEE_RATE)))


def subsidised(organisation: Organisation) -> bool:
    """Whether the trading service-fee subsidy (免申即享) applies: the party is registered in one
    of the subsidised divisions (the credit code's 3rd–8th characters)."""
    division = credit_code_of(organisation)[2:8]
    return bool(division) and any(
        division.startswith(prefix) for prefix in settings.TRADING_FEE_SUBSIDY_REGIONS
    )


def assessor_of(order: Order) -> Organisation | None:
    """The third-party firm whose reviewer approved the product's compliance assessment, if the
    exchange's own staff did not."""
    return _assessor_of_version(order.contract.terms["product"]["version"])


def _assessor_of_version(version_id: int) -> Organisation | None:
    review = (
        Review.objects.filter(
            version_id=version_id, stage=ReviewStage.COMPLIANCE, decision="approve"
        )
        .order_by("-decided_at")
        .first()
    )
    if review is None or review.reviewer_organisation_id is None:
        return None
    firm = Organisation.objects.filter(pk=review.reviewer_organisation_id).first()
    if firm is None or firm.kind != OrganisationKind.SERVICE_PROVIDER:
        return None
    return firm


@dataclass
class Line:
    kind: str
    party: Organisation
    amount: Money
    debit: Account
    credit: Account
    code: str
    rule: str


class Lookups:
    """What clearing reads besides the order, read once for all the orders cleared together
    (accounts, assessors, subsidy eligibility) and kept as their lines spend it: what is left in
    the subsidy fund, and each merchant's listing subsidies so far."""

    def __init__(self):
        self.account = ledger.Accounts()
        self._listings: dict[int, tuple[int, Decimal]] = {}
        self._assessors: dict[int, Organisation | None] = {}
        self._subsidised: dict[int, bool] = {}
        self._fund_left: dict[str, Money] = {}
        self._listing_subsidies: dict[int, tuple[Money, set[int]]] = {}

    def _listing(self, order: Order) -> tuple[int, Decimal]:
        if order.listing_id not in self._listings:
            product, board = (
                Listing.objects.filter(pk=order.listing_id)
                .values_list("product_id", "product__registered_version__board__code")
                .get()
            )
            self._listings[order.listing_id] = (product, merchant_fee_rate(board))
        return self._listings[order.listing_id]

    def product_of(self, order: Order) -> int:
        return self._listing(order)[0]

    def fee_rate(self, order: Order) -> Decimal:
        return self._listing(order)[1]

    def assessor(self, order: Order) -> Organisation | None:
        version_id = order.contract.terms["product"]["version"]
        if version_id not in self._assessors:
            self._assessors[version_id] = _assessor_of_version(version_id)
        return self._assessors[version_id]

    def subsidised(self, party: Organisation) -> bool:
        if party.pk not in self._subsidised:
            self._subsidised[party.pk] = subsidised(party)
        return self._subsidised[party.pk]

    def fund_left(self, currency: str) -> Money:
        if currency not in self._fund_left:
            fund = self.account(None, AccountPurpose.SUBSIDY_FUND, currency)
            self._fund_left[currency] = ledger.balances_of(fund).available
        return self._fund_left[currency]

    def spend_fund(self, amount: Money) -> None:
        self._fund_left[amount.currency] = self.fund_left(amount.currency) - amount

    def listing_subsidies(self, merchant_org: Organisation, currency: str):
        """What the merchant's listing subsidies came to so far, and the products they were for
        (the caller holds the merchant's row lock)."""
        if merchant_org.pk not in self._listing_subsidies:
            paid = ClearingLine.objects.filter(kind=LineKind.LISTING_SUBSIDY, party=merchant_org)
            total = paid.aggregate(total=Sum("amount"))["total"] or 0
            products = set(paid.values_list("order__listing__product_id", flat=True))
            self._listing_subsidies[merchant_org.pk] = (Money(total, currency), products)
        return self._listing_subsidies[merchant_org.pk]

    def pay_listing_subsidy(self, merchant_org: Organisation, product_id: int, amount: Money):
        so_far, products = self.listing_subsidies(merchant_org, amount.currency)
        products.add(product_id)
        self._listing_subsidies[merchant_org.pk] = (so_far + amount, products)


def lines_for(order: Order, lookups: Lookups | None = None) -> list[Line]:
    """The clearing lines of an accepted order, by the rules in settings (nothing written).
    ``lookups`` carries what earlier orders cleared with it have spent (a batch's)."""
    lookups = lookups or Lookups()
    currency = order.currency
    merchant_org = order.merchant.organisation
    buyer = order.buyer
    exchange_fees = lookups.account(None, AccountPurpose.FEE_INCOME, currency)
    fund = lookups.account(None, AccountPurpose.SUBSIDY_FUND, currency)
    escrow = lookups.account(buyer, AccountPurpose.ESCROW, currency)
    available = lookups.account(buyer, AccountPurpose.AVAILABLE, currency)
    payouts = lookups.account(merchant_org, AccountPurpose.PAYOUTS_IN_TRANSIT, currency)
    lines = []
    refund = refund_of(order)
    if refund:
        lines.append(
            Line(LineKind.REFUND, buyer, refund, escrow, available, "refund",
                 _("the arbitrator's decision: %(amount)s of the trade value back to the buyer")
                 % {"amount": refund})
        )  # fmt: skip
    value = order.value - refund
    if order.buyer_fee:
        lines.append(
            Line(LineKind.BUYER_FEE, buyer, order.buyer_fee, escrow, exchange_fees, "service_fee",
                 _("%(period)s buyer's service fee") % {"period": _period_label()})
        )  # fmt: skip
    lines.append(
        Line(LineKind.VALUE, merchant_org, value, escrow, payouts, "payment",
             _("the order's trade value") if not refund
             else _("the trade value less the refund"))
    )  # fmt: skip
    rate = lookups.fee_rate(order)
    fee = value * rate
    if fee:
        lines.append(
            Line(LineKind.MERCHANT_FEE, merchant_org, fee, payouts, exchange_fees, "service_fee",
                 _("%(rate)s of the trade value") % {"rate": _percent(rate)})
        )  # fmt: skip
    firm = lookups.assessor(order)
    assessor_fee = value * settings.ASSESSOR_FEE_RATE
    if firm is not None and assessor_fee:
        payable = lookups.account(firm, AccountPurpose.SERVICE_FEES_PAYABLE, currency)
        lines.append(
            Line(LineKind.ASSESSOR_FEE, firm, assessor_fee, payouts, payable, "fee",
                 _("%(rate)s of the trade value, to %(firm)s for the compliance assessment")
                 % {"rate": _percent(settings.ASSESSOR_FEE_RATE), "firm": firm.name})
        )  # fmt: skip
    share = settings.TRADING_FEE_SUBSIDY_RATE
    for party, charged, to in ((merchant_org, fee, payouts), (buyer, order.buyer_fee, available)):
        if not charged or not lookups.subsidised(party):
            continue
        left = lookups.fund_left(currency)
        amount = min(charged * share, left)
        rule = _("%(rate)s of the service fee, without application (免申即享)") % {
            "rate": _percent(share)
        }
        if amount < charged * share:
            rule += _("; the fund held only %(left)s") % {"left": left}
        if amount:
            lines.append(Line(LineKind.TRADING_SUBSIDY, party, amount, fund, to, "subsidy", rule))
            lookups.spend_fund(amount)
    listing_subsidy = _listing_subsidy_due(order, lookups)
    if listing_subsidy:
        lookups.spend_fund(listing_subsidy)
        lookups.pay_listing_subsidy(merchant_org, lookups.product_of(order), listing_subsidy)
        lines.append(
            Line(LineKind.LISTING_SUBSIDY, merchant_org, listing_subsidy, fund, payouts, "subsidy",
                 _("the product's first cleared order; %(amount)s per product, up to %(cap)s "
                   "per merchant") % {"amount": Money(settings.FIRST_LISTING_SUBSIDY, currency),
                                      "cap": Money(settings.FIRST_LISTING_SUBSIDY_CAP, currency)})
        )  # fmt: skip
    return lines


def refund_of(order: Order) -> Money:
    """What an arbitrator's refund in part sends back to the buyer at clearing (else zero)."""
    try:
        dispute = order.dispute
    except Dispute.DoesNotExist:
        return Money.zero(order.currency)
    if dispute.outcome != DisputeOutcome.REFUND_IN_PART:
        return Money.zero(order.currency)
    return dispute.refund


def _listing_subsidy_due(order: Order, lookups: Lookups) -> Money:
    """The first registration and listing subsidy this order brings: with the product's first
    cleared order, up to what remains of the merchant's cap and of the fund."""
    zero = Money.zero(order.currency)
    per_product = Money(settings.FIRST_LISTING_SUBSIDY, order.currency)
    if not per_product:
        return zero
    so_far, products = lookups.listing_subsidies(order.merchant.organisation, order.currency)
    if lookups.product_of(order) in products:
        return zero
    room = Money(settings.FIRST_LISTING_SUBSIDY_CAP, order.currency) - so_far
    return max(min(per_product, room, lookups.fund_left(order.currency)), zero)


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _period_label() -> str:
    return {"year": _("this year's"), "order": _("this order's")}.get(
        settings.BUYER_SERVICE_FEE_PERIOD, ""
    )


# --- clearing ----------------------------------------------------------------------------------------


def clear_order(order: Order) -> Order:
    """Clear an accepted order: its hold posted, its fees and subsidies paid, in one linked chain;
    its lines recorded; the order cleared. Clearing it again does nothing (the worker may run a
    task twice)."""
    return clear_orders([order.pk])[0]


def clear_orders(order_ids) -> list[Order]:
    """Clear each of the orders (as ``clear_order`` does, by the same rules, each its own linked
    chain) in one transaction and one ledger write: the batch path. Orders not waiting to clear
    are left as they are. Returns the orders, by id."""
    ids = sorted(set(order_ids))
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _clear(ids)
        except InsufficientFunds:
            # The subsidy fund was spent by another clearing between the read and the write:
            # the lines are worked out again from what it holds now.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _clear(ids: list[int]) -> list[Order]:
    # The merchants' rows first, in id order: their listing subsidies' caps are read and spent
    # under these locks.
    merchants = Order.objects.filter(pk__in=ids).values_list("merchant_id", flat=True)
    list(
        Merchant.objects.select_for_update()
        .filter(pk__in=set(merchants))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Locks the orders' rows alone; what the lines read of them comes in the same query.
    orders = list(
        Order.objects.select_for_update(of=("self",))
        .select_related("contract", "dispute")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    due = [order for order in orders if order.status in CLEARABLE]
    if not due:
        return orders  # cleared already, or not accepted (the task came too early or late)
    # The parties and the holds' accounts, one instance each for the batch.
    merchants = Merchant.objects.select_related("organisation").in_bulk(
        {order.merchant_id for order in due}
    )
    buyers = Organisation.objects.select_related("buyer").in_bulk({order.buyer_id for order in due})
    hold_of = dict(
        Payment.objects.filter(order_id__in=[order.pk for order in due]).values_list(
            "order_id", "hold_id"
        )
    )
    holds = Transfer.objects.in_bulk(hold_of.values())
    accounts = Account.objects.in_bulk(
        {hold.debit_account_id for hold in holds.values()}
        | {hold.credit_account_id for hold in holds.values()}
    )
    for hold in holds.values():
        hold.debit_account = accounts[hold.debit_account_id]
        hold.credit_account = accounts[hold.credit_account_id]
    holds = {order_id: holds[hold_id] for order_id, hold_id in hold_of.items()}
    for order in due:
        order.merchant, order.buyer = merchants[order.merchant_id], buyers[order.buyer_id]
    lookups = Lookups()
    lines = [lines_for(order, lookups) for order in due]
    chains = ledger.post_pending_each(
        [
            ledger.Posting(
                holds[order.pk],
                key=f"order:{order.pk}:clear",
                moves=[
                    ledger.Move(
                        key=f"order:{order.pk}:{line.kind}:{line.party.pk}",
                        debit=line.debit,
                        credit=line.credit,
                        amount=line.amount,
                        code=line.code,
                        memo=f"{_('Order %(order)s') % {'order': order.pk}} · {line.rule}"[:200],
                        reference=f"order:{order.pk}",
                    )
                    for line in order_lines
                ],
            )
            for order, order_lines in zip(due, lines, strict=True)
        ]
    )
    bulk.insert(
        ClearingLine,
        ("order", "kind", "party", "amount", "currency", "transfer", "rule"),
        (
            (
                order.pk,
                line.kind,
                line.party.pk,
                line.amount.amount,
                line.amount.currency,
                transfer.pk,
                line.rule[:200],
            )
            for order, order_lines, chain in zip(due, lines, chains, strict=True)
            for line, transfer in zip(order_lines, chain[1:], strict=True)
        ),
    )
    now = clock.now()
    for order in due:
        order.cleared_at = now
    lifecycle.take_many(due, ORDER_LIFECYCLE["clear"], actor=None, also_save=("cleared_at",))
    return orders


def clear_accepted() -> int:
    """Clear every accepted or decided order still waiting (beat, and before each batch), in
    batches of ``CLEARING_BATCH``; how many."""
    waiting = Order.objects.filter(status__in=sorted(CLEARABLE)).order_by("id")
    ids = list(waiting.values_list("id", flat=True))
    count = 0
    for start in range(0, len(ids), settings.CLEARING_BATCH):
        cleared = clear_orders(ids[start : start + settings.CLEARING_BATCH])
        count += sum(order.status == OrderStatus.CLEARED for order in cleared)
    return count


@dataclass
class Payout:
    """What a set of orders' clearing left in one payout account, and from how many orders."""

    amount: Money
    orders: int


def payouts_of(orders) -> dict[int, Payout]:
    """What the clearing lines of ``orders`` (a queryset) left in each payout account (payouts in
    transit, fees payable), by account id: what a batch of them pays out. One aggregate query:
    each line credits one account and debits another; the payout accounts' sums (in fen) and the
    orders that touched them, in the database (a batch holds a day's orders)."""
    ids_sql, ids_params = orders.values("id").query.sql_with_params()
    purposes = [str(p) for p in PAYOUT_PURPOSES]
    marks = ", ".join(["%s"] * len(purposes))
    side = (
        "SELECT t.{side}_account_id AS account_id, l.currency, "
        "{sign}CAST(ROUND(l.amount * 100) AS BIGINT) AS signed, "
        "l.order_id FROM settlement_clearingline l "
        "JOIN ledger_transfer t ON t.id = l.transfer_id "
        "JOIN ledger_account a ON a.id = t.{side}_account_id "
        f"WHERE a.purpose IN ({marks}) AND l.order_id IN ({ids_sql})"
    )
    sql = (
        "SELECT account_id, currency, SUM(signed), COUNT(DISTINCT order_id) FROM ("
        f"{side.format(side='credit', sign='')} UNION ALL {side.format(side='debit', sign='-')}"
        ") moves GROUP BY account_id, currency"
    )
    params = [*purposes, *ids_params, *purposes, *ids_params]
    found: dict[int, Payout] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for account_id, currency, total, count in cursor.fetchall():
            amount = Money.from_minor(int(total), currency)  # fen: no float sums
            if amount:
                found[account_id] = Payout(amount, count)
    return found


# --- settlement batches ------------------------------------------------------------------------------


def settlement_day(day: date | None = None) -> date:
    day = day or clock.today()
    if day > clock.today():
        raise RuleViolation(
            _("%(day)s has not begun on the business clock: a batch settles a day that has."),
            code="day_not_begun",
            field="date",
            params={"day": day},
        )
    if not clock.is_working_day(day):
        raise RuleViolation(
            _("%(day)s is not a working day: nothing settles; the next batch is on %(next)s."),
            code="not_a_working_day",
            field="date",
            params={"day": day, "next": clock.add_working_days(day, 0)},
        )
    return day


def settle(day: date | None = None, *, say=lambda line: None) -> PayoutBatch:
    """Settle ``day`` (a working day; today by default): every order cleared before it goes into
    the day's batch, each payee is paid its net to the bank, and the batch is registered.

    Idempotent and resumable: the batch and its orders are fixed in one transaction, each payout
    is its own transaction under an idempotency key, and the last step settles the orders and
    registers the batch; a second run, or a run after a crash at any point, finishes the batch and
    settles each order exactly once.

    Raises:
        RuleViolation ``day_not_begun`` / ``not_a_working_day``.
    """
    day = settlement_day(day)
    cleared = clear_accepted()
    if cleared:
        say(f"cleared {cleared} accepted orders")
    batch = _open_batch(day)
    if batch.status == BatchStatus.SETTLED:
        say(f"batch {day} is settled already")
        return batch
    payouts = payouts_of(batch.orders.all())
    say(f"batch {day}: {batch.orders.count()} orders, {len(payouts)} payees")
    accounts = Account.objects.select_related("owner").in_bulk(list(payouts))
    for index, (account_id, payout) in enumerate(sorted(payouts.items()), start=1):
        _pay(batch, accounts[account_id], payout)
        say(f"  paid {index}/{len(payouts)}")
    return _close(batch)


def _open_batch(day: date) -> PayoutBatch:
    """The day's batch, with every order cleared before the day, fixed once."""
    with transaction.atomic():
        batch, made = PayoutBatch.objects.get_or_create(
            business_date=day, defaults={"opened_at": clock.now()}
        )
        batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
        if made:
            start = timezone.make_aware(datetime.combine(day, time.min))
            Order.objects.filter(
                status=OrderStatus.CLEARED, batch__isnull=True, cleared_at__lt=start
            ).update(batch=batch)
        return batch


@transaction.atomic
def _pay(batch: PayoutBatch, account: Account, payout: Payout) -> PayoutLine:
    existing = PayoutLine.objects.filter(batch=batch, account=account).first()
    if existing is not None:
        return existing  # paid before the worker stopped
    amount = payout.amount
    transfer = ledger.transfer(
        ledger.Move(
            key=f"payout:{batch.business_date.isoformat()}:{account.pk}",
            debit=account,
            credit=ledger.account_for(None, AccountPurpose.BANK, amount.currency),
            amount=amount,
            code="payout",
            memo=_("Settlement of %(day)s") % {"day": batch.business_date.isoformat()},
            reference=f"batch:{batch.business_date.isoformat()}",
        )
    )
    return PayoutLine.objects.create(
        batch=batch,
        payee=account.owner,
        account=account,
        amount=amount.amount,
        currency=amount.currency,
        orders=payout.orders,
        transfer=transfer,
    )


def batch_content(batch: PayoutBatch) -> dict:
    """What the batch's certificate registers: its day, lines and their digest (amounts as
    strings)."""
    lines = [
        {
            "payee": line.payee.name,
            "credit_code": credit_code_of(line.payee),
            "account": line.account.purpose,
            "amount": line.money.to_api(),
            "currency": line.currency,
            "orders": line.orders,
            "transfer": line.transfer.key,
        }
        for line in batch.lines.select_related("payee", "account", "transfer").order_by("id")
    ]
    orders = sorted(batch.orders.values_list("id", flat=True))
    body = {"date": batch.business_date.isoformat(), "lines": lines, "orders": orders}
    digest = hashlib.sha256(registry.canonical_json(body)).hexdigest()
    total = sum((line.money for line in batch.lines.all()), Money.zero(batch.currency))
    return {**body, "total": total.to_api(), "currency": batch.currency, "digest": digest}


@transaction.atomic
def _close(batch: PayoutBatch) -> PayoutBatch:
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == BatchStatus.SETTLED:
        return batch
    # The batch's orders, locked, settle in two set-based statements (lifecycle.take_where).
    list(batch.orders.select_for_update().values_list("id", flat=True))
    lifecycle.take_where(batch.orders.all(), ORDER_LIFECYCLE["settle"])
    content = batch_content(batch)
    now = clock.now()
    (certificate,) = registry.issue_certificates(
        [
            registry.Registration(
                kind=CertificateKind.SETTLEMENT_BATCH,
                registrant_name=settings.EXCHANGE_NAME,
                registrant_credit_code=settings.EXCHANGE_CREDIT_CODE,
                subject_type=BATCH_SUBJECT,
                subject_id=batch.business_date.toordinal(),
                subject_label=_("Settlement batch of %(day)s")
                % {"day": batch.business_date.isoformat()},
                rights=[],
                content=content,
                valid_until=now + timedelta(days=BATCH_VALID_DAYS),
            )
        ]
    )
    batch.status = BatchStatus.SETTLED
    batch.settled_at = now
    batch.total_amount = Decimal(content["total"])
    batch.digest = content["digest"]
    batch.certificate = certificate
    batch.save()
    return batch


def fund_subsidies(*, amount: Money, key: str, actor=None) -> Transfer:
    """Pay ``amount`` into the subsidy fund from the bank (the government's grant)."""
    if not amount or amount.amount < 0:
        raise RuleViolation(_("A grant is a positive amount."), field="amount")
    return ledger.transfer(
        ledger.Move(
            key=key,
            debit=ledger.account_for(None, AccountPurpose.BANK, amount.currency),
            credit=ledger.account_for(None, AccountPurpose.SUBSIDY_FUND, amount.currency),
            amount=amount,
            code="subsidy_grant",
            memo=_("Grant to the subsidy fund"),
        ),
        actor=actor,
    )

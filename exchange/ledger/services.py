"""Moving money: the one way into the ledger.

Every movement is a transfer (or a linked set of transfers, all or none) under a caller's
idempotency key. The service checks each rule first and refuses with a clear error; the database
checks them again as the rows go in (triggers.py), so a bug here cannot move money wrongly.

Shape of every write: look the keys up (a replay returns the first result, a different request
under a used key is refused) → lock the accounts in id order → read their balances (each
account's latest transfer) and draw the new ids (on PostgreSQL these first steps are one round
trip) → check and compute each transfer's balances in turn → insert them in one statement, which
the database checks as a whole. Transfers touching the same account queue on its row lock; locks are always
taken in the same order, so two sets of transfers never deadlock.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange import clock
from exchange.errors import RuleViolation
from exchange.ledger.errors import (
    DaySealed,
    ExceedsPending,
    ExceedsReversible,
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
    NotPending,
    NotReversible,
    PendingExpired,
    PendingResolved,
)
from exchange.ledger.models import (
    RESOLVING_KINDS,
    Account,
    AccountPurpose,
    Transfer,
    TransferKind,
)
from exchange.money import CurrencyMismatch, Money

MAX_KEY_LENGTH = 255

# --- balances --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balances:
    """An account's four running totals, in minor units (TigerBeetle's)."""

    currency: str = "CNY"
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    def _money(self, units: int) -> Money:
        return Money.from_minor(units, self.currency)

    @property
    def posted(self) -> Money:
        """Credits less debits posted: what a credit-normal account (funds held for an owner)
        holds; negative for the bank account, which money enters through."""
        return self._money(self.credits_posted - self.debits_posted)

    @property
    def held(self) -> Money:
        """Debits pending: reserved by holds not yet posted or voided."""
        return self._money(self.debits_pending)

    @property
    def available(self) -> Money:
        """What may still be debited: posted credits less posted and pending debits."""
        return self._money(self.credits_posted - self.debits_posted - self.debits_pending)

    @property
    def incoming(self) -> Money:
        return self._money(self.credits_pending)


def balances(accounts: Sequence[Account]) -> dict[int, Balances]:
    """The balances of ``accounts`` by id, each from its latest transfer: a fixed number of index
    lookups per account, whatever the length of its history."""
    return _latest_balances(accounts)


def balances_of(account: Account) -> Balances:
    return balances([account])[account.pk]


def _latest_balances(accounts: Sequence[Account]) -> dict[int, Balances]:
    found = {account.pk: Balances(account.currency) for account in accounts}
    if not found:
        return found
    currency = {account.pk: account.currency for account in accounts}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The database's own lookup (triggers.py), whose plans the session keeps.
            cursor.execute(
                "SELECT account, ledger_latest_balances(account) FROM unnest(%s::bigint[]) account",
                [list(found)],
            )
            for account, (*values, latest) in cursor.fetchall():
                if latest:
                    found[account] = Balances(currency[account], *values)
            return found
        latest = " UNION ALL ".join(
            f"SELECT * FROM (SELECT id, CAST(%s AS bigint) AS account FROM ledger_transfer "
            f"WHERE {side}_account_id = %s ORDER BY id DESC LIMIT 1) AS {side}{number}"
            for number, _ in enumerate(found)
            for side in ("debit", "credit")
        )
        cursor.execute(
            "SELECT latest.account, t.debit_account_id, "
            "t.dr_debits_pending, t.dr_debits_posted, t.dr_credits_pending, t.dr_credits_posted, "
            "t.cr_debits_pending, t.cr_debits_posted, t.cr_credits_pending, t.cr_credits_posted "
            f"FROM ({latest}) latest JOIN ledger_transfer t ON t.id = latest.id ORDER BY t.id",
            [value for account in found for value in (account, account, account, account)],
        )
        for account, debit_id, *values in cursor.fetchall():  # later transfers overwrite earlier
            own = values[:4] if debit_id == account else values[4:]
            found[account] = Balances(currency[account], *own)
    return found


# --- accounts ------------------------------------------------------------------------------------

# Funds held for someone may not go below zero; the bank account, which money enters through,
# may not pay out more than came in.
_CREDIT_NORMAL = frozenset(AccountPurpose) - {AccountPurpose.BANK}


def account_for(owner, purpose: str, currency: str = "CNY") -> Account:
    """The account of ``owner`` (an Organisation; None: the exchange) for ``purpose``, opened on
    first use with its purpose's limit."""
    Money.zero(currency)  # refuses an unknown currency
    existing = Account.objects.filter(owner=owner, purpose=purpose, currency=currency).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Account.objects.create(
                owner=owner,
                purpose=purpose,
                currency=currency,
                debits_must_not_exceed_credits=purpose in _CREDIT_NORMAL,
                credits_must_not_exceed_debits=purpose not in _CREDIT_NORMAL,
            )
    except IntegrityError:  # opened at the same moment by another request
        return Account.objects.get(owner=owner, purpose=purpose, currency=currency)


class Accounts:
    """``account_for``, each account looked up once: a batch path's accounts."""

    def __init__(self):
        self._found: dict[tuple, Account] = {}

    def __call__(self, owner, purpose: str, currency: str = "CNY") -> Account:
        key = (owner.pk if owner is not None else None, purpose, currency)
        if key not in self._found:
            self._found[key] = account_for(owner, purpose, currency)
        return self._found[key]


# --- what callers ask for --------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One transfer a caller asks for: ``amount`` from ``debit`` to ``credit``."""

    key: str
    debit: Account
    credit: Account
    amount: Money
    code: str
    pending: bool = False  # a hold: reserved now, posted or voided later
    expires_at: datetime | None = None  # when a hold lapses on the business clock
    memo: str = ""
    reference: str = ""


@dataclass
class _Row:
    """A transfer as the service builds it before it is inserted."""

    key: str
    kind: str
    debit: Account
    credit: Account
    amount: int
    currency: str
    code: str
    memo: str = ""
    reference: str = ""
    pending: Transfer | None = None
    reverses: Transfer | None = None
    expires_at: datetime | None = None
    chain: str = ""
    balances: tuple = ()
    actor: object = None  # who asked, where a batch's rows have different actors

    @property
    def money(self) -> Money:
        return Money.from_minor(self.amount, self.currency)

    def fingerprint(self) -> str:
        asked = {
            "kind": self.kind,
            "debit": self.debit.pk,
            "credit": self.credit.pk,
            "amount": self.amount,
            "currency": self.currency,
            "code": self.code,
            "memo": self.memo,
            "reference": self.reference,
            "pending": self.pending.key if self.pending else None,
            "reverses": self.reverses.key if self.reverses else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "chain": self.chain,
        }
        text = json.dumps(asked, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


# --- the writes ------------------------------------------------------------------------------------


def transfer(move: Move, *, actor=None) -> Transfer:
    """Move money at once (or hold it, for a pending move). A replay of ``move.key`` returns the
    first transfer.

    Raises:
        InsufficientFunds / LimitExceeded (409) when an account's limit would be passed;
        IdempotencyConflict (409) when the key was used for something else; RuleViolation for a
        bad key, amount, code or pair of accounts; CurrencyMismatch.
    """
    return transfer_linked([move], actor=actor)[0]


def transfer_linked(moves: Sequence[Move], *, actor=None) -> list[Transfer]:
    """Make ``moves`` together, all or none, in order (a later move may spend what an earlier one
    brought). Raises what ``transfer`` raises, for the first move that fails."""
    if not moves:
        raise RuleViolation(_("Give at least one transfer."), code="required", field="transfers")
    chain = moves[0].key if len(moves) > 1 else ""
    rows = [_row_of(move, chain) for move in moves]
    return _record(rows, actor)


def post_pending(
    pending: Transfer, *, key: str, amount: Money | None = None, actor=None
) -> Transfer:
    """Post a hold: ``amount`` (all of it by default) moves; the rest of the hold is released.

    Raises:
        NotPending, PendingResolved, PendingExpired (409); ExceedsPending (400).
    """
    money = pending.money if amount is None else amount
    row = _resolution(pending, key, TransferKind.POST, money)
    if row.amount > pending.amount:
        raise ExceedsPending(params={"key": pending.key, "held": pending.money, "amount": money})
    return _record([row], actor)[0]


def post_pending_linked(
    pending: Transfer,
    *,
    key: str,
    moves: Sequence[Move],
    amount: Money | None = None,
    actor=None,
) -> list[Transfer]:
    """Post a hold and make ``moves`` with it, all or none, as one linked chain: the posting
    first, so the moves may spend what it brings (an order's clearing). Raises what
    ``post_pending`` and ``transfer`` raise."""
    return post_pending_each([Posting(pending, key, tuple(moves), amount)], actor=actor)[0]


# --- many at once: the batch paths over many orders ---------------------------------------------------


@dataclass(frozen=True)
class Posting:
    """One hold to post, with the moves linked to it (``post_pending_linked``'s arguments)."""

    pending: Transfer
    key: str
    moves: Sequence[Move] = ()
    amount: Money | None = None


def transfer_each(
    moves: Sequence[Move], *, actor=None, actors: Sequence | None = None
) -> list[Transfer]:
    """Make each of ``moves`` as its own transfer, not linked to the others, in one write (one
    lock round trip, one insert): a batch path over many orders. ``actors`` gives each move's
    actor. The caller's transaction makes them all or none. Raises what ``transfer`` raises, for
    the first move that fails."""
    if not moves:
        return []
    rows = [_row_of(move, "") for move in moves]
    if actors is not None:
        for row, asked in zip(rows, actors, strict=True):
            row.actor = asked
    return _record(rows, actor)


def post_pending_each(postings: Sequence[Posting], *, actor=None) -> list[list[Transfer]]:
    """Post each hold with its linked moves (each as ``post_pending_linked`` does, its own
    chain) in one write; the transfers of each posting, in order."""
    rows, sizes = [], []
    for posting in postings:
        money = posting.pending.money if posting.amount is None else posting.amount
        post = _resolution(posting.pending, posting.key, TransferKind.POST, money)
        if post.amount > posting.pending.amount:
            raise ExceedsPending(
                params={"key": posting.pending.key, "held": posting.pending.money, "amount": money}
            )
        post.chain = post.key if posting.moves else ""
        rows += [post, *(_row_of(move, post.chain) for move in posting.moves)]
        sizes.append(1 + len(posting.moves))
    if not rows:
        return []
    made, chains, start = _record(rows, actor), [], 0
    for size in sizes:
        chains.append(made[start : start + size])
        start += size
    return chains


def void_pending(pending: Transfer, *, key: str, actor=None) -> Transfer:
    """Release a hold in full: no money moves."""
    return _record([_resolution(pending, key, TransferKind.VOID, pending.money)], actor)[0]


def expire_pending(pending: Transfer) -> Transfer:
    """Release a hold whose ``expires_at`` has passed on the business clock (the beat task)."""
    row = _resolution(pending, f"expire:{pending.key}", TransferKind.EXPIRE, pending.money)
    return _record([row], None)[0]


def expire_due() -> int:
    """Expire every open hold whose time has come; returns how many."""
    now = clock.now()
    due = Transfer.objects.filter(
        kind=TransferKind.PENDING, expires_at__lte=now, resolutions__isnull=True
    ).order_by("id")
    count = 0
    for pending in due.iterator():
        try:
            expire_pending(pending)
        except PendingResolved:
            continue  # posted or voided a moment ago
        count += 1
    return count


def reverse(
    original: Transfer, *, key: str, amount: Money | None = None, memo: str = "", actor=None
) -> Transfer:
    """Correct a posted transfer by a new one the other way, for all of it or part; nothing is
    edited. Raises NotReversible (409), ExceedsReversible (400)."""
    if original.kind not in (TransferKind.POSTED, TransferKind.POST):
        raise NotReversible(params={"key": original.key})
    money = original.money if amount is None else amount
    row = _Row(
        key=checked_key(key),
        kind=TransferKind.POSTED,
        debit=original.credit_account,
        credit=original.debit_account,
        amount=_checked_amount(money, original.currency),
        currency=original.currency,
        code="reversal",
        memo=memo or _("Reversal of %(key)s") % {"key": original.key},
        reference=original.reference,
        reverses=original,
    )
    return _record([row], actor)[0]


# --- how every write is made -------------------------------------------------------------------------


def _row_of(move: Move, chain: str) -> _Row:
    if move.debit.pk == move.credit.pk:
        raise RuleViolation(
            _("A transfer moves money between two different accounts."),
            code="same_account",
            field="credit",
        )
    for account in (move.debit, move.credit):
        if account.currency != move.amount.currency:
            raise CurrencyMismatch(params={"left": move.amount.currency, "right": account.currency})
    if move.expires_at is not None and not move.pending:
        raise RuleViolation(
            _("Only a hold (a pending transfer) expires."),
            code="expiry_without_hold",
            field="expires_at",
        )
    if move.expires_at is not None and move.expires_at <= clock.now():
        raise RuleViolation(
            _("A hold's expiry is later than now."), code="expiry_in_past", field="expires_at"
        )
    if not move.code or len(move.code) > 40:
        raise RuleViolation(
            _("A transfer's code is 1 to 40 characters."), code="invalid_code", field="code"
        )
    return _Row(
        key=checked_key(move.key),
        kind=TransferKind.PENDING if move.pending else TransferKind.POSTED,
        debit=move.debit,
        credit=move.credit,
        amount=_checked_amount(move.amount, move.debit.currency),
        currency=move.amount.currency,
        code=move.code,
        memo=move.memo[:200],
        reference=move.reference[:100],
        expires_at=move.expires_at,
        chain=chain,
    )


def _resolution(pending: Transfer, key: str, kind: str, money: Money) -> _Row:
    if pending.kind != TransferKind.PENDING:
        raise NotPending(params={"key": pending.key})
    return _Row(
        key=checked_key(key),
        kind=kind,
        debit=pending.debit_account,
        credit=pending.credit_account,
        amount=_checked_amount(money, pending.currency),
        currency=pending.currency,
        code=pending.code,
        memo=pending.memo,
        reference=pending.reference,
        pending=pending,
    )


def checked_key(key: str) -> str:
    """``key`` if it is 1 to 255 visible ASCII characters (RuleViolation otherwise)."""
    if (
        not isinstance(key, str)
        or not 1 <= len(key) <= MAX_KEY_LENGTH
        or not all("!" <= character <= "~" for character in key)
    ):
        raise RuleViolation(
            _("An idempotency key is 1 to %(most)s visible ASCII characters."),
            code="invalid_idempotency_key",
            field="key",
            params={"most": MAX_KEY_LENGTH},
        )
    return key


def _checked_amount(money: Money, currency: str) -> int:
    if not isinstance(money, Money):
        raise TypeError("amounts are Money")
    if money.currency != currency:
        raise CurrencyMismatch(params={"left": money.currency, "right": currency})
    if money.amount <= 0:
        raise RuleViolation(
            _("A transfer moves a positive amount, not %(amount)s."),
            code="amount_not_positive",
            field="amount",
            params={"amount": money},
        )
    return money.minor_units


def _record(rows: list[_Row], actor) -> list[Transfer]:
    try:
        return _record_new(rows, actor)
    except IntegrityError:
        # The same key arrived at the same moment: its first request has committed by now.
        replay = _replayed(rows)
        if replay is not None:
            return replay
        raise


@transaction.atomic
def _record_new(rows: list[_Row], actor) -> list[Transfer]:
    accounts = {row.debit.pk: row.debit for row in rows} | {
        row.credit.pk: row.credit for row in rows
    }
    start = _begin(rows, [accounts[pk] for pk in sorted(accounts)])
    if start is None:
        return _replayed(rows)
    today = timezone.localdate(start.now)
    if start.last_sealed is not None and start.last_sealed >= today:
        raise DaySealed(params={"day": today})
    resolved = _already_resolved(rows)
    for row in rows:
        _check(row, start.balances, resolved, start.now)
        _apply(row, start.balances)
    return _insert(rows, start.ids, actor, start.now)


@dataclass
class _Start:
    """What a write reads before it computes its rows, under its accounts' locks."""

    now: datetime  # on the business clock
    last_sealed: date | None
    balances: dict[int, Balances]
    ids: list[int]  # one per row, ascending


def _begin(rows: list[_Row], accounts: list[Account]) -> _Start | None:
    """None if the keys were used before (a replay); else the accounts locked and what the write
    needs to know. On PostgreSQL one round trip (triggers.py's ledger_begin); on SQLite, whose
    writers hold the whole database, the same reads one by one."""
    keys = [row.key for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT * FROM ledger_begin(%s, %s, %s)",
                [keys, [account.pk for account in accounts], len(rows)],
            )
            replayed, setting, last_sealed, flat, ids = cursor.fetchone()
            if replayed:
                return None
            balances = {}
            for number, account in enumerate(accounts):
                *values, _latest = flat[number * 5 : number * 5 + 5]
                balances[account.pk] = Balances(account.currency, *values)
            return _Start(clock.now_for(setting), last_sealed, balances, sorted(ids))
        cursor.execute(
            f"SELECT 1 FROM ledger_transfer WHERE key IN ({', '.join(['%s'] * len(keys))}) LIMIT 1",
            keys,
        )
        if cursor.fetchone() is not None:
            return None
        cursor.execute("SELECT max(business_date) FROM ledger_sealedday")
        last_sealed = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_transfer")
        last = cursor.fetchone()[0]
    return _Start(
        clock.now(),
        date.fromisoformat(last_sealed) if isinstance(last_sealed, str) else last_sealed,
        _latest_balances(accounts),
        list(range(last + 1, last + 1 + len(rows))),
    )


def _replayed(rows: list[_Row]) -> list[Transfer] | None:
    """The transfers first made under these keys (a replay), or None if the keys are new."""
    keys = [row.key for row in rows]
    existing = {t.key: t for t in Transfer.objects.filter(key__in=keys)}
    if not existing:
        return None
    for row in rows:
        made = existing.get(row.key)
        if made is None or made.fingerprint != row.fingerprint():
            raise IdempotencyConflict(params={"key": row.key})
    return [existing[key] for key in keys]


def _already_resolved(rows: list[_Row]) -> dict[int, str]:
    pending_ids = [row.pending.pk for row in rows if row.pending is not None]
    if not pending_ids:
        return {}
    return dict(
        Transfer.objects.filter(pending_id__in=pending_ids).values_list("pending_id", "kind")
    )


def _check(row: _Row, current: dict[int, Balances], resolved: dict[int, str], now) -> None:
    if row.pending is not None:
        if row.pending.pk in resolved:
            resolution = TransferKind(resolved[row.pending.pk]).label
            raise PendingResolved(params={"key": row.pending.key, "resolution": resolution})
        expires = row.pending.expires_at
        if row.kind == TransferKind.POST and expires is not None and now >= expires:
            raise PendingExpired(
                params={"key": row.pending.key, "expires_at": timezone.localtime(expires)}
            )
        if row.kind == TransferKind.EXPIRE and (expires is None or now < expires):
            raise RuleViolation(
                _("Transfer %(key)s has not expired."),
                code="not_expired",
                params={"key": row.pending.key},
            )
        resolved[row.pending.pk] = row.kind  # twice in one linked set
    if row.reverses is not None:
        done = sum(Transfer.objects.filter(reverses=row.reverses).values_list("amount", flat=True))
        left = row.reverses.amount - done
        if row.amount > left:
            raise ExceedsReversible(
                params={
                    "key": row.reverses.key,
                    "left": Money.from_minor(left, row.currency),
                    "amount": Money.from_minor(row.amount, row.currency),
                }
            )


def _apply(row: _Row, current: dict[int, Balances]) -> None:
    """Move both accounts' balances by ``row`` and check their limits."""
    released = row.pending.amount if row.pending is not None else 0
    pending_delta = row.amount if row.kind == TransferKind.PENDING else -released
    posted_delta = row.amount if row.kind in (TransferKind.POSTED, TransferKind.POST) else 0
    before_debit = current.get(row.debit.pk) or Balances(row.currency)
    before_credit = current.get(row.credit.pk) or Balances(row.currency)
    debit = Balances(
        row.currency,
        before_debit.debits_pending + pending_delta,
        before_debit.debits_posted + posted_delta,
        before_debit.credits_pending,
        before_debit.credits_posted,
    )
    credit = Balances(
        row.currency,
        before_credit.debits_pending,
        before_credit.debits_posted,
        before_credit.credits_pending + pending_delta,
        before_credit.credits_posted + posted_delta,
    )
    if (
        row.debit.debits_must_not_exceed_credits
        and debit.debits_pending + debit.debits_posted > debit.credits_posted
    ):
        raise InsufficientFunds(
            params={"account": row.debit, "available": before_debit.available, "amount": row.money}
        )
    if (
        row.credit.credits_must_not_exceed_debits
        and credit.credits_pending + credit.credits_posted > credit.debits_posted
    ):
        raise LimitExceeded(params={"account": row.credit, "amount": row.money})
    current[row.debit.pk], current[row.credit.pk] = debit, credit
    row.balances = (  # as Transfer's dr_* and cr_* fields
        debit.debits_pending,
        debit.debits_posted,
        debit.credits_pending,
        debit.credits_posted,
        credit.debits_pending,
        credit.debits_posted,
        credit.credits_pending,
        credit.credits_posted,
    )


_COLUMNS = ", ".join(f'"{field.column}"' for field in Transfer._meta.concrete_fields)
_ROW_PLACEHOLDERS = f"({', '.join(['%s'] * len(Transfer._meta.concrete_fields))})"


def _insert(rows: list[_Row], ids: list[int], actor, now) -> list[Transfer]:
    """Insert ``rows`` in order under ``ids`` in one statement, and return them as transfers.
    Raw SQL: the ORM's bulk_create cost more than the database's own work."""
    recorded = timezone.now()
    business_date = timezone.localdate(now)
    records, transfers = [], []
    for row, transfer_id in zip(rows, ids, strict=True):
        asked = row.actor if row.actor is not None else actor
        actor_id = asked.pk if asked is not None else None
        record = (  # in the order of Transfer's fields
            transfer_id,
            row.key,
            row.fingerprint(),
            str(row.kind),
            row.debit.pk,
            row.credit.pk,
            row.amount,
            row.currency,
            row.pending.pk if row.pending is not None else None,
            row.reverses.pk if row.reverses is not None else None,
            row.expires_at,
            row.chain,
            row.code,
            row.memo,
            row.reference,
            actor_id,
            now,
            business_date,
            recorded,
            *row.balances,
        )
        made = Transfer(*record)
        made._state.adding, made._state.db = False, connection.alias
        cache = made._state.fields_cache
        cache["debit_account"], cache["credit_account"] = row.debit, row.credit
        cache["pending"], cache["reverses"] = row.pending, row.reverses
        if asked is not None:
            cache["actor"] = asked
        records.append(record)
        transfers.append(made)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(records) > 1:
            # COPY streams the rows in without a statement to parse per row or in all (the
            # statement trigger then checks them all at once).
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY ledger_transfer ({_COLUMNS}) FROM STDIN") as copy,
            ):
                for record in records:
                    copy.write_row(record)
        elif connection.vendor == "postgresql":  # one row: one round trip
            cursor.execute(
                f"INSERT INTO ledger_transfer ({_COLUMNS}) VALUES {_ROW_PLACEHOLDERS}", records[0]
            )
        else:
            adapt_time = connection.ops.adapt_datetimefield_value
            adapt_day = connection.ops.adapt_datefield_value
            cursor.executemany(
                f"INSERT INTO ledger_transfer ({_COLUMNS}) VALUES {_ROW_PLACEHOLDERS}",
                [
                    (
                        *record[:10],
                        adapt_time(record[10]),
                        *record[11:16],
                        adapt_time(record[16]),
                        adapt_day(record[17]),
                        adapt_time(record[18]),
                        *record[19:],
                    )
                    for record in records
                ],
            )
    return transfers


__all__ = [
    "RESOLVING_KINDS",
    "Accounts",
    "Balances",
    "Move",
    "Posting",
    "account_for",
    "balances",
    "balances_of",
    "expire_due",
    "expire_pending",
    "post_pending",
    "post_pending_each",
    "reverse",
    "transfer",
    "transfer_each",
    "transfer_linked",
    "void_pending",
]

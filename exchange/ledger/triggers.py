"""The database keeps the ledger honest, whatever client writes to it.

1. No row of any ledger table is ever updated or deleted, and PostgreSQL refuses TRUNCATE of them.
2. A transfer is checked as it is inserted, against the rows already there: its day is not
   sealed; both accounts exist
   in its currency; a posting, voiding or expiry resolves a pending transfer between the same
   accounts, for no more than it holds (posting) or exactly what it holds (voiding, expiring),
   before (posting) or after (expiring) it expires, and once (a unique index); a reversal swaps
   a posted transfer's accounts and all its reversals together stay within its amount; the
   balances the row carries are its accounts' previous balances moved by exactly this transfer;
   and no account goes past its limit.

On PostgreSQL the insert check also locks both accounts (in id order) and refuses a transfer that
would land before a later one of the same accounts. On SQLite one writer holds the database at a
time, and the same rules run as trigger statements (a trigger there cannot call a function).

Test harnesses empty the tables between tests: on SQLite inside ``allow_purge()``, as the
registry's tables; on PostgreSQL ``purging()`` switches the TRUNCATE guards off for Django's flush.
"""

from contextlib import contextmanager

from exchange.registry.triggers import PURGE_FUNCTION

TABLES = ("ledger_account", "ledger_transfer", "ledger_sealedday")
BALANCES = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")

# --- PostgreSQL -----------------------------------------------------------------------------------

_PG_REFUSE = """CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % rows are append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$"""

# An account's balances as its latest transfer left them, and that transfer's id (0: none). In
# plpgsql, not SQL: its statements' plans are kept for the session (an SQL function's are made
# again on every call, which cost more than the lookups themselves).
_PG_BALANCES_OF = """CREATE OR REPLACE FUNCTION ledger_latest_balances(account bigint)
RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    debit_id bigint;
    debit_balances bigint[];
    credit_id bigint;
    credit_balances bigint[];
BEGIN
    SELECT id, ARRAY[dr_debits_pending, dr_debits_posted, dr_credits_pending, dr_credits_posted]
        INTO debit_id, debit_balances FROM ledger_transfer
        WHERE debit_account_id = account ORDER BY id DESC LIMIT 1;
    SELECT id, ARRAY[cr_debits_pending, cr_debits_posted, cr_credits_pending, cr_credits_posted]
        INTO credit_id, credit_balances FROM ledger_transfer
        WHERE credit_account_id = account ORDER BY id DESC LIMIT 1;
    IF debit_id IS NULL AND credit_id IS NULL THEN
        RETURN ARRAY[0, 0, 0, 0, 0]::bigint[];
    ELSIF credit_id IS NULL OR (debit_id IS NOT NULL AND debit_id > credit_id) THEN
        RETURN debit_balances || debit_id;
    END IF;
    RETURN credit_balances || credit_id;
END $$"""

_PG_CHECK = """CREATE OR REPLACE FUNCTION ledger_transfer_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d ledger_account%ROWTYPE;
    c ledger_account%ROWTYPE;
    p ledger_transfer%ROWTYPE;
    r ledger_transfer%ROWTYPE;
    released bigint := 0;
    pending_delta bigint;
    posted_delta bigint;
    pd bigint[];
    pc bigint[];
BEGIN
    -- Both accounts locked, the lower id first (the order every writer takes them in).
    IF NEW.debit_account_id < NEW.credit_account_id THEN
        SELECT * INTO d FROM ledger_account WHERE id = NEW.debit_account_id FOR UPDATE;
        SELECT * INTO c FROM ledger_account WHERE id = NEW.credit_account_id FOR UPDATE;
    ELSE
        SELECT * INTO c FROM ledger_account WHERE id = NEW.credit_account_id FOR UPDATE;
        SELECT * INTO d FROM ledger_account WHERE id = NEW.debit_account_id FOR UPDATE;
    END IF;
    IF d.currency <> NEW.currency OR c.currency <> NEW.currency THEN
        RAISE EXCEPTION 'ledger: currency_mismatch: transfer in %, accounts in % and %',
            NEW.currency, d.currency, c.currency USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM ledger_sealedday WHERE business_date >= NEW.business_date) THEN
        RAISE EXCEPTION 'ledger: day_sealed: % is sealed; nothing more is booked on it',
            NEW.business_date USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.kind IN ('post', 'void', 'expire') THEN
        SELECT * INTO p FROM ledger_transfer WHERE id = NEW.pending_id;
        IF p.kind IS DISTINCT FROM 'pending' THEN
            RAISE EXCEPTION 'ledger: not_pending: transfer % is not pending', NEW.pending_id
                USING ERRCODE = 'check_violation';
        END IF;
        IF p.debit_account_id <> NEW.debit_account_id
           OR p.credit_account_id <> NEW.credit_account_id THEN
            RAISE EXCEPTION 'ledger: pending_accounts: a resolution moves the pending accounts'
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.kind = 'post' THEN
            IF NEW.amount > p.amount THEN
                RAISE EXCEPTION 'ledger: exceeds_pending: posting % of %', NEW.amount, p.amount
                    USING ERRCODE = 'check_violation';
            END IF;
            IF p.expires_at IS NOT NULL AND NEW.booked_at >= p.expires_at THEN
                RAISE EXCEPTION 'ledger: pending_expired: transfer % expired', p.id
                    USING ERRCODE = 'check_violation';
            END IF;
        ELSE
            IF NEW.amount <> p.amount THEN
                RAISE EXCEPTION 'ledger: void_amount: % releases exactly %', NEW.kind, p.amount
                    USING ERRCODE = 'check_violation';
            END IF;
            IF NEW.kind = 'expire' AND (p.expires_at IS NULL OR NEW.booked_at < p.expires_at) THEN
                RAISE EXCEPTION 'ledger: not_expired: transfer % has not expired', p.id
                    USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        released := p.amount;
    END IF;
    IF NEW.reverses_id IS NOT NULL THEN
        SELECT * INTO r FROM ledger_transfer WHERE id = NEW.reverses_id;
        IF r.kind NOT IN ('posted', 'post') OR r.debit_account_id <> NEW.credit_account_id
           OR r.credit_account_id <> NEW.debit_account_id THEN
            RAISE EXCEPTION 'ledger: reversal_mismatch: a reversal swaps a posted transfer''s accounts'
                USING ERRCODE = 'check_violation';
        END IF;
        IF (SELECT COALESCE(sum(amount), 0) FROM ledger_transfer WHERE reverses_id = r.id)
           + NEW.amount > r.amount THEN
            RAISE EXCEPTION 'ledger: exceeds_reversible: transfer % has less left to reverse', r.id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    pending_delta := CASE WHEN NEW.kind = 'pending' THEN NEW.amount ELSE -released END;
    posted_delta := CASE WHEN NEW.kind IN ('posted', 'post') THEN NEW.amount ELSE 0 END;
    pd := ledger_latest_balances(d.id);
    pc := ledger_latest_balances(c.id);
    IF pd[5] > NEW.id OR pc[5] > NEW.id THEN
        RAISE EXCEPTION 'ledger: out_of_order: a later transfer of these accounts exists'
            USING ERRCODE = 'check_violation';
    END IF;
    IF ARRAY[NEW.dr_debits_pending, NEW.dr_debits_posted, NEW.dr_credits_pending,
             NEW.dr_credits_posted]
         IS DISTINCT FROM ARRAY[pd[1] + pending_delta, pd[2] + posted_delta, pd[3], pd[4]]
       OR ARRAY[NEW.cr_debits_pending, NEW.cr_debits_posted, NEW.cr_credits_pending,
                NEW.cr_credits_posted]
         IS DISTINCT FROM ARRAY[pc[1], pc[2], pc[3] + pending_delta, pc[4] + posted_delta] THEN
        RAISE EXCEPTION 'ledger: balances_do_not_follow: the balances on transfer % are not the '
            'accounts'' previous balances moved by it', NEW.key USING ERRCODE = 'check_violation';
    END IF;
    IF d.debits_must_not_exceed_credits
       AND NEW.dr_debits_pending + NEW.dr_debits_posted > NEW.dr_credits_posted THEN
        RAISE EXCEPTION 'ledger: exceeds_credits: account % would spend more than it holds', d.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF c.credits_must_not_exceed_debits
       AND NEW.cr_credits_pending + NEW.cr_credits_posted > NEW.cr_debits_posted THEN
        RAISE EXCEPTION 'ledger: exceeds_debits: account % would take more than it gave', c.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$"""


def postgresql_statements() -> list[str]:
    statements = [_PG_REFUSE, _PG_BALANCES_OF, _PG_CHECK]
    for table in TABLES:
        statements += [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
        ]
    statements.append(
        "CREATE TRIGGER ledger_transfer_check BEFORE INSERT ON ledger_transfer "
        "FOR EACH ROW EXECUTE FUNCTION ledger_transfer_check()"
    )
    return statements


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_previous(account: str, balance: str) -> str:
    """Account ``account``'s ``balance`` as its latest transfer left it (0 before any)."""
    latest = (
        "(SELECT max(id) FROM (SELECT max(id) AS id FROM ledger_transfer "
        f"WHERE debit_account_id = {account} UNION ALL SELECT max(id) FROM ledger_transfer "
        f"WHERE credit_account_id = {account}))"
    )
    return (
        f"COALESCE((SELECT CASE WHEN t.debit_account_id = {account} THEN t.dr_{balance} "
        f"ELSE t.cr_{balance} END FROM ledger_transfer t WHERE t.id = {latest}), 0)"
    )


def _sqlite_check() -> str:
    pending = "(SELECT %s FROM ledger_transfer p WHERE p.id = NEW.pending_id)"
    reversed_ = "(SELECT %s FROM ledger_transfer r WHERE r.id = NEW.reverses_id)"
    account = "(SELECT %s FROM ledger_account a WHERE a.id = %s)"
    released = (
        f"CASE WHEN NEW.kind IN ('post', 'void', 'expire') THEN {pending % 'amount'} ELSE 0 END"
    )
    pending_delta = f"(CASE WHEN NEW.kind = 'pending' THEN NEW.amount ELSE -({released}) END)"
    posted_delta = "(CASE WHEN NEW.kind IN ('posted', 'post') THEN NEW.amount ELSE 0 END)"
    d, c = "NEW.debit_account_id", "NEW.credit_account_id"
    expected = {
        "dr_debits_pending": f"{_sqlite_previous(d, 'debits_pending')} + {pending_delta}",
        "dr_debits_posted": f"{_sqlite_previous(d, 'debits_posted')} + {posted_delta}",
        "dr_credits_pending": _sqlite_previous(d, "credits_pending"),
        "dr_credits_posted": _sqlite_previous(d, "credits_posted"),
        "cr_debits_pending": _sqlite_previous(c, "debits_pending"),
        "cr_debits_posted": _sqlite_previous(c, "debits_posted"),
        "cr_credits_pending": f"{_sqlite_previous(c, 'credits_pending')} + {pending_delta}",
        "cr_credits_posted": f"{_sqlite_previous(c, 'credits_posted')} + {posted_delta}",
    }
    rules = [
        (
            "EXISTS (SELECT 1 FROM ledger_sealedday WHERE business_date >= NEW.business_date)",
            "day_sealed: the day is sealed; nothing more is booked on it",
        ),
        (
            f"{account % ('currency', d)} IS NOT NEW.currency "
            f"OR {account % ('currency', c)} IS NOT NEW.currency",
            "currency_mismatch: the transfer and both accounts share one currency",
        ),
        (
            f"NEW.kind IN ('post', 'void', 'expire') AND ({pending % 'kind'} IS NOT 'pending' "
            f"OR {pending % 'debit_account_id'} IS NOT {d} "
            f"OR {pending % 'credit_account_id'} IS NOT {c})",
            "not_pending: a resolution resolves a pending transfer between the same accounts",
        ),
        (
            f"NEW.kind = 'post' AND NEW.amount > {pending % 'amount'}",
            "exceeds_pending: a posting moves no more than the pending transfer holds",
        ),
        (
            f"NEW.kind = 'post' AND {pending % 'expires_at'} IS NOT NULL "
            f"AND NEW.booked_at >= {pending % 'expires_at'}",
            "pending_expired: the pending transfer has expired",
        ),
        (
            f"NEW.kind IN ('void', 'expire') AND NEW.amount IS NOT {pending % 'amount'}",
            "void_amount: voiding or expiring releases exactly what is held",
        ),
        (
            f"NEW.kind = 'expire' AND ({pending % 'expires_at'} IS NULL "
            f"OR NEW.booked_at < {pending % 'expires_at'})",
            "not_expired: the pending transfer has not expired",
        ),
        (
            f"NEW.reverses_id IS NOT NULL AND ({reversed_ % 'kind'} NOT IN ('posted', 'post') "
            f"OR {reversed_ % 'debit_account_id'} IS NOT {c} "
            f"OR {reversed_ % 'credit_account_id'} IS NOT {d})",
            "reversal_mismatch: a reversal swaps a posted transfer's accounts",
        ),
        (
            "NEW.reverses_id IS NOT NULL AND (SELECT COALESCE(sum(amount), 0) FROM ledger_transfer "
            f"WHERE reverses_id = NEW.reverses_id) + NEW.amount > {reversed_ % 'amount'}",
            "exceeds_reversible: the reversals exceed the transfer they reverse",
        ),
        (
            " OR ".join(f"NEW.{column} IS NOT ({value})" for column, value in expected.items()),
            "balances_do_not_follow: the balances on a transfer are its accounts' previous "
            "balances moved by it",
        ),
        (
            f"{account % ('debits_must_not_exceed_credits', d)} "
            "AND NEW.dr_debits_pending + NEW.dr_debits_posted > NEW.dr_credits_posted",
            "exceeds_credits: the debit account would spend more than it holds",
        ),
        (
            f"{account % ('credits_must_not_exceed_debits', c)} "
            "AND NEW.cr_credits_pending + NEW.cr_credits_posted > NEW.cr_debits_posted",
            "exceeds_debits: the credit account would take more than it gave",
        ),
    ]
    body = " ".join(
        f"SELECT RAISE(ABORT, 'ledger: {message.replace(chr(39), chr(39) * 2)}') WHERE {condition};"
        for condition, message in rules
    )
    return f"CREATE TRIGGER ledger_transfer_check BEFORE INSERT ON ledger_transfer BEGIN {body} END"


def sqlite_statements() -> list[str]:
    statements = []
    for table in TABLES:
        refuse = f"SELECT RAISE(ABORT, 'ledger: {table} rows are append-only')"
        statements += [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN {refuse}; END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN {PURGE_FUNCTION}() = 0 BEGIN {refuse}; END",
        ]
    statements.append(_sqlite_check())
    return statements


def create(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": sqlite_statements, "postgresql": postgresql_statements}[vendor]()
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop(schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for statement in sqlite_statements():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
        return
    for table in TABLES:
        for suffix in ("append_only", "no_truncate"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table}")
    schema_editor.execute("DROP TRIGGER IF EXISTS ledger_transfer_check ON ledger_transfer")
    for function in (
        "ledger_transfer_check()",
        "ledger_latest_balances(bigint)",
        "ledger_refuse_change()",
    ):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")


@contextmanager
def purging(connection):
    """Let Django's flush TRUNCATE the ledger's tables on PostgreSQL (test harnesses only)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_truncate")

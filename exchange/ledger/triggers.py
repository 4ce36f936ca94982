"""The database keeps the ledger honest, whatever client writes to it.

1. No row of any ledger table is ever updated or deleted, and PostgreSQL refuses TRUNCATE of them.
2. A transfer is checked as it is inserted, against the rows already there: its day is not
   sealed; both accounts exist in its currency; a posting, voiding or expiry resolves a pending transfer between the same
   accounts, for no more than it holds (posting) or exactly what it holds (voiding, expiring),
   before (posting) or after (expiring) it expires, and once (a unique index); a reversal swaps
   a posted transfer's accounts and all its reversals together stay within its amount; the
   balances the row carries are its accounts' previous balances moved by exactly this transfer;
   and no account goes past its limit.

On PostgreSQL the check runs once per statement over all the rows it inserted (a statement-level
trigger over its transition table: a batch pays per account, not per row); it first locks their
accounts in id order, and refuses a transfer that would land among or before another of the same
accounts. On SQLite one writer holds the database at a time, and the same rules run per row as
trigger statements (a trigger there cannot call a function).

Test harnesses empty the tables between tests: on SQLite inside ``allow_purge()``, as the
registry's tables; on PostgreSQL ``purging()`` switches the TRUNCATE guards off for Django's flush.
"""

from contextlib import contextmanager

from exchange.models import BusinessClock
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

# An account's balances as its latest transfer (below id ``below``) left them, and that transfer's
# id (0: none). In plpgsql, not SQL: its statements' plans are kept for the session (an SQL
# function's are made again on every call, which cost more than the lookups themselves).
_PG_BALANCES_OF = """CREATE OR REPLACE FUNCTION ledger_latest_balances(
    account bigint, below bigint DEFAULT 9223372036854775807
) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    debit_id bigint;
    debit_balances bigint[];
    credit_id bigint;
    credit_balances bigint[];
BEGIN
    SELECT id, ARRAY[dr_debits_pending, dr_debits_posted, dr_credits_pending, dr_credits_posted]
        INTO debit_id, debit_balances FROM ledger_transfer
        WHERE debit_account_id = account AND id < below ORDER BY id DESC LIMIT 1;
    SELECT id, ARRAY[cr_debits_pending, cr_debits_posted, cr_credits_pending, cr_credits_posted]
        INTO credit_id, credit_balances FROM ledger_transfer
        WHERE credit_account_id = account AND id < below ORDER BY id DESC LIMIT 1;
    IF debit_id IS NULL AND credit_id IS NULL THEN
        RETURN ARRAY[0, 0, 0, 0, 0]::bigint[];
    ELSIF credit_id IS NULL OR (debit_id IS NOT NULL AND debit_id > credit_id) THEN
        RETURN debit_balances || debit_id;
    END IF;
    RETURN credit_balances || credit_id;
END $$"""

# What a write reads before it computes its rows, in one round trip: are these keys new? if so,
# its accounts locked in id order and, under the locks (so that nothing committed is missed): the
# business clock's setting (exchange.clock's row: NULL for real time), the last sealed day, each
# account's balances (five numbers each, as ledger_latest_balances) and ``count`` new transfer
# ids (drawn under the locks, so that each account's ids ascend). Planned afresh on each call
# (plan_cache_mode): a plan the session kept from when the table was small scans it whole for each
# of a batch's keys, and batches slow down as the ledger grows.
_PG_BEGIN = f"""CREATE OR REPLACE FUNCTION ledger_begin(
    keys text[], accounts bigint[], count integer,
    OUT replayed boolean, OUT clock_setting timestamptz, OUT last_sealed date,
    OUT balances bigint[], OUT ids bigint[]
) LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    account bigint;
BEGIN
    replayed := EXISTS (SELECT 1 FROM ledger_transfer WHERE key = ANY(keys));
    IF replayed THEN
        RETURN;
    END IF;
    PERFORM 1 FROM ledger_account WHERE id = ANY(accounts) ORDER BY id FOR UPDATE;
    SELECT simulated_now INTO clock_setting FROM exchange_businessclock
        WHERE id = {BusinessClock.SINGLETON_ID};
    SELECT max(business_date) INTO last_sealed FROM ledger_sealedday;
    balances := ARRAY[]::bigint[];
    FOREACH account IN ARRAY accounts LOOP
        balances := balances || ledger_latest_balances(account);
    END LOOP;
    SELECT array_agg(nextval('ledger_transfer_id_seq')) INTO ids FROM generate_series(1, count);
END $$"""

# Once per INSERT or COPY statement, over all its rows together (the transition table ``fresh``):
# a batch of a thousand transfers costs a few lookups per account it touches, not per row.
_PG_CHECK = """CREATE OR REPLACE FUNCTION ledger_transfers_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    accounts bigint[];
    first_day date;
    last_sealed date;
    resolutions bigint;
    reversals bigint;
    bad record;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        -- The checks below read what others committed after this transaction began.
        RAISE EXCEPTION 'ledger: isolation: transfers are written at READ COMMITTED, not %',
            current_setting('transaction_isolation') USING ERRCODE = 'check_violation';
    END IF;
    SELECT array_agg(DISTINCT f.debit_account_id) || array_agg(DISTINCT f.credit_account_id),
           min(f.business_date), count(*) FILTER (WHERE f.kind IN ('post', 'void', 'expire')),
           count(*) FILTER (WHERE f.reverses_id IS NOT NULL),
           (SELECT max(business_date) FROM ledger_sealedday)
        INTO accounts, first_day, resolutions, reversals, last_sealed FROM fresh f;
    -- The accounts, locked in id order (the order every writer takes them in): from here on each
    -- statement sees every transfer of them that anyone has committed.
    PERFORM 1 FROM ledger_account WHERE id = ANY(accounts) ORDER BY id FOR UPDATE;
    SELECT f.key, f.currency, d.currency AS debit_currency, c.currency AS credit_currency INTO bad
        FROM fresh f JOIN ledger_account d ON d.id = f.debit_account_id
        JOIN ledger_account c ON c.id = f.credit_account_id
        WHERE d.currency <> f.currency OR c.currency <> f.currency ORDER BY f.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: currency_mismatch: transfer % in %, accounts in % and %',
            bad.key, bad.currency, bad.debit_currency, bad.credit_currency
            USING ERRCODE = 'check_violation';
    END IF;
    IF last_sealed >= first_day THEN
        RAISE EXCEPTION 'ledger: day_sealed: % is sealed; nothing more is booked on it',
            first_day USING ERRCODE = 'check_violation';
    END IF;
    IF resolutions > 0 THEN
        FOR bad IN
            SELECT f.key, f.kind, f.amount, f.booked_at, f.debit_account_id, f.credit_account_id,
                   p.id AS p_id, p.kind AS p_kind, p.amount AS p_amount,
                   p.expires_at AS p_expires, p.debit_account_id AS p_debit,
                   p.credit_account_id AS p_credit
            FROM fresh f LEFT JOIN ledger_transfer p ON p.id = f.pending_id
            WHERE f.kind IN ('post', 'void', 'expire') ORDER BY f.id
        LOOP
            IF bad.p_kind IS DISTINCT FROM 'pending' THEN
                RAISE EXCEPTION 'ledger: not_pending: transfer % resolves one that is not pending',
                    bad.key USING ERRCODE = 'check_violation';
            END IF;
            IF bad.p_debit <> bad.debit_account_id OR bad.p_credit <> bad.credit_account_id THEN
                RAISE EXCEPTION 'ledger: pending_accounts: a resolution moves the pending accounts'
                    USING ERRCODE = 'check_violation';
            END IF;
            IF bad.kind = 'post' THEN
                IF bad.amount > bad.p_amount THEN
                    RAISE EXCEPTION 'ledger: exceeds_pending: posting % of %', bad.amount,
                        bad.p_amount USING ERRCODE = 'check_violation';
                END IF;
                IF bad.p_expires IS NOT NULL AND bad.booked_at >= bad.p_expires THEN
                    RAISE EXCEPTION 'ledger: pending_expired: transfer % expired', bad.p_id
                        USING ERRCODE = 'check_violation';
                END IF;
            ELSE
                IF bad.amount <> bad.p_amount THEN
                    RAISE EXCEPTION 'ledger: void_amount: % releases exactly %', bad.kind,
                        bad.p_amount USING ERRCODE = 'check_violation';
                END IF;
                IF bad.kind = 'expire'
                   AND (bad.p_expires IS NULL OR bad.booked_at < bad.p_expires) THEN
                    RAISE EXCEPTION 'ledger: not_expired: transfer % has not expired', bad.p_id
                        USING ERRCODE = 'check_violation';
                END IF;
            END IF;
        END LOOP;
    END IF;
    IF reversals > 0 THEN
        SELECT f.key INTO bad FROM fresh f LEFT JOIN ledger_transfer r ON r.id = f.reverses_id
            WHERE f.reverses_id IS NOT NULL AND (r.kind IS NULL OR r.kind NOT IN ('posted', 'post')
                OR r.debit_account_id <> f.credit_account_id
                OR r.credit_account_id <> f.debit_account_id)
            ORDER BY f.id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger: reversal_mismatch: a reversal swaps a posted transfer''s '
                'accounts' USING ERRCODE = 'check_violation';
        END IF;
        SELECT r.id INTO bad FROM ledger_transfer r
            WHERE r.id IN (SELECT reverses_id FROM fresh WHERE reverses_id IS NOT NULL)
              AND (SELECT sum(amount) FROM ledger_transfer x WHERE x.reverses_id = r.id) > r.amount
            LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ledger: exceeds_reversible: transfer % has less left to reverse',
                bad.id USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    -- Each account's rows in id order: no one else's between or after this statement's (ids are
    -- drawn under the account's lock), and each row's balances are the previous row's (before
    -- the statement: the account's latest transfer) moved by exactly this transfer.
    SELECT span.account INTO bad FROM (
        SELECT account, min(id) AS low, count(*) AS legs FROM (
            SELECT id, debit_account_id FROM fresh UNION ALL SELECT id, credit_account_id FROM fresh
        ) AS leg(id, account) GROUP BY account
    ) span
    WHERE (SELECT count(*) FROM ledger_transfer t
               WHERE t.debit_account_id = span.account AND t.id >= span.low)
          + (SELECT count(*) FROM ledger_transfer t
               WHERE t.credit_account_id = span.account AND t.id >= span.low) <> span.legs
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: out_of_order: another transfer of account % lies among these',
            bad.account USING ERRCODE = 'check_violation';
    END IF;
    WITH moved AS (
        SELECT f.id, f.key,
               CASE WHEN f.kind = 'pending' THEN f.amount ELSE -COALESCE(p.amount, 0) END
                   AS pending_delta,
               CASE WHEN f.kind IN ('posted', 'post') THEN f.amount ELSE 0 END AS posted_delta,
               f.debit_account_id, f.credit_account_id,
               ARRAY[f.dr_debits_pending, f.dr_debits_posted, f.dr_credits_pending,
                     f.dr_credits_posted] AS dr,
               ARRAY[f.cr_debits_pending, f.cr_debits_posted, f.cr_credits_pending,
                     f.cr_credits_posted] AS cr
        FROM fresh f LEFT JOIN ledger_transfer p ON p.id = f.pending_id
    ), legs AS (
        SELECT id, key, debit_account_id AS account, dr AS after,
               ARRAY[dr[1] - pending_delta, dr[2] - posted_delta, dr[3], dr[4]] AS before
        FROM moved
        UNION ALL
        SELECT id, key, credit_account_id, cr,
               ARRAY[cr[1], cr[2], cr[3] - pending_delta, cr[4] - posted_delta]
        FROM moved
    ), chained AS (
        SELECT id, key, account, before,
               lag(after) OVER (PARTITION BY account ORDER BY id) AS previous
        FROM legs
    )
    SELECT key INTO bad FROM chained
        WHERE before IS DISTINCT FROM COALESCE(
            previous, (ledger_latest_balances(account, id))[1:4])
        ORDER BY id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: balances_do_not_follow: the balances on transfer % are not the '
            'accounts'' previous balances moved by it', bad.key USING ERRCODE = 'check_violation';
    END IF;
    SELECT f.key, d.id INTO bad FROM fresh f JOIN ledger_account d ON d.id = f.debit_account_id
        WHERE d.debits_must_not_exceed_credits
          AND f.dr_debits_pending + f.dr_debits_posted > f.dr_credits_posted
        ORDER BY f.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: exceeds_credits: account % would spend more than it holds (%)',
            bad.id, bad.key USING ERRCODE = 'check_violation';
    END IF;
    SELECT f.key, c.id INTO bad FROM fresh f
        JOIN ledger_account c ON c.id = f.credit_account_id
        WHERE c.credits_must_not_exceed_debits
          AND f.cr_credits_pending + f.cr_credits_posted > f.cr_debits_posted
        ORDER BY f.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: exceeds_debits: account % would take more than it gave (%)',
            bad.id, bad.key USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$"""


def postgresql_statements() -> list[str]:
    statements = [_PG_REFUSE, _PG_BALANCES_OF, _PG_BEGIN, _PG_CHECK]
    for table in TABLES:
        statements += [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
        ]
    statements.append(
        "CREATE TRIGGER ledger_transfers_check AFTER INSERT ON ledger_transfer "
        "REFERENCING NEW TABLE AS fresh FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfers_check()"
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
            # An id given (Python draws them) below a transfer of these accounts already there.
            f"NEW.id > 0 AND NEW.id < (SELECT max(id) FROM ledger_transfer WHERE "
            f"debit_account_id IN ({d}, {c}) OR credit_account_id IN ({d}, {c}))",
            "out_of_order: a later transfer of these accounts exists",
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


def create_begin(schema_editor) -> None:
    """(Re)create ledger_begin alone, on PostgreSQL (migration 0004)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_PG_BEGIN, params=None)


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
    for trigger in ("ledger_transfers_check", "ledger_transfer_check"):  # now, and before 0003
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON ledger_transfer")
    for function in (
        "ledger_begin(text[], bigint[], integer)",
        "ledger_begin(text[], bigint[], date, integer)",
        "ledger_transfers_check()",
        "ledger_transfer_check()",
        "ledger_latest_balances(bigint, bigint)",
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

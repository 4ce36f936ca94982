"""Database triggers that keep the registry append-only, whatever client writes to the database.

Entries, checkpoints and certificates refuse every update and delete; a tile may only grow until
it is full (256 hashes), after which it never changes. PostgreSQL's TRUNCATE (Django's flush) is
not a row change and passes. SQLite's flush deletes row by row, so its delete triggers ask a
function that Django registers on its own connections: it allows the delete only inside
``allow_purge()`` (the test harness's flush); any other client has no such function and fails.
"""

from contextlib import contextmanager

from django.db.backends.signals import connection_created

APPEND_ONLY_TABLES = ("registry_logbundlepart", "registry_checkpoint", "registry_certificate")
# Before migration 0006 the entries were one a row, in registry_logentry.
APPEND_ONLY_TABLES_BEFORE_0006 = (
    "registry_logentry",
    "registry_checkpoint",
    "registry_certificate",
)
TILE_TABLE = "registry_logtile"
TILE_BYTES = 256 * 32
PURGE_FUNCTION = "registry_purge_allowed"

_purge_allowed = False


@contextmanager
def allow_purge():
    """Let this process empty the registry tables (the test harness's flush between tests)."""
    global _purge_allowed
    _purge_allowed = True
    try:
        yield
    finally:
        _purge_allowed = False


def register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            PURGE_FUNCTION, 0, lambda: int(_purge_allowed), deterministic=False
        )


connection_created.connect(register_sqlite_function, dispatch_uid="registry_purge_function")


def sqlite_statements(append_only: tuple[str, ...] = APPEND_ONLY_TABLES) -> list[str]:
    refuse = "SELECT RAISE(ABORT, '{table} rows are append-only')"
    statements = []
    for table in append_only:
        statements += [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN {refuse.format(table=table)}; END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN {PURGE_FUNCTION}() = 0 BEGIN {refuse.format(table=table)}; END",
        ]
    statements += [
        f"CREATE TRIGGER {TILE_TABLE}_extend_only BEFORE UPDATE ON {TILE_TABLE} "
        f"WHEN length(OLD.hashes) >= {TILE_BYTES} OR NEW.level != OLD.level "
        'OR NEW."index" != OLD."index" '
        "OR substr(NEW.hashes, 1, length(OLD.hashes)) != OLD.hashes "
        f"BEGIN SELECT RAISE(ABORT, '{TILE_TABLE}: a tile may only grow until it is full'); END",
        f"CREATE TRIGGER {TILE_TABLE}_no_delete BEFORE DELETE ON {TILE_TABLE} "
        f"WHEN {PURGE_FUNCTION}() = 0 "
        f"BEGIN SELECT RAISE(ABORT, '{TILE_TABLE} rows are append-only'); END",
    ]
    return statements


def postgresql_statements(append_only: tuple[str, ...] = APPEND_ONLY_TABLES) -> list[str]:
    statements = [
        """CREATE OR REPLACE FUNCTION registry_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION registry_tile_extend_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION '{TILE_TABLE} rows are append-only';
            END IF;
            IF length(OLD.hashes) >= {TILE_BYTES}
               OR NEW.level <> OLD.level OR NEW.index <> OLD.index
               OR substring(NEW.hashes FROM 1 FOR length(OLD.hashes)) <> OLD.hashes THEN
                RAISE EXCEPTION '{TILE_TABLE}: a tile may only grow until it is full';
            END IF;
            RETURN NEW;
        END $$""",
    ]
    for table in append_only:
        statements.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION registry_refuse_change()"
        )
    statements.append(
        f"CREATE TRIGGER {TILE_TABLE}_extend_only BEFORE UPDATE OR DELETE ON {TILE_TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION registry_tile_extend_only()"
    )
    return statements


def sqlite_trigger_names(append_only: tuple[str, ...] = APPEND_ONLY_TABLES) -> list[str]:
    return [statement.split()[2] for statement in sqlite_statements(append_only)]


def create(schema_editor, append_only: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    """Make the triggers; a migration names the tables as they were at its point in history."""
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": sqlite_statements, "postgresql": postgresql_statements}[vendor]
    for statement in statements(append_only):
        schema_editor.execute(statement, params=None)


def drop(schema_editor, append_only: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    tables = (*append_only, TILE_TABLE)
    if schema_editor.connection.vendor == "sqlite":
        for name in sqlite_trigger_names(append_only):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for table in tables:
        suffix = "extend_only" if table == TILE_TABLE else "append_only"
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS registry_refuse_change()")
    schema_editor.execute("DROP FUNCTION IF EXISTS registry_tile_extend_only()")

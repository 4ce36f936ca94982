"""The benchmarks' throw-away PostgreSQL databases: created with a random name, dropped after.

Only names with the benchmark prefix are ever dropped, and never the project's or the server's.
"""

import secrets

PROTECTED_DATABASES = frozenset({"exchange", "exchange_ci", "postgres", "template0", "template1"})
DATABASE_PREFIX = "exchange_bench_"


def create_database(server: str) -> str:
    import psycopg
    from psycopg import sql

    name = f"{DATABASE_PREFIX}{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_database(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    if not name.startswith(DATABASE_PREFIX) or name in PROTECTED_DATABASES:
        raise ValueError(f"Refusing to drop {name!r}: not a benchmark database.")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

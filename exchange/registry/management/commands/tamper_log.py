"""``manage.py tamper_log --index N``: the classroom's tamper demo, on a copy of the database.

Copies the database (SQLite: a file next to it; PostgreSQL: a new database made from it), then,
in the copy only, does what an insider with database access could: switches off the append-only
triggers, changes one character of entry N's stored bytes (in the part of its bundle that holds it), and switches them back on. Point the
project at the copy (the command prints how) and ``verify_log``, the certificate page and the API
all report entry N. The database in use is never touched.
"""

import sqlite3
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from exchange.registry import log, tiles
from exchange.registry.models import LogBundlePart

TABLE = LogBundlePart._meta.db_table  # its triggers: exchange/registry/triggers.py


def altered(data: bytes) -> bytes:
    """One character changed where nobody would look: the last hex digit of the content digest,
    so the entry is still valid JSON of the same length."""
    marker = b'"content_sha256":"'
    start = data.find(marker)
    if start < 0:
        position = len(data) // 2
        return data[:position] + bytes([data[position] ^ 1]) + data[position + 1 :]
    position = start + len(marker) + 63
    digit = b"0" if data[position : position + 1] != b"0" else b"1"
    return data[:position] + digit + data[position + 1 :]


class Command(BaseCommand):
    help = "Copy the database and secretly alter one log entry in the copy (a tamper demo)."

    def add_arguments(self, parser):
        parser.add_argument("--index", type=int, required=True, help="The entry to alter.")
        parser.add_argument(
            "--copy",
            help="SQLite: the copy's path (default: var/tampered-<time>.sqlite3); "
            "PostgreSQL: the copy's database name (default: <name>_tampered_<time>).",
        )

    def handle(self, *args, index: int, copy: str | None, **options):
        if log.entry(index) is None:
            raise CommandError(f"index: the log has no entry {index}")
        # The entry lives in a part of its bundle: the part is stored again with it altered.
        part = LogBundlePart.objects.filter(first__lte=index).order_by("-first").first()
        entries = tiles.unpack_entries(bytes(part.data))
        entries[index - part.first] = altered(entries[index - part.first])
        first, forged = part.first, tiles.pack_entries(entries)
        stamp = datetime.now().strftime("%Y%m%d%H%M%S")
        if connection.vendor == "sqlite":
            url = self._sqlite(
                copy or str(settings.VAR_DIR / f"tampered-{stamp}.sqlite3"), first, forged
            )
        elif connection.vendor == "postgresql":
            url = self._postgresql(
                copy or f"{connection.settings_dict['NAME']}_tampered_{stamp}", first, forged
            )
        else:
            raise CommandError(f"tamper_log does not know the {connection.vendor} database")
        self.stdout.write(
            f"Entry {index} altered in a copy of the database; the original is untouched."
        )
        self.stdout.write("See who notices:")
        self.stdout.write(f"  DATABASE_URL={url} python manage.py verify_log")
        self.stdout.write(
            f"  DATABASE_URL={url} python manage.py runserver   # then open the certificate"
        )

    def _sqlite(self, path: str, first: int, forged: bytes) -> str:
        source = Path(connection.settings_dict["NAME"]).resolve()
        target = Path(path).resolve()
        if target == source:
            raise CommandError("copy: the copy must not be the database in use")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as original, sqlite3.connect(target) as duplicate:
            original.backup(duplicate)
        with sqlite3.connect(target) as duplicate:
            rows = duplicate.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                (TABLE,),
            ).fetchall()
            for name, _ in rows:
                duplicate.execute(f"DROP TRIGGER {name}")
            duplicate.execute(f"UPDATE {TABLE} SET data = ? WHERE first = ?", (forged, first))
            for _, sql in rows:
                duplicate.execute(sql)
        return f"sqlite:///{target}"

    def _postgresql(self, name: str, first: int, forged: bytes) -> str:
        import psycopg
        from psycopg import sql

        params = connection.get_connection_params()
        source = connection.settings_dict["NAME"]
        if name == source:
            raise CommandError("copy: the copy must not be the database in use")
        connection.close()  # CREATE DATABASE … TEMPLATE needs the source free of sessions
        server = {
            key: value
            for key, value in params.items()
            if key not in ("dbname", "cursor_factory", "context")
        }
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(source)
                )
            )
        trigger = f"{TABLE}_append_only"
        with psycopg.connect(dbname=name, **server) as duplicate:
            duplicate.execute(
                sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(
                    sql.Identifier(TABLE), sql.Identifier(trigger)
                )
            )
            duplicate.execute(
                sql.SQL("UPDATE {} SET data = %s WHERE first = %s").format(sql.Identifier(TABLE)),
                (forged, first),
            )
            duplicate.execute(
                sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(
                    sql.Identifier(TABLE), sql.Identifier(trigger)
                )
            )
        user = server.get("user", "")
        host = server.get("host", "")
        port = server.get("port", "")
        return f"postgres://{user}@{host}:{port}/{name}" if host else f"postgres:///{name}"

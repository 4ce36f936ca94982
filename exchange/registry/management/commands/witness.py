"""``manage.py witness --state FILE [--url URL] [--vkey VKEY]``: witness a certificate log.

Keeps the last checkpoint it accepted in FILE and accepts the log's latest one only if a
consistency proof shows that it extends that one (RFC 9162 §2.1.4.2); then saves it, atomically.
A smaller size, another root for the same size, or a failing proof is refused: exit 1, FILE
untouched. The witness is the standalone ``exchange/registry/tlogcheck.py`` (``witness``), which
anyone can run without this project; this command only runs it from ``manage.py``. It talks to the
log over HTTP like any outsider, never through the database.
"""

import sys

from django.core.management.base import BaseCommand

from exchange.registry import tlogcheck


class Command(BaseCommand):
    help = (
        "Witness a certificate log: accept its latest checkpoint only if it extends the one "
        "accepted last (kept in --state)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="The exchange whose log to witness (default: http://127.0.0.1:8000).",
        )
        parser.add_argument(
            "--state", required=True, help="The file holding the checkpoint accepted last."
        )
        parser.add_argument(
            "--vkey",
            default=None,
            help="The log's verifier key, or a file holding it (default: trust the key the log "
            "serves, on first use).",
        )

    def handle(self, *args, url: str, state: str, vkey: str | None, **options):
        code = tlogcheck.run_witness(url, state=state, vkey=vkey, out=self.stdout, err=self.stderr)
        if code:
            sys.exit(code)

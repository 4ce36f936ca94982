"""``manage.py verify_log``: check the whole certificate log from the stored bytes.

Exit 0 when every entry, tile, checkpoint root and signature holds. Otherwise exit 1; the first
line on stdout is ``entry <index>`` for the first bad entry (when an entry broke), followed by
every problem found.
"""

import sys

from django.core.management.base import BaseCommand

from exchange.registry.verify import verify_log


class Command(BaseCommand):
    help = (
        "Verify the certificate transparency log: entries, tiles, checkpoint roots and signatures."
    )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]

        def progress(done: int, total: int) -> None:
            if verbosity and sys.stderr.isatty():
                self.stderr.write(f"\r  {done:,}/{total:,} entries", ending="")

        report = verify_log(progress=progress)
        if verbosity and sys.stderr.isatty():
            self.stderr.write("")
        if report.ok:
            self.stdout.write(
                f"ok: {report.entries} entries, {report.checkpoints} checkpoints, "
                f"{report.tiles} tiles verified"
            )
            return
        if report.bad_entry is not None:
            self.stdout.write(f"entry {report.bad_entry}")
        for problem in report.problems:
            self.stdout.write(problem)
        sys.exit(1)

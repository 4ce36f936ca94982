"""``manage.py verify_log [--workers N]``: check the whole certificate log from the stored bytes.

Exit 0 when every entry, tile, checkpoint root and signature holds. Otherwise exit 1; the first
line on stdout is ``entry <index>`` for the first bad entry (when an entry broke), followed by
every problem found. The report is the same whatever the number of workers.
"""

import os
import sys

from django.core.management.base import BaseCommand, CommandError

from exchange.registry.verify import verify_log

# Verifying is hashing plus reading the database: past a few processes the disk and the database
# are the limit, and a check run beside a live site should leave it cores to serve with.
MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """The CPUs this process may run on, at most MAX_DEFAULT_WORKERS."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return max(1, min(MAX_DEFAULT_WORKERS, available or os.cpu_count() or 1))


class Command(BaseCommand):
    help = (
        "Verify the certificate transparency log: entries, tiles, checkpoint roots and signatures."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Processes that hash the entries, each with its own database connection "
            f"(default: the CPUs available, at most {MAX_DEFAULT_WORKERS}; 1 checks in this "
            "process).",
        )

    def handle(self, *args, workers: int, **options):
        if workers < 1:
            raise CommandError("workers: give at least 1")
        verbosity = options["verbosity"]

        def progress(done: int, total: int) -> None:
            if verbosity and sys.stderr.isatty():
                self.stderr.write(f"\r  {done:,}/{total:,} entries", ending="")

        report = verify_log(progress=progress, workers=workers)
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

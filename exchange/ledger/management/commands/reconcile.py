"""``manage.py reconcile``: prove the ledger (and whatever else registers a check).

Exits 0 with a last line beginning ``reconciled:`` and the figures checked; otherwise exits 1
after naming every difference, the first one first.
"""

import sys

from django.core.management.base import BaseCommand

from exchange.ledger.reconcile import reconcile


class Command(BaseCommand):
    help = "Recompute the ledger from its transfers and compare every stored figure."

    def handle(self, *args, **options):
        report = reconcile(say=lambda line: self.stdout.write(line))
        if report.ok:
            self.stdout.write(report.summary())
            return
        for problem in report.problems:
            self.stderr.write(f"difference: {problem}")
        self.stdout.write(
            f"not reconciled: {len(report.problems)} difference(s); the first: {report.problems[0]}"
        )
        sys.exit(1)

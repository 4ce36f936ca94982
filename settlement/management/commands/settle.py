"""``manage.py settle [--date YYYY-MM-DD]``: the day's settlement batch (T+1).

Clears any accepted order still waiting, puts every order cleared before the day into the day's
batch, pays each payee its net to the simulated bank and registers the batch in the certificate
log. Running it again, or after a crash, finishes the batch and settles each order once. The last
line begins ``settled:`` with the batch's figures; on a day that is not a working day it says when
the next batch is and exits 0; a day that has not begun exits 1.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from exchange.errors import RuleViolation
from settlement.clearing import settle

parse_day = date.fromisoformat


class Command(BaseCommand):
    help = "Settle a working day's batch: pay each merchant its cleared orders of the day before."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            help="the settlement day, YYYY-MM-DD (default: today on the business clock)",
        )

    def handle(self, *args, date=None, **options):
        if isinstance(date, str):  # call_command("settle", date="2026-12-04")
            try:
                date = parse_day(date)
            except ValueError as error:
                raise CommandError(f"--date is a day, YYYY-MM-DD, not {date!r}") from error
        try:
            batch = settle(date, say=lambda line: self.stdout.write(line))
        except RuleViolation as error:
            if error.code == "not_a_working_day":
                self.stdout.write(f"nothing settles: {error.message}")
                return
            raise CommandError(error.message) from error
        certificate = batch.certificate.number if batch.certificate else "—"
        self.stdout.write(
            f"settled: {batch.business_date.isoformat()}, orders {batch.orders.count()}, "
            f"payouts {batch.lines.count()}, paid {batch.total.to_api()} {batch.currency}, "
            f"certificate {certificate}"
        )

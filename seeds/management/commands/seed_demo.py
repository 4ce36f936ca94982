from django.conf import settings
from django.core.management.base import BaseCommand

from exchange.registry import log
from seeds.demo import DEMO_PASSWORD, seed_demo

QUIET_MAIL = "django.core.mail.backends.locmem.EmailBackend"


class Command(BaseCommand):
    help = "Load the demo exchange (idempotent): accounts for every role, merchants at every onboarding state."

    def add_arguments(self, parser):
        parser.add_argument(
            "--send-mail",
            action="store_true",
            help="Send the demo's notification e-mails through EMAIL_BACKEND (by default they are kept in memory).",
        )

    def handle(self, *args, send_mail=False, **options):
        if not send_mail:
            # Demo accounts have made-up addresses; in-process e-mail (eager Celery) stays in memory.
            settings.MAILERS = {**settings.MAILERS, "default": {"BACKEND": QUIET_MAIL}}
        report = seed_demo(progress=lambda message: self.stdout.write(f"  {message}"))
        if report.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {len(report.created_accounts)} accounts, "
                    f"{len(report.created_merchants)} merchants, {len(report.created_products)} data products, "
                    f"{len(report.created_transfers)} ledger transfers, "
                    f"{len(report.created_orders)} orders. "
                    f"Demo password: {DEMO_PASSWORD}"
                )
            )
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        latest = log.latest_checkpoint()
        if latest is not None:
            self.stdout.write(
                f"Certificate log: {latest.size} entries, all covered by the checkpoint signed "
                f"by {log.verifier_key(latest.key)}"
            )

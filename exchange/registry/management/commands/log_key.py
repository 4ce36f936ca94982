"""``manage.py log_key``: the certificate log's verifier key, or ``--generate`` a new signer key.

    python manage.py log_key                      # the note verifier key of the log in use
    python manage.py log_key --generate [--origin registry.exchange.example.com/log]

``--generate`` prints a signer key for REGISTRY_LOG_SIGNER_KEY on the first line and its verifier
key on the second; it stores nothing.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from exchange.registry import log, notes


class Command(BaseCommand):
    help = "Print the certificate log's verifier key, or generate a signer key for production."

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="Print a new signer key.")
        parser.add_argument("--origin", default=None, help="The key's name: the log's origin.")

    def handle(self, *args, generate: bool, origin: str | None, **options):
        if generate:
            name = origin or settings.REGISTRY_LOG_ORIGIN
            seed = notes.generate_seed()
            self.stdout.write(notes.signer_key(name, seed))
            self.stdout.write(notes.verifier_key(name, notes.public_key_of(seed)))
            return
        self.stdout.write(log.verifier_key(log.latest_checkpoint().key))

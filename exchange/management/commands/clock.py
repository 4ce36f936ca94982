"""Show or step the business clock (every deadline, notice period and settlement day reads it)."""

import re
from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from exchange import clock
from exchange.errors import DomainError

_STEP = re.compile(r"^(\d+)([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class Command(BaseCommand):
    help = "Show the business clock, set a simulated time, step it forward, or return to real time."

    def add_arguments(self, parser):
        parser.add_argument(
            "action", nargs="?", default="show", choices=["show", "set", "advance", "real"]
        )
        parser.add_argument(
            "value", nargs="?", help="set: 2026-12-01T09:00 (local time); advance: 3d, 12h or 30m"
        )

    def handle(self, *args, action, value=None, **options):
        try:
            if action == "set":
                clock.set_simulated_time(at=self._moment(value))
            elif action == "advance":
                clock.advance(by=self._step(value))
            elif action == "real":
                clock.use_real_time()
        except DomainError as error:
            raise CommandError(error.message) from error
        mode = "simulated" if clock.is_simulated() else "real time"
        self.stdout.write(f"{timezone.localtime(clock.now()):%Y-%m-%d %H:%M:%S %Z} ({mode})")

    def _moment(self, value) -> datetime:
        try:
            moment = datetime.fromisoformat(value or "")
        except ValueError as error:
            raise CommandError("set needs a date and time such as 2026-12-01T09:00") from error
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    def _step(self, value) -> timedelta:
        match = _STEP.match(value or "")
        if not match:
            raise CommandError("advance needs a step such as 3d, 12h or 30m")
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
